"""Gold rows as Label Studio tasks, with the labeling config that matches them.

`export gold --format label-studio --out tasks.json` writes a JSON list of tasks and, beside it,
`label_config.xml` (the project's Labeling Interface) and `label_studio_users.json` (the users
the annotations name). Tested against a real Label Studio 1.23 server
(`tests/exports/test_label_studio_server.py`).

- `data`: `uid`, `language`, `model`, `category`, `prompt`, `response`, `back_translation`
  (text fields shown by the config; `uid` is how `import labels` finds the response again).
- `annotations`: one per human label, a `choices` result (`from_name="label"`,
  `to_name="response"`) and, when the annotator wrote a note, a `textarea` result
  (`from_name="note"`). **Annotations carry the annotator's email**: `completed_by` is
  `{"email": ...}` (see `importers/label_studio_users.py`: a name that is an email is kept, any
  other becomes `<name>@polyjudge.invalid`). Label Studio refuses the whole import ("Unknown
  annotator's email") unless every such user is a member of its organisation, so create the
  users of `label_studio_users.json` first; no numeric user id is ever written, since ids are
  one server's own. `lead_time` is seconds. `meta.annotators` maps each email to the
  annotator's name, so that names that are not plain words come back exactly.
- `predictions`: one per judge verdict whose label is in the label set; `model_version` is the
  judge run and `score` is what Label Studio means by a prediction score, the confidence in the
  predicted choice: p(unsafe) for an `unsafe` verdict, 1 − p(unsafe) for another, absent when
  p(unsafe) is unknown. Predictions are never read back as human labels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from polyjudge.importers.label_studio_users import annotator_email

from .formats import atomic_text

LABEL_FROM = "label"
NOTE_FROM = "note"
TO_NAME = "response"
CONFIG_NAME = "label_config.xml"
USERS_NAME = "label_studio_users.json"


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


def task(row: dict[str, Any], number: int, labels: tuple[str, ...], users: set[str]) -> dict:
    annotations = []
    emails: dict[str, str] = {}
    for k, human in enumerate(row["human_labels"], 1):
        users.add(human["annotator"])
        email = annotator_email(human["annotator"])
        emails[email] = human["annotator"]
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
            "completed_by": {"email": email},
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
            **({"score": score} if (score := prediction_score(verdict)) is not None else {}),
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
        "data": data,
        "meta": {
            "annotators": emails,
            "final_label": row["final_label"],
            "final_source": row["final_source"],
        },
        "annotations": annotations,
        "predictions": predictions,
    }


def prediction_score(verdict: dict[str, Any]) -> float | None:
    """Label Studio's prediction `score` is the model's confidence in the prediction it makes
    (it sorts and filters tasks by it): p(unsafe) for an `unsafe` verdict, 1 - p(unsafe) for
    any other (for a safe/unsafe judge, p(safe)); none without p(unsafe)."""
    p = verdict["p_unsafe"]
    if p is None:
        return None
    return float(p) if verdict["label"] == "unsafe" else 1.0 - float(p)


def users_file(names: Iterable[str]) -> list[dict[str, str]]:
    """The Label Studio users the annotations name: create them (e.g. `POST /api/users/`, or
    invite them) before importing the tasks."""
    return [
        {"email": annotator_email(name), "username": name[:150], "first_name": name[:256]}
        for name in sorted(names)
    ]


def write_label_studio(rows: Iterable[dict[str, Any]], path: Path, labels: tuple[str, ...]) -> int:
    """Write the tasks (a JSON list, streamed), `label_config.xml` and `label_studio_users.json`
    beside them."""
    users: set[str] = set()
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
    with atomic_text(path.with_name(USERS_NAME)) as out:
        out.write(json.dumps(users_file(users), ensure_ascii=False, indent=2) + "\n")
    return n
