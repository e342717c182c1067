"""Faults DynamoDB really has, injected at the client: a wrapper around the real (moto) client
whose chosen calls fail with errors shaped exactly as botocore raises them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def cancelled(client: Any, *codes: str) -> Exception:
    """``TransactionCanceledException`` with one cancellation reason per transaction item."""
    error: Exception = client.exceptions.TransactionCanceledException(
        {
            "Error": {
                "Code": "TransactionCanceledException",
                "Message": f"Transaction cancelled, please refer cancellation reasons [{', '.join(codes)}]",
            },
            "CancellationReasons": [{"Code": code} for code in codes],
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "TransactWriteItems",
    )
    return error


def throttled(client: Any, operation: str) -> Exception:
    error: Exception = client.exceptions.ProvisionedThroughputExceededException(
        {
            "Error": {
                "Code": "ProvisionedThroughputExceededException",
                "Message": "The level of configured provisioned throughput for the table was exceeded.",
            },
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        operation,
    )
    return error


class FaultyClient:
    """Delegates to ``client``; the next ``times`` calls of ``operation`` raise ``make(client)``
    instead (``times=None``: every call). ``calls`` counts the attempts of ``operation``."""

    def __init__(
        self,
        client: Any,
        operation: str,
        make: Callable[[Any], Exception],
        times: int | None = 1,
    ) -> None:
        self._client = client
        self._operation = operation
        self._make = make
        self._left = times
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != self._operation:
            return real

        def faulty(**kwargs: Any) -> Any:
            self.calls += 1
            if self._left is None or self._left > 0:
                if self._left is not None:
                    self._left -= 1
                raise self._make(self._client)
            return real(**kwargs)

        return faulty
