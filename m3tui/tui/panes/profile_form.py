"""The Profiles pane's capture view: the form (one benchmark, a kind chosen from a list, an
optional rate, -gcflags=-l, two buttons: Capture, Tune) above the tuner's report, and the runs
it starts (a capture, a tuner sweep) through the ProfilesBackend.

enter in a field moves to the next one (it never submits half a form); ctrl+s anywhere in the
form, or enter on the Capture button, captures; the Tune button (or T outside a field) runs the
tuner. The kinds are capture's own (:data:`m3tui.profiles.naming.KIND_CHOICES`), so "cpu mem"
cannot be typed. The rate field is off for cpu (it has no rate).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Select, Static

from m3tui.core.errors import M3tuiError
from m3tui.tui.panes.profile_text import TUNE_HELP, screen_text, tune_text
from m3tui.tui.panes.profile_widgets import TextScroll

if TYPE_CHECKING:
    from m3tui.profiles.backend import ProfilesBackend
    from m3tui.profiles.capture import Capture


class FormInput(Input):
    """An input of the form: enter goes to the next field."""

    BINDINGS: ClassVar = [Binding("enter", "next_field", "Next field", id="profiles.form.next")]

    def action_next_field(self) -> None:
        self.screen.focus_next()


@dataclass(frozen=True)
class FormValues:
    bench: str
    kind: str
    rate: int | None
    noinline: bool


class CaptureForm(Vertical):
    """The form; its buttons and ctrl+s post :class:`Submitted` (``action`` "capture" or "tune")."""

    BINDINGS: ClassVar = [
        Binding("ctrl+s", "submit('capture')", "Capture", id="profiles.form.capture"),
    ]

    class Submitted(Message):
        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def compose(self) -> ComposeResult:
        from m3tui.profiles.naming import KIND_CHOICES  # capture's kinds, labelled

        with Horizontal(classes="form-row"):
            yield Static("-bench", classes="label")
            yield FormInput("", placeholder="one benchmark, e.g. Sum or ^BenchmarkCheckout$", id="prof-bench")
        with Horizontal(classes="form-row"):
            yield Static("kind", classes="label")
            yield Select(list(KIND_CHOICES), value="cpu", allow_blank=False, id="prof-kind")
            yield Static("rate", classes="label")
            yield FormInput("", placeholder="default", id="prof-rate", disabled=True)
            yield Checkbox("-gcflags=-l", False, id="prof-noinline")
            yield Button("Capture", id="prof-do-capture")
            yield Button("Tune", id="prof-do-tune")

    def on_select_changed(self, event: Select.Changed) -> None:
        rate = self.query_one("#prof-rate", Input)
        rate.disabled = event.value == "cpu"  # cpu has no rate: the field is off (and out of the tab order)
        if rate.disabled:
            rate.value = ""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Submitted("capture" if event.button.id == "prof-do-capture" else "tune"))

    def action_submit(self, action: str) -> None:
        self.post_message(self.Submitted(action))

    def values(self) -> FormValues:
        """The form as filled; ValueError with the one line to show when it cannot be used."""
        bench = self.query_one("#prof-bench", Input).value.strip()
        kind = self.query_one("#prof-kind", Select).value
        rate_text = self.query_one("#prof-rate", Input).value.strip()
        if not bench:
            raise ValueError("Name the benchmark first (-bench).")
        if not isinstance(kind, str):
            raise ValueError("Choose a kind.")
        if rate_text and not rate_text.isdigit():
            raise ValueError("rate is a whole number")
        rate = int(rate_text) if rate_text and kind != "cpu" else None
        return FormValues(bench, kind, rate, self.query_one("#prof-noinline", Checkbox).value)


class CaptureView(Vertical):
    """The form above the tuner's report; runs a capture or a sweep and tells the pane
    (:class:`Status` lines, :class:`Captured`). ``stop()`` ends the run under way (esc)."""

    class Status(Message):
        def __init__(self, text: str | Text) -> None:
            super().__init__()
            self.text = text

    class Captured(Message):
        def __init__(self, capture: Capture) -> None:
            super().__init__()
            self.capture = capture

    class Invalid(Message):
        """The form cannot be used as filled: the pane shows the form and says why."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, backend: ProfilesBackend, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.backend = backend
        self._stop: asyncio.Event | None = None

    def compose(self) -> ComposeResult:
        yield CaptureForm(id="prof-form")
        yield TextScroll(Static(Text(TUNE_HELP, style="dim"), id="prof-tune-text"), id="prof-tune-out")

    @property
    def running(self) -> bool:
        return self._stop is not None and not self._stop.is_set()

    def stop(self) -> bool:
        """Stop the capture or sweep under way; False when none is."""
        if not self.running:
            return False
        assert self._stop is not None
        self._stop.set()
        return True

    def _say(self, text: str | Text) -> None:
        self.post_message(self.Status(text))

    def _values(self) -> FormValues | None:
        try:
            return self.query_one(CaptureForm).values()
        except ValueError as exc:
            self.post_message(self.Invalid(str(exc)))
            return None

    def on_capture_form_submitted(self, event: CaptureForm.Submitted) -> None:
        event.stop()
        self.capture() if event.action == "capture" else self.tune()

    def capture(self) -> None:
        values = self._values()
        if values is not None:
            self._capture(values)

    def tune(self) -> None:
        values = self._values()
        if values is None:
            return
        if values.kind == "cpu":
            self.post_message(self.Invalid("The tuner sweeps the rate of a heap (mem), block or mutex profile: cpu has none."))
            return
        self._tune(values)

    @work(exclusive=True, group="prof-capture")
    async def _capture(self, values: FormValues) -> None:
        from m3tui.profiles import capture as profcapture

        try:
            spec = profcapture.CaptureSpec(Path.cwd(), values.bench, values.kind, rate=values.rate, noinline=values.noinline)
        except profcapture.InvalidCaptureSpec as exc:
            self.post_message(self.Invalid(str(exc)))
            return
        self._say(f"capturing a {values.kind} profile of {screen_text(values.bench)}: building the test binary, "
                  "then one run… (esc stops)")  # fmt: skip
        self._stop = asyncio.Event()
        try:
            cap = await self.backend.capture(spec, self._stop, on_wait=self._say)
        except M3tuiError as exc:  # the build or run failed, a flag refused, the state not writable
            self._say(Text(f"capture failed: {screen_text(str(exc))}", style="bold red"))
            return
        finally:
            self._stop = None
        self.post_message(self.Captured(cap))

    @work(exclusive=True, group="prof-tune")
    async def _tune(self, values: FormValues) -> None:
        out = self.query_one("#prof-tune-text", Static)

        def progress(text: str, done: int, total: int) -> None:
            self._say(f"tuner: [{done}/{total}] {screen_text(text)} · esc stops")

        self._stop = asyncio.Event()
        try:
            result = await self.backend.tune(Path.cwd(), values.bench, values.kind, noinline=values.noinline,
                                             on_progress=progress, stop=self._stop)  # fmt: skip
        except M3tuiError as exc:  # a failed run, a flag refused, the scratch directory not creatable
            self._say(Text(f"tuner: {screen_text(str(exc))}", style="bold red"))
            return
        finally:
            self._stop = None
        out.update(tune_text(result))
        done = f"tuner done: use {result.flags}" if result.flags else "tuner done: no rate qualified (see below)"
        self._say(Text(done, style="green" if result.flags else "yellow"))
