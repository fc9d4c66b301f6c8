"""What `polyjudge judge`, `translate` and `generate` share: where requests go (the endpoint
options, passed as one `LlmOptions`), the notes on parameters a model refused, and failed
requests as an error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from polyjudge.console import echo
from polyjudge.options import grouped_options

if TYPE_CHECKING:
    from polyjudge.judge.client import Endpoint


@dataclass(frozen=True)
class LlmOptions:
    """The options of a command that calls a model: where requests go and how (`--base-url`,
    `--api-key-env`, `--concurrency`, `--timeout`, `--max-retries`), which languages
    (`--language`), and how it reports (`--quiet`, `--json`)."""

    base_url: str | None
    api_key_env: str | None
    concurrency: int
    timeout: float
    max_retries: int
    languages: tuple[str, ...]
    quiet: bool
    as_json: bool

    def endpoint(self, fallback_url: str | None = None) -> Endpoint:
        """The endpoint these options name (the key read from the environment); without
        `--base-url`, `fallback_url` (a batch's own), else $OPENAI_BASE_URL or OpenAI."""
        from polyjudge.judge.client import resolve_endpoint

        return resolve_endpoint(
            self.base_url or fallback_url, self.api_key_env, self.timeout, self.max_retries
        )


def endpoint_options(func: Any) -> Any:
    """Options shared by `judge` and `translate`: where to send requests and how."""
    return _endpoint_options(func, "Only responses in this language (repeatable).")


def generate_endpoint_options(func: Any) -> Any:
    """`endpoint_options` for `generate`, whose --language selects prompts, not responses."""
    return _endpoint_options(func, "Only prompts in this language (repeatable).")


def _endpoint_options(func: Any, language_help: str) -> Any:
    """The options of `LlmOptions` on a command, which receives them as one `llm`."""
    return grouped_options(
        "llm",
        LlmOptions,
        click.option(
            "--base-url",
            default=None,
            metavar="URL",
            help="An OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 "
            "(default: $OPENAI_BASE_URL, else OpenAI).",
        ),
        click.option(
            "--api-key-env",
            default=None,
            metavar="NAME",
            help="Read the API key from this environment variable "
            "(default: OPENAI_API_KEY). The key is never stored or printed.",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 1024),
            default=8,
            show_default=True,
            help="Requests in flight at once.",
        ),
        click.option(
            "--timeout",
            type=float,
            default=60.0,
            show_default=True,
            help="Seconds per request attempt.",
        ),
        click.option(
            "--max-retries",
            type=click.IntRange(0, 50),
            default=4,
            show_default=True,
            help="Retries (exponential backoff with jitter) on 429, 5xx, "
            "connection errors and timeouts.",
        ),
        click.option(
            "--language",
            "languages",
            multiple=True,
            metavar="L",
            help=language_help,
        ),
        click.option("--quiet", is_flag=True, help="No progress bar."),
        click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
    )(func)


def print_adaptations(data: dict[str, Any]) -> None:
    """Parameters the model refused and the run sent differently (see judge.engine)."""
    for note in data.get("adapted", []):
        echo(f"note: {note}", err=True)
    missing = data.get("missing_logprobs")
    # A refusal has its own note above; a run that failed says only its one error line (the
    # run that retries it says how many answers lack logprobs).
    failed = data.get("errors") or data.get("stop_error")
    if missing and not data.get("logprobs_refused") and not failed:
        echo(
            f"warning: logprobs were asked for but {missing} answer(s) came without them: "
            "those verdicts have no p(unsafe) (the server ignored `logprobs`?)",
            err=True,
        )
    if data.get("probe_error"):
        echo(
            f"note: the online first request failed ({data['probe_error']}); it went "
            "into the batch with the rest",
            err=True,
        )


def raise_for_errors(data: dict[str, Any]) -> None:
    from polyjudge.store import PolyjudgeError

    if data.get("stop_error"):
        raise PolyjudgeError(f"stopped after repeated failures: {data['stop_error']}")
    if data.get("errors"):
        raise PolyjudgeError(
            f"{data['errors']} request(s) failed after retries (last: {data['last_error']}); "
            "they have no verdict: run the same command again to retry them"
        )
