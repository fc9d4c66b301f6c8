"""`polyjudge report` through the real entry point: the JSON shape of docs/architecture.md
("The report"), options, one-line errors, and untrusted text in the terminal report."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.reconcile.helpers import build_project, cli_ok

HOSTILE = "[bold red]evil[/] \x1b]2;pwned\x07 \u202etxet"


def make(tmp_path: Path) -> str:
    items = []
    for language in ("ar", "bn", "th"):
        for i in range(30):
            label = "unsafe" if i % 4 == 0 else "safe"
            spec = {
                "language": language,
                "model": HOSTILE if i % 2 else "plain-model",
                "verdict": {"gpt-judge": label if i % 5 else "unsafe", "refusal-baseline": "safe"},
            }
            if i < 20:
                spec["labels"] = [("ana", label), ("bo", label if i % 7 else "invalid")]
            items.append(spec)
    db = tmp_path / "p.db"
    build_project(db, items).close()
    return str(db)


def test_json_has_the_design_shape(tmp_path: Path) -> None:
    db = make(tmp_path)
    report = json.loads(cli_ok("report", "--json", "--db", db, "--bootstrap", "200"))
    assert report["labels"] == ["safe", "unsafe", "invalid"]
    overall = report["agreement"]["overall"]
    for key in ("alpha", "ci95", "units", "pairable_values", "observed_agreement"):
        assert key in overall
    assert set(report["agreement"]["by_language"]) == {"ar", "bn", "th"}
    rate = report["unsafe_rate"]["by_language"]["bn"]
    for key in ("n", "unsafe", "rate", "ci95", "invalid", "estimator"):
        assert key in rate
    judge = report["judges"]["gpt-judge"]["by_language"]["th"]
    for key in ("n_gold", "kappa", "sensitivity", "specificity"):
        assert key in judge
    assert report["judges"]["refusal-baseline"]["baseline"] is True
    assert set(report["queue"]) >= {"disagreements", "judge_conflicts"}
    assert report["project"]["estimator_run"]["name"] == "gpt-judge"  # never the baseline
    progress = report["progress"]["by_annotator"]["ana"]
    assert progress["labels"] == 60 and progress["by_language"] == {"ar": 20, "bn": 20, "th": 20}
    assert report["progress"]["items_by_language"] == {"ar": 30, "bn": 30, "th": 30}


def test_by_fields_and_target_width(tmp_path: Path) -> None:
    db = make(tmp_path)
    report = json.loads(
        cli_ok(
            "report",
            "--json",
            "--db",
            db,
            "--by",
            "model,language",
            "--target-width",
            "0.1",
            "--bootstrap",
            "0",
        )
    )
    assert set(report["unsafe_rate"]["by_model"]) == {HOSTILE, "plain-model"}
    budget = report["budget"]["by_language"]["ar"]
    assert budget["labels_needed"] >= budget["n"]
    assert report["budget"]["target_width"] == 0.1


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    db = make(tmp_path)
    for args, text in (
        (["--by", "colour"], "unknown field"),
        (["--judge", "nope"], "no judge run"),
        (["--target-width", "2"], "between 0 and 1"),
    ):
        result = run_cli("report", "--db", db, *args)
        assert result.code == 1, args
        assert text in result.err and len(result.err.strip().splitlines()) == 1
        assert "Traceback" not in result.err


def test_terminal_report_prints_untrusted_text_inertly(tmp_path: Path) -> None:
    db = make(tmp_path)
    result = run_cli(
        "report", "--db", db, "--by", "model", "--bootstrap", "0", env={"COLUMNS": "400"}
    )
    assert result.code == 0, result.err
    assert "[bold red]evil[/]" in result.out  # shown literally, not as markup
    assert "\x1b" not in result.out and "\x07" not in result.out and "\u202e" not in result.out
    assert "BASELINE" in result.out
    assert "Unsafe rate by language" in result.out


def test_empty_project_reports_nulls_with_reasons(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    cli_ok("init", "--db", db)
    report = json.loads(cli_ok("report", "--json", "--db", db))
    overall = report["agreement"]["overall"]
    assert overall["alpha"] is None and overall["reasons"]["alpha"]
    assert report["unsafe_rate"]["overall"]["rate"] is None
    assert run_cli("report", "--db", db).code == 0
    assert run_cli("report", "--markdown", "--db", db).code == 0
