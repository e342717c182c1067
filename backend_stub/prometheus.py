"""``GET /metrics`` in the Prometheus text format, read from the stub's plain counters at
scrape time (prometheus_client custom collector: nothing is added to the hot path)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from eventapi import sigv4
from quizwire.refusals import ANSWER_REFUSALS
from quizwire.state import Phase

if TYPE_CHECKING:
    from backend_stub.app import Stub

_COUNTERS = (
    ("connection_requests", "quizwire_connection_requests", "WebSocket connection requests"),
    (
        "connections_refused",
        "quizwire_connections_refused",
        "Connections refused (bad auth, no subprotocol)",
    ),
    ("subscribe_requests", "quizwire_subscribe_requests", "Subscribe requests"),
    ("subscribe_refused", "quizwire_subscribe_refused", "Subscribe requests refused"),
    ("publish_requests_ws", "quizwire_publish_requests_ws", "Publish requests over the WebSocket"),
    ("publish_requests_http", "quizwire_publish_requests_http", "Publish requests over HTTP"),
    ("publish_refused", "quizwire_publish_refused", "Publish requests refused"),
    ("events_published", "quizwire_events_published", "Events accepted for broadcast"),
    ("events_failed", "quizwire_events_failed", "Events reported in a publish's failed list"),
    ("events_delivered", "quizwire_events_delivered", "Data frames written to subscribers"),
    ("laggards_dropped", "quizwire_subscribers_dropped_lagging", "Subscribers dropped for lagging"),
    (
        "connections_idle_closed",
        "quizwire_connections_idle_closed",
        "WebSockets closed for sending neither connection_init nor an operation in time",
    ),
    ("bad_frames", "quizwire_bad_frames", "Malformed or unsupported client frames"),
    (
        "frames_paced",
        "quizwire_frames_paced",
        "Frames read late: their connection had sent more than its frames per second",
    ),
)


def _le(bound: float) -> str:
    """A bucket bound as the exposition format writes it (``+Inf``, ``0.005``)."""
    text: str = floatToGoString(bound)  # type: ignore[no-untyped-call]
    return text


class StubCollector(Collector):
    def __init__(self, stub: Stub, *, per_game: bool) -> None:
        self._stub = stub
        self._per_game = per_game

    def collect(self) -> Iterator[Metric]:
        events = self._stub.events
        m = events.metrics
        yield GaugeMetricFamily(
            "quizwire_connections_active", "Open WebSocket connections", value=m.connections_active
        )
        yield GaugeMetricFamily(
            "quizwire_subscriptions_active", "Live subscriptions", value=m.subscriptions_active
        )
        for attr, name, doc in _COUNTERS:
            yield CounterMetricFamily(name, doc, value=getattr(m, attr))
        capped = CounterMetricFamily(
            "quizwire_connections_capped",
            "Connections refused at a cap (per source address, or in all)",
            labels=["cap"],
        )
        capped.add_metric(["per_address"], events.guard.refused_address)
        capped.add_metric(["total"], events.guard.refused_total)
        yield capped
        budget = events.namespaces.get("default")
        yield CounterMetricFamily(
            "quizwire_default_namespace_refused",
            "Publishes to the default namespace refused for its delivery budget",
            value=budget.budget.refused if budget is not None and budget.budget else 0,
        )
        hist = m.handler_latency
        yield HistogramMetricFamily(
            "quizwire_handler_latency_seconds",
            "onPublish/onSubscribe handler latency",
            buckets=[(_le(b), n) for b, n in hist.cumulative()],
            sum_value=hist.total,
        )
        api = self._stub.api
        yield CounterMetricFamily(
            "quizwire_entry_requests", "Entry API requests", value=api.entry_requests
        )
        yield CounterMetricFamily(
            "quizwire_entry_throttled", "Entry API requests answered 429", value=api.entry_throttled
        )
        game = self._stub.game
        yield CounterMetricFamily(
            "quizwire_answers_accepted", "Answers accepted", value=game.answers_accepted
        )
        refused = CounterMetricFamily(
            "quizwire_answers_refused", "Answers refused, by reason", labels=["reason"]
        )
        # every reason from the start (at 0), so a rate() over it has a series to work on
        counts = {code.value: 0 for code in ANSWER_REFUSALS} | dict(game.answers_refused)
        for reason, n in sorted(counts.items()):
            refused.add_metric([reason], n)
        yield refused
        yield CounterMetricFamily(
            "quizwire_leaderboard_publishes",
            "Leaderboard messages published",
            value=game.leaderboard_publishes,
        )
        yield GaugeMetricFamily("quizwire_games", "Games held by this stub", value=len(game.games))
        running = [r for r in game.games.values() if r.game.phase is not Phase.FINISHED]
        yield GaugeMetricFamily(
            "quizwire_players_connected",
            "Players with a live scores subscription, in all running games",
            value=sum(r.connected_active for r in running),
        )
        if self._per_game:
            # Game codes are what a player needs to join: only for the presenter's signed scrape.
            players = GaugeMetricFamily(
                "quizwire_game_players_connected",
                "Players with a live scores subscription, per running game",
                labels=["game"],
            )
            for runtime in running:  # 0 too: a room that emptied shows it
                players.add_metric([runtime.game_id], runtime.connected_active)
            yield players


def metrics_route(stub: Stub) -> web.RouteDef:
    """``GET /metrics``: aggregates for anyone; per-game series (which name the game codes) only
    when the scrape is signed with the presenter's credentials, as the console's is."""
    public, presenter = (
        CollectorRegistry(auto_describe=False),
        CollectorRegistry(auto_describe=False),
    )
    public.register(StubCollector(stub, per_game=False))
    presenter.register(StubCollector(stub, per_game=True))

    async def metrics(request: web.Request) -> web.Response:
        registry = public
        if "Authorization" in request.headers:
            try:
                stub.api.verify_presenter(request, b"")
            except sigv4.SignatureError:
                return web.json_response(
                    {"error": "unauthorized", "message": "The signature does not verify."},
                    status=401,
                )
            registry = presenter
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return web.get("/metrics", metrics)
