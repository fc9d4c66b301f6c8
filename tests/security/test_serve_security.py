"""`polyjudge serve` against other web pages and stolen names: a real server on 127.0.0.1 (a
subprocess) and a real websocket client sending the headers an attacker's page, a DNS-rebinding
page or a guessing script would send. Every refused request labels nothing."""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polyjudge.store import Project

from tests.browser import CHROMIUM, browser
from tests.conftest import REPO, run_cli
from tests.exports.conftest import Built, build_project
from tests.exports.test_serve import (
    Served,
    drive_screen,
    fetch,
    free_port,
    label_counts,
    serving,
    ws_url,
)

pytest.importorskip("textual_serve")
aiohttp = pytest.importorskip("aiohttp")

from polyjudge.serve_addresses import Addresses  # noqa: E402

SERVED = ("alice", "bob", "dave", "erin")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path, str]]:
    """One server for alice, bob, dave and erin; carol has a live token but is not served."""
    tmp = tmp_path_factory.mktemp("serve")
    db = build_project(tmp / "project.db").path
    with Project.open(db) as project:
        carol = project.serving.issue_token("carol")
    args = [a for name in SERVED for a in ("--annotator", name)]
    with serving(db, tmp, *args) as served:
        yield served, db, carol


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build_project(tmp_path / "project.db")


def handshake_status(url: str, headers: dict[str, str]) -> int:
    """Try to open the websocket; the HTTP status that refused it (101 when it opened)."""

    async def attempt() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(url, headers=headers) as ws:
                    # Had it opened, an attacker would now press the label key.
                    await ws.send_json(["stdin", "1"])
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

    return asyncio.run(attempt())


def http_status(url: str, headers: dict[str, str]) -> int:
    try:
        fetch(url, time.monotonic() + 30, headers)
    except OSError as exc:
        return exc.code  # type: ignore[attr-defined]
    return 200


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_a_good_link_labels_as_its_annotator_whatever_the_query_says(team):
    served, db, _ = team
    before = label_counts(db)
    # The page's own websocket, with an annotator name smuggled into the query: ignored.
    url = ws_url(served.links["alice"], "width=100&height=30&annotator=bob&user=bob")
    sent = asyncio.run(drive_screen(url, {"Origin": served.origin}, db, "alice"))
    assert sent >= 2000
    after = label_counts(db)
    assert after["alice"] > before.get("alice", 0)
    assert {k: v for k, v in after.items() if k != "alice"} == {
        k: v for k, v in before.items() if k != "alice"
    }


def test_the_loopback_names_of_the_port_are_this_server(team):
    served, _, _ = team
    link = served.links["bob"]
    for host in ("localhost", "127.0.0.1", "[::1]"):
        headers = {"Host": f"{host}:{served.port}", "Origin": f"http://{host}:{served.port}"}
        assert http_status(link, headers) == 200, host


@pytest.mark.parametrize(
    "case",
    [
        "foreign origin",
        "null origin",
        "no origin",
        "rebinding host",
        "rebinding host own origin",
        "https origin of the host",
        "two origins",
    ],
)
def test_websockets_from_other_origins_or_hosts_are_refused(team, case: str):
    served, db, _ = team
    port = served.port
    own = served.origin
    headers = {
        "foreign origin": {"Origin": "https://evil.example"},
        "null origin": {"Origin": "null"},
        "no origin": {},
        "rebinding host": {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"},
        "rebinding host own origin": {"Host": f"evil.example:{port}", "Origin": own},
        "https origin of the host": {"Origin": f"https://127.0.0.1:{port}"},
        "two origins": {"Origin": f"{own}, https://evil.example"},
    }[case]
    before = label_counts(db)
    assert handshake_status(ws_url(served.links["alice"]), headers) == 403
    assert label_counts(db) == before
    last = served.stderr().strip().splitlines()[-1]
    assert last.startswith("polyjudge serve: refused GET /annotate/<token>/ws from 127.0.0.1")
    assert token_of(served.links["alice"]) not in served.stderr()


EVIL_PAGE = """<!doctype html><title>cat pictures</title><script>
const ws = new WebSocket("WS_URL");
ws.onopen = () => {
  document.title = "open";
  setInterval(() => ws.send(JSON.stringify(["stdin", "1"])), 300);
};
ws.onerror = () => { document.title = "refused"; };
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_a_page_of_another_origin_in_a_real_browser_cannot_label(team, tmp_path: Path):
    """The tester's reproduction, in Chromium: a page from elsewhere (here another local port)
    that even knows alice's link opens its websocket and presses the label key."""
    served, db, _ = team
    (tmp_path / "evil.html").write_text(
        EVIL_PAGE.replace("WS_URL", ws_url(served.links["alice"])), encoding="utf-8"
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    evil = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    before = label_counts(db)

    async def visit() -> None:
        async with browser(f"http://127.0.0.1:{evil.server_port}/evil.html") as page:
            await page.wait_for("document.title === 'refused' || document.title === 'open'")
            assert await page.evaluate("document.title") == "refused"

    try:
        asyncio.run(visit())
    finally:
        evil.shutdown()
        evil.server_close()
    assert label_counts(db) == before
    assert f"Origin 'http://127.0.0.1:{evil.server_port}' is not this server's" in served.stderr()


@pytest.mark.parametrize(
    "case",
    [
        "unknown token",
        "name as token",
        "name in query",
        "name in query at the root",
        "not served here",
    ],
)
def test_websockets_without_a_good_token_are_refused(team, case: str):
    served, db, carol = team
    base = f"ws://127.0.0.1:{served.port}"
    url, status = {
        "unknown token": (f"{base}/annotate/{'A' * 32}/ws", 404),
        "name as token": (f"{base}/annotate/alice/ws", 404),
        "name in query": (f"{base}/ws?annotator=alice", 404),
        "name in query at the root": (f"{base}/?annotator=alice", 404),
        "not served here": (f"{base}/annotate/{carol}/ws", 403),
    }[case]
    before = label_counts(db)
    assert handshake_status(url, {"Origin": served.origin}) == status
    assert label_counts(db) == before


def test_pages_from_other_hosts_origins_or_without_a_token_are_refused(team):
    served, db, _ = team
    link = served.links["alice"]
    before = label_counts(db)
    assert http_status(link, {}) == 200  # a browser's navigation sends no Origin
    assert http_status(link, {"Host": f"evil.example:{served.port}"}) == 403
    assert http_status(link, {"Origin": "https://evil.example"}) == 403
    for path in ("/", "/?annotator=alice", "/annotate/alice", "/annotate/" + "x" * 32):
        assert http_status(f"{served.origin}{path}", {}) == 404, path
    assert label_counts(db) == before


def test_a_revoked_link_stops_working_in_the_running_server(team):
    served, db, _ = team
    link = served.links["dave"]
    assert http_status(link, {}) == 200
    result = run_cli("serve", "--db", str(db), "--revoke", "dave")
    assert result.code == 0 and "dave: link revoked" in result.err
    before = label_counts(db)
    assert http_status(link, {}) == 403
    assert handshake_status(ws_url(link), {"Origin": served.origin}) == 403
    assert label_counts(db) == before


def test_revoking_a_link_ends_the_session_it_has_open(team):
    served, db, _ = team

    async def session_then_revoke() -> tuple[int, bool]:
        received, closed = 0, False
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                ws_url(served.links["erin"]), headers={"Origin": served.origin}
            ) as ws,
        ):
            await ws.send_json(["resize", {"width": 100, "height": 30}])
            end = time.monotonic() + 60
            while received < 2000 and time.monotonic() < end:
                message = await ws.receive(timeout=60)
                if message.type == aiohttp.WSMsgType.BINARY:
                    received += len(message.data)
            result = await asyncio.to_thread(run_cli, "serve", "--db", str(db), "--revoke", "erin")
            assert result.code == 0
            end = time.monotonic() + 60  # the server looks again every few seconds
            while not closed and time.monotonic() < end:
                message = await ws.receive(timeout=60)
                closed = message.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.CLOSING,
                )
        return received, closed

    received, closed = asyncio.run(session_then_revoke())
    assert received >= 2000 and closed
    assert "link of erin revoked: session ended" in served.stderr()


def test_header_bytes_reach_the_servers_terminal_as_visible_text(team):
    served, _, _ = team
    origins = {  # marker -> Origin header bytes, and the status the server answers
        b"m-esc": (b"http://m-esc.example\x1b]2;owned\x07\x1b[2J", b"400"),  # aiohttp refuses
        b"m-c1": (b"http://m-c1.example\x9b31m\x9d2;owned\x9c", b"403"),
        b"m-utf8-c1": ("http://m-utf8-c1.example\x9b31m\x9d2;owned\x9c".encode(), b"403"),
    }
    for marker, (origin, status) in origins.items():
        request = (
            b"GET /annotate/" + token_of(served.links["alice"]).encode() + b"/ws HTTP/1.1"
            b"\r\nHost: 127.0.0.1:"
            + str(served.port).encode()
            + b"\r\nOrigin: "
            + origin
            + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"\r\n"
        )
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
            sock.sendall(request)
            reply = sock.recv(4096)
        assert reply.split(b" ")[1] == status, marker
    deadline = time.monotonic() + 30
    while not all(m in served.err.read_bytes() for m in origins) and time.monotonic() < deadline:
        time.sleep(0.1)
    err = served.err.read_bytes()
    lines = [line for line in err.splitlines() if any(m in line for m in origins)]
    assert len(lines) == len(origins)  # one line each, even for aiohttp's own refusal
    assert not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", err)


def _stored_bytes(db: Path) -> bytes:
    """The project file and its -wal/-shm, read whole; again if a session closed the file (and
    SQLite removed one of them) between the listing and the read."""
    for _ in range(100):
        try:
            return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))
        except FileNotFoundError:
            time.sleep(0.05)
    raise AssertionError(f"{db}: its files kept changing while read")


def test_tokens_are_stored_only_as_their_sha256(team):
    served, db, carol = team
    tokens = [token_of(link) for link in served.links.values()] + [carol]
    stored = _stored_bytes(db)
    for token in tokens:
        assert token.encode() not in stored
        assert hashlib.sha256(token.encode()).hexdigest().encode() in stored


def test_a_non_loopback_bind_warns_on_stderr(built: Built):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "polyjudge",
            "serve",
            "--db",
            str(built.path),
            "--annotator",
            "zoe",
            "--host",
            "192.0.2.1",
            "--port",
            str(free_port()),
        ],  # TEST-NET: not ours
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("Warning: listening on 192.0.2.1, not a loopback address")
    assert lines[1].startswith("Error: --host 192.0.2.1 --port ") and "cannot listen" in lines[1]
    assert result.returncode == 1 and result.stdout == ""
    with Project.open(built.path) as project:
        assert project.serving.live_link("zoe") is None  # no link was issued


def test_a_taken_port_is_one_line_before_any_link_is_issued(team, built: Built):
    served, _, _ = team
    result = run_cli(
        "serve", "--db", str(built.path), "--annotator", "zoe", "--port", str(served.port)
    )
    assert result.code == 1 and result.out == ""
    assert result.err.strip().splitlines() == [
        f"Error: --host 127.0.0.1 --port {served.port}: cannot listen there "
        "(Address already in use)"
    ]
    with Project.open(built.path) as project:
        assert project.serving.live_link("zoe") is None


def test_a_loopback_bind_does_not_warn(team):
    served, _, _ = team
    assert "Warning" not in served.stderr()


def test_every_address_without_a_public_url_is_one_line_and_changes_nothing(built: Built):
    result = run_cli("serve", "--db", str(built.path), "--annotator", "zoe", "--host", "0.0.0.0")
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "Error: --host 0.0.0.0 listens on every address: give --public-url, the address "
        "browsers use (e.g. http://192.0.2.7:8000)"
    ]
    with Project.open(built.path) as project:
        assert project.serving.live_link("zoe") is None


def test_behind_a_tls_proxy_only_the_public_origin_is_trusted():
    addresses = Addresses.of("127.0.0.1", 8001, "https://labels.example.org/team/")
    assert addresses.public_url == "https://labels.example.org/team"
    ok = {"hosts": ["labels.example.org"], "origins": ["https://labels.example.org"]}
    assert addresses.refusal(ok["hosts"], ok["origins"], websocket=True) is None
    assert (
        addresses.refusal(["127.0.0.1:8001"], ["http://127.0.0.1:8001"], websocket=True) is None
    )  # an SSH tunnel to the port still works
    assert addresses.refusal(ok["hosts"], ["http://labels.example.org"], websocket=True)
    assert addresses.refusal(["labels.example.org:8443"], ok["origins"], websocket=True)
    assert addresses.refusal(ok["hosts"], [], websocket=True)
    assert addresses.refusal(ok["hosts"], [], websocket=False) is None


OWN_HOSTS = ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"]
NEAR_MISSES = [
    "127.0.0.1",
    "127.0.0.1:8001",
    "evil.example:8000",
    "localhost.:8000",
    "127.0.0.2:8000",
    "[::1]",
    "0.0.0.0:8000",
]


@settings(deadline=None, max_examples=300, derandomize=True)
@given(
    host=st.one_of(st.sampled_from(OWN_HOSTS + NEAR_MISSES), st.text(max_size=40)),
    origin=st.one_of(
        st.sampled_from(
            [f"http://{h}" for h in OWN_HOSTS + NEAR_MISSES]
            + ["https://127.0.0.1:8000", "null", ""]
        ),
        st.text(max_size=40),
    ),
    upper=st.booleans(),
)
def test_only_the_servers_own_hosts_and_origins_pass(host: str, origin: str, upper: bool):
    if upper:  # host names are case-insensitive
        host, origin = host.upper(), origin.upper()
    addresses = Addresses.of("127.0.0.1", 8000, None)
    passed = addresses.refusal([host], [origin], websocket=True) is None
    good_host = host.strip().lower() in OWN_HOSTS
    good_origin = origin.strip().lower() in [f"http://{h}" for h in OWN_HOSTS]
    assert passed == (good_host and good_origin)
