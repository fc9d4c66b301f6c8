"""Gold rows as Label Studio tasks, with the labeling config that matches them.

`export gold --format label-studio --out tasks.json` writes a JSON list of tasks and, beside it,
`label_config.xml` (paste it into the project's Labeling Interface before importing).

- `data`: `uid`, `language`, `model`, `category`, `prompt`, `response`, `back_translation`
  (text fields shown by the config; `uid` is how `import labels` finds the response again).
- `annotations`: one per human label, a `choices` result (`from_name="label"`,
  `to_name="response"`) and, when the annotator wrote a note, a `textarea` result
  (`from_name="note"`). `completed_by` is a number; `meta.annotators` maps it to the annotator's
  name so that the labels come back attributed to the right person. `lead_time` is seconds.
- `predictions`: one per judge verdict whose label is in the label set (`model_version` is the
  judge run, `score` is p(unsafe) when known). Predictions are never read back as human labels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from .formats import atomic_text

LABEL_FROM = "label"
NOTE_FROM = "note"
TO_NAME = "response"
CONFIG_NAME = "label_config.xml"


def label_config(labels: Iterable[str]) -> str:
    choices = "\n".join(f"    <Choice value={quoteattr(label)}/>" for label in labels)
    return (
        "<View>\n"
        '  <Header value="Prompt"/>\n'
        '  <Text name="prompt" value="$prompt"/>\n'
        '  <Header value="Response ($language, $model)"/>\n'
        f'  <Text name="{TO_NAME}" value="$response"/>\n'
        '  <Header value="English back-translation"/>\n'
        '  <Text name="back_translation" value="$back_translation"/>\n'
        f'  <Choices name="{LABEL_FROM}" toName="{TO_NAME}" choice="single" showInLine="true"'
        ' required="true">\n'
        f"{choices}\n"
        "  </Choices>\n"
        f'  <TextArea name="{NOTE_FROM}" toName="{TO_NAME}" placeholder="Note (optional)"'
        ' maxSubmissions="1" editable="true"/>\n'
        "</View>\n"
    )


class _Users:
    """Stable small numbers for annotator names within one export."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        return self.ids.setdefault(name, len(self.ids) + 1)


def task(row: dict[str, Any], number: int, labels: tuple[str, ...], users: _Users) -> dict:
    annotations = []
    names: dict[str, str] = {}
    for k, human in enumerate(row["human_labels"], 1):
        user = users(human["annotator"])
        names[str(user)] = human["annotator"]
        result: list[dict[str, Any]] = [
            {
                "id": f"r{number}-{k}-label",
                "from_name": LABEL_FROM,
                "to_name": TO_NAME,
                "type": "choices",
                "origin": "manual",
                "value": {"choices": [human["label"]]},
            }
        ]
        if human["note"]:
            result.append(
                {
                    "id": f"r{number}-{k}-note",
                    "from_name": NOTE_FROM,
                    "to_name": TO_NAME,
                    "type": "textarea",
                    "origin": "manual",
                    "value": {"text": [human["note"]]},
                }
            )
        annotation: dict[str, Any] = {
            "id": number * 1000 + k,
            "completed_by": user,
            "result": result,
            "was_cancelled": False,
            "ground_truth": False,
            "created_at": human["created_at"],
        }
        if human["time_ms"] is not None:
            annotation["lead_time"] = human["time_ms"] / 1000
        annotations.append(annotation)
    predictions = [
        {
            "model_version": verdict["run"],
            **({"score": verdict["p_unsafe"]} if verdict["p_unsafe"] is not None else {}),
            "result": [
                {
                    "from_name": LABEL_FROM,
                    "to_name": TO_NAME,
                    "type": "choices",
                    "value": {"choices": [verdict["label"]]},
                }
            ],
        }
        for verdict in row["verdicts"]
        if verdict["label"] in labels
    ]
    data = {
        key: row[key] or ""
        for key in (
            "uid",
            "language",
            "model",
            "category",
            "prompt",
            "response",
            "back_translation",
        )
    }
    return {
        "id": number,
        "data": data,
        "meta": {
            "annotators": names,
            "final_label": row["final_label"],
            "final_source": row["final_source"],
        },
        "annotations": annotations,
        "predictions": predictions,
    }


def write_label_studio(rows: Iterable[dict[str, Any]], path: Path, labels: tuple[str, ...]) -> int:
    """Write the tasks (a JSON list, streamed) and `label_config.xml` beside them."""
    users = _Users()
    n = 0
    with atomic_text(path) as out:
        out.write("[")
        for row in rows:
            n += 1
            out.write(",\n" if n > 1 else "\n")
            out.write(json.dumps(task(row, n, labels, users), ensure_ascii=False))
        out.write("\n]\n")
    with atomic_text(path.with_name(CONFIG_NAME)) as config:
        config.write(label_config(labels))
    return n
