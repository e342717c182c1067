"""Typed errors and which of them the reconnect loop retries."""

from __future__ import annotations

import pytest

from eventapi import (
    AuthError,
    ConnectionRefusedByServer,
    EventApiError,
    HttpPublishError,
    OperationTimeoutError,
    PublishError,
    SubscribeError,
)
from eventapi.errors import connection_refused, errors_from_body, is_auth_failure
from eventapi.protocol import ErrorInfo, Errors


@pytest.mark.parametrize(
    "errors",
    [
        [Errors.unauthorized(code=401)],
        [ErrorInfo("UnauthorizedException")],
        [ErrorInfo("BadRequestException", "The request signature we calculated does not match")],
        [ErrorInfo("SomethingElse", "denied", 403)],
    ],
)
def test_auth_connection_errors_are_not_retried(errors: list[ErrorInfo]) -> None:
    exc = connection_refused(errors)
    assert isinstance(exc, AuthError)
    assert isinstance(exc, ConnectionRefusedByServer)
    assert not exc.retryable
    assert exc.errors == tuple(errors)


def test_other_connection_errors_are_retried() -> None:
    exc = connection_refused([Errors.rate_limited()])
    assert type(exc) is ConnectionRefusedByServer
    assert exc.retryable
    assert "LimitExceededError: Rate limit exceeded" in str(exc)


def test_errors_are_carried_and_printed() -> None:
    exc = SubscribeError("/default/x", "sub1", [Errors.subscription_processing()])
    assert isinstance(exc, EventApiError)
    assert exc.error_types == ("SubscriptionProcessingError",)
    assert str(exc) == (
        "subscribe to /default/x failed: SubscriptionProcessingError: "
        "There was an error processing the operation"
    )
    assert (exc.channel, exc.sub_id) == ("/default/x", "sub1")


def test_timeout_is_a_builtin_timeout() -> None:
    exc = OperationTimeoutError("no connection_ack within 15 s")
    assert isinstance(exc, TimeoutError) and isinstance(exc, EventApiError)
    with pytest.raises(TimeoutError):
        raise exc


def test_http_publish_error_auth_by_status_or_type() -> None:
    by_status = HttpPublishError("/d/x", 403, [], "Forbidden")
    assert isinstance(by_status, PublishError)
    assert by_status.is_auth_failure and by_status.status == 403 and by_status.body == "Forbidden"
    assert not HttpPublishError("/d/x", 500, []).is_auth_failure
    assert HttpPublishError("/d/x", 418, [Errors.unauthorized()]).is_auth_failure
    assert not PublishError("/d/x", [Errors.too_many_events_ws()]).is_auth_failure


def test_is_auth_failure() -> None:
    assert is_auth_failure([], 401)
    assert not is_auth_failure([], 429)
    assert not is_auth_failure([ErrorInfo("InvalidInputError", "x", 400 + 29)])


def test_errors_from_body() -> None:
    body = (
        b'{"errors":[{"errorType":"BadRequestException","message":"Input exceeded 5 event limit"}]}'
    )
    assert errors_from_body(body) == [
        ErrorInfo("BadRequestException", "Input exceeded 5 event limit")
    ]
    assert errors_from_body(b"<html>502</html>") == []
    assert errors_from_body(b"[]") == []
    assert errors_from_body(None) == []
