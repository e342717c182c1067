"""Game results per player and per question, as JSON-ready dicts and CSV (stdlib only).

Each question carries its ``type`` and its solution as text (``correct``: the letter of a
choice, the accepted answers of a text question joined by `` / ``, the items of an order
question joined by `` > ``, a number with its unit; empty for a poll). Each answer carries the
letter of the choice, or the literal ``value`` of a typed answer (the text as typed, once
cleaned; the order as the items; the number).

In team mode every player row carries its ``team``, the results carry the team board
(``teams``: name, score = rounded mean of the active members, rank, members) and the players
CSV has a ``team`` column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from quizwire.kinds import (
    CHOICE_KINDS,
    NUMBER_BUCKETS,
    ORDER_BUCKETS,
    TEXT_BUCKETS,
    Kind,
    bucket_edges,
)
from quizwire.kinds import format_number as number_text
from quizwire.leaderboard import rank_players
from quizwire.quiz import Question, letter
from quizwire.state import AnswerRecord, GameState, PlayerState
from quizwire.teams import team_board


def solution_text(question: Question) -> str:
    """The right answer of a question as one line of text ("" for a poll)."""
    kind = question.kind
    if kind in (Kind.CHOICE, Kind.TRUEFALSE):
        return letter(question.answer)
    if kind is Kind.TEXT:
        return " / ".join(question.accept)
    if kind is Kind.ORDER:
        return " > ".join(question.choices)
    if kind is Kind.NUMBER:
        return f"{number_text(question.target)} {question.unit}".strip()
    return ""


def answer_text(question: Question, record: AnswerRecord) -> str:
    """A typed answer as people read it: the text, the order as its items, the number."""
    if question.kind is Kind.ORDER:
        shown = question.public_choices
        try:
            return " > ".join(shown[int(i)] for i in record.value.split(","))
        except (ValueError, IndexError):
            return record.value
    if question.kind is Kind.NUMBER and question.unit:
        return f"{record.value} {question.unit}"
    return record.value


def bucket_labels(question: Question) -> list[str]:
    """What each count of a question counts."""
    if question.kind in CHOICE_KINDS:
        return list(question.choices)
    if question.kind is Kind.TEXT:
        return list(TEXT_BUCKETS)
    if question.kind is Kind.ORDER:
        return list(ORDER_BUCKETS)
    edges = bucket_edges(question.low, question.high)
    return [f"{edges[i]}..{edges[i + 1]}" for i in range(NUMBER_BUCKETS)]


def _answer(question: Question, r: AnswerRecord) -> dict[str, Any]:
    typed = question.kind not in CHOICE_KINDS
    return {
        "choice": None if typed else letter(r.choice),
        "value": answer_text(question, r) if typed else None,
        "correct": r.correct,
        "points": r.points,  # already includes the bonus
        "ms": r.elapsed_ms,
    }


def build_results(
    game: GameState, players: Iterable[PlayerState], answers: Iterable[AnswerRecord]
) -> dict[str, Any]:
    players = list(players)
    by_player: dict[str, dict[int, AnswerRecord]] = {}
    by_question: dict[int, list[AnswerRecord]] = {}
    for record in answers:
        by_player.setdefault(record.player_id, {})[record.question_index] = record
        by_question.setdefault(record.question_index, []).append(record)
    ranks = {s.player_id: s.rank for s in rank_players(players)}
    asked = game.question_index + 1 if game.question_index >= 0 else 0
    player_rows = []
    for p in sorted(players, key=lambda p: (ranks.get(p.player_id, 10**9), p.join_order)):
        mine = by_player.get(p.player_id, {})
        player_rows.append(
            {
                "rank": ranks.get(p.player_id),
                "playerId": p.player_id,
                "name": p.name,
                "status": p.status.value,
                "score": p.score,
                "correctCount": p.correct_count,
                "correctTimeMs": p.correct_ms,
                **({"team": p.team} if game.teams else {}),
                **({"extraTime": p.extra_time} if p.extra_time else {}),
                "answers": [
                    None if (r := mine.get(i)) is None else _answer(game.quiz.questions[i], r)
                    for i in range(asked)
                ],
            }
        )
    question_rows = []
    for i, question in enumerate(game.quiz.questions[:asked]):
        records = by_question.get(i, [])
        correct = [r for r in records if r.correct]
        counts = [0] * question.tally_size
        for r in records:
            if 0 <= r.choice < len(counts):
                counts[r.choice] += 1
        question_rows.append(
            {
                "index": i,
                "type": question.kind.value,
                "text": question.text,
                "correct": solution_text(question),
                "choices": list(question.choices),
                "counts": counts,
                "countsOf": bucket_labels(question),
                "answered": len(records),
                "correctCount": len(correct),
                "averageCorrectMs": round(sum(r.elapsed_ms for r in correct) / len(correct))
                if correct
                else None,
            }
        )
    results: dict[str, Any] = {
        "gameId": game.game_id,
        "title": game.quiz.title,
        "phase": game.phase.value,
        "questionsAsked": asked,
        "players": player_rows,
        "questions": question_rows,
    }
    if game.teams:
        results["teams"] = [
            {"rank": t.rank, "name": t.name, "score": t.score, "members": t.members}
            for t in team_board(game.teams, players)
        ]
    return results


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        # A cell that starts with = + - @ would run as a formula in a spreadsheet: quote it.
        writer.writerow(
            ["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row]
        )
    return out.getvalue()


def _answer_cell(a: dict[str, Any] | None) -> str:
    """``B+850`` for a choice; ``Paris (right, +850)`` for a typed answer (which may itself hold
    + or -): right, close (points without being exact) or wrong."""
    if a is None:
        return ""
    if a.get("value") is not None:
        verdict = "right" if a["correct"] else ("close" if a["points"] else "wrong")
        return f"{a['value']} ({verdict}, +{a['points']})"
    return f"{a['choice']}{'+' if a['correct'] else '-'}{a['points']}"


def players_csv(results: dict[str, Any]) -> str:
    asked = results["questionsAsked"]
    teams = "teams" in results
    header = ["rank", "player_id", "name", "status", "score", "correct", "correct_time_ms"]
    header += ["team"] if teams else []
    header += [f"q{i + 1}" for i in range(asked)]
    rows = []
    for p in results["players"]:
        cells: list[object] = [
            p["rank"],
            p["playerId"],
            p["name"],
            p["status"],
            p["score"],
            p["correctCount"],
            p["correctTimeMs"],
        ]
        cells += [p.get("team", "")] if teams else []
        cells += [_answer_cell(a) for a in p["answers"]]
        rows.append(cells)
    return _csv(header, rows)


def questions_csv(results: dict[str, Any]) -> str:
    header = [
        "question",
        "type",
        "text",
        "correct",
        "answered",
        "correct_count",
        "average_correct_ms",
        "counts",
    ]
    rows = [
        [
            q["index"] + 1,
            q.get("type", "choice"),
            q["text"],
            q["correct"],
            q["answered"],
            q["correctCount"],
            q["averageCorrectMs"] or "",
            " ".join(map(str, q["counts"])),
        ]
        for q in results["questions"]
    ]
    return _csv(header, rows)


def teams_csv(results: dict[str, Any]) -> str:
    """The team board (empty but for the header outside team mode)."""
    rows = [[t["rank"], t["name"], t["score"], t["members"]] for t in results.get("teams", [])]
    return _csv(["rank", "team", "score", "members"], rows)


def results_csv(results: dict[str, Any], table: str) -> str:
    """The CSV ``table`` (players, questions or teams) of ``results``."""
    if table == "questions":
        return questions_csv(results)
    if table == "teams":
        return teams_csv(results)
    return players_csv(results)
