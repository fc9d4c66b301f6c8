"""The dashboard: unsafe-rate and agreement bars per language with 95% intervals, the
human-final, judge-raw and judge-corrected rates side by side, the model view (each model's
rate per language and the pooled differences; `m`), the adjudication queue per kind, labels
done per annotator and language, and annotator quality (accuracy against adjudications, κ
against the others, fast decisions, flags).

The numbers are the report's (`reconcile.report.build_report`, as `polyjudge report --json`),
computed in a thread worker that posts the finished report; `r` computes it again. Opened with
`polyjudge dashboard` or `d` in the adjudicate screen (Escape goes back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from polyjudge.reconcile.report_model import Report
from polyjudge.safe_text import one_line
from polyjudge.store import Annotator, Project

from .adjudicate_names import Names
from .dashboard_models import judge_view, model_view
from .dashboard_tables import (
    annotator_table,
    final_line,
    language_table,
    progress_table,
    queue_table,
)
from .help_screen import HelpScreen

if TYPE_CHECKING:
    from .app import PolyjudgeApp

# Wider than this (in cells), the queue and progress panels sit side by side and the bars are
# longer.
GRID_MIN_WIDTH = 110
BAR_WIDTH = 16
NARROW_BAR_WIDTH = 8

DASHBOARD_BINDINGS = [
    Binding(
        "r,f5",
        "recompute",
        "Recompute",
        id="dashboard.recompute",
        tooltip="Compute the numbers again",
    ),
    Binding(
        "m",
        "toggle_models",
        "Models",
        id="dashboard.models",
        tooltip="Show or hide the model view (each model's rate per language, differences)",
    ),
    # Not in the footer (it would crowd narrow terminals); listed in help and the palette.
    Binding(
        "a",
        "toggle_annotators",
        "Annotator quality",
        id="dashboard.annotators",
        tooltip="Show or hide annotator quality (accuracy, κ, time, flags)",
        show=False,
    ),
    Binding("h,f1", "help", "Help", id="dashboard.help", tooltip="Show every key"),
    Binding("escape,q", "close", "Back", id="dashboard.close", tooltip="Close the dashboard"),
]


def make_screen(app: Any, options: Mapping[str, Any]) -> DashboardScreen:
    """`PolyjudgeApp(path, "dashboard", options)`: anonymous, resamples."""
    return DashboardScreen(
        anonymous=bool(options.get("anonymous")),
        resamples=int(options.get("resamples", 1000)),
        start=True,
    )


class DashboardScreen(Screen[None]):
    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [*DASHBOARD_BINDINGS]

    class ReportBuilt(Message):
        def __init__(self, generation: int, report: Report | None, error: str = "") -> None:
            super().__init__()
            self.generation = generation
            self.report = report
            self.error = error

    def __init__(
        self,
        *,
        anonymous: bool = False,
        me: Annotator | None = None,
        resamples: int = 1000,
        start: bool = False,
    ) -> None:
        super().__init__()
        self.anonymous = anonymous
        self.me = me
        self.resamples = resamples
        self.is_first_screen = start  # the app's first screen: closing it quits
        self.report: Report | None = None
        self._generation = 0

    @property
    def _typed_app(self) -> PolyjudgeApp:
        """The app, typed: screens use its open `project` on the UI thread."""
        return cast("PolyjudgeApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(Text("dashboard", style="bold"), id="dash-header", markup=False)
        with VerticalScroll(id="dash-body"):
            yield Static(Text(""), id="dash-languages", classes="panel", markup=False)
            yield Static(Text(""), id="dash-judge", classes="panel", markup=False)
            models = Static(Text(""), id="dash-models", classes="panel", markup=False)
            models.display = False  # shown when the project has more than one model; `m`
            yield models
            with Grid(id="dash-panels"):
                yield Static(Text(""), id="dash-queue", classes="panel", markup=False)
                yield Static(Text(""), id="dash-progress", classes="panel", markup=False)
            annotators = Static(Text(""), id="dash-annotators", classes="panel", markup=False)
            annotators.display = False  # `a` shows it
            yield annotators
        yield Static(Text(""), id="dash-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "dashboard"
        self.names = Names(self._typed_app.project, self.me, self.anonymous)
        self._apply_layout()
        self.action_recompute()

    def on_resize(self) -> None:
        self._apply_layout()
        self._draw_languages()

    def _wide(self) -> bool:
        return self.app.size.width >= GRID_MIN_WIDTH

    def _apply_layout(self) -> None:
        self.query_one("#dash-panels").set_class(self._wide(), "two")

    def _draw_languages(self) -> None:
        if self.report is not None:
            wide = self._wide()
            table = language_table(
                self.report, BAR_WIDTH if wide else NARROW_BAR_WIDTH, compact=not wide
            )
            self.query_one("#dash-languages", Static).update(table)

    # -- computing (off the UI thread) ---------------------------------------------------------

    def action_recompute(self) -> None:
        self._generation += 1
        self._status("computing the report…")
        self._build(self._generation, self.resamples)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _build(self, generation: int, resamples: int) -> None:
        from polyjudge.reconcile.report import build_report

        try:
            with Project.open(self._typed_app.project.path) as project:
                report = build_report(project, resamples=resamples)
        except Exception as exc:  # shown on the status line
            self.post_message(self.ReportBuilt(generation, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.ReportBuilt(generation, report))

    def on_dashboard_screen_report_built(self, message: ReportBuilt) -> None:
        if message.generation != self._generation:
            return
        if message.report is None:
            self._status(f"could not compute the report: {message.error}")
            return
        self.report = report = message.report
        header = Text("dashboard · ", style="bold")
        header.append_text(final_line(report))
        self.query_one("#dash-header", Static).update(header)
        self._draw_languages()
        self.query_one("#dash-judge", Static).update(judge_view(report))
        models = self.query_one("#dash-models", Static)
        models.update(model_view(report))
        if message.generation == 1:  # first drawing: the model view when there are models
            models.display = "model" in report.unsafe_rate.conditions
        self.query_one("#dash-queue", Static).update(queue_table(report))
        self.query_one("#dash-progress", Static).update(progress_table(report, self._display_name))
        self.query_one("#dash-annotators", Static).update(
            annotator_table(report, self._display_name)
        )
        estimator = report.project.estimator_run
        note = "r recomputes · the numbers of `polyjudge report`"
        if estimator:
            kind = "baseline" if estimator.baseline else "judge"
            note = f"judge-corrected rates use {kind} run {one_line(estimator.name, 40)} · " + note
        self._status(note)

    def _display_name(self, name: str) -> str:
        return self.names.of_name(name)

    def _status(self, text: str) -> None:
        self.query_one("#dash-status", Static).update(Text(text))

    # -- actions -------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                self,
                intro=(
                    "Unsafe rates are the report's headline estimates: human-final items with a "
                    "Wilson interval, or judge-corrected (q·PPV + (1−q)·FOR) where some items "
                    "carry only a judge verdict."
                ),
            )
        )

    def action_toggle_models(self) -> None:
        panel = self.query_one("#dash-models", Static)
        panel.display = not panel.display
        if panel.display:
            panel.scroll_visible()

    def action_toggle_annotators(self) -> None:
        panel = self.query_one("#dash-annotators", Static)
        panel.display = not panel.display
        if panel.display:
            panel.scroll_visible()

    def action_close(self) -> None:
        if self.is_first_screen:
            self.app.exit()
        else:
            self.dismiss(None)

    def system_commands(self) -> Iterable[SystemCommand]:
        for binding in DASHBOARD_BINDINGS:
            title = binding.tooltip or binding.description
            yield SystemCommand(
                title, f"Dashboard: {binding.description}", partial(self.run_action, binding.action)
            )
