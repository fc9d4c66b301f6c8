"""The OpenAI-compatible endpoint: base URL, API key, timeout, retries.

The key comes from `OPENAI_API_KEY` or the variable named by `--api-key-env`. It lives only in
the `Endpoint` (excluded from its repr) and in the client: it is never stored, logged or
printed, and every error text is passed through `Endpoint.redact` before it goes anywhere.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from polyjudge.store import PolyjudgeError

if TYPE_CHECKING:
    from openai import AsyncOpenAI

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
# Local servers (vLLM, Ollama, llama.cpp) accept any key; the client insists on one.
PLACEHOLDER_KEY = "no-key"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Endpoint:
    base_url: str | None
    api_key: str = field(repr=False)
    timeout: float = 60.0
    max_retries: int = 4

    @cached_property
    def public_url(self) -> str:
        """The base URL as recorded in the project: no user info, query or fragment."""
        return public_url(self.base_url or OPENAI_DEFAULT_URL)

    def redact(self, text: str) -> str:
        """`text` without the key, on one line, without control characters, at most 400
        characters: fit for the log, the project file and the terminal."""
        if self.api_key and self.api_key != PLACEHOLDER_KEY:
            text = text.replace(self.api_key, "[key]")
        text = _CONTROL.sub(" ", text)
        text = " ".join(text.split())
        return text if len(text) <= 400 else text[:399] + "…"

    def client(self) -> AsyncOpenAI:
        """An AsyncOpenAI client: its own retries (exponential backoff with jitter, honouring
        Retry-After) on 408/409/429/5xx, connection errors and timeouts."""
        from openai import AsyncOpenAI

        return AsyncOpenAI(
            base_url=self.base_url or OPENAI_DEFAULT_URL,
            api_key=self.api_key,
            timeout=self.timeout,
            max_retries=self.max_retries,
        )


def public_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def resolve_endpoint(
    base_url: str | None,
    api_key_env: str | None,
    timeout: float = 60.0,
    max_retries: int = 4,
    environ: dict[str, str] | None = None,
) -> Endpoint:
    """Check the options and read the key from the environment."""
    env = os.environ if environ is None else environ
    base_url = base_url or env.get("OPENAI_BASE_URL") or None
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PolyjudgeError(
                f"--base-url: expected an http:// or https:// URL, got {public_url(base_url)!r}"
            )
    if api_key_env:
        key = env.get(api_key_env)
        if not key:
            raise PolyjudgeError(
                f"--api-key-env: the environment variable {api_key_env} is not set"
            )
    else:
        key = env.get("OPENAI_API_KEY")
        if not key:
            if base_url is None:
                raise PolyjudgeError(
                    "no API key: set OPENAI_API_KEY, or name another variable with "
                    "--api-key-env, or give --base-url for a local server"
                )
            key = PLACEHOLDER_KEY
    if timeout <= 0:
        raise PolyjudgeError("--timeout must be positive")
    if max_retries < 0:
        raise PolyjudgeError("--max-retries must be 0 or more")
    return Endpoint(base_url=base_url, api_key=key, timeout=timeout, max_retries=max_retries)


def describe_error(exc: BaseException, endpoint: Endpoint) -> str:
    """One redacted line for a failed request."""
    from openai import APIConnectionError, APIStatusError, APITimeoutError

    if isinstance(exc, APITimeoutError):
        text = f"timed out after {endpoint.timeout:g} s ({endpoint.public_url})"
    elif isinstance(exc, APIConnectionError):
        cause: Any = exc.__cause__
        detail = f": {cause}" if cause else ""
        text = f"cannot connect to {endpoint.public_url}{detail}"
    elif isinstance(exc, APIStatusError):
        message = getattr(exc, "message", "") or str(exc)
        message = re.sub(r"^Error code: \d+ - ", "", message)
        text = f"HTTP {exc.status_code} from {endpoint.public_url}: {message}"
    elif isinstance(exc, ValueError):
        text = f"unreadable answer from {endpoint.public_url}: {type(exc).__name__}: {exc}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return endpoint.redact(text)


def answer_params(temperature: float, max_tokens: int | None) -> dict[str, Any]:
    """Request parameters that change the answer: part of a run's name and of the cache key."""
    params: dict[str, Any] = {"temperature": temperature}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    return params
