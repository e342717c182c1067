"""``quizwire game|quiz|profile …``: the game from the command line, for scripts and demos.

Whatever a server sends (names, titles, question text, messages) is printed through
:func:`quizwire.text.clean` or :func:`_json`, so no control sequence reaches the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from quizwire.state import Phase
from quizwire.text import INVISIBLE, clean, clean_lines


def _fail(message: str, code: int = 1) -> int:
    print(f"quizwire: {clean_lines(message)}", file=sys.stderr)
    return code


def _json(value: Any) -> str:
    """Indented JSON, readable (non-ASCII kept), with what JSON leaves raw but a terminal may act
    on (DEL, C1 controls, bidi and other format characters ...) escaped as ``\\uXXXX``: the same
    JSON to a program reading it."""
    return "\n".join(map(_json_line, json.dumps(value, indent=2, ensure_ascii=False).split("\n")))


def _json_line(line: str) -> str:
    if line.isprintable() and INVISIBLE.isdisjoint(line):
        return line
    return "".join(
        ch if ch.isprintable() and ch not in INVISIBLE else _json_escape(ch) for ch in line
    )


def _json_escape(ch: str) -> str:
    if ord(ch) < 0x80:  # DEL (JSON escapes the other ASCII controls itself)
        return f"\\u{ord(ch):04x}"
    return json.dumps(ch)[1:-1]  # \\uXXXX, a surrogate pair beyond the BMP


CODE_HELP = "the game code, as on the host's screen (e.g. K7QX2M)"
PLAYER_ID_HOW = " (find it with `quizwire game players CODE`)"


def add_game_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    game = sub.add_parser(
        "game",
        help="create and drive games (presenter, IAM-signed)",
        description=(
            "Create and drive games from the command line, as the presenter (requests are"
            " IAM-signed with the profile's credentials): create, start, next, reveal, end, lock,"
            " list the players, kick/ban/readmit one, and fetch the results."
        ),
    )
    game.add_argument("--profile", default="local", help="profile to use (default: local)")
    gsub = game.add_subparsers(dest="game_command", metavar="ACTION", required=True)
    create = gsub.add_parser(
        "create",
        help="create a game from a pack or quiz file; prints its code",
        description="Create a game from your quiz file or a bundled pack; prints its join code.",
    )
    create.add_argument(
        "--quiz",
        required=True,
        metavar="PACK_OR_FILE",
        help="your quiz file (.toml/.json/.csv), or a bundled pack name (practice only)",
    )
    create.add_argument(
        "--no-speed", action="store_true", help="flat points instead of speed-based"
    )
    create.add_argument("--no-streak", action="store_true", help="no streak bonus")
    create.add_argument(
        "--points", type=int, choices=(0, 1000, 2000), help="points per question for every question"
    )
    create.add_argument(
        "--time", type=int, metavar="SECONDS", help="time per question (5-120 s) for every question"
    )
    create.add_argument(
        "--ready",
        type=int,
        metavar="SECONDS",
        help="get-ready time before each question's choices open (0-10 s; default: the quiz's, 3)",
    )
    create.add_argument(
        "--no-late-join", action="store_true", help="refuse players once the game has started"
    )
    create.add_argument(
        "--teams",
        metavar="NAMES",
        help='team mode: 2-8 comma-separated team names, e.g. "Red,Blue,Green" (overrides the'
        " quiz file's teams; an empty string turns team mode off)",
    )
    for name, text in (
        ("start", "start the game"),
        ("next", "open the next question"),
        ("reveal", "close the open question now"),
        ("end", "end the game"),
        ("lock", "take no new players (those already in may still rejoin)"),
        ("unlock", "take new players again"),
    ):
        cmd = gsub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        cmd.add_argument("code", metavar="CODE", help=CODE_HELP)
    show = gsub.add_parser(
        "show",
        help="the presenter view of a game (JSON)",
        description="Print the presenter view of a game as JSON (phase, question, players).",
    )
    show.add_argument("code", metavar="CODE", help=CODE_HELP)
    gsub.add_parser(
        "list", help="list games", description="List the games: code, phase, players, title."
    )
    players = gsub.add_parser(
        "players",
        help="list a game's players and their ids (for kick, ban and readmit)",
        description=(
            "List a game's players, best first: rank, player id, status, score and name. The"
            " player id is what kick, ban and readmit take."
        ),
    )
    players.add_argument("code", metavar="CODE", help=CODE_HELP)
    for name, what in (
        ("kick", "remove a player from the game (they may be readmitted)"),
        ("ban", "remove a player for good (a ban cannot be undone)"),
        ("readmit", "let a kicked player back in"),
    ):
        cmd = gsub.add_parser(
            name, help=what, description=what[0].upper() + what[1:] + PLAYER_ID_HOW + "."
        )
        cmd.add_argument("code", metavar="CODE", help=CODE_HELP)
        cmd.add_argument("player_id", metavar="PLAYER_ID", help="the player's id" + PLAYER_ID_HOW)
    extra = gsub.add_parser(
        "extra-time",
        help="give a player extra time on every question (accessibility)",
        description=(
            "Give a player extra time on every question, as a percentage of each time limit:"
            " 50 gives 1.5x the time, 100 twice the time, 0 takes it away (0-200). Their"
            " countdown and their speed score use their own limit"
            + PLAYER_ID_HOW
            + "; a nickname works too."
        ),
    )
    extra.add_argument("code", metavar="CODE", help=CODE_HELP)
    extra.add_argument(
        "player", metavar="PLAYER", help="the player's id or nickname" + PLAYER_ID_HOW
    )
    extra.add_argument(
        "percent", metavar="PERCENT", help="extra time in percent: 0-200 (e.g. 50 or +50%%)"
    )
    results = gsub.add_parser(
        "results",
        help="results per player / per question",
        description="Fetch a game's results: per player (rank, score, answers) or per question.",
    )
    results.add_argument("code", metavar="CODE", help=CODE_HELP)
    results.add_argument(
        "--format", choices=("json", "csv"), default="json", help="output format (default json)"
    )
    results.add_argument(
        "--table",
        choices=("players", "questions", "teams"),
        default="players",
        help="CSV table (teams: the team board of a team game)",
    )
    results.add_argument("--output", type=Path, help="write to this file instead of stdout")

    quiz = sub.add_parser(
        "quiz",
        help="quiz files and bundled packs",
        description="Check quiz files, list the bundled packs, import quizzes from other formats.",
    )
    qsub = quiz.add_subparsers(dest="quiz_command", metavar="ACTION", required=True)
    validate = qsub.add_parser(
        "validate",
        help="check a quiz file; lists every problem",
        description="Check a quiz file and list every problem, with question and reason.",
    )
    validate.add_argument("file", type=Path, help="the quiz file (.toml or .json)")
    qsub.add_parser(
        "list",
        help="list the bundled packs (for practice: their answers ship)",
        description="List the bundled packs. They are for practice: their answers ship with"
        " Quizwire, so anyone can look them up.",
    )
    imp_quiz = qsub.add_parser(
        "import",
        help="convert an Open Trivia DB response (.json) or a CSV file into a quiz file (.toml)",
        description=(
            "Convert an Open Trivia DB API response (https://opentdb.com/api.php?amount=10, saved"
            " as .json) or a CSV file (header: question,choice_a,...,choice_f,answer,time_limit,points;"
            " answer is a letter) into Quizwire's TOML quiz format, ready to edit and to use with"
            " --quiz."
        ),
    )
    imp_quiz.add_argument("file", type=Path, help="the .json or .csv file")
    imp_quiz.add_argument(
        "-o", "--output", type=Path, help="write here (default: FILE with .toml; '-' for stdout)"
    )
    imp_quiz.add_argument("--title", help="the quiz title (default: from the file name)")
    imp_quiz.add_argument("--force", action="store_true", help="overwrite an existing output")

    profile = sub.add_parser(
        "profile",
        help="targets: the local stub or a deployed stack",
        description=(
            "Profiles say where a client finds its Event API, game API and credentials: the"
            " local stub (`quizwire stub` writes `local`) or a deployed stack."
        ),
    )
    psub = profile.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    psub.add_parser("list", help="list profiles", description="List the saved profiles.")
    pshow = psub.add_parser(
        "show",
        help="show a profile (secrets redacted)",
        description="Show a profile, with its secrets redacted.",
    )
    pshow.add_argument("name", nargs="?", default="local", help="the profile (default: local)")
    stack = psub.add_parser(
        "from-stack",
        help="profile from a deployed stack's outputs (CloudFormation, boto3)",
        description="Make a profile from a deployed stack's outputs (read with boto3).",
    )
    stack.add_argument("stack", help="CloudFormation stack name (sam deploy's stack_name)")
    stack.add_argument("--region", help="the stack's region (default: your AWS config)")
    stack.add_argument("--name", help="profile name (default: the stack name)")
    stack.add_argument("--aws-profile", help="AWS credentials profile (reading and presenting)")
    imp = psub.add_parser(
        "import",
        help="profile from saved stack outputs (describe-stacks JSON or {key: value})",
        description="Make a profile from saved stack outputs: describe-stacks JSON or"
        " {key: value}.",
    )
    imp.add_argument("file", type=Path, metavar="OUTPUTS.json", help="the saved outputs (JSON)")
    imp.add_argument("--name", help="profile name (default: the stack name, else 'aws')")
    imp.add_argument("--aws-profile", help="AWS credentials profile for presenting")


def run_game(args: argparse.Namespace) -> int:
    from quizwire.client.game_api import GameApiError
    from quizwire.profiles import ProfileError

    try:
        return asyncio.run(_run_game(args))
    except ProfileError as exc:
        return _fail(str(exc))
    except GameApiError as exc:
        return _fail(exc.message)
    except ValueError as exc:  # an id that is not one, or an answer that is not JSON
        return _fail(str(exc))


def admin_client_for(profile_name: str) -> Any:
    from eventapi.auth import IamAuth
    from quizwire.client.game_api import AdminClient
    from quizwire.profiles import ProfileError, get_profile

    profile = get_profile(profile_name)
    if not profile.game_api:
        raise ProfileError(f"profile {profile_name!r} has no game API URL")
    if profile.access_key_id and profile.secret_access_key:
        auth = IamAuth.from_keys(profile.region, profile.access_key_id, profile.secret_access_key)
    else:
        auth = IamAuth.from_environment(profile.region, profile.aws_profile)
    return AdminClient(profile.game_api, auth)


async def _run_game(args: argparse.Namespace) -> int:
    admin = admin_client_for(args.profile)
    try:
        command = args.game_command
        if command == "create":
            return await _create(admin, args)
        if command in ("start", "next", "reveal", "end", "lock", "unlock"):
            view = await admin.command(args.code.upper(), command)
            print(clean(_describe(view)))
            return 0
        if command == "show":
            print(_json(await admin.view(args.code.upper())))
            return 0
        if command == "list":
            for g in (await admin.list_games())["games"]:
                print(
                    clean(
                        f"{g['gameId']}  {g['phase']:<16} {g['playerCount']:>5} players  {g['title']}"
                    )
                )
            return 0
        if command in ("kick", "ban", "readmit"):
            result = await admin.player_action(args.code.upper(), args.player_id, command)
            print(clean(f"{result['name']} ({result['playerId']}): {result['status']}"))
            return 0
        if command == "players":
            return await _players(admin, args.code.upper())
        if command == "extra-time":
            return await _extra_time(admin, args.code.upper(), args.player, args.percent)
        if command == "results":
            text = await admin.results(args.code.upper(), args.format, args.table)
            if args.output:  # the file gets the server's text as it is
                if args.format == "json":
                    text = json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
                args.output.write_text(text, encoding="utf-8")
                print(f"results written to {args.output}")
            elif args.format == "json":
                sys.stdout.write(_json(json.loads(text)) + "\n")
            else:
                sys.stdout.write(clean_lines(text))
            return 0
        return _fail(f"unknown game command {command}")
    finally:
        await admin.close()


async def _players(admin: Any, code: str) -> int:
    """Every player, from the results (the one list both backends serve whole, removed players
    included): what kick, ban and readmit need."""
    results = json.loads(await admin.results(code, "json"))
    rows = results.get("players") if isinstance(results, dict) else None
    if not isinstance(rows, list) or not rows:
        print(f"no players in game {code} yet")
        return 0
    teams = isinstance(results, dict) and "teams" in results
    team_head = f" {'team':<20}" if teams else ""
    print(
        f"{'rank':>4}  {'player id':<24} {'status':<7} {'score':>7} {'extra':>5}{team_head}  name"
    )
    for row in rows:
        rank = row.get("rank")
        extra = f"+{row['extraTime']}%" if row.get("extraTime") else ""
        team = f" {clean(row.get('team', ''), 20):<20}" if teams else ""
        print(
            clean(
                f"{'' if rank is None else rank:>4}  {row.get('playerId', ''):<24}"
                f" {row.get('status', ''):<7} {row.get('score', 0):>7} {extra:>5}{team}"
                f"  {row.get('name', '')}"
            )
        )
    if teams:
        board = ", ".join(
            clean(f"{t.get('rank')} {t.get('name')} {t.get('score')}") for t in results["teams"]
        )
        print(f"teams: {board}")
    return 0


def parse_percent(text: str) -> int:
    """``"50"``, ``"+50"``, ``"+50%"`` -> 50; ValueError for anything else."""
    raw = text.strip().removeprefix("+").removesuffix("%").strip()
    if not raw.isdigit():
        raise ValueError(f"extra time must be a whole number of percent (0-200), got {text!r}")
    return int(raw)


async def _extra_time(admin: Any, code: str, player: str, percent_text: str) -> int:
    """Give ``player`` (an id, or a nickname looked up in the results) extra time."""
    from quizwire.channels import is_valid_segment
    from quizwire.names import name_key

    percent = parse_percent(percent_text)
    player_id = player
    results = json.loads(await admin.results(code, "json"))
    rows = results.get("players") if isinstance(results, dict) else None
    by_name = [
        r
        for r in rows or []
        if isinstance(r, dict) and name_key(str(r.get("name"))) == name_key(player)
    ]
    if by_name:
        player_id = str(by_name[0].get("playerId"))
    elif not is_valid_segment(player):
        return _fail(
            f"no player called {player!r} in game {code} (see: quizwire game players {code})"
        )
    result = await admin.extra_time(code, player_id, percent)
    extra = result.get("extraTime", 0)
    said = f"+{extra}% time on every question" if extra else "no extra time"
    print(clean(f"{result['name']} ({result['playerId']}): {said}"))
    return 0


def _load_quiz_file(name: str) -> dict[str, Any] | str:
    """The quiz in ``name`` as the admin API takes it, or what is wrong, in words."""
    from quizwire.importers import load_any
    from quizwire.packs import pack_names
    from quizwire.quiz import QuizError, quiz_to_dict

    path = Path(name).expanduser()
    if not path.is_file():
        return f"{name}: no such quiz file or bundled pack (packs: {', '.join(pack_names())})"
    try:
        return quiz_to_dict(load_any(path))
    except QuizError as exc:
        return str(exc)


async def _create(admin: Any, args: argparse.Namespace) -> int:
    from quizwire.packs import PRACTICE_NOTE, pack_names

    options: dict[str, Any] = {
        "speedScoring": not args.no_speed,
        "streakBonus": not args.no_streak,
        "lateJoin": not args.no_late_join,
    }
    if args.points is not None:
        options["points"] = args.points
    if args.time is not None:
        options["timeLimit"] = args.time
    if args.ready is not None:
        options["readySeconds"] = args.ready
    if args.teams is not None:
        options["teams"] = [t for t in (n.strip() for n in args.teams.split(",")) if t]
    if args.quiz in pack_names():
        view = await admin.create_game(pack=args.quiz, options=options)
        print(f"quizwire: {PRACTICE_NOTE}", file=sys.stderr)
    else:
        loaded = _load_quiz_file(args.quiz)
        if isinstance(loaded, str):
            return _fail(loaded)
        view = await admin.create_game(quiz=loaded, options=options)
    print(clean(view["gameId"]))
    print(
        clean(
            f"created {view['title']!r}: {view['total']} questions. Players join with: quizwire play --game {view['gameId']}"
        ),
        file=sys.stderr,
    )
    if view.get("teamNames"):
        print(clean("teams: " + ", ".join(map(str, view["teamNames"]))), file=sys.stderr)
    return 0


def _describe(view: dict[str, Any]) -> str:
    phase = view["phase"]
    if phase == Phase.QUESTION_OPEN and view.get("question"):
        q = view["question"]
        return f"{view['gameId']}: question {q['index'] + 1}/{q['total']} open — {q['text']}"
    if phase == Phase.QUESTION_CLOSED and view.get("reveal"):
        r = view["reveal"]
        return f"{view['gameId']}: question {r['index'] + 1}/{r['total']} closed; answered {r['answered']}"
    locked = ", locked: no new players" if view.get("locked") else ""
    return f"{view['gameId']}: {phase} ({view['playerCount']} players{locked})"


def run_quiz(args: argparse.Namespace) -> int:
    from quizwire.importers import load_any
    from quizwire.packs import PRACTICE_NOTE, list_packs
    from quizwire.quiz import QuizError

    if args.quiz_command == "list":
        for pack in list_packs():
            print(f"{pack.name:<20} {pack.count:>3} questions  {pack.title}")
        print(PRACTICE_NOTE, file=sys.stderr)  # stdout stays the list, for scripts
        return 0
    if args.quiz_command == "import":
        return _import_quiz(args)
    try:
        quiz = load_any(args.file)
    except FileNotFoundError:
        return _fail(f"{args.file}: no such file")
    except QuizError as exc:
        print(clean_lines(str(exc)), file=sys.stderr)
        return 1
    print(f"{args.file}: OK — {quiz.title!r}, {_questions(len(quiz.questions))}")
    return 0


def _questions(n: int) -> str:
    return "1 question" if n == 1 else f"{n} questions"


def _import_quiz(args: argparse.Namespace) -> int:
    from quizwire.importers import load_any
    from quizwire.quiz import QuizError, parse_quiz, quiz_to_dict, quiz_to_toml

    source: Path = args.file
    if source.suffix.lower() not in (".json", ".csv"):
        return _fail(f"{source}: import reads .json (Open Trivia DB) or .csv files")
    try:
        quiz = load_any(source)  # an unreadable or missing file is a QuizError too
    except QuizError as exc:
        print(clean_lines(str(exc)), file=sys.stderr)
        return 1
    if args.title is not None:
        try:  # the title obeys the quiz rules like any other
            quiz = parse_quiz({**quiz_to_dict(quiz), "title": args.title}, "--title")
        except QuizError as exc:
            return _fail(str(exc))
    text = quiz_to_toml(quiz)
    if args.output is not None and str(args.output) == "-":
        sys.stdout.write(text)
        return 0
    out: Path = args.output or source.with_suffix(".toml")
    if out.exists() and not args.force:
        return _fail(f"{out}: already exists (use --force to overwrite, or -o another file)")
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"{out}: cannot write: {exc.strerror or exc}")
    print(f"{out}: {_questions(len(quiz.questions))}, {quiz.title!r}. Play it with: --quiz {out}")
    return 0


def run_profile(args: argparse.Namespace) -> int:
    from quizwire.profiles import ProfileError, get_profile, load_profiles

    try:
        if args.profile_command == "list":
            for name, p in sorted(load_profiles().items()):
                print(f"{name:<16} {p.http_endpoint}  ({p.source})")
            return 0
        if args.profile_command in ("from-stack", "import"):
            return _save_stack_profile(args)
        print(json.dumps(get_profile(args.name).redacted(), indent=2))
        return 0
    except ProfileError as exc:
        return _fail(str(exc))


def _save_stack_profile(args: argparse.Namespace) -> int:
    from quizwire.profiles import save_profile
    from quizwire.profiles_stack import profile_from_file, profile_from_stack

    if args.profile_command == "from-stack":
        profile = profile_from_stack(
            args.stack, region=args.region, name=args.name, aws_profile=args.aws_profile
        )
    else:
        profile = profile_from_file(args.file, args.name, aws_profile=args.aws_profile)
    path = save_profile(profile)
    print(json.dumps(profile.redacted(), indent=2))
    print(
        f"saved profile {profile.name!r} to {path}. Host with: quizwire host --profile "
        f"{profile.name}; play with: quizwire play --profile {profile.name}",
        file=sys.stderr,
    )
    return 0
