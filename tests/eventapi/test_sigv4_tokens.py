"""Session tokens: long-term keys carry none, temporary ones exactly the issued one."""

from __future__ import annotations

import pytest

from eventapi.sigv4 import session_token_matches


@pytest.mark.parametrize(
    ("sent", "issued", "ok"),
    [
        (None, None, True),  # long-term key, no token: fine
        ("FAKE", None, False),  # a token with a long-term key: not one we issued
        (None, "role-token", False),  # temporary credentials without their token
        ("role-token", "role-token", True),
        ("role-tokeN", "role-token", False),
    ],
)
def test_session_token_matches(sent: str | None, issued: str | None, ok: bool) -> None:
    assert session_token_matches(sent, issued) is ok
