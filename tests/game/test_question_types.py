"""Every question type end to end on both backends: judged by the same rules, refused with
clear reasons, revealed with its solution, and carried literally to the presenter and results."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest

from quizwire.client.game_api import GameApiError
from quizwire.quiz import parse_quiz

from .conftest import EntryFor, PlayerFor, PresenterFor, StubFactory
from .harness import Player, Presenter

pytestmark = pytest.mark.timeout(120)

HOSTILE = "[bold red]pwned[/] \x1b[31mred\x07"

QUIZ: dict[str, Any] = {
    "title": "Every type",
    "defaults": {"ready_seconds": 0, "time_limit": 60},
    "questions": [
        {"type": "truefalse", "text": "The sky is blue.", "answer": True},
        {"type": "poll", "text": "Tea or coffee?", "choices": ["Tea", "Coffee", "Neither"]},
        {"type": "text", "text": "Capital of France?", "accept": ["Paris"]},
        {"type": "order", "text": "Smallest first", "items": ["one", "two", "three", "four"]},
        {
            "type": "number",
            "text": "How many?",
            "min": 0,
            "max": 100,
            "answer": 42,
            "unit": "cats",
            "code": 'print("hi")',
            "language": "python",
        },
    ],
}
SOLUTION = parse_quiz(QUIZ).questions[3].solution


def _refusal(score: dict[str, Any]) -> str:
    assert score["accepted"] is False, score
    return str(score["refusal"]["code"]) + ": " + str(score["refusal"]["message"])


async def _reveal(presenter: Presenter, code: str, index: int) -> dict[str, Any]:
    """The reveal of question ``index``: closed by the presenter unless everyone answered."""
    with contextlib.suppress(GameApiError):
        await presenter.admin.command(code, "reveal")
    return await presenter.inboxes["game"].wait(
        lambda m: m.get("type") == "question_closed" and m["index"] == index
    )


async def _next(presenter: Presenter, code: str, players: list[Player], index: int) -> None:
    await presenter.admin.command(code, "next")
    for p in players:
        await p.inboxes["question"].wait(lambda m: m.get("index") == index)


async def test_every_question_type_is_judged_revealed_and_exported(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    code = (await presenter.admin.create_game(quiz=QUIZ))["gameId"]
    await presenter.watch(code)
    entry = entry_for(stub.game_api)
    amy = player_for("Amy", code, stub.events.http_url, entry)
    bob = player_for("Bob", code, stub.events.http_url, entry)
    both = [amy, bob]
    for p in both:
        await p.join()
        await p.connect()
    await presenter.admin.command(code, "start")
    for p in both:
        await p.inboxes["question"].wait(lambda m: m.get("index") == 0)

    # 1. true/false: the question says so; two choices; a third is refused
    question = amy.inboxes["question"].messages[-1]
    assert question["kind"] == "truefalse" and question["choices"] == ["True", "False"]
    assert "bad_choice" in _refusal((await bob.answer("q1", 2)).score)
    assert (await amy.answer("q1", 0)).score["accepted"] is True
    assert (await bob.answer("q1", 1)).score["accepted"] is True
    reveal = await _reveal(presenter, code, 0)
    assert reveal["kind"] == "truefalse" and reveal["correct"] == 0 and reveal["counts"] == [1, 1]
    assert (await amy.result(0))["points"] > 0 and (await bob.result(0))["points"] == 0

    # 2. poll: no right answer, never scores, the reveal is the distribution
    await _next(presenter, code, both, 1)
    streak = (await amy.result(0))["streak"]
    await amy.answer("q2", 1)
    await bob.answer("q2", 1)
    reveal = await _reveal(presenter, code, 1)
    assert reveal["kind"] == "poll" and reveal["correct"] is None
    assert reveal["counts"] == [0, 2, 0] and reveal["fastest"] == []
    poll_result = await amy.result(1)
    assert poll_result["points"] == 0 and poll_result["streak"] == streak  # carried, not reset

    # 3. text: folded match; a choice is refused; hostile text is kept literally (controls gone)
    await _next(presenter, code, both, 2)
    assert "takes a text answer" in _refusal((await amy.answer("q3", 0)).score)
    too_long = await amy.publish_answer({"questionId": "q3", "text": "x" * 81})
    assert "too long (81 characters, max 80)" in _refusal(too_long.score)
    blank = await amy.publish_answer({"questionId": "q3", "text": " \x1b\t "})
    assert "empty" in _refusal(blank.score)
    mine = await amy.publish_answer({"questionId": "q3", "text": "  pÄRIS "})
    assert mine.score["accepted"] and mine.score["choice"] is None
    assert mine.score["correct"] is None  # locked in: nothing told before the reveal
    assert mine.score["value"] == "pÄRIS"
    again = await amy.publish_answer({"questionId": "q3", "text": "pÄRIS"})
    assert _refusal(again.score).startswith("duplicate")
    await bob.publish_answer({"questionId": "q3", "text": HOSTILE})
    feed = await presenter.inboxes["answer"].wait(
        lambda m: m.get("questionId") == "q3" and m.get("name") == "Bob"
    )
    assert feed["value"] == "[bold red]pwned[/] [31mred" and feed["choice"] is None
    reveal = await _reveal(presenter, code, 2)
    assert reveal["accepted"] == ["Paris"] and reveal["counts"] == [1, 1]
    assert reveal["correct"] is None
    assert (await amy.result(2))["correct"] is True
    assert (await bob.result(2))["value"] == "[bold red]pwned[/] [31mred"

    # 4. order: a permutation is required; exact scores full, a partial order part of it
    await _next(presenter, code, both, 3)
    order_q = amy.inboxes["question"].messages[-1]
    assert order_q["kind"] == "order" and sorted(order_q["choices"]) == sorted(
        ["one", "two", "three", "four"]
    )
    assert order_q["choices"] != ["one", "two", "three", "four"]  # shown shuffled
    bad = await bob.publish_answer({"questionId": "q4", "order": [0, 0, 1, 2]})
    assert "each once" in _refusal(bad.score)
    await amy.publish_answer({"questionId": "q4", "order": list(SOLUTION)})
    swapped = [SOLUTION[1], SOLUTION[0], SOLUTION[2], SOLUTION[3]]
    await bob.publish_answer({"questionId": "q4", "order": swapped})
    reveal = await _reveal(presenter, code, 3)
    assert reveal["order"] == list(SOLUTION) and reveal["counts"] == [1, 1, 0]
    exact, partial = await amy.result(3), await bob.result(3)
    assert exact["correct"] is True and partial["correct"] is False
    assert 0 < partial["points"] < exact["points"]

    # 5. number: in range only; closeness scores
    await _next(presenter, code, both, 4)
    number_q = amy.inboxes["question"].messages[-1]
    assert (number_q["min"], number_q["max"], number_q["unit"]) == (0, 100, "cats")
    assert number_q["code"] == 'print("hi")' and number_q["language"] == "python"
    out = await bob.publish_answer({"questionId": "q5", "number": 150})
    assert "from 0 to 100" in _refusal(out.score)
    await amy.publish_answer({"questionId": "q5", "number": 42})
    await bob.publish_answer({"questionId": "q5", "number": 50.5})
    reveal = await _reveal(presenter, code, 4)
    assert reveal["number"] == 42 and sum(reveal["counts"]) == 2
    near = await bob.result(4)
    assert near["correct"] is False and 0 < near["points"] < (await amy.result(4))["points"]

    # the results carry each type and each answer literally
    results = json.loads(await presenter.admin.results(code, "json"))
    types = [q["type"] for q in results["questions"]]
    assert types == ["truefalse", "poll", "text", "order", "number"]
    assert [q["correct"] for q in results["questions"]][2:] == [
        "Paris",
        "one > two > three > four",
        "42 cats",
    ]
    bob_row = next(r for r in results["players"] if r["name"] == "Bob")
    assert bob_row["answers"][2]["value"] == "[bold red]pwned[/] [31mred"
    assert bob_row["answers"][4]["value"] == "50.5 cats"
    csv_text = await presenter.admin.results(code, "csv")
    assert "[bold red]pwned[/] [31mred (wrong, +0)" in csv_text
    assert "\x1b" not in csv_text
