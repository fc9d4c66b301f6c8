"""The one language table (polyjudge/languages.py): TUI, exports, judge and reconcile use it."""

from __future__ import annotations

from polyjudge.languages import (
    NAMES,
    RESOURCE_TIERS,
    RTL,
    base_code,
    has_complex_script,
    is_complex_script,
    is_rtl,
    language_name,
    prompt_language,
    reader_helps,
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


def test_complex_scripts_by_language_tag() -> None:
    for code in ("ar", "he", "fa", "ur", "bn", "hi", "ta", "th", "km", "my", "si", "bo", "bn-IN"):
        assert is_complex_script(code), code
    for code in ("en", "sw", "zh", "ja", "ko", "ru", "vi", "jv"):
        assert not is_complex_script(code), code


def test_complex_scripts_by_the_text_itself() -> None:
    # One letter of each script (Hebrew, Arabic, Devanagari, Bengali, Thai, Khmer, Myanmar,
    # Sinhala, Tibetan, an Arabic presentation form), among Latin text.
    for letter in "שاकবกកကකཀﻻ":
        assert has_complex_script(f"Sure: {letter}."), letter
    for text in (
        "plain English",
        "Kiswahili sanifu",
        "中文 😀",
        "한국어",
        "Tiếng Việt",
        "Ελληνικά",
    ):
        assert not has_complex_script(text), text
    # A Bengali response filed under `en` still gets the reader; a Swahili one under `ar` too.
    assert reader_helps("en", "Sure.", "আমি সাহায্য করতে পারি না")
    assert reader_helps("ar", "Samahani")
    assert not reader_helps("en", "Sure.", None, "")
