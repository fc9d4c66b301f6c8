"""The report dict as titled tables of plain strings: one model, three renderers (terminal,
Markdown, HTML). Cell text that came from the project (names, languages) passes `plain`;
each renderer still escapes for its own format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .report_format import ESTIMATOR_NAMES, ci, num, pct, plain, run_title, value_ci


@dataclass
class ReportTable:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""
    level: int = 2


def _by_fields(section: dict[str, Any]) -> list[str]:
    return [k[3:] for k in section if k.startswith("by_")]


def header_lines(report: dict[str, Any]) -> list[str]:
    p = report["project"]
    run = p.get("estimator_run")
    lines = [
        f"Project: {plain(p['path'], 200)}",
        f"Labels: {', '.join(plain(x) for x in p['label_set'])} · consensus rule: "
        f"{plain(p['consensus_rule'])} · items: {p['items']:,} · human labels: "
        f"{p['human_labels']:,}",
    ]
    idle = [
        f"{plain(name)} ({plain(r.get('model', ''))})"
        for name, r in (report.get("judges") or {}).items()
        if r.get("no_verdicts")
    ]
    if idle:
        lines.append(
            f"Judge run{'s' if len(idle) > 1 else ''} with no verdicts (left out of "
            f"the judge tables): {', '.join(idle)}."
        )
    if run:
        kind = "BASELINE judge" if run["baseline"] else "judge"
        lines.append(
            f"Judge-corrected estimates use {kind} run {plain(run['name'])} "
            f"({plain(run['model'])}, id {run['id']})."
        )
    return lines


def design_note(design: dict[str, dict[str, Any]]) -> str:
    """What the estimates assume of how the human-labelled items were chosen."""
    unsampled = [plain(k) for k, v in design.items() if v["sample"] == "none" and v["used"]]
    outside = sum(v["outside_design"] for v in design.values())
    weighted = [plain(k) for k, v in design.items() if v["sample"] == "weighted"]
    parts = []
    if weighted:
        parts.append(
            f"Sampled with unequal probabilities in {', '.join(weighted)}: every "
            "rate weighs each sampled item by 1/π. "
        )
    if unsampled:
        parts.append(
            f"No sample in {', '.join(unsampled)}: the labelled items there are "
            "taken as a random sample (polyjudge sample makes them one). "
        )
    if outside:
        parts.append(
            f"{outside:,} human-final item(s) were labelled outside the sample: "
            "shown, but in no estimate. "
        )
    return "".join(parts)


def rate_tables(report: dict[str, Any]) -> list[ReportTable]:
    section = report["unsafe_rate"]
    tables = []
    for field_name in _by_fields(section):
        t = ReportTable(
            f"Unsafe rate by {field_name}",
            [
                field_name,
                "human-final n",
                "unsafe",
                "rate [95% CI]",
                "invalid",
                "pending",
                "judge-only",
                "judge-corrected [95% CI]",
                "judge raw [95% CI]",
                "headline",
            ],
        )
        for name, b in [("all", section["overall"]), *section[f"by_{field_name}"].items()]:
            corrected, raw = b.get("judge_corrected"), b.get("judge_raw")
            corrected_text = "—"
            if corrected:
                corrected_text = value_ci(corrected.get("rate"), corrected.get("ci95"))
                if corrected.get("rate") is None:
                    corrected_text = (
                        "— ("
                        + plain("; ".join((corrected.get("reasons") or {}).values()), 300)
                        + ")"
                    )
            t.rows.append(
                [
                    plain(name),
                    f"{b['n']:,}",
                    f"{b['unsafe']:,}",
                    value_ci(b["rate"], b["ci95"])
                    if b["rate"] is not None
                    else "— (" + plain(b["reasons"].get("rate", ""), 300) + ")",
                    f"{b['invalid']:,} ({pct(b['invalid_rate'])})",
                    f"{b['pending']:,}",
                    f"{b['judge_only']:,}",
                    corrected_text,
                    value_ci(raw["rate"], raw["ci95"]) if raw else "—",
                    "corrected" if b["headline"] == "judge_corrected_stratified" else "human",
                ]
            )
        look = section.get("sequential")
        sequential = (
            f"--sequential look {look['look']}: the rate intervals here are at level "
            f"{100 * look['level']:.3f}% so that those of every look hold at once with 95% "
            "(alpha spending). "
            if look
            else ""
        )
        t.note = (
            sequential
            + design_note(section.get("design") or {})
            + (
                "rate: " + ESTIMATOR_NAMES["human_final_wilson"] + " with one language and equal "
                "weights, else " + ESTIMATOR_NAMES["human_design_weighted"] + " (unsafe / all "
                "human-final items of the design; invalid counted in the denominator and shown "
                "beside). judge-corrected: "
                + ESTIMATOR_NAMES["judge_corrected_stratified"]
                + ". judge raw: "
                + ESTIMATOR_NAMES["judge_raw_wilson"]
                + "."
            )
        )
        tables.append(t)
    return tables


def agreement_tables(report: dict[str, Any]) -> list[ReportTable]:
    section = report["agreement"]
    tables = []
    for field_name in _by_fields(section):
        t = ReportTable(
            f"Agreement by {field_name}",
            [
                field_name,
                "Krippendorff's α [95% CI]",
                "units",
                "pairable values",
                "observed agreement",
                "unsafe-specific agreement",
                "Fleiss' κ",
            ],
        )
        for name, b in [("all", section["overall"]), *section[f"by_{field_name}"].items()]:
            alpha = value_ci(b["alpha"], b["ci95"], percent=False)
            fleiss = num(b["fleiss_kappa"])
            if b["alpha"] is None:
                alpha = f"— ({b['reasons'].get('alpha', '')})"
            elif b.get("caveat"):  # a handful of items: shown, never without the warning
                alpha += f" ({b['units']} items: unstable)"
                fleiss += " (unstable)" if b["fleiss_kappa"] is not None else ""
            t.rows.append(
                [
                    plain(name),
                    alpha,
                    f"{b['units']:,}",
                    f"{b['pairable_values']:,}",
                    pct(b["observed_agreement"]),
                    pct(b.get("positive_agreement")),
                    fleiss,
                ]
            )
        blocks = [section["overall"], *section[f"by_{field_name}"].values()]
        if any(b.get("caveat") for b in blocks):
            t.note = (
                "unstable: fewer than 10 items with two or more labels; alpha and Fleiss' "
                "κ of so few items can swing widely, and no interval is given."
            )
        tables.append(t)
    pairs = section.get("pairwise") or []
    if pairs:
        t = ReportTable(
            "Cohen's κ per annotator pair",
            ["annotators", "shared items", "κ", "observed agreement"],
        )
        for p in pairs:
            kappa = num(p["kappa"]) if p["kappa"] is not None else f"— ({p.get('reason', '')})"
            t.rows.append(
                [
                    " × ".join(plain(a) for a in p["annotators"]),
                    f"{p['shared_items']:,}",
                    kappa,
                    pct(p["observed_agreement"]),
                ]
            )
        tables.append(t)
    return tables


def _kappa_cell(b: dict[str, Any]) -> str:
    """Posterior median [95% interval], then the sample κ̂ labelled as such."""
    if b.get("kappa_median") is None:
        return num(b["kappa"])
    text = value_ci(b["kappa_median"], b["kappa_ci95"], percent=False)
    return f"{text}; sample κ̂ {num(b['kappa'])}"


def judge_tables(report: dict[str, Any]) -> list[ReportTable]:
    tables = []
    for name, run in report["judges"].items():
        if run.get("no_verdicts"):
            continue  # said once in the header (`header_lines`)
        for field_name in ["overall", *[f for f in _by_fields(run)]]:
            if field_name != "overall" and field_name != "language":
                continue
            t = ReportTable(
                f"Judge {run_title(name, run)}"
                + (" by language" if field_name != "overall" else ""),
                [
                    "group",
                    "gold items",
                    "κ median [95% CI]",
                    "sensitivity [95% CI]",
                    "specificity [95% CI]",
                    "unparsed [95% CI]",
                ],
                level=3,
            )
            rows = (
                [("all", run["overall"])]
                if field_name == "overall"
                else list(run[f"by_{field_name}"].items())
            )
            for group, b in rows:
                t.rows.append(
                    [
                        plain(group),
                        f"{b['n_gold']:,}",
                        _kappa_cell(b),
                        value_ci(b["sensitivity"], b["sensitivity_ci95"]),
                        value_ci(b["specificity"], b["specificity_ci95"]),
                        value_ci(b["share_unparsed"], b["share_unparsed_ci95"]),
                    ]
                )
            if field_name == "overall":
                conf = run["overall"]["confusion"]
                t.note = "confusion (rows gold, columns verdict): " + "; ".join(
                    f"{plain(g)}: "
                    + ", ".join(
                        f"{plain(v)} {c}" for v, c in zip(conf["verdict"], row, strict=True)
                    )
                    for g, row in zip(conf["gold"], conf["matrix"], strict=True)
                )
                if run.get("baseline"):
                    t.note = "BASELINE (phrase matching, not an LLM judge). " + t.note
                if run.get("warning"):
                    t.note = "WARNING: " + run["warning"] + ". " + t.note
            else:
                empty = (run.get("no_verdicts_in") or {}).get(field_name)
                if empty:
                    t.note = "No verdicts (left out): " + ", ".join(plain(x) for x in empty) + "."
            tables.append(t)
    return tables


def comparison_table(report: dict[str, Any]) -> ReportTable | None:
    rows = report.get("comparisons") or []
    if not rows:
        return None
    t = ReportTable(
        "Comparing conditions",
        [
            "field",
            "language",
            "A",
            "B",
            "rate A",
            "rate B",
            "A − B [95% CI]",
            "paired A − B [95% CI]",
        ],
        note="A − B: Newcombe (1998) hybrid score interval, conditions treated as independent "
        "(conservative when they answer the same prompts). Paired: only the prompts answered "
        "once under each condition, Newcombe (1998) paired score interval. Rows marked * compare "
        "the conditions' headline estimates (design-weighted or judge-corrected) with the MOVER "
        "interval (Zou & Donner 2008); their pairs are not shown (unweighted).",
    )
    for c in rows:
        diff = (
            "—" if c["difference"] is None else f"{100 * c['difference']:+.1f} pp {ci(c['ci95'])}"
        )
        if c["method"] == "mover_design":
            diff += " *"
        paired = c.get("paired")
        paired_diff = (
            f"{100 * paired['difference']:+.1f} pp {ci(paired['ci95'])} "
            f"({paired['n_pairs']} prompts)"
            if paired
            else "–"
        )
        t.rows.append(
            [
                plain(c["field"]),
                plain(c.get("language", "")),
                plain(c["a"]),
                plain(c["b"]),
                f"{pct(c['rate_a'])} (n={c['n_a']})" if c["rate_a"] is not None else "—",
                f"{pct(c['rate_b'])} (n={c['n_b']})" if c["rate_b"] is not None else "—",
                diff,
                paired_diff,
            ]
        )
    return t


def budget_table(report: dict[str, Any]) -> ReportTable | None:
    b = report.get("budget")
    if not b:
        return None
    t = ReportTable(
        f"Human-final items needed for a 95% CI width ≤ {100 * b['target_width']:.1f} pp",
        ["language", "now", "current width", "planning rate", "needed", "more", "available"],
        note="Planned for the headline rate (judge-corrected where a judge run is there), its "
        "interval's variance at planning rates from the current labels; the more labels go to "
        "the judge-verdict strata by Neyman allocation, as `sample --stratify-by-judge "
        "--target-width W` draws them (budget.by_cell in the JSON).",
    )
    for name, x in b["by_language"].items():
        more = f"{x['more_labels']:,}" + ("" if x.get("reachable", True) else " (more than left)")
        t.rows.append(
            [
                plain(name),
                f"{x['n']:,}",
                pct(x["current_width"]),
                pct(x["planning_rate"]),
                f"{x['labels_needed']:,}",
                more,
                f"{x.get('available', 0):,}",
            ]
        )
    return t


def queue_table(report: dict[str, Any]) -> ReportTable:
    q = report["queue"]
    t = ReportTable(
        "Adjudication queue",
        ["language", "disagreements", "of which ties", "unsure", "judge conflicts", "items queued"],
        note="Judge conflicts keep their human label until adjudicated; baselines "
        "never route items.",
    )
    for name, b in [("all", q), *q.get("by_language", {}).items()]:
        t.rows.append(
            [
                plain(name),
                f"{b['disagreements']:,}",
                f"{b['ties']:,}",
                f"{b['unsure']:,}",
                f"{b['judge_conflicts']:,}",
                f"{b['total']:,}",
            ]
        )
    return t


def final_table(report: dict[str, Any]) -> ReportTable:
    f = report["final"]
    cols = [
        "adjudicated",
        "unanimous",
        "majority",
        "single",
        "judge-only",
        "queued",
        "needs_labels",
        "items",
    ]
    t = ReportTable("Final labels by language", ["language", *cols])
    for name, b in [("all", f["overall"]), *f.get("by_language", {}).items()]:
        t.rows.append([plain(name), *[f"{b[c]:,}" for c in cols]])
    return t


def progress_table(report: dict[str, Any]) -> ReportTable | None:
    progress = report.get("progress") or {}
    annotators = progress.get("by_annotator") or {}
    if not annotators:
        return None
    languages = list(progress.get("items_by_language", {}))
    t = ReportTable(
        "Labels per annotator", ["annotator", "labels", "unsure", *map(plain, languages)]
    )
    for name, p in annotators.items():
        t.rows.append(
            [plain(name), f"{p['labels']:,}", f"{p['unsure']:,}"]
            + [f"{p['by_language'].get(lang, 0):,}" for lang in languages]
        )
    items = progress["items_by_language"]
    t.rows.append(["(items)", "", "", *[f"{items[lang]:,}" for lang in languages]])
    return t


def all_tables(report: dict[str, Any]) -> list[ReportTable]:
    tables = [
        *rate_tables(report),
        *agreement_tables(report),
        final_table(report),
        queue_table(report),
    ]
    progress = progress_table(report)
    if progress is not None:
        tables.append(progress)
    tables += judge_tables(report)
    for extra in (comparison_table(report), budget_table(report)):
        if extra is not None:
            tables.append(extra)
    return tables
