"""The stub's Prometheus ``/metrics``, reduced to the figures the system panel shows.

Counters become rates between two scrapes (what the talk says to watch: connection requests
per second, throttled entries per second), gauges are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

__all__ = [
    "COUNTERS",
    "GAUGES",
    "StubMetrics",
    "fit_lines",
    "parse_metrics",
    "summary",
    "summary_parts",
]

# panel label -> metric family name (counters lose their ``_total`` suffix when parsed)
GAUGES = {
    "conns": "quizwire_connections_active",
    "online": "quizwire_game_players_connected",  # per game: the console's scrape is signed
}
COUNTERS = {
    "conn req/s": "quizwire_connection_requests",
    "429/s": "quizwire_entry_throttled",
    "deliveries/s": "quizwire_events_delivered",
    "answers/s": "quizwire_answers_accepted",
}
DROPS = ("drops", "quizwire_subscribers_dropped_lagging")


@dataclass(frozen=True, slots=True)
class StubMetrics:
    values: dict[str, float]
    at_s: float = 0.0  # when it was scraped (monotonic seconds)

    def get(self, label: str) -> float | None:
        return self.values.get(label)

    def rate(self, label: str, before: StubMetrics | None) -> float | None:
        """Per second since ``before`` (None without an earlier scrape or after a restart)."""
        now, then = self.values.get(label), before.values.get(label) if before else None
        if before is None or now is None or then is None or now < then:
            return None
        elapsed = self.at_s - before.at_s
        return (now - then) / elapsed if elapsed > 0 else None


def parse_metrics(text: str, at_s: float = 0.0, *, game: str | None = None) -> StubMetrics:
    """Sum the samples of each shown metric (labels added up; ``online`` only for ``game`` when
    given). Absent ones stay absent. Raises ``ValueError`` for text that is not the Prometheus
    exposition format."""
    wanted = {name: label for label, name in (*GAUGES.items(), *COUNTERS.items(), DROPS)}
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            label = wanted.get(sample.name.removesuffix("_total"))
            if label is None:  # (``_created``/``_bucket`` samples never match)
                continue
            if label == "online" and game is not None and sample.labels.get("game") != game:
                continue
            values[label] = values.get(label, 0.0) + float(sample.value)
    if game is not None:
        values.setdefault("online", 0.0)  # a game whose players all left has no sample
    return StubMetrics(values, at_s)


def summary_parts(now: StubMetrics, before: StubMetrics | None) -> list[str]:
    """``["conns 30", "online 28", "conn req/s 0.5", "429/s 0.0", "deliveries/s 1,204", ...]``;
    before a second scrape there is no rate yet: ``rates measuring…`` (a rate lost to a
    restart: ``—``)."""
    parts = [f"{label} {now.get(label) or 0:,.0f}" for label in GAUGES]
    if before is None:
        parts.append("rates measuring…")
    else:
        for label in COUNTERS:
            parts.append(f"{label} {_rate(now.rate(label, before))}")
    parts.append(f"{DROPS[0]} {now.get(DROPS[0]) or 0:,.0f}")
    return parts


def summary(now: StubMetrics, before: StubMetrics | None) -> str:
    """``conns 30 · online 28 · conn req/s 0.5 · 429/s 0.0 · deliveries/s 1,204 · ...``"""
    return " · ".join(summary_parts(now, before))


def _rate(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:,.1f}"  # big rates: the decimal is noise


def fit_lines(parts: list[str], width: int, sep: str = " · ") -> str:
    """``parts`` joined by ``sep``, broken into lines of at most ``width`` cells between parts
    (never inside one: "deliveries/s" and its number stay together)."""
    lines: list[str] = []
    line = ""
    for part in parts:
        candidate = f"{line}{sep}{part}" if line else part
        if line and len(candidate) > width:
            lines.append(line)
            line = part
        else:
            line = candidate
    if line:
        lines.append(line)
    return "\n".join(lines)
