"""The sans-I/O session core: frames and the time in, typed events and frames out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventapi import protocol as p
from eventapi.payloads import PublishedEvent
from eventapi.protocol import ErrorInfo
from eventapi.session import (
    DEFAULT_KEEPALIVE_TIMEOUT,
    KEEPALIVE,
    BroadcastFailed,
    ConnectionAcked,
    ConnectionRefused,
    Data,
    EventsSession,
    Malformed,
    Phase,
    PublishAcked,
    PublishRefused,
    ServerError,
    Subscribed,
    SubscribeFailed,
    TimedOut,
    Unhandled,
    Unsubscribed,
    UnsubscribeRefused,
    UnwantedSubscription,
    counter_ids,
)

AUTH = {"host": "example.com", "x-api-key": "da2-key"}
DENIED = ErrorInfo("UnauthorizedException", "You are not authorized to make this call.")


def key_auth() -> Mapping[str, str]:
    return AUTH


def connected(**options: Any) -> EventsSession:
    session = EventsSession(next_id=counter_ids(), **options)
    session.start_connection()
    assert isinstance(session.receive_text(p.connection_ack(), 0.0), ConnectionAcked)
    return session


def sent(text: str) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(text)
    return frame


def ack(session: EventsSession, sub_id: str, now: float = 1.0) -> Any:
    return session.receive_text(p.op_success("subscribe", sub_id), now)


# -- the handshake ---------------------------------------------------------------------------


def test_handshake_sends_init_and_takes_the_keepalive_from_the_ack() -> None:
    session = EventsSession()
    assert session.phase is Phase.IDLE
    assert sent(session.start_connection()) == {"type": "connection_init"}
    assert session.receive_text(p.KA_FRAME, 1.0) is KEEPALIVE  # a ka before the ack is fine
    assert session.receive_text(p.connection_ack(12_000), 2.0) == ConnectionAcked(12.0)
    assert session.connected and session.keepalive_timeout == 12.0
    assert session.keepalive_deadline == 14.0


@pytest.mark.parametrize("timeout_ms", [None, 0, -5, True, "300000"])
def test_an_ack_without_a_usable_timeout_uses_the_default(timeout_ms: object) -> None:
    session = EventsSession()
    session.start_connection()
    frame = {"type": "connection_ack", "connectionTimeoutMs": timeout_ms}
    assert session.receive(frame, 0.0) == ConnectionAcked(DEFAULT_KEEPALIVE_TIMEOUT)


def test_the_keepalive_override_wins_over_the_ack() -> None:
    session = connected(keepalive_timeout=0.5)
    assert session.keepalive_timeout == 0.5


def test_connection_error_during_the_handshake_is_a_refusal() -> None:
    session = EventsSession()
    session.start_connection()
    event = session.receive_text(p.connection_error(DENIED), 0.0)
    assert event == ConnectionRefused((DENIED,))
    assert not session.connected


def test_frames_before_the_ack_are_not_acted_on() -> None:
    session = EventsSession()
    session.start_connection()
    assert session.receive_text(p.op_success("subscribe", "x"), 0.0) == Unhandled(
        "subscribe_success", "x"
    )
    data = p.dumps({"type": "data", "id": "x", "event": "1"})
    assert session.receive_text(data, 0.0) == Unhandled("data", "x")
    assert session.phase is Phase.AWAITING_ACK


@pytest.mark.parametrize("text", ["not json", "[1]", '{"id": "x"}', b'{"type": "ka"}'])
def test_garbage_is_malformed_but_still_proof_of_life(text: str | bytes) -> None:
    session = connected()
    event = session.receive_text(text, 7.0)
    assert isinstance(event, Malformed)
    assert event.error.error_type == "BadRequestException"
    assert session.last_received == 7.0


def test_operations_need_a_connection() -> None:
    session = EventsSession()
    with pytest.raises(RuntimeError, match="not connected"):
        session.subscribe("/default/a", key_auth)
    with pytest.raises(RuntimeError, match="not connected"):
        session.publish("/default/a", ["1"], AUTH)
    live = connected()
    with pytest.raises(RuntimeError, match="already connected"):
        live.start_connection()


# -- subscriptions ---------------------------------------------------------------------------


def test_subscribe_frame_ack_data_and_broadcast_error() -> None:
    session = connected()
    out = session.subscribe("/default/a", key_auth)
    assert sent(out.frame) == {
        "type": "subscribe",
        "id": out.op_id,
        "channel": "/default/a",
        "authorization": AUTH,
    }
    assert session.is_outstanding(out.op_id)
    assert ack(session, out.op_id) == Subscribed(out.op_id, first=True)
    assert not session.is_outstanding(out.op_id)
    state = session.subscription(out.op_id)
    assert state is not None and state.active and state.confirmed
    data = {"type": "data", "id": out.op_id, "event": '{"n":1}'}
    assert session.receive(data, 2.0) == Data(out.op_id, '{"n":1}')
    error = session.receive_text(p.op_error("broadcast", out.op_id, DENIED), 3.0)
    assert error == BroadcastFailed(out.op_id, "/default/a", (DENIED,))
    assert session.subscription(out.op_id) is not None  # a broadcast error does not end it


def test_subscribe_error_drops_the_subscription() -> None:
    session = connected()
    out = session.subscribe("/default/a", key_auth)
    event = session.receive_text(p.op_error("subscribe", out.op_id, DENIED), 1.0)
    assert event == SubscribeFailed(out.op_id, "/default/a", (DENIED,), was_confirmed=False)
    assert session.subscriptions == {} and session.outstanding == 0
    data = {"type": "data", "id": out.op_id, "event": "1"}
    assert session.receive(data, 2.0) == Unhandled("data", out.op_id)


def test_a_generic_error_with_a_subscription_id_ends_it() -> None:
    session = connected()
    out = session.subscribe("/default/a", key_auth)
    event = session.receive_text(p.generic_error(DENIED, op_id=out.op_id), 1.0)
    assert event == SubscribeFailed(out.op_id, "/default/a", (DENIED,), was_confirmed=False)


def test_an_authorizer_that_raises_registers_nothing() -> None:
    session = connected()

    def broken() -> Mapping[str, str]:
        raise LookupError("no credentials")

    with pytest.raises(LookupError):
        session.subscribe("/default/a", broken, sub_id="mine")
    assert session.subscriptions == {} and session.outstanding == 0
    session.subscribe("/default/a", key_auth, sub_id="mine")  # the id is still free


@pytest.mark.parametrize("bad", ["", "has space", "x" * 129, "ümlaut"])
def test_invalid_or_duplicate_ids_are_refused(bad: str) -> None:
    session = connected()
    with pytest.raises(ValueError, match="invalid"):
        session.subscribe("/default/a", key_auth, sub_id=bad)
    session.subscribe("/default/a", key_auth, sub_id="q")
    with pytest.raises(ValueError, match="in use"):
        session.subscribe("/default/b", key_auth, sub_id="q")


def test_an_abandoned_subscribe_is_unsubscribed_when_its_ack_comes_late() -> None:
    session = connected()
    out = session.subscribe("/default/a", key_auth)
    session.abandon(out.op_id)
    assert session.subscriptions == {} and session.outstanding == 0
    event = ack(session, out.op_id)
    assert isinstance(event, UnwantedSubscription)
    assert sent(event.unsubscribe) == {"type": "unsubscribe", "id": out.op_id}


def test_unsubscribe_of_an_active_subscription_waits_for_its_answer() -> None:
    session = connected()
    out = session.subscribe("/default/a", key_auth)
    ack(session, out.op_id)
    unsub = session.unsubscribe(out.op_id)
    assert unsub is not None and sent(unsub.frame) == {"type": "unsubscribe", "id": out.op_id}
    assert session.subscriptions == {}
    data = {"type": "data", "id": out.op_id, "event": "1"}
    assert isinstance(session.receive(data, 2.0), Unhandled)  # already unsubscribed here
    answer = session.receive_text(p.op_success("unsubscribe", out.op_id), 2.0)
    assert answer == Unsubscribed(out.op_id)
    assert session.outstanding == 0


def test_unsubscribe_refused_names_the_reply_and_errors() -> None:
    session = connected()
    out = session.subscribe("/default/a", key_auth)
    ack(session, out.op_id)
    session.unsubscribe(out.op_id)
    answer = session.receive_text(p.op_error("unsubscribe", out.op_id, DENIED), 2.0)
    assert answer == UnsubscribeRefused(out.op_id, "/default/a", "unsubscribe_error", (DENIED,))


def test_unsubscribe_before_the_ack_sends_nothing() -> None:
    session = connected()
    out = session.subscribe("/default/a", key_auth)
    assert session.unsubscribe(out.op_id) is None
    assert session.unsubscribe("never-subscribed") is None
    assert isinstance(ack(session, out.op_id), UnwantedSubscription)


# -- publishes ---------------------------------------------------------------------------------


def test_publish_frame_and_its_success() -> None:
    session = connected()
    out = session.publish("/default/a", ['{"a":1}', "2"], AUTH)
    assert sent(out.frame) == {
        "type": "publish",
        "id": out.op_id,
        "channel": "/default/a",
        "events": ['{"a":1}', "2"],
        "authorization": AUTH,
    }
    reply = {
        "type": "publish_success",
        "id": out.op_id,
        "successful": [{"identifier": "e1", "index": 0}, {"identifier": "e2", "index": 1}],
        "failed": [],
    }
    event = session.receive(reply, 1.0)
    assert isinstance(event, PublishAcked) and event.op_id == out.op_id
    assert event.result.successful == (PublishedEvent("e1", 0), PublishedEvent("e2", 1))
    assert session.receive(reply, 1.0) == Unhandled("publish_success", out.op_id)  # only once


@pytest.mark.parametrize(
    ("frame_type", "reply"),
    [("publish_error", "publish_error"), ("error", "error"), ("unsubscribe_success", None)],
)
def test_anything_but_publish_success_refuses_the_publish(
    frame_type: str, reply: str | None
) -> None:
    session = connected()
    out = session.publish("/default/a", ["1"], AUTH)
    frame = {"type": frame_type, "id": out.op_id, "errors": [DENIED.to_json()]}
    event = session.receive(frame, 1.0)
    assert event == PublishRefused(out.op_id, "/default/a", reply or frame_type, (DENIED,))


def test_errors_that_answer_nothing_are_server_errors() -> None:
    session = connected()
    assert session.receive_text(p.generic_error(DENIED), 1.0) == ServerError(None, (DENIED,))
    assert session.receive_text(p.generic_error(DENIED, op_id="nope"), 1.0) == ServerError(
        "nope", (DENIED,)
    )


@pytest.mark.parametrize("weird_id", [None, 7, ["a"], {"a": 1}])
def test_ids_that_are_not_strings_never_match(weird_id: object) -> None:
    session = connected()
    session.subscribe("/default/a", key_auth, sub_id="a")
    for frame_type in ("data", "subscribe_success", "publish_success", "broadcast_error"):
        event = session.receive({"type": frame_type, "id": weird_id}, 1.0)
        assert event == Unhandled(frame_type, weird_id)


def test_a_later_connection_error_is_a_refusal_and_unknown_types_are_unhandled() -> None:
    session = connected()
    assert session.receive_text(p.connection_error(DENIED), 1.0) == ConnectionRefused((DENIED,))
    assert session.receive({"type": "surprise"}, 1.0) == Unhandled("surprise", None)
    assert session.receive_text(p.connection_ack(), 1.0) == Unhandled("connection_ack", None)


# -- reconnect ------------------------------------------------------------------------------


def test_connection_lost_fails_requests_and_keeps_subscriptions_for_the_reconnect() -> None:
    session = connected()
    confirmed = session.subscribe("/default/a", key_auth)
    ack(session, confirmed.op_id)
    in_flight = session.subscribe("/default/b", key_auth)
    publish = session.publish("/default/a", ["1"], AUTH)
    assert session.connection_lost() == [publish.op_id]
    assert session.phase is Phase.IDLE
    assert session.keepalive_deadline == float("inf")
    state = session.subscription(confirmed.op_id)
    assert state is not None and not state.active
    assert session.unsubscribe(confirmed.op_id) is None  # nothing on a dead connection to undo

    session.start_connection()
    session.receive_text(p.connection_ack(), 5.0)
    plan = session.resubscribe_all()
    assert [sent(f)["id"] for f in plan.frames] == [in_flight.op_id]
    assert plan.failed == ()
    assert ack(session, in_flight.op_id) == Subscribed(in_flight.op_id, first=True)


def test_resubscribe_all_sends_original_ids_with_fresh_authorization() -> None:
    session = connected()
    calls: list[int] = []

    def counting() -> Mapping[str, str]:
        calls.append(1)
        return {"host": "h", "Authorization": f"token-{len(calls)}"}

    out = session.subscribe("/default/a", counting)
    ack(session, out.op_id)
    session.connection_lost()
    session.start_connection()
    session.receive_text(p.connection_ack(), 1.0)
    plan = session.resubscribe_all()
    (frame,) = (sent(f) for f in plan.frames)
    assert frame["id"] == out.op_id and frame["authorization"]["Authorization"] == "token-2"
    assert ack(session, out.op_id) == Subscribed(out.op_id, first=False)
    refused = session.receive_text(p.op_error("subscribe", out.op_id, DENIED), 2.0)
    assert isinstance(refused, SubscribeFailed) and refused.was_confirmed


def test_a_subscription_whose_authorization_fails_on_reconnect_is_dropped_alone() -> None:
    session = connected()
    fail = [False]

    def flaky() -> Mapping[str, str]:
        if fail[0]:
            raise LookupError("expired")
        return AUTH

    bad = session.subscribe("/default/bad", flaky)
    good = session.subscribe("/default/good", key_auth)
    session.connection_lost()
    fail[0] = True
    session.start_connection()
    session.receive_text(p.connection_ack(), 1.0)
    plan = session.resubscribe_all()
    assert [sent(f)["id"] for f in plan.frames] == [good.op_id]
    (failed,) = plan.failed
    assert failed.sub_id == bad.op_id and isinstance(failed.error, LookupError)
    assert set(session.subscriptions) == {good.op_id}


def test_close_forgets_everything() -> None:
    session = connected()
    session.subscribe("/default/a", key_auth)
    session.publish("/default/a", ["1"], AUTH)
    session.close()
    assert session.subscriptions == {} and session.outstanding == 0
    assert session.phase is Phase.IDLE


# -- time: keep-alive and deadlines ------------------------------------------------------------


def test_every_frame_moves_the_keepalive_deadline() -> None:
    session = EventsSession()
    session.start_connection()
    session.receive_text(p.connection_ack(10_000), 100.0)
    assert not session.keepalive_expired(109.9)
    assert session.keepalive_expired(110.0)
    session.receive_text(p.KA_FRAME, 105.0)
    assert session.keepalive_deadline == 115.0
    session.receive_text("garbage", 112.0)  # even a garbled frame proves the peer alive
    assert not session.keepalive_expired(121.9)
    assert session.keepalive_expired(122.0)


def test_deadlines_expire_operations_once() -> None:
    session = connected()
    sub = session.subscribe("/default/a", key_auth, deadline=10.0)
    pub = session.publish("/default/a", ["1"], AUTH, deadline=5.0)
    forever = session.publish("/default/a", ["2"], AUTH)
    assert session.next_deadline == 5.0
    assert session.expired(4.9) == []
    assert session.expired(5.0) == [TimedOut(pub.op_id, "publish", "/default/a")]
    assert session.next_deadline == 10.0
    assert session.expired(20.0) == [TimedOut(sub.op_id, "subscribe", "/default/a")]
    assert session.expired(1e9) == []
    assert session.next_deadline == float("inf")
    assert session.subscriptions == {}  # a timed-out subscribe is forgotten with its op
    assert isinstance(ack(session, sub.op_id), UnwantedSubscription)
    late = {"type": "publish_success", "id": pub.op_id}
    assert session.receive(late, 21.0) == Unhandled("publish_success", pub.op_id)
    assert session.is_outstanding(forever.op_id)


# -- properties -----------------------------------------------------------------------------

ANSWERS = ["success", "error"]


@given(
    st.lists(st.sampled_from(["subscribe", "publish"]), min_size=1, max_size=12),
    st.randoms(use_true_random=False),
    st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=3), max_size=5),
    st.lists(st.sampled_from(ANSWERS), min_size=12, max_size=12),
)
def test_any_interleaving_of_answers_resolves_each_operation_exactly_once(
    kinds: list[str], rnd: Any, strangers: list[str], outcomes: list[str]
) -> None:
    session = connected()
    ops: dict[str, str] = {}
    for n, kind in enumerate(kinds):
        if kind == "subscribe":
            ops[session.subscribe(f"/default/c{n}", key_auth).op_id] = kind
        else:
            ops[session.publish(f"/default/c{n}", ["1"], AUTH).op_id] = kind
    # every answer twice (duplicates), plus answers for ids nobody asked for, in any order
    answers = [(op_id, kind, outcomes[n]) for n, (op_id, kind) in enumerate(ops.items())] * 2
    answers += [(f"zz{s}", "publish", "success") for s in strangers]
    rnd.shuffle(answers)
    resolved: dict[str, int] = {}
    for op_id, kind, outcome in answers:
        event = session.receive({"type": f"{kind}_{outcome}", "id": op_id}, 1.0)
        if isinstance(event, PublishAcked | PublishRefused):
            resolved[event.op_id] = resolved.get(event.op_id, 0) + 1
        elif isinstance(event, Subscribed) and event.first:
            resolved[event.sub_id] = resolved.get(event.sub_id, 0) + 1
        elif isinstance(event, SubscribeFailed):
            assert not event.was_confirmed
            resolved[event.sub_id] = resolved.get(event.sub_id, 0) + 1
        else:  # a stranger, a repeated answer, or a live subscription confirmed again
            assert isinstance(event, Unhandled) or event == Subscribed(op_id, first=False)
    assert resolved == dict.fromkeys(ops, 1)
    assert session.outstanding == 0


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1))
def test_the_keepalive_deadline_follows_the_last_frame(times: list[float]) -> None:
    session = connected(keepalive_timeout=30.0)
    for now in sorted(times):
        session.receive_text(p.KA_FRAME, now)
    last = max(times)
    assert session.keepalive_deadline == last + 30.0
    assert not session.keepalive_expired(last + 29.999)
    assert session.keepalive_expired(last + 30.0)
