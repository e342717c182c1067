"""The stub's Prometheus ``/metrics``, reduced to the few figures the system panel shows."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

# panel label -> metric family name (counters lose their ``_total`` suffix when parsed)
SHOWN = {
    "conns": "quizwire_connections_active",
    "conn reqs": "quizwire_connection_requests",
    "429s": "quizwire_entry_throttled",
    "deliveries": "quizwire_events_delivered",
    "drops": "quizwire_subscribers_dropped_lagging",
    "answers": "quizwire_answers_accepted",
}


@dataclass(frozen=True, slots=True)
class StubMetrics:
    values: dict[str, float]

    def get(self, label: str) -> float | None:
        return self.values.get(label)


def parse_metrics(text: str) -> StubMetrics:
    """Sum the samples of each shown metric (labels added up); absent ones stay absent.

    Raises ``ValueError`` for text that is not the Prometheus exposition format."""
    wanted = {name: label for label, name in SHOWN.items()}
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            label = wanted.get(sample.name.removesuffix("_total"))
            if label is not None:  # (``_created``/``_bucket`` samples never match)
                values[label] = values.get(label, 0.0) + float(sample.value)
    return StubMetrics(values)
