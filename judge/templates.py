"""Judge and translation prompt templates: the papers' prompts (built in) and user files.

A template file is plain text with `{placeholder}`s, optionally headed by a front matter block:

    ---
    # comments
    name: my-judge
    answers: yes=safe, no=unsafe      # or `safe, unsafe` (each label answers for itself)
    match: exact                      # or first-word
    ---
    Is this response safe? ... {prompt} ... {response}

Placeholders: `{prompt}` (the English source prompt when known, else its back-translation, else
its text), `{response}` (the English back-translation when there is one, else the response),
`{response_original}`, `{scenario}`, `{language}`. Quoted texts are fenced (judge/fence.py);
`{scenario}` and `{language}` are inlined as one short line. Other braces are left alone.
Without `answers`, the answers are the project's labels.

The template hash covers what changes the request or its parsing: the body, the answers, the
match rule and the fence format. Every verdict records the template's name and hash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from polyjudge.store import InputError, PolyjudgeError, content_hash

from .fence import FENCE_VERSION, fence, new_nonce, system_note

BUILTIN = ("multijail", "xsafety")
FENCED = ("prompt", "response", "response_original", "text")
INLINE = ("scenario", "language")
JUDGE_PLACEHOLDERS = ("prompt", "response", "response_original", "scenario", "language")
MATCH_RULES = ("exact", "first-word")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Template:
    name: str
    body: str
    answers: dict[str, str] = field(default_factory=dict)  # casefolded answer -> label
    match: str = "exact"
    origin: str = "builtin"

    @cached_property
    def placeholders(self) -> tuple[str, ...]:
        found = []
        for name in PLACEHOLDER.findall(self.body):
            if name in FENCED + INLINE and name not in found:
                found.append(name)
        return tuple(found)

    @cached_property
    def hash(self) -> str:
        return content_hash(
            FENCE_VERSION, self.body, json.dumps(self.answers, sort_keys=True), self.match
        )

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.answers.values()))

    def render(self, values: dict[str, str]) -> list[dict[str, str]]:
        """Chat messages for one request: the fence note, then the filled-in template, with a
        fresh nonce that occurs in none of the quoted texts."""
        used = self.placeholders
        nonce = new_nonce(values.get(name) or "" for name in used)

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in used:
                return match.group(0)
            value = values.get(name) or ""
            return fence(value, nonce) if name in FENCED else inline(value)

        return [
            {"role": "system", "content": system_note(nonce)},
            {"role": "user", "content": PLACEHOLDER.sub(substitute, self.body)},
        ]


def inline(value: str) -> str:
    """A short label (scenario, language) as one line with no markers or brackets."""
    value = re.sub(r"[<>{}\[\]]", "", value)
    return re.sub(r"[\s_]+", " ", value).strip()[:100]


def load_template(spec: str, label_set: tuple[str, ...]) -> Template:
    """A built-in template by name (`multijail`, `xsafety`), or a template file."""
    if spec in BUILTIN:
        return builtin(spec)
    path = Path(spec)
    if not path.is_file():
        raise PolyjudgeError(
            f"--template: no built-in template or file called {spec!r} "
            f"(built-ins: {', '.join(BUILTIN)})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), None, f"not UTF-8 text ({exc.reason})") from exc
    return parse_template(text, str(path), path.stem, label_set)


def builtin(name: str) -> Template:
    text = (resources.files("polyjudge.judge") / "templates" / f"{name}.txt").read_text("utf-8")
    return parse_template(text, f"builtin:{name}", name, None)


def parse_template(
    text: str, origin: str, default_name: str, label_set: tuple[str, ...] | None
) -> Template:
    """Parse front matter and body. `label_set` given: a user file, checked against it."""
    header: dict[str, tuple[str, int]] = {}
    lines = text.removeprefix("\ufeff").splitlines()
    body_start = 0
    if lines and lines[0].strip() == "---":
        for number, line in enumerate(lines[1:], start=2):
            stripped = line.strip()
            if stripped == "---":
                body_start = number
                break
            if not stripped or stripped.startswith("#"):
                continue
            key, sep, value = stripped.partition(":")
            key = key.strip().lower()
            if not sep or key not in ("name", "answers", "match"):
                raise InputError(
                    origin,
                    number,
                    f"expected `name:`, `answers:` or `match:`, got {stripped[:60]!r}",
                )
            header[key] = (value.split(" #")[0].strip(), number)
        else:
            raise InputError(origin, 1, "front matter opened with --- but never closed")
    body = "\n".join(lines[body_start:]).strip("\n")
    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        for name in PLACEHOLDER.findall(line):
            if name not in JUDGE_PLACEHOLDERS and name != "text":
                raise InputError(
                    origin,
                    number,
                    f"unknown placeholder {{{name}}} (known: "
                    + ", ".join(f"{{{p}}}" for p in JUDGE_PLACEHOLDERS)
                    + ")",
                )
    if "{response}" not in body and "{response_original}" not in body and "{text}" not in body:
        raise InputError(origin, None, "the template has no {response} placeholder")
    answers = _answers(header, origin, label_set)
    match, match_line = header.get("match", ("exact", None))
    if match not in MATCH_RULES:
        raise InputError(origin, match_line, f"match must be one of {', '.join(MATCH_RULES)}")
    name = header.get("name", (default_name, None))[0] or default_name
    return Template(name=name, body=body, answers=answers, match=match, origin=origin)


def _answers(
    header: dict[str, tuple[str, int]], origin: str, label_set: tuple[str, ...] | None
) -> dict[str, str]:
    if "answers" not in header:
        return {label.casefold(): label for label in (label_set or ())}
    text, number = header["answers"]
    answers: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        answer, _, label = part.partition("=")
        answer, label = answer.strip(), (label.strip() or answer.strip())
        if label_set is not None and label not in label_set:
            raise InputError(
                origin,
                number,
                f"label {label!r} is not in the project's label set ({', '.join(label_set)})",
            )
        if not answer or re.search(r"\s", answer):
            raise InputError(origin, number, f"an answer must be one word, got {answer!r}")
        answers[answer.casefold()] = label
    if len(answers) < 2:
        raise InputError(origin, number, "a template needs at least two answers")
    return answers
