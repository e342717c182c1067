"""Importers and question types: OpenTDB booleans are true/false, CSV carries every type."""

from __future__ import annotations

import pytest

from quizwire.importers import from_csv, from_opentdb
from quizwire.kinds import Kind
from quizwire.quiz import QuizError


def test_an_opentdb_boolean_is_a_truefalse_question() -> None:
    quiz = from_opentdb(
        {
            "response_code": 0,
            "results": [
                {
                    "type": "boolean",
                    "question": "The &quot;sky&quot; is blue.",
                    "correct_answer": "False",
                    "incorrect_answers": ["True"],
                }
            ],
        }
    )
    (q,) = quiz.questions
    assert q.kind is Kind.TRUEFALSE and q.text == 'The "sky" is blue.'
    assert q.choices == ("True", "False") and q.answer == 1


CSV = """type,question,choice_a,choice_b,choice_c,answer,accept,min,max,step,unit,tolerance,code,language
,Plain?,a,b,,B,,,,,,,,
truefalse,Is it?,,,,yes,,,,,,,,
poll,Which?,x,y,z,,,,,,,,,
text,Capital?,,,,,Paris|Paname,,,,,,,
order,Order them,first,second,third,,,,,,,,,
number,How far?,,,,42.5,,0,100,0.5,km,1,,
,What prints?,1,2,,B,,,,,,,"x = 1
print(x + 1)",python
"""


def test_a_csv_carries_every_type() -> None:
    quiz = from_csv(CSV, source="types.csv")
    kinds = [q.kind for q in quiz.questions]
    assert kinds == [
        Kind.CHOICE,
        Kind.TRUEFALSE,
        Kind.POLL,
        Kind.TEXT,
        Kind.ORDER,
        Kind.NUMBER,
        Kind.CHOICE,
    ]
    plain, tf, poll, text, order, number, code = quiz.questions
    assert plain.answer == 1 and tf.answer == 0 and poll.choices == ("x", "y", "z")
    assert text.accept == ("Paris", "Paname")
    assert order.choices == ("first", "second", "third")
    assert (number.low, number.high, number.target, number.step, number.unit, number.tolerance) == (
        0,
        100,
        42.5,
        0.5,
        "km",
        1,
    )
    assert code.code == "x = 1\nprint(x + 1)" and code.language == "python"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("number,How far?,,,,far,,0,100,,,,,", "question 1 (line 2): answer must be a number"),
        ("number,How far?,,,,5,,0,,,,,,", "question 1 (line 2): max is missing"),
        ("text,Capital?,,,,,,,,,,,,", "accept is missing"),
        ("poll,Which?,x,y,,A,,,,,,,,", "unknown key 'answer'"),
        ("truefalse,Is it?,,,,maybe,,,,,,,,", "answer must be true or false"),
        ("order,Order them,a,b,,,,,,,,,,", "needs 3-6 items, got 2"),
        ("riddle,What?,a,b,,A,,,,,,,,", "type must be one of choice, truefalse"),
    ],
)
def test_csv_type_problems_name_the_line(row: str, problem: str) -> None:
    header = CSV.splitlines()[0]
    with pytest.raises(QuizError) as info:
        from_csv(f"{header}\n{row}\n", source="bad.csv")
    assert problem in str(info.value)
