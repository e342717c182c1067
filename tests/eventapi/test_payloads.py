"""Event encoding, the 5-event limit and publish results."""

from __future__ import annotations

import json

import pytest

from eventapi import FailedEvent, PublishedEvent, PublishResult, RawJson
from eventapi.payloads import encode_event, encode_events


def test_values_are_compact_json() -> None:
    assert encode_events([{"a": 1, "b": [1, 2]}, "hi", 3, None, True]) == [
        '{"a":1,"b":[1,2]}',
        '"hi"',
        "3",
        "null",
        "true",
    ]


def test_raw_json_is_sent_untouched() -> None:
    assert encode_event(RawJson('{ "a" : "<x>" }')) == '{ "a" : "<x>" }'


def test_html_sensitive_characters_are_escaped_but_round_trip() -> None:
    value = {"q": "Is 1 < 2 && 3 > 2?", "ls": "\u2028\u2029", "ü": "é"}
    text = encode_event(value)
    assert not any(c in text for c in "<>&\u2028\u2029")
    assert "é" in text  # non-ASCII stays UTF-8 (compact)
    assert json.loads(text) == value


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError):
        encode_event(float("nan"))


@pytest.mark.parametrize("events", [[], list(range(6))])
def test_count_limits(events: list[int]) -> None:
    with pytest.raises(ValueError):
        encode_events(events)


@pytest.mark.parametrize("events", ["abc", b"abc", {"a": 1}])
def test_a_single_value_instead_of_a_list_is_refused(events: object) -> None:
    with pytest.raises(TypeError):
        encode_events(events)  # type: ignore[arg-type]


def test_publish_result_from_json() -> None:
    result = PublishResult.from_json(
        {
            "failed": [
                {"code": "EventTooLargeException", "identifier": "f", "index": 1, "message": "m"},
                {"code": 401, "index": 2},
            ],
            "successful": [{"identifier": "s", "index": 0}],
        }
    )
    assert result.successful == (PublishedEvent("s", 0),)
    assert result.failed == (
        FailedEvent("f", 1, "EventTooLargeException", "m"),
        FailedEvent(None, 2, 401, None),
    )
    assert not result.ok
    assert PublishResult.from_json({}) == PublishResult()
    assert PublishResult.from_json({"successful": "junk", "failed": [1]}).ok


def test_offset_and_add() -> None:
    a = PublishResult((PublishedEvent("a", 0),), (FailedEvent("b", 1),))
    b = PublishResult((PublishedEvent("c", 0),)).offset(5)
    assert (a + b).successful == (PublishedEvent("a", 0), PublishedEvent("c", 5))
    assert (a + b).failed == (FailedEvent("b", 1),)
