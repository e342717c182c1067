"""A QR code drawn in the terminal with half-block characters (two modules per cell row).

::

    QRCode("quizwire play --game K7QX2M --endpoint http://10.0.0.5:8787/event")

Always black on white with a quiet zone, so phones scan it on dark and light themes alike.
"""

from __future__ import annotations

import segno
from rich.text import Text
from textual.widget import Widget

__all__ = ["QRCode", "qr_lines"]

QUIET = 2  # modules of white border (the spec asks for 4; 2 scans fine on screens)
STYLE = "#000000 on #ffffff"


def qr_lines(data: str, quiet: int = QUIET) -> list[str]:
    """Rows of half-block characters for ``data`` (error correction L, smallest version)."""
    qr = segno.make(data, error="l", boost_error=False, micro=False)
    matrix = [[bool(m) for m in row] for row in qr.matrix]
    size = len(matrix)
    width = size + 2 * quiet
    blank = [False] * width
    rows = [blank] * quiet + [[False] * quiet + r + [False] * quiet for r in matrix]
    rows += [blank] * quiet
    if len(rows) % 2:
        rows.append(blank)
    chars = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    return [
        "".join(chars[(top[x], bottom[x])] for x in range(width))
        for top, bottom in zip(rows[::2], rows[1::2], strict=True)
    ]


class QRCode(Widget):
    DEFAULT_CSS = """
    QRCode { width: auto; height: auto; }
    """

    def __init__(self, data: str = "", *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._lines: list[str] = []
        self.data = ""
        self.set_data(data)

    def set_data(self, data: str) -> None:
        if data == self.data:
            return
        self.data = data
        self._lines = qr_lines(data) if data else []
        self.refresh(layout=True)

    def get_content_width(self, container: object, viewport: object) -> int:
        return len(self._lines[0]) if self._lines else 0

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self._lines)

    def render(self) -> Text:
        return Text("\n".join(self._lines), style=STYLE, no_wrap=True)
