"""The reader's HTTP server, started on 127.0.0.1 by each test and asked with a real client:
the secret path, the Host check, the security headers, the long poll, and item text that only
ever travels as JSON strings."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from polyjudge.store import Item, Project
from polyjudge.tui.reader_item import ReaderItem
from polyjudge.tui.reader_server import ReaderServer

from tests.tui.conftest import add_items

SCRIPT = '<script>window.pwned=1;document.title="PWNED"</script><img src=x onerror="pwned=2">'
HTML_ITEMS = [("x-html", "en", "<b>bold?</b>", None, f"Sure. {SCRIPT} \u202eevil\u202c", None)]


@pytest.fixture
def items(multilingual_db: Path) -> dict[str, Item]:
    with Project.open(multilingual_db) as project:
        add_items(project, HTML_ITEMS)
        found = {}
        for uid in ("t-ar", "t-bn", "t-th", "x-html"):
            response_id = project.content.response_id_by_uid(uid)
            assert response_id is not None
            found[uid] = project.content.item(response_id)
    return found


@pytest.fixture
def reader() -> Iterator[ReaderServer]:
    with ReaderServer() as server:
        yield server


def get(
    reader: ReaderServer, path: str, host: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", reader.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{reader.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_only_the_secret_path_answers(reader: ReaderServer) -> None:
    token = reader.token
    assert len(token) >= 22 and reader.url.endswith(f"/{token}/")
    assert get(reader, f"/{token}/")[0] == 200
    for path in ("/", f"/{token}", f"/{token[:-1]}/", f"/{token}x/", "/item.json", f"/{token}/x"):
        assert get(reader, path)[0] == 404, path
    assert get(reader, f"/{token}/item.json")[0] == 200
    assert ReaderServer().token != token  # a new one each time


def test_a_foreign_host_is_refused(reader: ReaderServer) -> None:
    """DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1."""
    path = f"/{reader.token}/item.json"
    for host in (f"evil.example:{reader.port}", "127.0.0.1", f"127.0.0.1:{reader.port + 1}"):
        assert get(reader, path, host=host)[0] == 403, host
    assert get(reader, path, host=f"localhost:{reader.port}")[0] == 200


def test_every_answer_carries_a_strict_policy(reader: ReaderServer) -> None:
    for name, kind in (
        ("", "text/html"),
        ("reader.js", "text/javascript"),
        ("reader.css", "text/css"),
        ("item.json", "application/json"),
    ):
        status, headers, body = get(reader, f"/{reader.token}/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind)
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "connect-src 'self'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    page = get(reader, f"/{reader.token}/")[2].decode()
    assert '<script src="reader.js"' in page and "<style" not in page and " on" not in page
    script = get(reader, f"/{reader.token}/reader.js")[2].decode()
    assert "innerHTML" not in script and "textContent" in script


def test_item_text_travels_as_json_strings_only(
    reader: ReaderServer, items: dict[str, Item]
) -> None:
    reader.publish(ReaderItem(items["x-html"], "annotate · amina"))
    status, headers, body = get(reader, f"/{reader.token}/item.json")
    assert status == 200
    assert b"<" not in body and b"\\u202e" not in body.lower()  # all escaped or neutralised
    payload = json.loads(body)
    (response,) = [b for b in payload["item"]["blocks"] if b["kind"] == "response"]
    assert SCRIPT in response["text"]  # shown literally, as text
    assert "\u202e" not in response["text"] and "\u202e" not in response["revealed"]
    assert "U+202E" in response["revealed"] and response["invisible"] == 2
    page = get(reader, f"/{reader.token}/")[2].decode()
    assert "pwned" not in page and "x-html" not in page  # the page itself holds no content


def test_direction_and_language_of_each_block(reader: ReaderServer, items: dict[str, Item]) -> None:
    for uid, lang, direction in (
        ("t-ar", "ar", "rtl"),
        ("t-bn", "bn", "auto"),
        ("t-th", "th", "auto"),
    ):
        reader.publish(ReaderItem(items[uid]))
        item = json.loads(get(reader, f"/{reader.token}/item.json")[2])["item"]
        assert item["uid"] == uid and item["lang"] == lang and item["complex"] is True
        kinds = {b["kind"]: b for b in item["blocks"]}
        assert (kinds["response"]["lang"], kinds["response"]["dir"]) == (lang, direction)
        assert kinds["back"]["lang"] == "en" and kinds["prompt-en"]["lang"] == "en"
        assert kinds["response"]["text"] == items[uid].response.text


def test_a_poll_waits_for_the_next_item(reader: ReaderServer, items: dict[str, Item]) -> None:
    reader.publish(ReaderItem(items["t-ar"]))
    first = json.loads(get(reader, f"/{reader.token}/item.json")[2])
    answers: list[dict] = []
    poll = threading.Thread(
        target=lambda: answers.append(
            json.loads(get(reader, f"/{reader.token}/item.json?after={first['version']}")[2])
        )
    )
    poll.start()
    reader.publish(ReaderItem(items["t-ar"]))  # the same item again: no new version
    reader.publish(ReaderItem(items["t-bn"]))
    poll.join(timeout=30)
    assert answers and answers[0]["item"]["uid"] == "t-bn"
    assert answers[0]["version"] == first["version"] + 1


def test_closing_answers_a_waiting_poll() -> None:
    reader = ReaderServer().start()
    answers: list[int] = []
    version = reader.version
    poll = threading.Thread(
        target=lambda: answers.append(get(reader, f"/{reader.token}/item.json?after={version}")[0])
    )
    poll.start()
    while not reader._changed._waiters:  # type: ignore[attr-defined]  # the poll is waiting
        poll.join(timeout=0.01)
    reader.close()
    poll.join(timeout=30)
    assert answers == [200]
