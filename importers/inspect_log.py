"""Inspect AI eval logs (`.eval` and `.json`): one response per sample and epoch.

Read with Inspect's own reader (`inspect_ai.log.read_eval_log_samples`) when inspect-ai is
installed (`pip install 'polyjudge[inspect]'`). Without it a `.json` log is read as the JSON
Inspect documents (`EvalLog`: `eval.model`, `eval.eval_id`, `samples[]` with `id`, `epoch`,
`input`, `output.completion`, `scores`, `metadata`), and a `.eval` log (a zip only Inspect
reads) is refused with the line that installs it.

- the model is the log's (`eval.model`); the prompt is the sample's input (its last user
  message when the input is a conversation); the response is `output.completion`;
- language, category, scenario and prompt id come from the sample's metadata
  (`metadata.language`, `metadata.category`, `metadata.scenario`, `metadata.prompt_id`), or
  from the paths given with `--map FIELD=PATH`, or `--language CODE` for the whole log;
- the response's id is `inspect:["EVAL_ID",EPOCH,SAMPLE_ID]` (JSON), so that final labels can
  be written back for exactly that sample and epoch (`export inspect-scores`);
- each scorer becomes a judge run `inspect:SCORER`; a score's value becomes a label through
  `--score-map VALUE=LABEL` (or when it is already one of the project's labels), else the verdict
  is `unparsed`; the verdict's raw text is the value and the scorer's explanation.

A sample that ended in an error with no output is skipped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from polyjudge.store import InputError, PolyjudgeError, Project

from .common import BadRow, ImportReport
from .harness_records import (
    HarnessResponse,
    HarnessScore,
    mapped_row,
    parse_paths,
    parse_score_map,
    score_label,
)
from .harness_writer import write_harness
from .json_document import read_json_document
from .regular_file import check_file

DEFAULT_PATHS = {
    "language": ("metadata.language", "metadata.lang"),
    "category": ("metadata.category",),
    "scenario": ("metadata.scenario",),
    "prompt_id": ("metadata.prompt_id",),
}
UID_PREFIX = "inspect:"
INSTALL = "pip install 'polyjudge[inspect]'"
SAMPLE_FIELDS = {"id", "epoch", "input", "output", "scores", "metadata", "error"}


def inspect_uid(eval_id: str, epoch: int, sample_id: int | str) -> str:
    """The response id of one sample and epoch of one eval."""
    return UID_PREFIX + json.dumps([eval_id, epoch, sample_id], ensure_ascii=False)


def parse_inspect_uid(uid: str) -> tuple[str, int, int | str] | None:
    """(eval id, epoch, sample id) of a response imported from an Inspect log, else None."""
    if not uid.startswith(UID_PREFIX):
        return None
    try:
        eval_id, epoch, sample_id = json.loads(uid[len(UID_PREFIX) :])
    except (ValueError, TypeError):
        return None
    if not isinstance(eval_id, str) or type(epoch) is not int:
        return None
    if type(sample_id) not in (int, str):
        return None
    return eval_id, epoch, sample_id


def import_inspect(
    project: Project,
    path: Path,
    *,
    maps: tuple[str, ...] = (),
    language: str | None = None,
    score_map: tuple[str, ...] = (),
) -> ImportReport:
    """Import an Inspect log in one transaction. See the module docstring."""
    paths = parse_paths(maps, DEFAULT_PATHS)
    value_map = parse_score_map(score_map, project.label_set)
    check_file(path)
    header, samples = _open_log(path)
    model = header.get("model")
    eval_id = header.get("eval_id") or header.get("run_id")
    if not isinstance(model, str) or not model.strip():
        raise InputError(str(path), None, "not an Inspect log: no `eval.model`")
    if not isinstance(eval_id, str) or not eval_id.strip():
        raise InputError(str(path), None, "not an Inspect log: no `eval.eval_id`")
    skipped = {"no_output": 0}
    records = _records(path, samples, model, eval_id, paths, language, value_map, project, skipped)
    extra = {"eval_id": eval_id, "task": header.get("task"), "model": model}
    report = write_harness(project, path, "inspect", records, extra)
    report.extra["skipped_no_output"] = skipped["no_output"]
    return report


def _open_log(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The log's `eval` header and its samples as plain JSON dicts."""
    try:
        import inspect_ai.log  # noqa: F401
    except ImportError:
        if path.suffix.lower() != ".json":
            raise PolyjudgeError(
                f"{path}: reading an Inspect `.eval` log needs inspect-ai: {INSTALL} "
                "(or convert it first: inspect log convert --to json)"
            ) from None
        return _json_log(path)
    return _library_log(path)


def _json_log(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    log = read_json_document(path, "an Inspect log")
    if not isinstance(log, dict) or not isinstance(log.get("eval"), dict):
        raise InputError(str(path), None, "not an Inspect log: no `eval` object")
    samples = log.get("samples")
    if not isinstance(samples, list):
        raise InputError(str(path), None, "the log has no `samples` (written without samples?)")
    return log["eval"], iter(samples)


def _library_log(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    from inspect_ai.log import read_eval_log, read_eval_log_samples

    try:
        header = read_eval_log(str(path), header_only=True).eval.model_dump(mode="json")
    except Exception as exc:  # any failure of a third-party reader on an untrusted file
        raise InputError(str(path), None, f"not a readable Inspect log ({_why(exc)})") from None

    def samples() -> Iterator[dict[str, Any]]:
        try:
            for sample in read_eval_log_samples(
                str(path), all_samples_required=False, exclude_fields={"events", "store"}
            ):
                yield sample.model_dump(mode="json", include=SAMPLE_FIELDS)
        except (InputError, PolyjudgeError):
            raise
        except Exception as exc:
            raise InputError(str(path), None, f"cannot read its samples ({_why(exc)})") from None

    return header, samples()


def _why(exc: Exception) -> str:
    first = str(exc).strip().split("\n", 1)[0][:200]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _records(
    path: Path,
    samples: Iterator[Any],
    model: str,
    eval_id: str,
    paths: dict[str, tuple],
    language: str | None,
    value_map: dict[str, str],
    project: Project,
    skipped: dict[str, int],
) -> Iterator[HarnessResponse]:
    def bad(problem: str) -> InputError:
        return InputError(str(path), None, problem)

    for index, sample in enumerate(samples, 1):
        if not isinstance(sample, dict):
            raise bad(f"sample {index}: not a JSON object")
        sample_id, epoch = sample.get("id"), sample.get("epoch", 1)
        where = f"sample {sample_id!r} epoch {epoch}"
        if (
            not isinstance(sample_id, int | str)
            or isinstance(sample_id, bool)
            or type(epoch) is not int
        ):
            raise bad(f"sample {index}: `id` must be a number or text and `epoch` a number")
        text = _completion(sample.get("output"))
        if text is None or not text.strip():
            if sample.get("error") is not None or text is not None:
                skipped["no_output"] += 1
                continue
            raise bad(f"{where}: no model output (`output.completion`)")
        try:
            row = mapped_row(sample, paths, language)
        except BadRow as exc:
            raise bad(f"{where}: {exc}") from None
        row.update(prompt=_prompt(sample.get("input")), model=model, response=text)
        if not row["prompt"] and not row.get("prompt_id"):
            raise bad(f"{where}: no prompt text in `input`")
        scores = []
        for name, score in (sample.get("scores") or {}).items():
            if not isinstance(score, dict) or "value" not in score:
                raise bad(f"{where}: score {name!r} has no `value`")
            value, explanation = score["value"], score.get("explanation")
            raw = f"{name} = {json.dumps(value, ensure_ascii=False)}"
            if isinstance(explanation, str) and explanation.strip():
                raw += "\n" + explanation
            label = score_label(value, project.label_set, value_map)
            scores.append(HarnessScore(str(name), label, None, raw))
        yield HarnessResponse(
            inspect_uid(eval_id, epoch, sample_id), where, None, row, None, scores
        )


def _completion(output: Any) -> str | None:
    if not isinstance(output, dict):
        return None
    text = output.get("completion")
    if isinstance(text, str) and text:
        return text
    choices = output.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return _text(choices[0].get("message", {}).get("content"))
    return text if isinstance(text, str) else None


def _prompt(value: Any) -> str | None:
    """The prompt: the input text, or the last user message of a conversation."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for message in reversed(value):
            if isinstance(message, dict) and message.get("role") == "user":
                return _text(message.get("content"))
    return None


def _text(content: Any) -> str | None:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            c["text"]
            for c in content
            if isinstance(c, dict) and c.get("type") == "text" and isinstance(c.get("text"), str)
        ]
        return "\n".join(parts) if parts else None
    return None
