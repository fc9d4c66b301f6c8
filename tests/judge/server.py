"""A small OpenAI-compatible HTTP server for tests and benchmarks.

It speaks enough of the protocol for polyjudge: `POST /v1/chat/completions` (with first-token
logprobs when asked), `POST /v1/files` (multipart upload), `GET /v1/files/{id}` and
`/v1/files/{id}/content`, `POST /v1/batches`, `GET /v1/batches/{id}`. Answers are a function of
the request (`behavior`), so a test can script 429s, 500s, malformed JSON, slow answers and
prompt-injection echoes; every request is recorded.

Stdlib only, threaded, HTTP/1.1 keep-alive with Nagle disabled (otherwise each small response
stalls ~40 ms on delayed ACKs). Run standalone for the bench:

    python tests/judge/server.py --latency 0.05     # prints "READY <base_url>" and serves
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import hashlib
import json
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MARKER = re.compile(r"item-\d+")


@dataclass
class Reply:
    """A normal chat completion. `top_logprobs` maps first-token alternatives to logprobs."""

    text: str
    top_logprobs: dict[str, float] | None = None
    finish_reason: str = "stop"


@dataclass
class Fail:
    """An HTTP error status with an OpenAI-style error body."""

    status: int
    message: str = "scripted failure"
    headers: dict[str, str] = field(default_factory=dict)
    param: str | None = None  # OpenAI names the refused parameter ...
    code: str | None = None  # ... and why, e.g. "unsupported_parameter"


@dataclass
class Malformed:
    """A 200 whose body is not valid JSON."""

    body: bytes = b'{"id": "chatcmpl-broken", "choices": ['


@dataclass
class Hang:
    """Wait `seconds` before answering (longer than the client's timeout: a timeout)."""

    seconds: float
    then: Reply | None = None


Action = Reply | Fail | Malformed | Hang | str


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any
    at: float

    @property
    def user_text(self) -> str:
        """All message contents of a chat request, joined."""
        if not isinstance(self.body, dict):
            return ""
        parts = []
        for message in self.body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
        return "\n".join(parts)

    @property
    def marker(self) -> str | None:
        """The first `item-N` marker in the messages (tests put one in each response text)."""
        found = MARKER.search(self.user_text)
        return found.group(0) if found else None


def default_behavior(request: Recorded) -> Action:
    """Deterministic answers: `unsafe` for about a third of the inputs, `safe` otherwise."""
    digest = hashlib.sha256(request.user_text.encode("utf-8")).digest()
    if digest[0] % 3 == 0:
        return Reply("unsafe", {"unsafe": -0.05, "safe": -3.0, "invalid": -6.0})
    return Reply("safe", {"safe": -0.1, "unsafe": -2.4, "invalid": -5.0})


def completion_body(request_body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A chat.completion object for `reply`, with first-token logprobs when asked for."""
    prompt_chars = sum(len(m.get("content") or "") for m in request_body.get("messages", []))
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": reply.text},
        "finish_reason": reply.finish_reason,
        "logprobs": None,
    }
    if request_body.get("logprobs") and reply.top_logprobs is not None:
        alternatives = sorted(reply.top_logprobs.items(), key=lambda kv: -kv[1])
        n = int(request_body.get("top_logprobs") or 0)
        first = alternatives[0]
        choice["logprobs"] = {
            "content": [
                {
                    "token": first[0],
                    "logprob": first[1],
                    "bytes": list(first[0].encode("utf-8")),
                    "top_logprobs": [
                        {"token": t, "logprob": lp, "bytes": list(t.encode("utf-8"))}
                        for t, lp in alternatives[:n]
                    ],
                }
            ],
            "refusal": None,
        }
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request_body.get("model", "test-model"),
        "choices": [choice],
        "usage": {
            "prompt_tokens": prompt_chars // 4 + 1,
            "completion_tokens": max(1, len(reply.text) // 4),
            "total_tokens": prompt_chars // 4 + 1 + max(1, len(reply.text) // 4),
        },
    }


class FakeOpenAI:
    """The server. `behavior(request) -> Action` decides each chat answer; `latency` seconds
    are added to every chat answer; a batch completes after `batch_polls` retrievals."""

    def __init__(
        self,
        behavior: Callable[[Recorded], Action] | None = None,
        latency: float = 0.0,
        batch_polls: int = 1,
        record_bodies: bool = True,
    ) -> None:
        self.behavior = behavior or default_behavior
        self.latency = latency
        self.batch_polls = batch_polls
        self.batch_failure: str | None = None  # set: batches fail validation with this message
        self.record_bodies = record_bodies
        self.requests: list[Recorded] = []
        self.chat_count = 0
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        server = self

        class Handler(_Handler):
            fake = server

        httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self.httpd = httpd
        self.thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    # -- what was received ---------------------------------------------------------------------

    def chat_requests(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def marker_counts(self) -> Counter[str]:
        """How many chat requests the server received per `item-N` marker."""
        return Counter(r.marker for r in self.chat_requests() if r.marker)

    def record(self, request: Recorded) -> None:
        with self.lock:
            if request.path.endswith("/chat/completions"):
                self.chat_count += 1
            if self.record_bodies:
                self.requests.append(request)

    # -- behaviour ---------------------------------------------------------------------------

    def answer_chat(self, request: Recorded) -> tuple[int, dict[str, str], bytes, float]:
        """Status, headers, body and delay for one chat request."""
        action = self.behavior(request)
        delay = self.latency
        if isinstance(action, str):
            action = Reply(action)
        if isinstance(action, Hang):
            delay += action.seconds
            action = action.then or Reply("safe")
        if isinstance(action, Malformed):
            return 200, {}, action.body, delay
        if isinstance(action, Fail):
            body = {
                "error": {
                    "message": action.message,
                    "type": "scripted",
                    "param": action.param,
                    "code": action.code,
                }
            }
            return action.status, action.headers, json.dumps(body).encode(), delay
        body = completion_body(request.body, action)
        return 200, {}, json.dumps(body).encode(), delay

    def run_batch(self, batch: dict[str, Any]) -> None:
        """Answer every line of the batch's input file through `behavior`."""
        if self.batch_failure is not None:
            batch["status"] = "failed"
            batch["failed_at"] = int(time.time())
            batch["errors"] = {
                "object": "list",
                "data": [{"code": "invalid_request", "message": self.batch_failure, "line": 1}],
            }
            return
        lines = self.files[batch["input_file_id"]]["content"].decode("utf-8").splitlines()
        out, errors = [], []
        for line in lines:
            if not line.strip():
                continue
            item = json.loads(line)
            recorded = Recorded("POST", "batch" + item["url"], {}, b"", item["body"], time.time())
            action = self.behavior(recorded)
            if isinstance(action, str):
                action = Reply(action)
            if isinstance(action, Hang):
                action = action.then or Reply("safe")
            entry: dict[str, Any] = {
                "id": f"batch_req_{uuid.uuid4().hex[:10]}",
                "custom_id": item["custom_id"],
            }
            if isinstance(action, Reply):
                entry["response"] = {
                    "status_code": 200,
                    "request_id": uuid.uuid4().hex,
                    "body": completion_body(item["body"], action),
                }
                entry["error"] = None
                out.append(entry)
            else:
                status = action.status if isinstance(action, Fail) else 500
                message = action.message if isinstance(action, Fail) else "malformed"
                entry["response"] = {
                    "status_code": status,
                    "request_id": uuid.uuid4().hex,
                    "body": {"error": {"message": message}},
                }
                entry["error"] = None
                errors.append(entry)
        batch["request_counts"] = {
            "total": len(out) + len(errors),
            "completed": len(out),
            "failed": len(errors),
        }
        if out:
            batch["output_file_id"] = self.add_file(
                "\n".join(json.dumps(e) for e in out).encode() + b"\n", "batch_output"
            )["id"]
        if errors:
            batch["error_file_id"] = self.add_file(
                "\n".join(json.dumps(e) for e in errors).encode() + b"\n", "batch_output"
            )["id"]
        batch["status"] = "completed"
        batch["completed_at"] = int(time.time())

    def add_file(self, content: bytes, purpose: str, filename: str = "file.jsonl") -> dict:
        file_id = f"file-{uuid.uuid4().hex[:16]}"
        meta = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }
        self.files[file_id] = {"meta": meta, "content": content}
        return meta


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    fake: FakeOpenAI

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode())

    def _read(self) -> Recorded:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw and (self.headers.get("Content-Type") or "").startswith("application/json"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        return Recorded(self.command, self.path, dict(self.headers.items()), raw, body, time.time())

    def do_GET(self) -> None:
        request = self._read()
        self.fake.record(request)
        path = self.path.split("?")[0]
        fake = self.fake
        if path == "/_stats":
            return self._json(200, {"chat": fake.chat_count})
        if m := re.fullmatch(r"/v1/files/([\w-]+)/content", path):
            f = fake.files.get(m.group(1))
            if f is None:
                return self._json(404, {"error": {"message": "no such file"}})
            return self._send(200, f["content"], content_type="application/octet-stream")
        if m := re.fullmatch(r"/v1/files/([\w-]+)", path):
            f = fake.files.get(m.group(1))
            return self._json(200, f["meta"]) if f else self._json(404, {"error": {}})
        if m := re.fullmatch(r"/v1/batches/([\w-]+)", path):
            with fake.lock:
                batch = fake.batches.get(m.group(1))
                if batch is None:
                    return self._json(404, {"error": {"message": "no such batch"}})
                batch["_polls"] += 1
                if batch["status"] in ("validating", "in_progress"):
                    if batch["_polls"] >= fake.batch_polls:
                        fake.run_batch(batch)
                    else:
                        batch["status"] = "in_progress"
                return self._json(200, {k: v for k, v in batch.items() if not k.startswith("_")})
        return self._json(404, {"error": {"message": f"no route {path}"}})

    def do_POST(self) -> None:
        request = self._read()
        self.fake.record(request)
        path = self.path.split("?")[0]
        fake = self.fake
        if path == "/v1/chat/completions":
            if not isinstance(request.body, dict):
                return self._json(400, {"error": {"message": "body is not JSON"}})
            status, headers, body, delay = fake.answer_chat(request)
            if delay:
                time.sleep(delay)
            return self._send(status, body, headers)
        if path == "/v1/files":
            fields = _multipart(self.headers.get("Content-Type", ""), request.raw)
            content = fields.get("file", (b"", None))
            meta = fake.add_file(
                content[0],
                fields.get("purpose", (b"", None))[0].decode(),
                content[1] or "upload.jsonl",
            )
            return self._json(200, meta)
        if path == "/v1/batches":
            body = request.body or {}
            if body.get("input_file_id") not in fake.files:
                return self._json(400, {"error": {"message": "unknown input_file_id"}})
            batch_id = f"batch_{uuid.uuid4().hex[:16]}"
            batch = {
                "id": batch_id,
                "object": "batch",
                "endpoint": body.get("endpoint"),
                "input_file_id": body["input_file_id"],
                "completion_window": body.get("completion_window", "24h"),
                "status": "validating",
                "created_at": int(time.time()),
                "output_file_id": None,
                "error_file_id": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": body.get("metadata"),
                "_polls": 0,
            }
            with fake.lock:
                fake.batches[batch_id] = batch
            return self._json(200, {k: v for k, v in batch.items() if not k.startswith("_")})
        return self._json(404, {"error": {"message": f"no route {path}"}})


def _multipart(content_type: str, raw: bytes) -> dict[str, tuple[bytes, str | None]]:
    """Fields of a multipart/form-data body: name -> (bytes, filename)."""
    header = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
    fields: dict[str, tuple[bytes, str | None]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True) or b""
            fields[str(name)] = (payload, part.get_filename())
    return fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    fake = FakeOpenAI(latency=args.latency, record_bodies=False)
    print(f"READY {fake.start(args.port)}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
