"""What `polyjudge judge` prints, and a batch that ended short as an error."""

from __future__ import annotations

from typing import Any

from polyjudge.console import echo, echo_json

from .llm_options import print_adaptations


def raise_for_batches(reports: list[dict[str, Any]]) -> None:
    """A batch that ended without answering everything is an error, like failed requests."""
    from polyjudge.store import PolyjudgeError

    for report in reports:
        missing = report["errors"] + report["unanswered"]
        if report["status"] != "completed" or missing:
            reason = f" ({report['failure']})" if report.get("failure") else ""
            raise PolyjudgeError(
                f"batch {report['batch']} ended {report['status']}{reason}: {missing} "
                "response(s) have no verdict; run the same judge command again to send them"
            )


def print_summary(data: dict[str, Any], as_json: bool) -> None:
    print_adaptations(data)  # on stderr, also beside --json
    if as_json:
        echo_json(data)
        return
    labels = ", ".join(f"{k} {v}" for k, v in data.get("labels", {}).items()) or "none"
    if "selected" in data:
        baseline = " (baseline: refusal-string matching)" if data.get("baseline") else ""
        echo(
            f"{data['run']}{baseline}: {data['selected']} selected, {data['already']} already "
            f"judged, {data['cached']} from the cache, {data['requested']} requests, "
            f"{data['errors']} failed, {data['in_batch']} in open batches"
        )
    for batch_id in data.get("batches", []):
        echo(
            f"batch {batch_id} submitted (collect with: polyjudge judge --batch-status {batch_id})"
        )
    for report in data.get("collected", []):
        echo(
            f"batch {report['batch']} {report['status']}: {report['verdicts']} verdicts, "
            f"{report['errors']} failed, {report['unanswered']} unanswered"
        )
    if "run" in data:
        echo(f"verdicts of {data['run']}: {labels}")
