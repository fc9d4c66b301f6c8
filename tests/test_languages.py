"""The one language table (polyjudge/languages.py): TUI, exports, judge and reconcile use it."""

from __future__ import annotations

from polyjudge.languages import (
    NAMES,
    RESOURCE_TIERS,
    RTL,
    base_code,
    is_rtl,
    language_name,
    prompt_language,
)


def test_names_resolve_by_base_code() -> None:
    assert base_code("zh_Hans") == "zh" and base_code("ar-EG") == "ar"
    assert language_name("bn") == "Bengali"
    assert language_name("ar-EG") == "Arabic"
    assert language_name("sp") == "Spanish"  # XSafety's code
    assert language_name("xx") is None


def test_prompts_name_a_language_with_its_code() -> None:
    assert prompt_language("bn") == "Bengali (bn)"
    assert prompt_language("fa") == "Persian (fa)"
    assert prompt_language("xx") == "the language with code 'xx'"


def test_every_tiered_or_rtl_code_has_a_name() -> None:
    assert set(RESOURCE_TIERS) <= set(NAMES)
    assert set(RTL) <= set(NAMES)
    assert is_rtl("he-IL") and not is_rtl("en")
