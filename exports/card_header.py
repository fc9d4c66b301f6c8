"""The dataset card's YAML header (Hugging Face metadata): languages, license, size bucket,
task and tags, and the data file as the default config."""

from __future__ import annotations

import json

from .export_summary import ExportSummary

# https://huggingface.co/docs/hub/datasets-cards: `size_categories` buckets.
SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
)


def size_category(n: int) -> str:
    for bound, name in SIZE_BUCKETS:
        if n < bound:
            return name
    return "n>100M"


def hf_license(summary: ExportSummary) -> str:
    licenses = {
        lic.strip().lower()
        for pairs in summary.datasets.values()
        for _, lic in pairs
        if lic.strip()
    }
    if len(licenses) == 1:
        return licenses.pop()
    return "other" if licenses else "unknown"


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML): `no` stays a language code."""
    return json.dumps(value, ensure_ascii=False)


def yaml_header(summary: ExportSummary, data_file: str | None, pretty_name: str) -> str:
    lines = ["---", "language:"]
    lines += [f"- {_q(language)}" for language in summary.languages]
    license_id = hf_license(summary)
    lines.append(f"license: {_q(license_id)}")
    if license_id == "other":
        details = "; ".join(
            f"{ds}: {lic}"
            for ds, pairs in sorted(summary.datasets.items())
            for _, lic in sorted(pairs)
            if lic
        )
        lines.append(f"license_details: {_q(details)}")
    lines += [
        f"pretty_name: {_q(pretty_name)}",
        "size_categories:",
        f"- {_q(size_category(summary.rows))}",
        "task_categories:",
        "- text-classification",
        "tags:",
        "- safety",
        "- multilingual",
        "- llm-evaluation",
        "- red-teaming",
    ]
    if data_file:
        lines += [
            "configs:",
            "- config_name: default",
            "  data_files:",
            "  - split: train",
            f"    path: {_q(data_file)}",
        ]
    lines.append("---")
    return "\n".join(lines)
