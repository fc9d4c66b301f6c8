"""The dataset card's YAML header (Hugging Face metadata, https://huggingface.co/docs/hub/
datasets-cards): languages, licenses, who made the annotations, multilinguality, the size
bucket, task and tags; the data files as configs (one per language for `export hf`, the file as
the default config for `export gold`), and the features of JSON Lines data."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from .export_summary import ExportSummary
from .gold import GOLD_COLUMN_TYPES

# The Hub's `size_categories` values (its dataset card metadata schema), upper bounds exclusive.
SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)
LICENSE_ID = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")

Config = tuple[str, Sequence[str]]  # (config name, its data files)


def size_category(n: int) -> str:
    for bound, name in SIZE_BUCKETS:
        if n < bound:
            return name
    return "n>1T"


def hf_licenses(summary: ExportSummary) -> tuple[list[str], str | None]:
    """The Hub license ids of the source datasets (lower case), and the details of those that
    are not an id (listed as `other`); `unknown` when no prompt carries a license."""
    ids: set[str] = set()
    details = []
    for dataset, pairs in sorted(summary.datasets.items()):
        for _, lic in sorted(pairs):
            name = lic.strip().lower()
            if not name:
                continue
            if LICENSE_ID.match(name):
                ids.add(name)
            else:
                ids.add("other")
                details.append(f"{dataset}: {lic.strip()}")
    return (sorted(ids) or ["unknown"]), ("; ".join(details) or None)


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML): `no` stays a language code."""
    return json.dumps(value, ensure_ascii=False)


def features_yaml(indent: str) -> list[str]:
    """`features:` of a gold row, in the card's `dataset_info` form."""
    lines = [f"{indent}features:"]
    for name, dtype in GOLD_COLUMN_TYPES:
        lines.append(f"{indent}- name: {name}")
        if isinstance(dtype, str):
            lines.append(f"{indent}  dtype: {dtype}")
            continue
        lines.append(f"{indent}  list:")
        for field_name, field_dtype in dtype:
            lines += [f"{indent}  - name: {field_name}", f"{indent}    dtype: {field_dtype}"]
    return lines


def yaml_header(
    summary: ExportSummary,
    data_file: str | None,
    pretty_name: str,
    configs: Sequence[Config] | None = None,
) -> str:
    """The header. `configs` (name, files) are written as the card's configs, the first as the
    default, with the gold row's features; else `data_file` is the default config."""
    languages = summary.languages
    lines = ["---", "language:"]
    lines += [f"- {_q(language)}" for language in languages]
    licenses, details = hf_licenses(summary)
    lines.append("license:")
    lines += [f"- {_q(lic)}" for lic in licenses]
    if details:
        lines.append(f"license_details: {_q(details)}")
    creators = ["expert-generated"] + (["machine-generated"] if summary.judges else [])
    lines += [
        f"pretty_name: {_q(pretty_name)}",
        "annotations_creators:",
        *(f"- {c}" for c in creators),
        "language_creators:",
        "- machine-generated",
        "multilinguality:",
        f"- {'multilingual' if len(languages) > 1 else 'monolingual'}",
        "size_categories:",
        f"- {_q(size_category(summary.rows))}",
        "source_datasets:",
        "- original",
        "task_categories:",
        "- text-classification",
        "tags:",
        "- safety",
        "- multilingual",
        "- llm-evaluation",
        "- red-teaming",
    ]
    if configs:
        lines.append("configs:")
        for i, (name, files) in enumerate(configs):
            lines.append(f"- config_name: {_q(name)}")
            if i == 0:
                lines.append("  default: true")
            lines += ["  data_files:", "  - split: train", "    path:"]
            lines += [f"    - {_q(f)}" for f in files]
        lines.append("dataset_info:")
        for name, _ in configs:
            lines.append(f"- config_name: {_q(name)}")
            lines += features_yaml("  ")
    elif data_file:
        lines += [
            "configs:",
            "- config_name: default",
            "  data_files:",
            "  - split: train",
            f"    path: {_q(data_file)}",
        ]
    lines.append("---")
    return "\n".join(lines)
