"""Team mode (pure, stdlib only): team names, picking a team at join, and the team board.

A game is in team mode when it has 2-8 teams (from the quiz file's ``teams = [...]`` or the
game's ``teams`` option, which wins). Team names follow the nickname rules, shorter: 1-20
printable characters after trimming (Unicode spaces become plain spaces, runs collapse), no
control or invisible characters, unique after case folding and NFKC normalisation.

Joining: a player may name a team (matched case-insensitively, after folding: "red" joins
"Red"); without one they are put in the team with the fewest active members, the first declared
on a tie. Naming an unknown team, or any team in a game without teams, is refused
(:class:`TeamError`, codes ``unknown_team`` / ``no_teams``).

Team board: a team's score is the **mean** of its active members' scores (kicked and banned
players leave the mean), rounded half up to a whole point; a team with no active member scores
0. Teams are ranked by that score with the same competition ranking as players
(:func:`quizwire.ranks.competition_ranks`: "1, 2, 2, 4"); equal means share a rank and are
listed in the order the teams were declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quizwire.ranks import competition_ranks
from quizwire.text import describe_char, fold, normalize_spaces, unsafe_char

if TYPE_CHECKING:
    from quizwire.state import PlayerState

__all__ = [
    "MAX_TEAMS",
    "MAX_TEAM_NAME_LEN",
    "MIN_TEAMS",
    "TeamError",
    "TeamStanding",
    "choose_team",
    "clean_team_names",
    "mean_score",
    "team_board",
    "team_counts",
    "team_names_problems",
]

MIN_TEAMS = 2
MAX_TEAMS = 8
MAX_TEAM_NAME_LEN = 20
_RUNS = re.compile(r" {2,}")


class TeamError(ValueError):
    """A team could not be used: stable ``code`` and a message fit to show people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _clean_name(raw: object, label: str, problems: list[str]) -> str | None:
    if not isinstance(raw, str):
        problems.append(f"{label} must be a string")
        return None
    name = _RUNS.sub(" ", normalize_spaces(raw).strip())
    if not name:
        problems.append(f"{label} is empty")
        return None
    bad = unsafe_char(name)
    if bad is not None:
        problems.append(f"{label} contains a control or invisible character {describe_char(bad)}")
        return None
    if len(name) > MAX_TEAM_NAME_LEN:
        problems.append(f"{label} is too long ({len(name)} characters, max {MAX_TEAM_NAME_LEN})")
        return None
    return name


def team_names_problems(raw: object) -> tuple[tuple[str, ...], list[str]]:
    """The cleaned team names of ``raw`` (a list of strings; empty: no team mode) and every
    problem found, one line each (the names are only good if there is no problem)."""
    if not isinstance(raw, list | tuple):
        return (), ["teams must be a list of team names"]
    if not raw:
        return (), []
    problems: list[str] = []
    if not MIN_TEAMS <= len(raw) <= MAX_TEAMS:
        problems.append(f"teams needs {MIN_TEAMS}-{MAX_TEAMS} names, got {len(raw)}")
    names: list[str] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(raw[:MAX_TEAMS]):
        name = _clean_name(item, f"team {i + 1}", problems)
        if name is None:
            continue
        key = fold(name)
        if key in seen:
            problems.append(f"team {i + 1} {name!r} is the same name as {seen[key]!r}")
            continue
        seen[key] = name
        names.append(name)
    return tuple(names), problems


def clean_team_names(raw: object) -> tuple[str, ...]:
    """Validated team names, or :class:`TeamError` (code ``bad_teams``) listing every problem."""
    names, problems = team_names_problems(raw)
    if problems:
        raise TeamError("bad_teams", "; ".join(problems))
    return names


def team_counts(teams: Sequence[str], players: Iterable[PlayerState]) -> dict[str, int]:
    """Active members per team (every team listed, empty ones with 0)."""
    counts = dict.fromkeys(teams, 0)
    for p in players:
        if p.active and p.team in counts:
            counts[p.team] += 1
    return counts


def choose_team(teams: Sequence[str], requested: object, counts: Mapping[str, int]) -> str:
    """The team a joining player goes to ("" in a game without teams).

    ``requested`` is what the player asked for (None or "" for no preference); ``counts`` the
    active members per team. Raises :class:`TeamError` for an unknown team, or any team in a
    game without teams.
    """
    wanted = requested.strip() if isinstance(requested, str) else requested
    if wanted is not None and not isinstance(wanted, str):
        raise TeamError("unknown_team", "The team must be given as its name.")
    if not teams:
        if wanted:
            raise TeamError("no_teams", "This game has no teams: join without one.")
        return ""
    if wanted:
        key = fold(wanted)
        for team in teams:
            if fold(team) == key:
                return team
        raise TeamError(
            "unknown_team",
            f"There is no team {wanted[:MAX_TEAM_NAME_LEN]!r} in this game; "
            f"teams: {', '.join(teams)}.",
        )
    return min(teams, key=lambda t: (counts.get(t, 0), teams.index(t)))


def mean_score(total: int, members: int) -> int:
    """``total / members`` rounded half up, exactly in integers (0 for no members)."""
    if members <= 0:
        return 0
    return (2 * total + members) // (2 * members)


@dataclass(frozen=True, slots=True)
class TeamStanding:
    """One team board row: ``score`` is the rounded mean of ``members`` active players."""

    rank: int
    name: str
    score: int
    members: int


def team_board(teams: Sequence[str], players: Iterable[PlayerState]) -> list[TeamStanding]:
    """Every team, best first, with competition ranks on the mean score (see module doc)."""
    totals = dict.fromkeys(teams, 0)
    counts = dict.fromkeys(teams, 0)
    for p in players:
        if p.active and p.team in totals:
            totals[p.team] += p.score
            counts[p.team] += 1
    means = {t: mean_score(totals[t], counts[t]) for t in teams}
    ordered = sorted(teams, key=lambda t: (-means[t], teams.index(t)))
    ranks = competition_ranks([means[t] for t in ordered])
    return [
        TeamStanding(rank=r, name=t, score=means[t], members=counts[t])
        for r, t in zip(ranks, ordered, strict=True)
    ]
