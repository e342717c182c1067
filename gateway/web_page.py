"""The page a browser opens at ``/play/CODE``: textual-serve's terminal client (xterm.js and
its Textual protocol), full screen, sized for a phone (viewport meta, a smaller font)."""

from __future__ import annotations

from html import escape
from pathlib import Path

import textual_serve

__all__ = ["STATIC_DIR", "page_html"]

STATIC_DIR = Path(textual_serve.__file__).parent / "static"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/css/xterm.css">
<script>
  // textual-serve's terminal sizes its canvas in CSS pixels but draws in device pixels: on a
  // phone (device pixel ratio 2-3) everything lands outside the canvas and the page is blank.
  // Drawing at ratio 1 fits the page (text a little softer on a sharp screen).
  Object.defineProperty(window, "devicePixelRatio", {{ get: () => 1 }});
</script>
<script src="/static/js/textual.js"></script>
<style>
  html, body {{ margin: 0; height: 100%; background: #0c181f; color: #eee; }}
  body {{ font-family: menlo, monospace; }}
  #terminal {{ position: absolute; inset: 0; }}
  .closed-dialog {{ display: none; }}
  body.-closed .closed-dialog {{
    display: flex; position: absolute; inset: 0; z-index: 10; align-items: center;
    justify-content: center; flex-direction: column; background: #0c181f;
  }}
  .closed-dialog button {{ font-size: 18px; padding: 12px 28px; margin: 16px; }}
</style>
</head>
<body>
<div class="closed-dialog">
  <div>Session ended.</div>
  <button type="button" onclick="window.location.reload()">Join again</button>
</div>
<div id="terminal" class="textual-terminal"
     data-session-websocket-url="{ws_url}" data-font-size="{font_size}"></div>
<script>
  // A phone: a font small enough for ~60 columns (the join screen's width), unless asked.
  if (!new URLSearchParams(location.search).has("fontsize")) {{
    const fit = Math.floor(window.innerWidth / 60 / 0.6);
    const el = document.getElementById("terminal");
    el.dataset.fontSize = String(Math.max(8, Math.min({font_size}, fit)));
  }}
</script>
</body>
</html>
"""


def page_html(ws_url: str, font_size: int, title: str = "Quizwire") -> str:
    return _PAGE.format(ws_url=escape(ws_url), font_size=font_size, title=escape(title))
