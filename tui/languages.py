"""Language names for the codes the benchmarks use (MultiJail, XSafety and neighbours)."""

from __future__ import annotations

NAMES = {
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
    "sp": "Spanish",
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

# Scripts written right to left (by the language's usual script).
RTL = frozenset({"ar", "fa", "he", "ur", "yi", "ps", "sd", "ug", "dv", "ckb", "syr"})


def base_code(code: str) -> str:
    """`ar-EG` / `zh_Hans` -> `ar` / `zh`."""
    return code.replace("_", "-").split("-")[0].lower()


def language_name(code: str) -> str | None:
    return NAMES.get(base_code(code))


def is_rtl(code: str) -> bool:
    return base_code(code) in RTL
