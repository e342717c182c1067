"""The bots answer every question type validly: right with the plan and full skill, plausibly
wrong (never refused) without."""

from __future__ import annotations

import random

import pytest

from quizwire.bot_answers import answer_plan, bot_answer
from quizwire.game import new_game, start_game
from quizwire.judge import Judged, judge
from quizwire.messages import AnswerMsg, PublicQuestion
from quizwire.packs import load_pack
from quizwire.quiz import Quiz

SHOWCASE = load_pack("showcase")


def _public(quiz: Quiz, index: int) -> PublicQuestion:
    one = Quiz(title=quiz.title, questions=(quiz.questions[index],))
    return PublicQuestion.from_game(start_game(new_game("G1", one, now_ms=0), 0).game)


@pytest.mark.parametrize("index", range(len(SHOWCASE.questions)))
def test_bots_answer_every_type_validly(index: int) -> None:
    question = SHOWCASE.questions[index]
    public = _public(SHOWCASE, index)
    plan = answer_plan(question)
    rng = random.Random(index)
    verdicts = []
    for skill, right in ((1.0, plan), (0.0, plan), (0.5, None)):
        for _ in range(30):
            fields = bot_answer(rng, public, right, skill)
            verdict = judge(question, AnswerMsg(question_id="q1", **fields), 1)
            assert isinstance(verdict, Judged), (fields, verdict)
            verdicts.append((skill, verdict))
    if plan is not None:
        assert all(v.fraction == 1 for s, v in verdicts if s == 1.0)
        assert any(v.fraction != 1 for s, v in verdicts if s == 0.0)
    else:
        assert all(v.fraction is None for _, v in verdicts)  # a poll: nothing is right


@pytest.mark.parametrize("index", range(len(SHOWCASE.questions)))
def test_every_public_question_round_trips_through_its_message(index: int) -> None:
    public = _public(SHOWCASE, index)
    assert PublicQuestion.from_dict(public.to_dict()) == public
