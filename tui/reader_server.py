"""The reader: a small local web page that always shows the item on the annotator's screen.

Terminals cannot shape Arabic, Bengali or Thai; a browser can. `annotate --reader` starts this
server (the standard library's `ThreadingHTTPServer`, on 127.0.0.1 and a free port, in daemon
threads); the screen publishes its current item (`publish`: a reference swap and a notify,
nothing else on the key path) and the page long-polls `item.json?after=VERSION`, which answers
as soon as the version moves on (or after `POLL_S`, unchanged).

Threat model (docs/security.md): the page is reachable only at a secret path
(`/<token>/`, `secrets.token_urlsafe`; anything else is a 404), only with a `Host` naming this
address (DNS rebinding), and serves no content as HTML: the page and its script are fixed
files, the item travels as JSON and the script puts it in with `textContent`, under a strict
Content-Security-Policy (no inline script or style, nothing from elsewhere).
"""

from __future__ import annotations

import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .reader_item import ReaderItem, payload_json

POLL_S = 20.0  # the longest a poll waits before answering with the same version

CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>polyjudge reader</title>
<link rel="stylesheet" href="reader.css">
<script src="reader.js" defer></script>
</head><body class="reader">
<header><h1 id="heading">Waiting for the terminal…</h1>
<span id="where"></span><span id="state"></span>
<label><input type="checkbox" id="invisible"> show invisible characters</label></header>
<main id="blocks"></main>
</body></html>
"""


def asset(name: str) -> bytes:
    """`reader.js` or `reader.css`, shipped beside this module."""
    return (files("polyjudge.tui") / name).read_bytes()


ASSETS = {
    "": ("text/html; charset=utf-8", PAGE.encode("utf-8")),
    "reader.js": ("text/javascript; charset=utf-8", asset("reader.js")),
    "reader.css": ("text/css; charset=utf-8", asset("reader.css")),
}


class _QuietServer(ThreadingHTTPServer):
    """Silent about a request that failed (a browser tab closed mid-answer): the terminal
    belongs to the screen, and a traceback there would draw over it."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class ReaderServer:
    """One reader for one terminal session. `with ReaderServer() as reader:` starts it;
    `reader.url` is the secret link; `reader.publish(ReaderItem(...))` updates the page."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = secrets.token_urlsafe(16)  # 128 bits; short enough for a status line
        self._changed = threading.Condition()
        self._published = ReaderItem(None)
        self._version = 0
        self._json: tuple[int, bytes] | None = None
        self._closed = False
        self._http = _QuietServer((host, port), _handler(self))
        self.host, self.port = host, self._http.server_address[1]
        self.hosts = {f"{host}:{self.port}", f"localhost:{self.port}"}
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="polyjudge-reader", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/{self.token}/"

    def start(self) -> ReaderServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; polls still waiting are answered at once."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread.is_alive():
            self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> ReaderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the screen's side ---------------------------------------------------------------------

    def publish(self, published: ReaderItem) -> None:
        """The item on screen is now this one (cheap: no JSON is made here)."""
        with self._changed:
            if published == self._published:
                return
            self._published = published
            self._version += 1
            self._changed.notify_all()

    @property
    def version(self) -> int:
        return self._version

    @property
    def published(self) -> ReaderItem:
        return self._published

    # -- the page's side (request threads) -----------------------------------------------------

    def item_json(self, after: int | None, wait_s: float = POLL_S) -> bytes:
        """The current item as JSON, once its version differs from `after` (or `wait_s` has
        passed, or the server is closing)."""
        with self._changed:
            if after is not None:
                self._changed.wait_for(
                    lambda: self._version != after or self._closed, timeout=wait_s
                )
            version, published = self._version, self._published
            cached = self._json
        if cached is not None and cached[0] == version:
            return cached[1]
        body = payload_json(published, version)
        self._json = (version, body)
        return body


def _handler(reader: ReaderServer) -> type[BaseHTTPRequestHandler]:
    class ReaderRequest(BaseHTTPRequestHandler):
        server_version = "polyjudge-reader"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the terminal belongs to the screen (and a log line would hold the token)."""

        def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _refuse(self, status: HTTPStatus) -> None:
            self._send(status, "text/plain; charset=utf-8", f"{status.value}\n".encode())

        def do_GET(self) -> None:
            hosts = self.headers.get_all("Host") or []
            if len(hosts) != 1 or hosts[0] not in reader.hosts:  # DNS rebinding
                self._refuse(HTTPStatus.FORBIDDEN)
                return
            parts = urlsplit(self.path)
            token, slash, name = parts.path.lstrip("/").partition("/")
            if not slash or not secrets.compare_digest(token.encode(), reader.token.encode()):
                self._refuse(HTTPStatus.NOT_FOUND)
                return
            if name == "item.json":
                after = parse_qs(parts.query).get("after", [""])[0]
                number = int(after) if after.lstrip("-").isdigit() and len(after) < 12 else None
                body = reader.item_json(number)
                self._send(HTTPStatus.OK, "application/json; charset=utf-8", body)
                return
            found = ASSETS.get(name)
            if found is None:
                self._refuse(HTTPStatus.NOT_FOUND)
                return
            self._send(HTTPStatus.OK, *found)

    return ReaderRequest
