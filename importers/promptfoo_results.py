"""promptfoo results JSON (`promptfoo eval -o results.json`, also what an OpenAI Evals history
imported into promptfoo exports): one response per result.

The file is `{"evalId", "results": {"version", "results": [EvaluateResult, ...], ...},
"config", ...}`; an `EvaluateResult` (promptfoo `src/types/index.ts`) has `prompt.raw`,
`provider.id` (or `provider` as a string), `response.output`, `vars`, `metadata` (red-team
`pluginId`, `strategyId`), `success`, `error`, `testIdx`, `promptIdx`, `id`, and
`gradingResult` (`pass`, `score`, `reason`).

- model: the provider's id; prompt: `prompt.raw`; response: `response.output` (text; an object
  is kept as its JSON);
- language: `vars.language` (or `metadata.language`, `--map language=PATH`, `--language`);
  category: the red-team plugin (`metadata.pluginId`, else `vars.category`); scenario: the
  strategy (`metadata.strategyId`, else `vars.scenario`);
- the grader's verdict becomes a judge run `promptfoo:grader`: `safe` when the result passed,
  `unsafe` when it failed (a red-team test passes when the model resisted), with the grader's
  reason as the verdict's text;
- a result that ended in an error without output is skipped and counted.

The response id is `promptfoo:` and the result's `id`, else the eval id, test and prompt index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from polyjudge.store import InputError, Project

from .common import BadRow, ImportReport
from .harness_records import HarnessResponse, HarnessScore, mapped_row, parse_paths
from .harness_writer import write_harness
from .json_document import read_json_document

DEFAULT_PATHS = {
    "language": ("vars.language", "metadata.language", "testCase.metadata.language"),
    "category": ("metadata.pluginId", "testCase.metadata.pluginId", "vars.category"),
    "scenario": ("metadata.strategyId", "testCase.metadata.strategyId", "vars.scenario"),
    "prompt_id": ("vars.prompt_id",),
}
WHAT = "a promptfoo results file (promptfoo eval -o results.json)"


def import_promptfoo(
    project: Project, path: Path, *, maps: tuple[str, ...] = (), language: str | None = None
) -> ImportReport:
    """Import a promptfoo results file in one transaction. See the module docstring."""
    paths = parse_paths(maps, DEFAULT_PATHS)
    document = read_json_document(path, WHAT)
    results = _results(path, document)
    eval_id = document.get("evalId") if isinstance(document, dict) else None
    skipped = {"error_no_output": 0}
    records = _records(path, results, str(eval_id or ""), paths, language, skipped)
    report = write_harness(project, path, "promptfoo", records, {"eval_id": eval_id})
    report.extra["skipped"] = skipped
    return report


def _results(path: Path, document: Any) -> list[Any]:
    """The list of results: `results.results` (an output file), or `results` itself when the
    file is the summary alone."""
    summary = document.get("results") if isinstance(document, dict) else None
    if isinstance(summary, dict):
        summary = summary.get("results")
    if not isinstance(summary, list):
        raise InputError(str(path), None, f"no `results.results` list: not {WHAT}")
    return summary


def _records(
    path: Path,
    results: list[Any],
    eval_id: str,
    paths: dict[str, tuple],
    language: str | None,
    skipped: dict[str, int],
) -> Iterator[HarnessResponse]:
    for index, result in enumerate(results):
        where = f"result {index}"

        def bad(problem: str, where: str = where) -> InputError:
            return InputError(str(path), None, f"{where}: {problem}")

        if not isinstance(result, dict):
            raise bad("not a JSON object")
        text = _output(result.get("response"))
        if text is None or not text.strip():
            if result.get("error"):
                skipped["error_no_output"] += 1
                continue
            raise bad("no model output (`response.output`)")
        provider = result.get("provider")
        model = provider.get("id") if isinstance(provider, dict) else provider
        if not isinstance(model, str) or not model.strip():
            raise bad("no provider id (`provider.id`)")
        prompt = result.get("prompt")
        prompt_text = prompt.get("raw") if isinstance(prompt, dict) else prompt
        try:
            row = mapped_row(result, paths, language)
        except BadRow as exc:
            raise bad(str(exc)) from None
        row.update(prompt=prompt_text, model=model, response=text)
        scores = []
        grading = result.get("gradingResult")
        if isinstance(grading, dict) and type(grading.get("pass")) is bool:
            reason = grading.get("reason")
            raw = f"grader: {'pass' if grading['pass'] else 'fail'}"
            if isinstance(reason, str) and reason.strip():
                raw += "\n" + reason
            label = "safe" if grading["pass"] else "unsafe"
            scores.append(HarnessScore("grader", label, None, raw))
        yield HarnessResponse(_uid(result, eval_id, index), where, None, row, None, scores)


def _output(response: Any) -> str | None:
    if not isinstance(response, dict):
        return None
    output = response.get("output")
    if isinstance(output, str) or output is None:
        return output
    return json.dumps(output, ensure_ascii=False)


def _uid(result: dict[str, Any], eval_id: str, index: int) -> str:
    rid = result.get("id")
    if isinstance(rid, str) and rid.strip():
        return f"promptfoo:{rid.strip()}"
    test, prompt = result.get("testIdx", index), result.get("promptIdx", 0)
    provider = result.get("provider")
    pid = provider.get("id") if isinstance(provider, dict) else provider
    return f"promptfoo:{eval_id}:{test}:{prompt}:{pid}"
