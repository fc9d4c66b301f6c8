"""`polyjudge serve`: one real server on 127.0.0.1 (a subprocess) for several annotators, each
reaching the annotate screen through their own secret link, driven by a real websocket client
as the browser page drives it. The adversarial requests are in tests/security; the page in a
real browser is tests/exports/test_serve_browser.py."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from polyjudge.commands.serve_queues import Queue, queues
from polyjudge.commands.serving import serve_command
from polyjudge.store import Project

from tests.conftest import REPO, run_cli
from tests.exports.conftest import Built

LINK = re.compile(
    r"^(?P<name>[^:\n]+): (?P<url>https?://\S+/annotate/(?P<token>[A-Za-z0-9_-]+))$", re.M
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    """A running `polyjudge serve` and what it printed."""

    process: subprocess.Popen[bytes]
    port: int
    out: Path
    err: Path
    links: dict[str, str]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")


def fetch(url: str, deadline: float, headers: dict[str, str] | None = None) -> str:
    """GET `url`, retrying while the server starts (bounded by `deadline`)."""
    while True:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200
                return response.read().decode("utf-8")
        except OSError as exc:
            if getattr(exc, "code", None) is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _port_was_taken(process: subprocess.Popen[bytes], err: Path) -> bool:
    """Wait until the server listens or exits; True if it exited because its port was taken."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        said = err.read_text(encoding="utf-8")
        if "listening on" in said:
            return False
        if process.poll() is not None:
            return "Address already in use" in said
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def serving(db: Path, tmp: Path, *args: str, expect_links: int | None = None) -> Iterator[Served]:
    """Run `polyjudge serve --db DB --port P ARGS`; wait for its links (one per `--annotator`
    unless `expect_links` says otherwise) and for it to answer."""
    wanted = args.count("--annotator") if expect_links is None else expect_links
    # The free port is closed again before the server binds it, so a parallel test worker
    # may take it meanwhile: the server then says so and exits, and another port is tried.
    for _ in range(3):
        port = free_port()
        out, err = tmp / f"serve-{port}.out", tmp / f"serve-{port}.err"
        with out.open("wb") as out_file, err.open("wb") as err_file:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "polyjudge",
                    "serve",
                    "--db",
                    str(db),
                    "--port",
                    str(port),
                    *args,
                ],
                cwd=REPO,
                stdout=out_file,
                stderr=err_file,
                env={**os.environ, "NO_COLOR": "1"},
                start_new_session=True,
            )
        if not _port_was_taken(process, err):
            break
    try:
        deadline = time.monotonic() + 60
        while True:
            links = {m["name"]: m["url"] for m in LINK.finditer(out.read_text(encoding="utf-8"))}
            if "listening on" in err.read_text(encoding="utf-8") and len(links) >= wanted:
                break
            assert process.poll() is None, err.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, err.read_text(encoding="utf-8")
            time.sleep(0.1)
        served = Served(process, port, out, err, links)
        fetch(f"{served.origin}/static/js/textual.js", deadline)
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def label_counts(db: Path) -> dict[str, int]:
    """Current labels per annotator, read from the project file."""
    with Project.open(db) as project:
        return {row["annotator"]: row["labels"] for row in project.annotators.progress()}


def ws_url(link: str, query: str = "width=100&height=30") -> str:
    return link.replace("http://", "ws://", 1) + "/ws" + (f"?{query}" if query else "")


async def drive_screen(
    url: str, headers: dict[str, str], db: Path, annotator: str, timeout: float = 60
) -> int:
    """Open the page's websocket with these headers, as the browser does; once the screen has
    drawn itself, press `1` (the first label) until the project holds a label by `annotator`.
    Returns the bytes the app sent."""
    import aiohttp

    received = 0
    before = label_counts(db).get(annotator, 0)
    end = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session, session.ws_connect(url, headers=headers) as ws:
        await ws.send_json(["resize", {"width": 100, "height": 30}])
        next_press = 0.0
        while time.monotonic() < end:
            if received >= 2000 and time.monotonic() >= next_press:
                if label_counts(db).get(annotator, 0) > before:
                    break
                await ws.send_json(["stdin", "1"])
                next_press = time.monotonic() + 3
            try:
                message = await ws.receive(timeout=0.5)
            except TimeoutError:
                continue
            if message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                received += len(message.data)
            elif message.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            ):
                break
    return received


def test_one_server_gives_each_annotator_their_own_screen(built: Built, tmp_path: Path):
    pytest.importorskip("textual_serve")
    before = label_counts(built.path)
    with serving(built.path, tmp_path, "--annotator", "zoe", "--annotator", "yusuf") as served:
        assert set(served.links) == {"zoe", "yusuf"}
        assert served.links["zoe"] != served.links["yusuf"]
        page = fetch(served.links["zoe"], time.monotonic() + 30)
        assert "polyjudge — zoe" in page
        assert ws_url(served.links["zoe"], "") in page  # the page's websocket is the link's
        origin = {"Origin": served.origin}
        sent = asyncio.run(drive_screen(ws_url(served.links["zoe"]), origin, built.path, "zoe"))
        assert sent >= 2000  # the annotate screen drew itself into the browser's terminal
        after_zoe = label_counts(built.path)
        assert after_zoe["zoe"] >= 1 and after_zoe.get("yusuf", 0) == 0
        asyncio.run(drive_screen(ws_url(served.links["yusuf"]), origin, built.path, "yusuf"))
    after = label_counts(built.path)
    assert after["yusuf"] >= 1 and after["zoe"] == after_zoe["zoe"]
    assert {k: v for k, v in after.items() if k not in ("zoe", "yusuf")} == {
        k: v for k, v in before.items() if k not in ("zoe", "yusuf")
    }


def test_behind_a_tls_proxy_links_and_the_forwarded_host_and_origin_work(
    built: Built, tmp_path: Path
):
    """What Caddy or nginx (`proxy_set_header Host $host`) forward for
    `--public-url https://labels.example.org`: the public Host and Origin reach the screen."""
    pytest.importorskip("textual_serve")
    public = "https://labels.example.org"
    with serving(built.path, tmp_path, "--annotator", "zoe", "--public-url", public) as served:
        link = served.links["zoe"]
        token = link.rsplit("/", 1)[1]
        assert link == f"{public}/annotate/{token}"
        proxied = {"Host": "labels.example.org", "Origin": public}
        page = fetch(f"{served.origin}/annotate/{token}", time.monotonic() + 30, proxied)
        assert f"wss://labels.example.org/annotate/{token}/ws" in page
        url = f"ws://127.0.0.1:{served.port}/annotate/{token}/ws?width=100&height=30"
        assert asyncio.run(drive_screen(url, proxied, built.path, "zoe")) >= 2000
    assert label_counts(built.path)["zoe"] >= 1


def test_a_link_is_shown_once_and_new_link_replaces_it(built: Built, tmp_path: Path):
    pytest.importorskip("textual_serve")
    with serving(built.path, tmp_path, "--annotator", "zoe") as first:
        old = first.links["zoe"]
    with serving(built.path, tmp_path, "--annotator", "zoe", expect_links=0) as second:
        assert second.links == {}  # not shown again ...
        assert "zoe: link issued " in second.stderr() and "--new-link zoe" in second.stderr()
        fetch(old.replace(str(first.port), str(second.port)), time.monotonic() + 30)  # ... works
    with serving(built.path, tmp_path, "--new-link", "zoe", expect_links=1) as third:
        new = third.links["zoe"]
        assert new.rsplit("/", 1)[1] != old.rsplit("/", 1)[1]
        fetch(new, time.monotonic() + 30)
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(old.replace(str(first.port), str(third.port)), time.monotonic() + 30)
        assert refused.value.code == 403  # the replaced link is revoked


def test_revoke_alone_revokes_and_exits(built: Built):
    with Project.open(built.path) as project:
        token = project.serving.issue_token("zoe")
    result = run_cli("serve", "--db", str(built.path), "--revoke", "zoe")
    assert result.code == 0 and result.err.strip() == "zoe: link revoked"
    with Project.open(built.path) as project:
        assert project.serving.token_owner(token).status == "revoked"
        assert project.serving.live_link("zoe") is None
    again = run_cli("serve", "--db", str(built.path), "--revoke", "zoe")
    assert again.code == 0 and again.err.strip() == "zoe: had no live link"


def test_serve_needs_someone_to_serve_and_cannot_serve_a_revoked_name(built: Built):
    nobody = run_cli("serve", "--db", str(built.path))
    assert nobody.code == 2 and "--annotator NAME" in nobody.err
    both = run_cli("serve", "--db", str(built.path), "--annotator", "zoe", "--revoke", "zoe")
    assert both.code == 2 and "cannot serve and revoke" in both.err


def test_serve_command_quotes_untrusted_names(tmp_path: Path):
    command = serve_command(tmp_path / "my project.db", "a; rm -rf ~", ["bn"])
    assert "'a; rm -rf ~'" in command
    assert "--language bn" in command and "annotate --db" in command
    assert "--overlap" not in command
    assert serve_command(tmp_path / "p.db", "amina", [], 2).endswith("--overlap 2")


def test_each_annotator_can_have_their_own_languages_and_overlap():
    resolved = queues(
        ["amina", "bilal", "a=b"],
        ("bn, th",),
        2,
        language_of=("bilal=ar", "bilal = fa,ar", "a=b=sw"),
        overlap_of=("amina=3",),
    )
    assert resolved == {
        "amina": Queue(("bn", "th"), 3),
        "bilal": Queue(("ar", "fa"), 2),
        "a=b": Queue(("sw",), 2),
    }
    assert serve_command(Path("p.db"), "bilal", resolved["bilal"].languages, 2).endswith(
        "--language ar --language fa --overlap 2"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--language-of", "carol=bn"), "--language-of 'carol=bn': carol is not served here"),
        (("--language-of", "zoe"), "--language-of 'zoe': expected NAME=VALUE"),
        (("--language-of", "zoe= "), "--language-of 'zoe= ': expected NAME=VALUE"),
        (("--overlap-of", "zoe=0"), "--overlap-of 'zoe=0': K is a whole number ≥ 1"),
        (("--overlap-of", "zoe=²"), "--overlap-of 'zoe=²': K is a whole number ≥ 1"),
    ],
)
def test_a_bad_per_annotator_queue_is_one_usage_line_and_issues_nothing(
    built: Built, args: tuple[str, ...], message: str
):
    result = run_cli("serve", "--db", str(built.path), "--annotator", "zoe", *args)
    assert result.code == 2 and message in result.err
    with Project.open(built.path) as project:
        assert project.serving.live_link("zoe") is None


def test_the_terminal_page_holds_an_annotators_name_as_text():
    from polyjudge.serve_page import terminal_page

    name = '</title><script>alert(1)</script><img src=x onerror="alert(2)">'
    page = terminal_page(name, "T" * 32, 'ws://127.0.0.1:8000/annotate/x"y/ws', 16, True)
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img" in page
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT/reader/reader.js" defer>',
        '<script src="../static/js/textual.js">',
        '<script src="TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT/page/serve_page.js" defer>',
    ]
    assert 'data-session-websocket-url="ws://127.0.0.1:8000/annotate/x&quot;y/ws"' in page
    assert "<img" not in page and not re.search(r"<[^>]*\son[a-z]+\s*=", page)


def test_serve_without_the_extra_is_one_clear_line(built: Built, monkeypatch):
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    monkeypatch.delitem(sys.modules, "polyjudge.serve_app", raising=False)
    result = run_cli("serve", "--db", str(built.path), "--annotator", "amina")
    assert result.code == 1
    assert "pip install 'polyjudge[serve]'" in result.err
    assert len(result.err.strip().splitlines()) == 1
    with Project.open(built.path) as project:
        assert project.serving.live_link("amina") is None  # nothing was issued


def labelled_by(db: Path, name: str) -> dict[str, tuple[str, int]]:
    """uid -> (language, how many annotators now label it) of the items `name` labels."""
    with Project.open(db) as project:
        annotator = project.annotators.get(name)
        assert annotator is not None
        found = {}
        for r in range(1, project.content.count("responses") + 1):
            if project.labels.current(r, annotator.id) is not None:
                response = project.content.response(r)
                assert response is not None
                found[response.uid] = (response.language, len(project.labels.current_for(r)))
    return found


def test_each_link_has_a_reader_page_that_follows_its_screen(built: Built, tmp_path: Path):
    """The reader beside the browser's terminal: the annotate session a link starts publishes
    the item on its screen, and the link's reader page serves it (strict policy, JSON only).
    Each link's screen has its annotator's own queue: yusuf his languages and his overlap."""
    pytest.importorskip("textual_serve")
    import json

    queues = ("--overlap", "2", "--language-of", "yusuf=ar,th", "--overlap-of", "yusuf=3")
    with serving(
        built.path, tmp_path, "--annotator", "zoe", "--annotator", "yusuf", *queues
    ) as served:
        link = served.links["zoe"]
        printed = served.out.read_text(encoding="utf-8")
        assert f"its reader alone, for a second screen: {link}/reader/" in printed
        request = urllib.request.Request(f"{link}/reader/")
        with urllib.request.urlopen(request, timeout=30) as response:
            policy = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "default-src 'none'" in policy
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert 'src="reader.js"' in response.read().decode()
        before = json.loads(fetch(f"{link}/reader/item.json", time.monotonic() + 30))
        assert before["item"] is None  # no session yet
        with pytest.raises(urllib.error.HTTPError) as unknown:
            fetch(link.replace(link.rsplit("/", 1)[1], "x" * 32) + "/reader/item.json", 0)
        assert unknown.value.code == 404
        origin = {"Origin": served.origin}
        asyncio.run(drive_screen(ws_url(link), origin, built.path, "zoe"))
        with Project.open(built.path) as project:
            zoe = project.annotators.get("zoe")
            assert zoe is not None
            labelled = {
                project.content.response(r).uid  # type: ignore[union-attr]
                for r in range(1, project.content.count("responses") + 1)
                if project.labels.history(r, zoe.id)
            }
        after = json.loads(fetch(f"{link}/reader/item.json?after=0", time.monotonic() + 30))
        # The screen moved on after the label: the reader shows the item it moved to.
        assert after["item"] is not None and after["item"]["uid"] in built.uids
        assert after["item"]["uid"] not in labelled and after["where"] == "serve · zoe"
        other = json.loads(fetch(f"{served.links['yusuf']}/reader/item.json", time.monotonic() + 5))
        assert other["item"] is None  # yusuf's page shows only yusuf's screen
        asyncio.run(drive_screen(ws_url(served.links["yusuf"]), origin, built.path, "yusuf"))
    # zoe: every language, no item that two others had labelled (the server's --overlap 2);
    # yusuf: Arabic and Thai only, items two others had labelled too (his --overlap-of 3).
    zoes, yusufs = labelled_by(built.path, "zoe"), labelled_by(built.path, "yusuf")
    assert zoes and all(count <= 2 for _, count in zoes.values())
    assert {language for language, _ in zoes.values()} - {"ar", "th"}
    assert yusufs and all(language in ("ar", "th") for language, _ in yusufs.values())
    assert any(count == 3 for _, count in yusufs.values())


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may never reap an orphan that exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_session_ends_when_its_server_is_killed(built: Built, tmp_path: Path):
    """A killed server cannot end its sessions itself: the annotate process it started must
    notice and exit, not run on as an orphan nobody can see (one was found spinning a core
    for 40 minutes)."""
    pytest.importorskip("textual_serve")
    import aiohttp

    if not Path("/proc/self/stat").exists():
        pytest.skip("finds the session's process through /proc (Linux)")
    with serving(built.path, tmp_path, "--annotator", "zoe") as served:

        async def open_then_kill_the_server() -> list[int]:
            url, origin = ws_url(served.links["zoe"]), {"Origin": served.origin}
            async with (
                aiohttp.ClientSession() as session,
                session.ws_connect(url, headers=origin) as ws,
            ):
                await ws.send_json(["resize", {"width": 100, "height": 30}])
                received = 0
                while received < 2000:  # the annotate screen has drawn itself
                    message = await ws.receive(timeout=60)
                    assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT)
                    received += len(message.data)
                sessions = [
                    pid
                    for pid in _descendants(served.process.pid)
                    if b"annotate" in Path(f"/proc/{pid}/cmdline").read_bytes()
                ]
                os.kill(served.process.pid, signal.SIGKILL)  # the server alone
                return sessions

        sessions = asyncio.run(open_then_kill_the_server())
        assert sessions, "the link's session did not start an annotate process"
        deadline = time.monotonic() + 30
        while any(_running(pid) for pid in sessions):
            if time.monotonic() > deadline:
                for pid in sessions:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                pytest.fail("the annotate session outlived its killed server by 30 s")
            time.sleep(0.2)
