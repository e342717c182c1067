"""Player credentials: the id and token formats the authorizers (stub and Lambda) parse."""

from __future__ import annotations

import re

from quizwire.player_tokens import hash_secret, new_credential, parse_token, secret_matches


def test_new_credentials_have_the_documented_shape_and_do_not_repeat() -> None:
    creds = [new_credential("ABCDEF") for _ in range(5000)]
    assert all(re.fullmatch(r"p[a-z0-9]{11}", c.player_id) for c in creds)
    assert len({c.player_id for c in creds}) == 5000
    assert len({c.secret for c in creds}) == 5000
    # every character of the alphabet turns up in every position (no position is stuck)
    for position in range(1, 12):
        assert len({c.player_id[position] for c in creds}) == 36


def test_a_token_round_trips_and_only_its_own_secret_matches() -> None:
    cred = new_credential("ABCDEF")
    assert parse_token(cred.token) == cred
    assert secret_matches(cred.secret, hash_secret(cred.secret))
    assert not secret_matches(cred.secret + "x", hash_secret(cred.secret))
    assert not secret_matches(cred.secret, None)
    assert parse_token("qw1.ABCDEF.p1") is None and parse_token("x" * 201) is None
