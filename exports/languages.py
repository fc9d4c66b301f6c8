"""English names of the languages the bundled benchmarks use (ISO 639-1 codes), for prompts
that ask a model to write in a given language."""

from __future__ import annotations

NAMES: dict[str, str] = {
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "jv": "Javanese",
    "ko": "Korean",
    "pt": "Portuguese",
    "ru": "Russian",
    "sw": "Swahili",
    "th": "Thai",
    "tr": "Turkish",
    "vi": "Vietnamese",
    "zh": "Chinese",
}


def language_name(code: str) -> str:
    """`bn` -> `Bengali (bn)`; an unknown code is named by itself."""
    name = NAMES.get(code.split("-")[0].lower())
    return f"{name} ({code})" if name else f"the language with code {code!r}"
