"""The footer names the answer keys the current question has: A-D/1-4 for four choices."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from player.screens.game import answer_keys

from .scripted import scripted_app
from .test_snapshots import settle

pytestmark = pytest.mark.timeout(60)


def test_answer_keys_follow_the_choice_count() -> None:
    assert [answer_keys(n) for n in (1, 2, 4, 6)] == ["A/1", "A-B/1-2", "A-D/1-4", "A-F/1-6"]


@pytest.mark.parametrize(("choices", "shown"), [(4, "A-D/1-4"), (2, "A-B/1-2"), (6, "A-F/1-6")])
async def test_the_footer_shows_this_questions_keys(
    tmp_path: Path, choices: int, shown: str
) -> None:
    app, session = scripted_app(tmp_path, "question")
    model = session.model
    assert model is not None and model.question is not None
    texts = ("Venus", "Mars", "Jupiter", "Saturn", "Mercury", "Neptune")[:choices]
    model.question = dataclasses.replace(model.question, choices=texts)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = [k.key_display for k in app.screen.query(FooterKey) if k.description == "Answer"]
    assert keys == [shown]
