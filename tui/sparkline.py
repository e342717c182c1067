"""A one-line sparkline of a numeric series (``▁▂▃▄▅▆▇█``), scaled to its own maximum.

::

    spark = Sparkline()
    spark.set_series(rates)   # repaints only if the series changed
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

__all__ = ["Sparkline", "spark_text"]

BARS = "▁▂▃▄▅▆▇█"


def spark_text(values: Sequence[float], width: int | None = None) -> str:
    """The last ``width`` values as bar characters (a flat zero series is all ``▁``)."""
    vals = list(values)[-width:] if width else list(values)
    top = max(vals, default=0)
    if top <= 0:
        return BARS[0] * len(vals)
    last = len(BARS) - 1
    return "".join(BARS[min(last, max(0, round(v / top * last)))] for v in vals)


class Sparkline(Widget):
    DEFAULT_CSS = """
    Sparkline { height: 1; width: 1fr; color: $accent; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.series: tuple[float, ...] = ()

    def set_series(self, values: Sequence[float]) -> None:
        series = tuple(values)
        if series != self.series:
            self.series = series
            self.refresh()

    def render(self) -> Text:
        return Text(spark_text(self.series, self.size.width or None), no_wrap=True)
