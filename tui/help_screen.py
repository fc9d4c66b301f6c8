"""`h` / F1: every key of the screen below, as currently mapped (keymaps included)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from polyjudge.safe_text import one_line


def key_table(screen: Screen) -> list[tuple[str, str, str]]:
    """(keys, description, binding id) for each of the screen's own bindings, in the screen's
    order. The id is what `polyjudge annotate --key ID=KEY` remaps."""
    rows: dict[str, tuple[list[str], str, str]] = {}
    for key, active in screen.active_bindings.items():
        if active.node is not screen:
            continue
        binding = active.binding
        label = binding.tooltip or binding.description or binding.action
        keys, _, _ = rows.setdefault(binding.action, ([], label, binding.id or ""))
        keys.append(screen.app.get_key_display(binding) or key)
    return [(" ".join(keys), description, bid) for keys, description, bid in rows.values()]


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,h,f1,q", "close", "Close", id="dialog.close")]

    def __init__(self, screen: Screen, intro: str = "") -> None:
        super().__init__(classes="dialog")
        self.rows = key_table(screen)
        self.intro = intro

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_column(style="dim")
        for keys, description, binding_id in self.rows:
            table.add_row(Text(one_line(keys)), Text(one_line(description)), Text(binding_id))
        with VerticalScroll(id="box"):
            yield Label("Keys", classes="title")
            if self.intro:
                yield Static(Text(self.intro), markup=False)
            yield Static(table, id="keys")
            yield Label("Every key is also in the command palette (ctrl+p).", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
