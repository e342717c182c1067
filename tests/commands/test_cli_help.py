"""Every command's --help says what it does, and every argument says what it is."""

from __future__ import annotations

import argparse

import pytest

from commands.cli import build_parser


def commands() -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []

    def walk(parser: argparse.ArgumentParser) -> None:
        found.append((parser.prog, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    walk(sub)

    walk(build_parser())
    return found


COMMANDS = commands()


def test_the_tree_has_the_commands_people_asked_about() -> None:
    progs = {prog for prog, _ in COMMANDS}
    wanted = {"demo", "host", "play", "swarm", "game players", "game kick", "game results"}
    assert {f"quizwire {name}" for name in wanted} <= progs


@pytest.mark.parametrize(("prog", "parser"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_each_command_has_a_description_and_every_argument_help(
    prog: str, parser: argparse.ArgumentParser
) -> None:
    assert parser.description and parser.description.strip(), f"{prog}: no description"
    text = parser.format_help()
    assert parser.description.split()[0] in text
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help and action.help.strip(), f"{prog}: {name} has no help"


def test_kick_says_how_to_find_a_player_id() -> None:
    (kick,) = [p for prog, p in COMMANDS if prog == "quizwire game kick"]
    assert "quizwire game players CODE" in kick.format_help()
