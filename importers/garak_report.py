"""garak `report.jsonl`: one response per evaluated output of each attempt.

The report is JSON Lines, one entry per line with an `entry_type` (garak's
`docs/source/reporting.rst`; the attempt's fields are `Attempt.as_dict` in `garak/attempt.py`):

- `start_run setup`: the run's settings, as flat keys: `plugins.target_type` and
  `plugins.target_name` name the model (older garak: `plugins.model_type`, `plugins.model_name`),
  `run.eval_threshold` the score at which a detector counts a hit (default 0.5), and
  `run.langproviders` the translators (`{"language": "ja,en", "model_type"/"target_type",
  "model_name"}`);
- `attempt` with `status` 2 (evaluated): `prompt` (a conversation: `turns[].content.text` and
  `.lang`; older garak: a string), `outputs` (messages with `text` and `lang`; older: strings),
  `detector_results` ({detector: [score per output]}), `reverse_translation_outputs` (the
  outputs translated back, one per output), `probe_classname`, `uuid`. Attempts with status 0 or 1
  are the same attempt before evaluation and are skipped;
- `init`, `eval`, `completion`, `digest` and others: not responses, skipped.

Each output becomes a response (id `garak:UUID:INDEX`) in the output's `lang` (else the
prompt's, else `--map language=PATH` into the attempt, or `--language`); category is the probe's
module (`dan`), scenario the probe (`dan.Dan_11_0`); the back-translation is its
`reverse_translation_outputs` entry, with the engine taken from the run's language providers.
Each detector becomes a judge run `garak:DETECTOR`: `unsafe` when the output's score reaches the
threshold (a hit), else `safe`, with p(unsafe) the score itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from polyjudge.store import InputError, Project

from .common import BadRow, ImportReport
from .harness_records import HarnessResponse, HarnessScore, lookup, mapped_row, parse_paths
from .harness_writer import write_harness
from .line_reader import RowError
from .reading import open_rows

DEFAULT_PATHS = {
    "language": ("lang", "prompt.turns.-1.content.lang"),
    "category": (),
    "scenario": (),
    "prompt_id": (),
}
EVALUATED = 2


def import_garak(
    project: Project, path: Path, *, maps: tuple[str, ...] = (), language: str | None = None
) -> ImportReport:
    """Import a garak report in one transaction. See the module docstring."""
    paths = parse_paths(maps, DEFAULT_PATHS)
    source = open_rows(path, "jsonl")
    run = _RunSettings()
    skipped = {"no_output": 0, "not_evaluated": 0}
    records = _records(path, source.rows(), run, paths, language, skipped)
    report = write_harness(project, path, "garak", records)
    report.extra.update(model=run.model, skipped=skipped)
    return report


class _RunSettings:
    """What the `start_run setup` entry says: the model, the threshold, the translators."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.threshold = 0.5
        self.langproviders: list[dict[str, Any]] = []

    def read(self, entry: dict[str, Any]) -> None:
        kind = entry.get("plugins.target_type") or entry.get("plugins.model_type")
        name = entry.get("plugins.target_name") or entry.get("plugins.model_name")
        if isinstance(kind, str) and kind:
            self.model = f"{kind}/{name}" if isinstance(name, str) and name else kind
        threshold = entry.get("run.eval_threshold")
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            self.threshold = float(threshold)
        providers = entry.get("run.langproviders")
        if isinstance(providers, list):
            self.langproviders = [p for p in providers if isinstance(p, dict)]

    def engine(self, language: str) -> str:
        """The translator of the run that reads `language` (`ja,en` for `ja`)."""
        for provider in self.langproviders:
            pair = str(provider.get("language", "")).split(",")
            if len(pair) == 2 and pair[0].strip() == language and pair[1].strip() != language:
                kind = provider.get("target_type") or provider.get("model_type") or "translator"
                name = provider.get("model_name")
                return f"garak {kind}" + (f" {name}" if name else "")
        return "garak"


def _records(
    path: Path,
    rows: Iterator[tuple[int, Any]],
    run: _RunSettings,
    paths: dict[str, tuple],
    language: str | None,
    skipped: dict[str, int],
) -> Iterator[HarnessResponse]:
    for line, entry in rows:
        if type(entry) is RowError:
            raise InputError(str(path), entry.line, entry.problem)
        kind = entry.get("entry_type")
        if kind == "start_run setup":
            run.read(entry)
            continue
        if kind != "attempt":
            continue
        if entry.get("status") != EVALUATED:
            skipped["not_evaluated"] += 1
            continue
        yield from _attempt(path, line, entry, run, paths, language, skipped)


def _attempt(
    path: Path,
    line: int,
    entry: dict[str, Any],
    run: _RunSettings,
    paths: dict[str, tuple],
    language: str | None,
    skipped: dict[str, int],
) -> Iterator[HarnessResponse]:
    def bad(problem: str) -> InputError:
        return InputError(str(path), line, f"attempt: {problem}")

    uuid = entry.get("uuid")
    if not isinstance(uuid, str) or not uuid.strip():
        raise bad("no `uuid`")
    if run.model is None:
        raise bad("no model: the report has no `start_run setup` entry naming the target before")
    outputs = entry.get("outputs")
    if not isinstance(outputs, list):
        raise bad("`outputs` must be a list")
    detectors = entry.get("detector_results") or {}
    back = entry.get("reverse_translation_outputs") or []
    if not isinstance(detectors, dict) or not isinstance(back, list):
        raise bad("`detector_results` must be an object, `reverse_translation_outputs` a list")
    probe = entry.get("probe_classname")
    probe = probe if isinstance(probe, str) and probe else None
    prompt = _message_text(
        lookup(entry, ("prompt", "turns", "-1", "content")) or entry.get("prompt")
    )
    for index, output in enumerate(outputs):
        text = _message_text(output)
        if text is None or not text.strip():
            skipped["no_output"] += 1
            continue
        where = f"attempt {uuid} output {index}"
        lang = output.get("lang") if isinstance(output, dict) else None
        try:
            row = mapped_row(
                {**entry, "lang": lang} if isinstance(lang, str) and lang != "*" else entry,
                paths,
                language,
            )
        except BadRow as exc:
            raise InputError(str(path), line, f"{where}: {exc}") from None
        row.update(prompt=prompt, model=run.model, response=text)
        row["category"] = row.get("category") or (probe.split(".")[0] if probe else None)
        row["scenario"] = row.get("scenario") or probe
        bt = _message_text(back[index]) if index < len(back) else None
        row["back_translation"] = bt
        engine = run.engine(str(row["language"]).strip().lower()) if bt else None
        scores = [
            _detector_score(name, results, index, run.threshold, where, bad)
            for name, results in detectors.items()
        ]
        yield HarnessResponse(
            f"garak:{uuid}:{index}", where, line, row, engine, [s for s in scores if s]
        )


def _detector_score(
    name: str, results: Any, index: int, threshold: float, where: str, bad: Any
) -> HarnessScore | None:
    if not isinstance(results, list):
        raise bad(f"{where}: detector {name!r}: results must be a list of scores")
    if index >= len(results) or results[index] is None:
        return None
    score = results[index]
    if type(score) not in (int, float) or not 0.0 <= score <= 1.0:
        raise bad(f"{where}: detector {name!r}: score {score!r} is not a number from 0 to 1")
    hit = score >= threshold
    raw = f"{name} score {score:g} ({'hit' if hit else 'pass'} at threshold {threshold:g})"
    return HarnessScore(name, "unsafe" if hit else "safe", float(score), raw)


def _message_text(value: Any) -> str | None:
    """A garak message's text: a `Message` dict's `text`, or a plain string (older reports)."""
    if isinstance(value, dict):
        value = value.get("text")
    return value if isinstance(value, str) else None
