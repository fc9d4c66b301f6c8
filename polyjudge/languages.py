"""The one table of language codes: English names (ISO 639 codes the benchmarks use: MultiJail,
XSafety and neighbours), right-to-left scripts, and MultiJail's resource tiers.

The lowest layer, like `safe_text`: the TUI shows these names, exports write them into prompts,
the judge names the source language of a back-translation, reconcile groups by tier. Pure data.
"""

from __future__ import annotations

import re

NAMES: dict[str, str] = {
    "af": "Afrikaans",
    "am": "Amharic",
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "gu": "Gujarati",
    "ha": "Hausa",
    "he": "Hebrew",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "jv": "Javanese",
    "km": "Khmer",
    "ko": "Korean",
    "mr": "Marathi",
    "ms": "Malay",
    "my": "Burmese",
    "ne": "Nepali",
    "nl": "Dutch",
    "pa": "Punjabi",
    "pl": "Polish",
    "ps": "Pashto",
    "pt": "Portuguese",
    "ru": "Russian",
    "sd": "Sindhi",
    "si": "Sinhala",
    "so": "Somali",
    "sp": "Spanish",  # XSafety's code for Spanish
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "ug": "Uyghur",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "yi": "Yiddish",
    "yo": "Yoruba",
    "zh": "Chinese",
    "zu": "Zulu",
    "dv": "Dhivehi",
    "ckb": "Central Kurdish",
    "syr": "Syriac",
}

# Resource tiers of the MultiJail languages as grouped by Deng et al. (2024), "Multilingual
# Jailbreak Challenges in Large Language Models" (ICLR): high-resource zh it vi, medium-resource
# ar ko th, low-resource bn sw jv. English is the source language, not a tier. Other languages
# get no tier. The tiers describe the MultiJail prompts: reconcile applies them only to responses
# whose prompt came from the MultiJail import (`reconcile/data.py`), never to any matching code.
RESOURCE_TIERS: dict[str, str] = {
    "zh": "high",
    "it": "high",
    "vi": "high",
    "ar": "medium",
    "ko": "medium",
    "th": "medium",
    "bn": "low",
    "sw": "low",
    "jv": "low",
}
# The tiers in the order of the paper's tables (Deng et al. 2024, Table 1).
TIER_ORDER: tuple[str, ...] = ("high", "medium", "low")

# Scripts written right to left (by the language's usual script).
RTL = frozenset({"ar", "fa", "he", "ur", "yi", "ps", "sd", "ug", "dv", "ckb", "syr"})


def base_code(code: str) -> str:
    """`ar-EG` / `zh_Hans` -> `ar` / `zh`."""
    return code.replace("_", "-").split("-")[0].lower()


def language_name(code: str) -> str | None:
    """`bn-BD` -> `Bengali`; None for a code not in the table."""
    return NAMES.get(base_code(code))


def prompt_language(code: str) -> str:
    """How a prompt to a model names a language: `bn` -> `Bengali (bn)`; an unknown code is
    named by itself (`the language with code 'xx'`)."""
    name = language_name(code)
    return f"{name} ({code})" if name else f"the language with code {code!r}"


def is_rtl(code: str) -> bool:
    return base_code(code) in RTL


# Languages whose usual script a terminal cannot draw properly: right-to-left scripts (no bidi
# in terminals) and scripts that need shaping (Indic conjuncts and pre-base vowel signs, Thai
# and Lao marks stacked above and below, Khmer, Myanmar, Sinhala, Tibetan). Their items are
# offered in the browser reader (`annotate --reader`).
COMPLEX_SCRIPTS = RTL | frozenset(
    {
        "as",  # Assamese (Bengali script)
        "bn",
        "bo",  # Tibetan
        "dz",  # Dzongkha (Tibetan script)
        "gu",
        "hi",
        "km",
        "kn",  # Kannada
        "lo",  # Lao
        "ml",  # Malayalam
        "mr",
        "my",
        "ne",
        "or",  # Odia
        "pa",
        "sa",  # Sanskrit
        "si",
        "ta",
        "te",
        "th",
    }
)

# Unicode blocks of those scripts (first, last code point), from the Unicode Standard's
# Blocks.txt: Hebrew to Arabic Extended-A, Devanagari to Sinhala, Thai to Tibetan, Myanmar,
# Khmer, and the Hebrew and Arabic presentation forms.
_COMPLEX_BLOCKS = (
    (0x0590, 0x08FF),
    (0x0900, 0x0DFF),
    (0x0E00, 0x0FFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0xFB1D, 0xFDFF),
    (0xFE70, 0xFEFF),
)
_COMPLEX_LETTER = re.compile(
    "[" + "".join(f"{chr(first)}-{chr(last)}" for first, last in _COMPLEX_BLOCKS) + "]"
)


def is_complex_script(code: str) -> bool:
    """Is the language usually written in a right-to-left or shaped script (`ar`, `bn-IN`)?"""
    return base_code(code) in COMPLEX_SCRIPTS


def has_complex_script(text: str) -> bool:
    """Does the text contain a letter of a right-to-left or shaped script, whatever its
    language tag says (a Bengali response filed under `en`)?"""
    return not text.isascii() and _COMPLEX_LETTER.search(text) is not None


def reader_helps(code: str, *texts: str | None) -> bool:
    """Would a browser show this item better than a terminal: its language tag names such a
    script, or any of its texts is written in one."""
    return is_complex_script(code) or any(has_complex_script(t) for t in texts if t)
