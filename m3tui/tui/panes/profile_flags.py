"""The Profiles pane's flags form (`F`): pprof's report flags as `m3tui profile top` takes them
(--tagfocus, --tagignore, --show, --show-from, --granularity, --nodefraction), checked by the
feature (`profiles.pprof.reportflags`) and handed back to the pane, which applies them as the CLI
does. enter (or ctrl+s) applies, ctrl+r empties every field, esc cancels; tab walks the fields.
A value that cannot be used is one line, the cursor put back in its field."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from m3tui.core.errors import M3tuiError
from m3tui.tui.panes.base import focus_now

if TYPE_CHECKING:
    from m3tui.profiles.pprof.reportflags import ReportFlags

#: (field, label, placeholder) of the text fields, in the CLI's order.
TEXT_FIELDS = (
    ("tagfocus", "--tagfocus", "key=RE, RE on key:value, or a range: bytes=1mb:"),
    ("tagignore", "--tagignore", "as --tagfocus: the samples to drop"),
    ("show", "--show", "RE: only the frames of functions matching it"),
    ("show_from", "--show-from", "RE: drop the frames above the highest match"),
    ("nodefraction", "--nodefraction", "0.005: hide nodes below this share of the total"),
)


class FlagsScreen(ModalScreen["ReportFlags | None"], inherit_bindings=False):
    """The form; dismissed with the flags to apply (all None: none), or None when cancelled."""

    DEFAULT_CSS = """
    FlagsScreen { align: center middle; }
    #prof-flags-box { width: 78; max-width: 100%; height: auto; border: thick $primary; background: $surface;
                      padding: 0 1; }
    #prof-flags-box .flag-row { height: 1; margin-bottom: 1; }
    #prof-flags-box .flag-label { width: 16; color: $text-muted; }
    #prof-flags-box Input { height: 1; border: none; border-left: tall $panel; border-right: tall $panel;
                            padding: 0 1; width: 1fr; background: $boost; }
    #prof-flags-box Input:focus { border-left: tall $accent; border-right: tall $accent; background: $primary 30%; }
    #prof-flags-box #prof-flags-granularity-row { height: 3; margin-bottom: 1; }
    #prof-flags-box Select { width: 1fr; }
    #prof-flags-title { text-style: bold; margin-bottom: 1; }
    #prof-flags-hint { color: $text-muted; }
    """

    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Close without applying", id="profiles.flags.cancel"),
        Binding("ctrl+s", "apply", "Apply the flags", id="profiles.flags.apply"),
        Binding("ctrl+r", "clear_fields", "Empty every field", id="profiles.flags.clear_fields"),
        Binding("tab", "app.focus_next", "Next field", show=False, id="profiles.flags.next"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, id="profiles.flags.previous"),
    ]

    def __init__(self, flags: ReportFlags) -> None:
        super().__init__()
        self.flags = flags

    def compose(self) -> ComposeResult:
        from m3tui.profiles.pprof.reportflags import GRANULARITIES

        with Vertical(id="prof-flags-box"):
            yield Static("pprof's report flags, as m3tui profile top takes them", id="prof-flags-title")
            for name, label, placeholder in TEXT_FIELDS[:4]:
                yield self._row(name, label, placeholder)
            with Horizontal(classes="flag-row", id="prof-flags-granularity-row"):
                yield Static("--granularity", classes="flag-label")
                yield Select([(g, g) for g in GRANULARITIES], value=self.flags.granularity or "functions",
                             allow_blank=False, id="prof-flags-granularity")  # fmt: skip
            yield self._row(*TEXT_FIELDS[4])
            yield Static("enter applies · ctrl+r empties the fields · esc closes · R in the pane clears",
                         id="prof-flags-hint")  # fmt: skip

    def _row(self, name: str, label: str, placeholder: str) -> Horizontal:
        value = getattr(self.flags, name)
        text = "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
        return Horizontal(Static(label, classes="flag-label"), Input(text, placeholder=placeholder, id=f"prof-flags-{name}"),
                          classes="flag-row")  # fmt: skip

    def on_mount(self) -> None:
        focus_now(self.query_one("#prof-flags-tagfocus", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        from m3tui.profiles.pprof.reportflags import ReportFlags, check_field

        values: dict[str, str | float | None] = {}
        for name, _label, _placeholder in TEXT_FIELDS:
            field = self.query_one(f"#prof-flags-{name}", Input)
            try:
                values[name] = check_field(name, field.value)
            except M3tuiError as exc:
                self.app.notify(str(exc), severity="error")
                focus_now(field)
                return
        granularity = self.query_one("#prof-flags-granularity", Select).value
        g = granularity if isinstance(granularity, str) and granularity != "functions" else None
        fraction = values["nodefraction"]
        self.dismiss(ReportFlags(
            tagfocus=_text(values["tagfocus"]), tagignore=_text(values["tagignore"]), show=_text(values["show"]),
            show_from=_text(values["show_from"]), granularity=g,
            nodefraction=fraction if isinstance(fraction, float) else None,
        ))  # fmt: skip

    def action_clear_fields(self) -> None:
        for name, _label, _placeholder in TEXT_FIELDS:
            self.query_one(f"#prof-flags-{name}", Input).value = ""
        self.query_one("#prof-flags-granularity", Select).value = "functions"

    def action_cancel(self) -> None:
        self.dismiss(None)


def _text(value: str | float | None) -> str | None:
    return value if isinstance(value, str) else None
