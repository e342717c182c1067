"""A long choice (76 characters) wraps at 80x24 with its lines under the text, not under the key
badge (a hanging indent)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tui.choices import ChoiceButton

from .scripted import scripted_app
from .test_snapshots import settle

pytestmark = pytest.mark.timeout(60)

LONG = "Amazon Simple Queue Service with a dead-letter queue and a visibility timers"  # 76 chars


def with_long_choice(tmp_path: Path) -> Any:
    app, session = scripted_app(tmp_path, "question")
    model = session.model
    assert model is not None and model.question is not None and len(LONG) == 76
    choices = (model.question.choices[0], LONG, *model.question.choices[2:])
    model.question = dataclasses.replace(model.question, choices=choices)
    return app


def shown_lines(button: ChoiceButton) -> list[str]:
    return [button.render_line(y).text.rstrip() for y in range(button.size.height)]


async def test_wrapped_lines_hang_under_the_text(tmp_path: Path) -> None:
    app = with_long_choice(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        button = app.screen.query_one("#choice-1", ChoiceButton)
        lines = [line for line in shown_lines(button) if line.strip()]
    assert len(lines) == 2, lines
    first, second = lines
    text_starts = first.index("Amazon")
    assert first[:text_starts].strip() == "◆ B"
    assert second[:text_starts].strip() == ""  # nothing under the badge
    assert second[text_starts] != " "  # the continuation starts right under the text
    assert " ".join((first[text_starts:] + " " + second.strip()).split()) == LONG


def test_long_choice_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    assert snap_compare(with_long_choice(tmp_path), terminal_size=(80, 24), run_before=before)
