"""What the annotate screen shows of an item, as plain `rich.text.Text` (never markup)."""

from __future__ import annotations

from rich.text import Text

from polyjudge.languages import base_code
from polyjudge.safe_text import count_invisible, one_line
from polyjudge.store import Item

from .rich_text import safe_rich_text


def invisible_count(item: Item) -> int:
    """Invisible characters (bidi controls, zero-width ...) in everything shown of the item."""
    response, prompt = item.response, item.prompt
    texts = (
        response.text,
        response.back_translation,
        prompt.text if prompt else None,
        prompt.text_en if prompt else None,
    )
    return sum(count_invisible(text) for text in texts if text)


def prompt_text(item: Item, *, show_invisible: bool) -> Text:
    """The prompt in its language, then the English source prompt when known."""
    prompt = item.prompt
    out = Text()
    if prompt is None:
        out.append("(no prompt recorded for this response)", style="dim italic")
        return out
    out.append(f"Prompt ({one_line(prompt.language, 12)}): ", style="bold")
    out.append_text(safe_rich_text(prompt.text, show_invisible=show_invisible))
    if prompt.text_en and base_code(prompt.language) != "en":
        out.append("\nEnglish source: ", style="bold")
        out.append_text(safe_rich_text(prompt.text_en, show_invisible=show_invisible))
    return out


def response_view(item: Item, *, show_invisible: bool) -> tuple[Text, Text]:
    """(pane title, text) of the response in its own script. The title is the same for every
    item (the header above names the language): a pane whose title changes is redrawn whole,
    border and all, which was a fifth of the work of moving to the next item."""
    return (
        Text("Response · original"),
        safe_rich_text(item.response.text, show_invisible=show_invisible),
    )


def back_translation_view(item: Item, *, show_invisible: bool) -> tuple[Text, Text]:
    """(pane title, text) of the English back-translation, or a note that there is none."""
    response = item.response
    if not response.back_translation:
        return (
            Text("Back-translation"),
            Text("(no back-translation for this response)", style="dim italic"),
        )
    engine = f" · {one_line(response.bt_engine, 24)}" if response.bt_engine else ""
    return (
        Text(f"Back-translation · English{engine}"),
        safe_rich_text(response.back_translation, show_invisible=show_invisible),
    )
