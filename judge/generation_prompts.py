"""What `polyjudge generate` wraps around a benchmark prompt: the jailbreak template of the
intentional scenario and the system prompts of XSafety's conditions.

None of these texts ships with polyjudge. MultiJail's intentional scenario uses the AIM prompt,
which its repository only links to (jailbreakchat.com, under no license), and XSafety's
SafePrompt and XLingPrompt are printed in its paper, not in its (Apache-2.0) repository; so the
user gives each as a file:

- the jailbreak template (`--template FILE`) must contain `{prompt}` (the benchmark prompt, sent
  as it is) and may contain `{language}` (the prompt's language name);
- a condition's system prompt (`--safe-prompt FILE`, `--xling-prompt FILE`) may contain
  `{language}` and nothing else; it is sent as the system message.

Other `{name}`s are refused with the file and line, so a typo does not reach the model. The
hash of a text is part of the cache key of every request made with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from polyjudge.store import InputError, PolyjudgeError, content_hash

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
SCENARIOS = ("unintentional", "intentional")
CONDITIONS = ("none", "safe_prompt", "xling_prompt")


@dataclass(frozen=True)
class WrapText:
    """A user's jailbreak template or system prompt, checked."""

    name: str
    body: str
    origin: str

    @cached_property
    def hash(self) -> str:
        return content_hash("generate-wrap-v1", self.body)

    def fill(self, values: dict[str, str]) -> str:
        """The text with its placeholders replaced (all of them known: checked on load)."""
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.body)


def load_wrap(path: Path, allowed: tuple[str, ...], required: str | None) -> WrapText:
    """Read and check a template or system-prompt file (one clear error naming the file)."""
    origin = str(path)
    if not path.is_file():
        raise PolyjudgeError(f"{origin}: no such file")
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(origin, None, f"not UTF-8 text ({exc.reason})") from None
    body = text.strip("\n")
    if not body.strip():
        raise InputError(origin, None, "the file is empty")
    for number, line in enumerate(body.splitlines(), start=1):
        for name in PLACEHOLDER.findall(line):
            if name not in allowed:
                known = ", ".join(f"{{{a}}}" for a in allowed)
                raise InputError(origin, number, f"unknown placeholder {{{name}}} (known: {known})")
    if required is not None and f"{{{required}}}" not in body:
        raise InputError(origin, None, f"the template has no {{{required}}} placeholder")
    return WrapText(name=path.stem, body=body, origin=origin)


def load_jailbreak(path: Path) -> WrapText:
    return load_wrap(path, ("prompt", "language"), "prompt")


def load_system_prompt(path: Path) -> WrapText:
    return load_wrap(path, ("language",), None)


@dataclass(frozen=True)
class Arm:
    """One way of asking: a scenario and a condition, with the texts they wrap around a prompt."""

    scenario: str
    condition: str
    jailbreak: WrapText | None = None
    system: WrapText | None = None

    @cached_property
    def hash(self) -> str:
        """The cache's template hash of every request of this arm."""
        return content_hash(
            "generate-v1",
            self.scenario,
            self.jailbreak.hash if self.jailbreak else "",
            self.condition,
            self.system.hash if self.system else "",
        )

    @cached_property
    def texts_hash(self) -> str:
        """The hash of the user's texts this arm wraps a prompt in (jailbreak template, system
        prompt), part of each response's uid; "" for an arm that uses none."""
        if self.jailbreak is None and self.system is None:
            return ""
        return content_hash(
            "generate-texts-v1",
            self.jailbreak.hash if self.jailbreak else "",
            self.system.hash if self.system else "",
        )

    @property
    def name(self) -> str:
        return f"{self.scenario}/{self.condition}"

    def messages(self, prompt: str, language: str) -> list[dict[str, str]]:
        """The chat request: the condition's system prompt (if any), then the prompt as it is
        (unintentional) or inside the jailbreak template (intentional)."""
        values = {"prompt": prompt, "language": language}
        out = []
        if self.system is not None:
            out.append({"role": "system", "content": self.system.fill(values)})
        user = self.jailbreak.fill(values) if self.jailbreak is not None else prompt
        out.append({"role": "user", "content": user})
        return out


def arms(
    scenarios: tuple[str, ...],
    conditions: tuple[str, ...],
    jailbreak: WrapText | None,
    systems: dict[str, WrapText],
) -> list[Arm]:
    """Every scenario × condition asked for; an error when a text one needs was not given."""
    if "intentional" in scenarios and jailbreak is None:
        raise PolyjudgeError(
            "--scenario intentional needs --template FILE: a jailbreak template with a "
            "{prompt} placeholder (polyjudge ships none; see docs/reproduce-multijail.md)"
        )
    for condition in conditions:
        if condition != "none" and condition not in systems:
            option = "--" + condition.replace("_", "-")
            raise PolyjudgeError(
                f"--condition {condition} needs {option} FILE: the system prompt to send "
                "(polyjudge ships none; see docs/reproduce-multijail.md)"
            )
    return [
        Arm(
            scenario,
            condition,
            jailbreak if scenario == "intentional" else None,
            systems.get(condition) if condition != "none" else None,
        )
        for scenario in dict.fromkeys(scenarios)
        for condition in dict.fromkeys(conditions)
    ]
