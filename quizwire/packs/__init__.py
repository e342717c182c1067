"""Bundled quiz packs (TOML files next to this module, shipped inside the wheel).

``list_packs()`` describes them; ``load_pack_or_file("general")`` or
``load_pack_or_file("~/my-quiz.toml")`` loads one. See :mod:`quizwire.quiz` for the format.

The packs are for practice: they ship *with their answers* in the one package that players
install too, so a player can look an answer up by the question's text. The game server needs
the answers to score, and host and player install the same wheel; hiding them in the wheel
(encrypted or hashed, with the key or the 2-6 choices right there) would only pretend. A real
competition uses the host's own quiz file, which only the server reads (:data:`PRACTICE_NOTE`
says so wherever a host picks a pack).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from quizwire.importers import load_any
from quizwire.quiz import Quiz, QuizError, loads_toml

__all__ = [
    "PRACTICE_NOTE",
    "PackInfo",
    "list_packs",
    "load_pack",
    "load_pack_or_file",
    "pack_names",
]

PRACTICE_NOTE = (  # two lines that fit an 80-column terminal
    "Bundled packs are for practice: players' Quizwire installs hold the answers.\n"
    "For a real competition use your own quiz file (see `quizwire quiz import`)."
)


@dataclass(frozen=True, slots=True)
class PackInfo:
    name: str
    title: str
    description: str
    count: int


def pack_names() -> list[str]:
    """Names of the bundled packs (file stems), sorted."""
    root = resources.files(__name__)
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in root.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )


def load_pack(name: str) -> Quiz:
    """Load a bundled pack by name. Raises :class:`QuizError` for an unknown name."""
    if name not in pack_names():
        raise QuizError([f"{name}: no such pack (bundled packs: {', '.join(pack_names())})"])
    entry = resources.files(__name__).joinpath(f"{name}.toml")
    return loads_toml(entry.read_text(encoding="utf-8"), f"{name}.toml")


def list_packs() -> list[PackInfo]:
    """Every bundled pack with its title, description and question count."""
    infos = []
    for name in pack_names():
        quiz = load_pack(name)
        infos.append(PackInfo(name, quiz.title, quiz.description, len(quiz.questions)))
    return infos


def load_pack_or_file(name_or_path: str | Path) -> Quiz:
    """Load a quiz from a file path (.toml, .json, .csv, Open Trivia DB .json) or a pack name.

    An existing file wins over a pack of the same name; otherwise a bare name is looked up among
    the bundled packs. Raises :class:`QuizError` with a clear message when neither exists.
    """
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return load_any(path)
    name = str(name_or_path)
    if name in pack_names():
        return load_pack(name)
    raise QuizError([f"{name}: no such file or pack (bundled packs: {', '.join(pack_names())})"])
