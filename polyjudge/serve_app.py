"""The web server behind `polyjudge serve`: one server, many annotators, one secret link each.

Built on textual-serve (`polyjudge[serve]`): `TeamServer` subclasses its `Server` and replaces
only the aiohttp application it makes. textual-serve serves one fixed shell command at `/` and
`/ws`; here each link `/annotate/<token>` and its websocket `/annotate/<token>/ws` run the
annotate screen of the annotator the token belongs to, through a textual-serve `Server` per
annotator (whose own `handle_websocket` and `AppService` bridge the browser and the process).
No textual-serve code is copied: the page is ours (`serve_page.py`: the terminal and, beside
it, the reader), loading textual-serve's client script and style.

Who labels comes from the token alone (looked up in the project on every request, so a revoked
link stops working while the server runs); nothing in the URL's query or the headers can name
an annotator. Every request and websocket upgrade must also carry a `Host` that is one of this
server's addresses (against DNS rebinding) and, when it has an `Origin` (a websocket must), that
origin must be this server's (against other web pages driving a session).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from textual_serve.server import Server, to_int

from polyjudge.console import echo_err
from polyjudge.safe_text import one_line
from polyjudge.serve_addresses import Addresses
from polyjudge.serve_page import ASSETS as PAGE_ASSETS
from polyjudge.serve_page import page_response, terminal_page
from polyjudge.serve_reader import ServeReader, reader_headers
from polyjudge.store import Project, TokenOwner

# How often an open session checks that its link still holds (a revoked link ends it).
RECHECK_S = 5.0
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")


def note(line: str) -> None:
    """One line on the server's standard error, with any control character from a request made
    visible (so a header cannot drive the terminal)."""
    echo_err(f"polyjudge serve: {one_line(line, 300)}")


class OneLineFormatter(logging.Formatter):
    """A log record as one sanitised line: its message and, for an exception, its type and
    text (aiohttp logs a malformed request with a traceback quoting the request's bytes). Set
    POLYJUDGE_DEBUG=1 for the tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text += f": {type(error).__name__}: {error}"
            if os.environ.get("POLYJUDGE_DEBUG"):
                text += "\n" + self.formatException(record.exc_info)
                return f"polyjudge serve: {text}"
        return f"polyjudge serve: {one_line(text, 300)}"


SECURITY_HEADERS = {
    # The token is in the page's URL: never send it on as a Referer (fonts, open_url).
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


class TeamServer(Server):
    """textual-serve's `Server` with per-annotator secret links and Host/Origin checks."""

    def __init__(
        self,
        db: Path,
        command_for: Callable[[str], str],
        served: frozenset[str],
        *,
        host: str,
        port: int,
        public_url: str | None,
        reader_dir: Path | None = None,
    ) -> None:
        self.addresses = Addresses.of(host, port, public_url)
        super().__init__(
            "polyjudge annotate",
            host=host,
            port=port,
            title="polyjudge",
            public_url=self.addresses.public_url,
        )
        self.db = db
        self.command_for = command_for
        self.served = served
        self._sessions: dict[str, Server] = {}
        self._stopping: asyncio.Event | None = None  # set when the server begins to stop
        self.reader = ServeReader(db, reader_dir) if reader_dir is not None else None

    def link(self, token: str) -> str:
        """The secret link of a token."""
        return f"{self.addresses.public_url}/annotate/{token}"

    def reader_link(self, token: str) -> str:
        """The token's reader page: the item on that annotator's screen, shaped by the browser."""
        return f"{self.link(token)}/reader/"

    # -- textual-serve hooks -------------------------------------------------------------------

    def initialize_logging(self) -> None:
        """Warnings and errors only, plain, on stderr: no access log (its lines would carry the
        tokens) and no tracebacks with local variables."""
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(OneLineFormatter())
        for name in ("textual-serve", "aiohttp"):
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.setLevel(logging.WARNING)
            logger.propagate = False
        logging.getLogger("aiohttp.access").disabled = True

    async def on_startup(self, app: web.Application) -> None:
        self._stopping = asyncio.Event()
        note(f"listening on {self.host}:{self.port} (Ctrl+C stops)")

    async def on_shutdown(self, app: web.Application) -> None:
        """Ctrl+C or SIGTERM: end the open sessions and the readers' waiting polls now, rather
        than after aiohttp's grace period (a minute) for requests still running."""
        if self._stopping is not None:
            self._stopping.set()
        if self.reader is not None:
            self.reader.stopping = True

    async def _make_app(self) -> web.Application:
        """Our own routes in place of textual-serve's `/` and `/ws` (one fixed command for
        everybody) and our own page in place of its template; its static files, download
        handler and websocket bridge are reused as they are."""
        app = web.Application(middlewares=[self._guard])
        app.add_routes(
            [
                web.get("/annotate/{token}", self.handle_link, name="link"),
                web.get("/annotate/{token}/ws", self.handle_link_websocket, name="websocket"),
                web.get("/annotate/{token}/page/{name}", self.handle_page_file, name="page-file"),
                web.get("/annotate/{token}/reader/", self.handle_reader, name="reader"),
                web.get("/annotate/{token}/reader/{name}", self.handle_reader, name="reader-file"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        app.on_response_prepare.append(self._security_headers)
        return app

    # -- checks --------------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Host and Origin, on every request (before any route, known or not)."""
        route = request.match_info.route.name if request.match_info.route else None
        websocket = (
            route == "websocket"
            or request.headers.get("Upgrade", "").strip().lower() == "websocket"
        )
        reason = self.addresses.refusal(
            request.headers.getall("Host", []),
            request.headers.getall("Origin", []),
            websocket=websocket,
        )
        if reason is not None:
            self._refuse_note(request, reason)
            return web.Response(status=403, text="403: Forbidden\n")
        return await handler(request)

    async def _security_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        route = request.match_info.route.name if request.match_info.route else None
        # The terminal page's own policy (set by `page_response`), the strict default elsewhere.
        page_policy = response.headers.get("Content-Security-Policy") if route == "link" else None
        response.headers.update(SECURITY_HEADERS)
        if page_policy:
            response.headers["Content-Security-Policy"] = page_policy
        if route in ("reader", "reader-file"):
            reader_headers(response)

    def _refuse_note(self, request: web.Request, reason: str) -> None:
        path = request.path
        token = request.match_info.get("token")
        if token:
            path = path.replace(token, "<token>")
        note(f"refused {request.method} {path} from {request.remote}: {reason}")

    def _owner(self, token: str) -> TokenOwner:
        """Whose token this is, read from the project now (runs in a worker thread)."""
        with Project.open(self.db) as project:
            return project.serving.token_owner(token)

    async def _annotator(self, request: web.Request) -> str:
        """The annotator of the request's token; a plain 404 (unknown) or 403 (revoked, or an
        annotator this server was not started for) otherwise."""
        token = request.match_info["token"]
        owner = TokenOwner("unknown")
        if TOKEN_SHAPE.fullmatch(token):
            owner = await asyncio.to_thread(self._owner, token)
        if owner.status == "unknown":
            self._refuse_note(request, "unknown link")
            raise web.HTTPNotFound(text="404: Not Found (unknown link)\n")
        assert owner.annotator is not None
        if owner.status == "revoked":
            self._refuse_note(request, f"revoked link of {owner.annotator}")
            raise web.HTTPForbidden(text="403: Forbidden (this link was revoked)\n")
        if owner.annotator not in self.served:
            self._refuse_note(request, f"link of {owner.annotator}, who is not served here")
            raise web.HTTPForbidden(text="403: Forbidden (this link is not served here)\n")
        return owner.annotator

    # -- routes --------------------------------------------------------------------------------

    async def handle_link(self, request: web.Request) -> web.StreamResponse:
        """The page of a link: the browser's terminal (textual-serve's client, its websocket at
        this link's `/ws`) and, beside it, the reader (`serve_page.py`)."""
        annotator = await self._annotator(request)
        token = request.match_info["token"]
        base = self.addresses.public_url
        ws_path = request.app.router["websocket"].url_for(token=token)
        ws_base = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
        websocket_url = f"{ws_base}{ws_path}"
        font_size = to_int(request.query.get("fontsize", "16"), 16)
        page = terminal_page(annotator, token, websocket_url, font_size, self.reader is not None)
        return page_response(page, websocket_url)

    async def handle_page_file(self, request: web.Request) -> web.StreamResponse:
        """The terminal page's own script and style."""
        await self._annotator(request)
        found = PAGE_ASSETS.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound(text="404: Not Found\n")
        content_type, body = found
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def handle_reader(self, request: web.Request) -> web.StreamResponse:
        """The reader page of a link, its script and style, and `item.json` (long-polled)."""
        annotator = await self._annotator(request)
        if self.reader is None:
            raise web.HTTPNotFound(text="404: Not Found\n")
        name = request.match_info.get("name", "")
        if name != "item.json":
            return self.reader.asset(name)
        after = request.query.get("after", "")
        number = int(after) if after.lstrip("-").isdigit() and len(after) < 20 else None
        return await self.reader.item_json(annotator, number)

    async def handle_link_websocket(self, request: web.Request) -> web.StreamResponse:
        """The browser's terminal: the annotate screen of the token's annotator, bridged by the
        textual-serve `Server` made for that annotator's command."""
        annotator = await self._annotator(request)
        session = self._sessions.get(annotator)
        if session is None:
            session = Server(
                self.command_for(annotator),
                host=self.host,
                port=self.port,
                public_url=self.addresses.public_url,
            )
            session.download_manager = self.download_manager
            self._sessions[annotator] = session
        bridge = asyncio.ensure_future(session.handle_websocket(request))
        assert self._stopping is not None
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            while True:
                done, _ = await asyncio.wait(
                    {bridge, stopping}, timeout=RECHECK_S, return_when=asyncio.FIRST_COMPLETED
                )
                if bridge in done:
                    return bridge.result()
                if stopping in done:
                    # textual-serve closes the websocket and stops the app on cancellation.
                    bridge.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        return await bridge
                    raise web.HTTPServiceUnavailable(text="503: the server is stopping\n")
                token = request.match_info["token"]
                if (await asyncio.to_thread(self._owner, token)).status != "ok":
                    self._refuse_note(request, f"link of {annotator} revoked: session ended")
                    bridge.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        return await bridge
                    raise web.HTTPForbidden(text="403: Forbidden (this link was revoked)\n")
        finally:
            stopping.cancel()
            if not bridge.done():
                bridge.cancel()
