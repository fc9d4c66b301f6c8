"""The page behind an annotator's link in `serve`: the browser's terminal (textual-serve's
xterm.js client, `static/js/textual.js`) on the left and the reader on the right (the item on
that annotator's screen, shaped by the browser: the markup ids, `reader.js` and `reader.css` of
`tui/reader_server.py`), one page, no frames.

The page is our own, not textual-serve's `app_index.html`: that template has inline script and
click handlers and fetches a font from Google, so it cannot live under a policy without
`'unsafe-inline'` scripts. What textual.js needs of a page is only an element of class
`textual-terminal` with `data-session-websocket-url` and `data-font-size` (it starts every such
element on `window.onload`, marks `body` `-first-byte` once the app draws and `-closed` when
the websocket closes; with `?delay`, it waits for a click on `#start`) and `css/xterm.css`;
the rest (intro, "session ended", restart, the reader's hide switch) is `serve_page.css` and
`serve_page.js`.

Every URL in the page is relative to the link (`<token>/reader/…`, `<token>/page/…`,
`../static/…`), so the page works the same through an SSH tunnel and under a `--public-url`
with a path. Only the websocket is absolute (textual.js appends its query to it). Interpolated
values are escaped; the token has been checked against `TOKEN_SHAPE` before the page is made.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from urllib.parse import urlsplit

from aiohttp import web

STATIC = "../static/"  # textual-serve's static files, relative to `/annotate/<token>`
# xterm.js and textual.js add <style> elements at run time (the terminal's size, its theme):
# styles may be inline, scripts may not.
STYLE_SRC = "'self' 'unsafe-inline'"


def page_policy(websocket_url: str) -> str:
    """The terminal page's Content-Security-Policy: scripts from this server only, no frames
    of it anywhere, connections to itself and its websocket's origin."""
    parts = urlsplit(websocket_url)
    websocket_origin = f"{parts.scheme}://{parts.netloc}"
    return (
        "default-src 'none'; script-src 'self'; "
        f"style-src {STYLE_SRC}; font-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {websocket_origin}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _reader_pane(token: str) -> str:
    """The reader's markup (the ids `reader.js` fills), with its hide switch."""
    return f"""<aside id="reader" class="reader" data-item-url="{token}/reader/item.json">
<header><button type="button" id="reader-hide" title="Hide the reader">Hide ▸</button>
<h1 id="heading">Waiting for the terminal…</h1>
<span id="where"></span><span id="state"></span>
<label><input type="checkbox" id="invisible"> show invisible characters</label></header>
<main id="blocks"></main>
</aside>
<button type="button" id="reader-show" title="Show the reader" hidden>◂ Reader</button>
"""


def terminal_page(
    annotator: str, token: str, websocket_url: str, font_size: int, reader: bool
) -> str:
    """The HTML of a link's page (the reader pane only when the server has a reader)."""
    name = escape(f"polyjudge — {annotator}")
    reader_head = ""
    if reader:
        reader_head = (
            f'<link rel="stylesheet" href="{token}/reader/reader.css">\n'
            f'<script src="{token}/reader/reader.js" defer></script>\n'
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}</title>
<link rel="preload" href="{STATIC}fonts/RobotoMono-VariableFont_wght.ttf" as="font" \
type="font/ttf" crossorigin>
<link rel="stylesheet" href="{STATIC}css/xterm.css">
{reader_head}<link rel="stylesheet" href="{token}/page/serve_page.css">
<script src="{STATIC}js/textual.js"></script>
<script src="{token}/page/serve_page.js" defer></script>
</head><body class="serve{" with-reader" if reader else ""}">
<div id="intro" class="notice"><p>{name}</p><p>starting the annotate screen…</p>
<button type="button" id="start">Start</button></div>
<div id="closed" class="notice"><p>Session ended.</p>
<button type="button" id="restart">Restart</button></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{escape(websocket_url)}"
 data-font-size="{int(font_size)}"></div>
{_reader_pane(token) if reader else ""}</body></html>
"""


def _asset(name: str) -> bytes:
    return (files("polyjudge") / name).read_bytes()


ASSETS = {
    "serve_page.js": ("text/javascript; charset=utf-8", _asset("serve_page.js")),
    "serve_page.css": ("text/css; charset=utf-8", _asset("serve_page.css")),
}


def page_response(body: str, websocket_url: str) -> web.Response:
    """The page, never cached (it names the annotator), under its own policy."""
    response = web.Response(text=body, content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = page_policy(websocket_url)
    return response
