"""One subscription: a bounded buffer of parsed events, iterated or drained.

Buffering policy: each subscription keeps at most ``max_pending`` undelivered events; when a
slow consumer lets it fill up, the **oldest** event is dropped and :attr:`Subscription.dropped`
counts it. Live data (questions, leaderboards) is only useful when fresh, so the newest wins.
A UI that refreshes on a timer calls :meth:`Subscription.drain` to take everything pending at
once instead of waking up once per event.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Final

from eventapi.auth import Auth
from eventapi.errors import BroadcastError, ClientClosedError

log = logging.getLogger("eventapi.client")

DEFAULT_MAX_PENDING: Final = 10_000

ErrorCallback = Callable[[BroadcastError], None]


class Subscription:
    """Returned by :meth:`EventsClient.subscribe` once the server confirmed it.

    ``async for event in sub`` yields each event's parsed payload. Iteration ends after
    :meth:`unsubscribe` or a clean :meth:`EventsClient.close` (pending events are yielded
    first); if the client gave up (an auth error on reconnect, retries exhausted, the server
    refusing the re-subscribe), iteration raises that error instead. Survives reconnects: the
    client re-subscribes it with the same :attr:`id`.

    ``broadcast_error`` frames do not end it: they are counted in :attr:`broadcast_errors`,
    kept in :attr:`last_broadcast_error` and passed to ``on_error`` if one was given.
    """

    def __init__(
        self,
        sub_id: str,
        channel: str,
        auth: Auth | None,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        on_error: ErrorCallback | None = None,
        unsubscribe: Callable[[Subscription], Awaitable[None]],
    ) -> None:
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self.id: Final = sub_id
        self.channel: Final = channel
        self.auth: Final = auth
        self.max_pending: Final = max_pending
        self.on_error = on_error
        #: Events dropped because the buffer was full (oldest first).
        self.dropped = 0
        #: Events received in total (including dropped ones).
        self.received = 0
        self.broadcast_errors = 0
        self.last_broadcast_error: BroadcastError | None = None
        #: True once the server confirmed the subscription on the current connection.
        self.active = False
        self._buffer: deque[Any] = deque(maxlen=max_pending)
        self._ready = asyncio.Event()
        self._confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ended = False
        self._error: BaseException | None = None
        self._unsubscribe = unsubscribe

    # -- consumer side ---------------------------------------------------------------------

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Any:
        while not self._buffer:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._buffer.popleft()

    def drain(self) -> list[Any]:
        """Take every pending event at once (oldest first) without waiting."""
        items = list(self._buffer)
        self._buffer.clear()
        return items

    @property
    def pending(self) -> int:
        """Events received and not yet consumed."""
        return len(self._buffer)

    async def wait_pending(self) -> None:
        """Wait until at least one event is pending or the subscription ended."""
        while not self._buffer and not self._ended:
            self._ready.clear()
            await self._ready.wait()

    @property
    def closed(self) -> bool:
        return self._ended

    @property
    def error(self) -> BaseException | None:
        """Why the subscription ended, when it was not by unsubscribe/close."""
        return self._error

    async def unsubscribe(self) -> None:
        """Unsubscribe and wait for ``unsubscribe_success``; iteration then ends. Idempotent."""
        if not self._ended:
            await self._unsubscribe(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.unsubscribe()

    def __repr__(self) -> str:
        state = "closed" if self._ended else "active" if self.active else "pending"
        return f"<Subscription {self.id} {self.channel} {state} pending={len(self._buffer)}>"

    # -- the client's side: what the connection reports -------------------------------------------
    # Called by EventsClient (the I/O shell), never by consumers.

    async def wait_confirmed(self) -> None:
        """Wait for the server's first confirmation; raises why the subscription ended first."""
        await self._confirmed

    def confirm(self) -> None:
        """The server confirmed the subscription on the current connection."""
        self.active = True
        if not self._confirmed.done():
            self._confirmed.set_result(None)

    def suspend(self) -> None:
        """The connection dropped: inactive until the re-subscribe is confirmed."""
        self.active = False

    def deliver(self, payload: Any) -> None:
        """One parsed event; when the buffer is full the oldest pending one is dropped."""
        if self._ended:
            return
        self.received += 1
        if len(self._buffer) == self.max_pending:
            self.dropped += 1  # deque(maxlen) drops the oldest on append
        self._buffer.append(payload)
        if not self._ready.is_set():
            self._ready.set()

    def broadcast_failed(self, error: BroadcastError) -> None:
        """A ``broadcast_error``: counted and reported; the subscription goes on."""
        self.broadcast_errors += 1
        self.last_broadcast_error = error
        log.warning("%s", error)
        if self.on_error is not None:
            try:
                self.on_error(error)
            except Exception:
                log.exception("on_error callback of %s raised", self.channel)

    def end(self, error: BaseException | None = None) -> None:
        """End iteration (after what is pending) without telling the server: it already ended
        the subscription, or the connection did. ``error`` is raised to consumers. Idempotent."""
        if self._ended:
            return
        self._ended = True
        self.active = False
        self._error = error
        self._ready.set()
        if not self._confirmed.done():
            self._confirmed.set_exception(
                error or ClientClosedError(f"subscription to {self.channel} ended unconfirmed")
            )
            self._confirmed.exception()  # mark retrieved; a waiter still re-raises it
