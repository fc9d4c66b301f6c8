"""Fuzzing the harness importers (garak, promptfoo, Inspect `.json`) through the real CLI: valid
records with a field replaced by a wrong value, or arbitrary bytes. Allowed outcomes are those of
`test_importers_fuzz.py`: exit 0, or exit 1 with one `Error:` line and the project unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.security.test_importers_fuzz import (  # noqa: F401  (`workdir` is a fixture)
    FUZZ,
    VALUES,
    check_import,
    jsonl,
    workdir,
    write,
)

SETUP = {"entry_type": "start_run setup", "plugins.target_type": "t", "plugins.target_name": "m"}
ATTEMPT = {
    "entry_type": "attempt",
    "uuid": "u1",
    "status": 2,
    "probe_classname": "dan.Dan",
    "prompt": {"turns": [{"role": "user", "content": {"text": "q", "lang": "ar"}}]},
    "outputs": [{"text": "نعم", "lang": "ar"}],
    "detector_results": {"d.D": [0.7]},
    "reverse_translation_outputs": [{"text": "yes", "lang": "en"}],
}
RESULT = {
    "id": "r",
    "provider": {"id": "p"},
    "prompt": {"raw": "q"},
    "vars": {"language": "ar"},
    "response": {"output": "نعم"},
    "gradingResult": {"pass": False, "reason": "x"},
    "metadata": {"pluginId": "harmful"},
}
SAMPLE = {
    "id": 1,
    "epoch": 1,
    "input": "q",
    "output": {"completion": "نعم"},
    "scores": {"s": {"value": "C", "explanation": "e"}},
    "metadata": {"language": "ar"},
}


# Fewer examples than the other importers' fuzzing: each is a CLI run on a fresh project copy.
FUZZ = settings(FUZZ, max_examples=20)


def broken(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """VALID with one or two fields replaced by anything JSON can hold."""
    keys = st.sampled_from(sorted(valid))
    return st.lists(st.tuples(keys, VALUES), min_size=1, max_size=2).map(
        lambda pairs: {**valid, **dict(pairs)}
    )


@FUZZ
@given(entries=st.lists(st.one_of(broken(ATTEMPT), broken(SETUP)), min_size=1, max_size=3))
def test_garak_reports(workdir: Path, entries: list[dict[str, Any]]):  # noqa: F811
    path = write(workdir, "garak.report.jsonl", jsonl([SETUP, *entries]))
    check_import(workdir, "garak", str(path))


@FUZZ
@given(results=st.lists(broken(RESULT), min_size=1, max_size=3))
def test_promptfoo_results(workdir: Path, results: list[dict[str, Any]]):  # noqa: F811
    document = {"evalId": "e", "results": {"version": 3, "results": results}}
    path = write(workdir, "results.json", json.dumps(document, ensure_ascii=False).encode())
    check_import(workdir, "promptfoo", str(path))


@FUZZ
@given(
    samples=st.lists(broken(SAMPLE), min_size=1, max_size=3),
    header=broken({"model": "m", "eval_id": "e"}),
)
def test_inspect_json_logs(workdir: Path, samples: list[dict[str, Any]], header: dict[str, Any]):  # noqa: F811
    document = {"version": 2, "status": "success", "eval": header, "samples": samples}
    path = write(workdir, "log.json", json.dumps(document, ensure_ascii=False).encode())
    check_import(workdir, "inspect", str(path))


@FUZZ
@given(content=st.binary(max_size=200))
def test_arbitrary_bytes(workdir: Path, content: bytes):  # noqa: F811
    for name, command in (("r.jsonl", "garak"), ("r.json", "promptfoo"), ("l.json", "inspect")):
        check_import(workdir, command, str(write(workdir, name, content)))
