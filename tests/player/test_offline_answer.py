"""An answer locked while the connection is down waits to be sent: the screen says so (the
server times an answer when it arrives), and says "locked in" again once it is back."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventapi import ConnectionState

from .conftest import screen_text
from .scripted import scripted_app
from .test_snapshots import settle

pytestmark = pytest.mark.timeout(60)


async def test_a_choice_locked_offline_says_it_will_be_sent_on_reconnect(tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "locked")
    session.state = ConnectionState.RECONNECTING
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "not sent yet: you are offline. It will be sent when reconnected" in text
        assert "Locked in — wait for the reveal" not in text
        session.state = ConnectionState.CONNECTED
        await settle(pilot)
        text = screen_text(app)
        assert "Locked in — wait for the reveal" in text and "offline" not in text
