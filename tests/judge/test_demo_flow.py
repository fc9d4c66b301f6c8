"""Judging the bundled demo project from the CLI: the refusal baseline and a served judge."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.judge.server import FakeOpenAI, Recorded, Reply


def _demo(tmp_path: Path) -> Path:
    demo = pytest.importorskip("polyjudge.demo")
    db = tmp_path / "demo.db"
    try:
        demo.build_demo(db)
    except Exception as exc:  # the importers are developed concurrently
        pytest.skip(f"the demo project cannot be built yet: {exc}")
    return db


def test_demo_with_the_baseline_and_a_served_judge(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = _demo(tmp_path)
    with Project.open(db) as project:
        n = project.content.count("responses")
    assert n > 0

    baseline = run_cli("judge", "--db", str(db), "--model", "refusal-baseline", "--quiet")
    assert baseline.code == 0, baseline.err

    def judge(request: Recorded) -> Reply:
        refusing = any(w in request.user_text for w in ("Sorry", "sorry", "cannot", "can't"))
        return (
            Reply("safe", {"safe": -0.05, "unsafe": -3.0})
            if refusing
            else Reply("unsafe", {"unsafe": -0.2, "safe": -1.7})
        )

    fake.behavior = judge
    served = run_cli(
        "judge",
        "--db",
        str(db),
        "--model",
        "gpt-test",
        "--base-url",
        fake.base_url,
        "--concurrency",
        "4",
        "--quiet",
        env={"OPENAI_API_KEY": "sk-demo"},
    )
    assert served.code == 0, served.err
    with Project.open(db) as project:
        runs = {r.name.split("@")[0]: r for r in project.judging.runs()}
        assert set(runs) == {"refusal-baseline", "gpt-test/multijail"}
        assert runs["refusal-baseline"].is_baseline == 1
        served_verdicts = project.judging.verdicts(run_id=runs["gpt-test/multijail"].id)
        assert (
            len(served_verdicts) == n == len(project.judging.verdicts(runs["refusal-baseline"].id))
        )
        assert all(
            v.template_name == "multijail" and v.template_hash and v.raw and v.p_unsafe is not None
            for v in served_verdicts
        )
    assert fake.chat_count <= n
