"""The Profiles pane's widgets: the profile list, the top table, the peek list (a cursor that walks
the call graph), a scrolling text view, the profile's facts (expanded on enter), the line of
`go tool pprof -http` (`p`) and the line of a fetch from a URL (`o` with a URL; esc cancels).

Each binds its own keys, every one with an id and a description (`?` lists them from the focus,
enter included); j/k move like the arrows. The pane decides what they show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from m3tui.core.errors import M3tuiError
from m3tui.tui.panes.profile_text import screen_text

if TYPE_CHECKING:
    from m3tui.profiles.backend import ProfilesBackend
    from m3tui.profiles.fetch import FetchedProfile
    from m3tui.profiles.pprof.analysis import PeekEntry
    from m3tui.profiles.pproftool import WebState
    from m3tui.tui.panes.profile_text import Format


def _table_bindings(prefix: str, enter: str) -> list[BindingType]:
    return [
        Binding("up,k", "cursor_up", "Up", show=False, id=f"{prefix}.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id=f"{prefix}.down"),
        Binding("left", "pan(-8)", "Scroll left", show=False, id=f"{prefix}.left"),
        Binding("right", "pan(8)", "Scroll right (long names)", show=False, id=f"{prefix}.right"),
        Binding("pageup", "page_up", "Page up", show=False, id=f"{prefix}.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id=f"{prefix}.page_down"),
        Binding("home", "scroll_top", "First row", show=False, id=f"{prefix}.first"),
        Binding("end", "scroll_bottom", "Last row", show=False, id=f"{prefix}.last"),
        Binding("enter", "select_cursor", enter, id=f"{prefix}.enter"),
    ]


class _Table(DataTable[str | Text], inherit_bindings=False):
    def action_pan(self, step: int) -> None:
        """Scroll sideways a few columns at a time (a long function name, at 80 columns)."""
        self.scroll_to(x=max(0, self.scroll_x + step), animate=False)


class ProfileList(_Table, inherit_bindings=False):
    """The profiles the pane knows (captured, opened): enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = _table_bindings("profiles.list", "Open it")


class TopTable(_Table, inherit_bindings=False):
    """`go tool pprof -top`: enter peeks at the function under the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = _table_bindings("profiles.top_table", "Peek at it")


class PeekList(OptionList, inherit_bindings=False):
    """Like `go tool pprof -peek`, one row per line: "callers", the callers, the function,
    "callees", the callees. The cursor walks the rows (labels are skipped); enter on a caller or
    a callee peeks at it, backspace goes back."""

    BINDINGS: ClassVar = [
        Binding("up,k", "cursor_up", "Up", show=False, id="profiles.peek_list.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="profiles.peek_list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="profiles.peek_list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="profiles.peek_list.page_down"),
        Binding("home", "first", "First row", show=False, id="profiles.peek_list.first"),
        Binding("end", "last", "Last row", show=False, id="profiles.peek_list.last"),
        Binding("enter", "select", "Peek at it (the function: source)", id="profiles.peek_list.enter"),
        Binding("backspace", "back", "Back", id="profiles.peek_list.back"),
    ]

    class Walk(Message):
        """Enter on a row: ``name`` is a caller or callee to peek at, or the function itself."""

        def __init__(self, name: str, itself: bool) -> None:
            super().__init__()
            self.name = name
            self.itself = itself

    class Back(Message):
        """Backspace: the function peeked at before."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.targets: list[tuple[str, bool] | None] = []  # per row: (function, is the peeked one) or a label

    def show(self, entries: Sequence[PeekEntry], fmt: Format, empty: Text | None = None) -> None:
        """Fill the rows; the cursor starts on the (first) function peeked at."""
        options: list[Option] = []
        self.targets = []

        def label(text: str) -> None:
            options.append(Option(Text(text, style="dim italic"), disabled=True))
            self.targets.append(None)

        def row(prompt: Text, name: str, itself: bool = False) -> None:
            options.append(Option(prompt))
            self.targets.append((name, itself))

        for entry in entries:
            label("callers")
            for caller, value in entry.callers:
                row(Text.assemble((f"{fmt(value):>12}   ", "dim"), caller), caller)
            if not entry.callers:
                label("   (none)")
            head = Text(f"{fmt(entry.flat):>12} flat {fmt(entry.cum):>10} cum  ", style="bold")
            head.append(f"| {entry.name}", style="bold yellow")
            row(head, entry.name, itself=True)
            label("callees")
            for callee, value in entry.callees:
                row(Text.assemble(f"{fmt(value):>12}   ", f"   {callee}"), callee)
            if not entry.callees:
                label("   (none)")
        if not entries and empty is not None:
            options.append(Option(empty, disabled=True))
            self.targets.append(None)
        self.clear_options()
        self.add_options(options)
        first = next((i for i, t in enumerate(self.targets) if t is not None and t[1]), None)
        self.highlighted = first

    def action_first(self) -> None:
        self.highlighted = next((i for i, t in enumerate(self.targets) if t is not None), None)

    def action_last(self) -> None:
        self.highlighted = next((i for i in range(len(self.targets) - 1, -1, -1) if self.targets[i] is not None), None)

    def action_select(self) -> None:
        index = self.highlighted
        if index is not None and 0 <= index < len(self.targets) and (target := self.targets[index]) is not None:
            self.post_message(self.Walk(*target))

    def action_back(self) -> None:
        self.post_message(self.Back())


class TextScroll(ScrollableContainer, can_focus=True, inherit_bindings=False):
    """A long text (source lines, the tuner's report): the arrows, j/k and the page keys scroll it."""

    BINDINGS: ClassVar = [
        Binding("up,k", "scroll_up", "Scroll up", show=False, id="profiles.text.up"),
        Binding("down,j", "scroll_down", "Scroll down", show=False, id="profiles.text.down"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="profiles.text.left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="profiles.text.right"),
        Binding("pageup", "page_up", "Page up", show=False, id="profiles.text.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="profiles.text.page_down"),
        Binding("home", "scroll_home", "Top", show=False, id="profiles.text.top"),
        Binding("end", "scroll_end", "Bottom", show=False, id="profiles.text.bottom"),
    ]


class ProfileInfo(Static, can_focus=True, inherit_bindings=False):
    """The profile's facts beside the list, wrapped. When they need more lines than the head has,
    the last line says so and enter shows them all (enter again folds them)."""

    BINDINGS: ClassVar = [
        Binding("enter", "fold", "All the facts / fold", id="profiles.info.toggle"),
        Binding("escape", "close", "Fold the facts", show=False, id="profiles.info.fold"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.lines: list[str] = []
        self.style = ""
        self.expanded = False

    def show(self, lines: Sequence[str], style: str = "") -> None:
        self.lines, self.style = list(lines), style
        self._paint()

    def on_resize(self, event: Resize) -> None:
        self._paint()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.expanded if action == "close" else True  # folded: esc is the pane's

    def action_close(self) -> None:
        if self.expanded:
            self.action_fold()

    def action_fold(self) -> None:
        self.expanded = not self.expanded
        self.set_class(self.expanded, "-expanded")
        if self.parent is not None:
            self.parent.set_class(self.expanded, "-expanded")
        self._paint()

    def _wrapped(self, width: int) -> list[Text]:
        out: list[Text] = []
        for line in self.lines:
            text = Text(line, style=self.style)
            out.extend(text.wrap(self.app.console, max(8, width)) if line else [Text("")])
        return out

    def _paint(self) -> None:
        if not self.is_mounted:
            return
        width = self.content_region.width or 24
        wrapped = self._wrapped(width)
        room = self.size.height or len(wrapped)
        if self.expanded or len(wrapped) <= room:
            shown = wrapped + ([Text("enter folds these", style="dim italic")] if self.expanded and len(wrapped) > 1 else [])
        else:
            more = len(wrapped) - (room - 1)
            shown = [*wrapped[: room - 1], Text(f"… {more} more (enter)", style="dim italic")]
        self.update(Text("\n").join(shown))

    @property
    def cut(self) -> bool:
        """Whether some facts are not on screen (folded)."""
        return not self.expanded and len(self._wrapped(self.content_region.width or 24)) > (self.size.height or 10**6)


class PprofWeb(Static):
    """`go tool pprof -http` on one profile, as one line that always ends in a final state:
    starting, serving at its real URL (with the `ssh -L` line that reaches it), stopped, or
    failed with the reason. Hidden until first used."""

    DEFAULT_CSS = "PprofWeb { display: none; height: auto; }"

    def __init__(self, backend: ProfilesBackend, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.backend = backend
        self.state: WebState | None = None
        self.path: Path | None = None
        self._stop: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._stop is not None and not self._stop.is_set()

    def toggle(self, path: Path, binary: Path | None, label: str) -> None:
        """Serve this profile; when it is the one served already, stop it."""
        if self.running and self.path == path:
            assert self._stop is not None
            self._stop.set()
            return
        if self.running:
            assert self._stop is not None
            self._stop.set()  # the other profile's server; this one replaces it
        self._serve(path, binary, label)

    @work(exclusive=True, group="prof-pprof")
    async def _serve(self, path: Path, binary: Path | None, label: str) -> None:
        self.display = True
        stop = self._stop = asyncio.Event()
        self.path = path

        def on_state(state: WebState) -> None:
            if self._stop is not stop:  # a server replaced by another one (p on another profile)
                return
            self.state = state
            style = {"serving": "green", "failed": "bold red", "stopped": "dim"}.get(state.phase, "yellow")
            what = f"{screen_text(label)}: " if state.phase in ("starting", "serving") else ""
            stop_hint = " · p stops it" if state.phase == "serving" else ""
            self.update(Text(state.line().replace("pprof web: ", f"pprof web: {what}", 1) + stop_hint, style=style))
            if state.phase == "serving":
                self.app.notify(f"pprof serves {screen_text(label)} at {state.url}", title="pprof", timeout=10)

        try:
            await self.backend.serve_web(path, binary, on_state, stop)
        finally:
            stop.set()


class UrlFetch(Static):
    """A profile fetched from a running program (``o`` with a URL), as one line: fetching (the
    seconds of a CPU profile counted), then gone when it is opened, or stopped / failed with the
    reason. :meth:`stop` (esc) closes the connection. Hidden until first used."""

    DEFAULT_CSS = "UrlFetch { display: none; height: auto; }"

    class Fetched(Message):
        def __init__(self, fetched: FetchedProfile, label: str) -> None:
            super().__init__()
            self.fetched = fetched
            self.label = label

    def __init__(self, backend: ProfilesBackend, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.backend = backend
        self._stop: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._stop is not None and not self._stop.is_set()

    def stop(self) -> bool:
        """Cancel the fetch in progress; False when there is none."""
        if not self.running:
            return False
        assert self._stop is not None
        self._stop.set()
        return True

    def open_url(self, url: str, seconds: int | None = None, headers: Sequence[str] = ()) -> None:
        """Fetch ``url`` (a fetch in progress gives way to it); ``headers`` ('Name: value') are
        sent, never shown."""
        self.stop()
        self._fetch(url, seconds, tuple(headers))

    @work(exclusive=True, group="prof-fetch")
    async def _fetch(self, url: str, seconds: int | None, headers: tuple[str, ...]) -> None:
        from m3tui.core.redact import redact
        from m3tui.profiles.fetch import adjust_url

        self.display = True
        stop = self._stop = asyncio.Event()
        try:  # the URL as it is fetched (host:port alone: …/debug/pprof/profile?seconds=N)
            shown = screen_text(redact(adjust_url(url, seconds)[0]))
        except M3tuiError:  # said by the fetch below
            shown = screen_text(redact(url))
        self.update(Text(f"fetching {shown}… · esc cancels", style="yellow"))

        def on_progress(elapsed: float, total: float) -> None:
            if self._stop is stop:
                self.update(Text(f"fetching {shown}: {int(elapsed)}/{int(total)} s · esc cancels", style="yellow"))

        try:
            got = await self.backend.fetch(url, seconds=seconds, headers=headers, on_progress=on_progress, stop=stop)
        except M3tuiError as exc:
            if self._stop is stop:
                stopped = stop.is_set()
                self.update(Text(f"fetch: {screen_text(str(exc))}", style="dim" if stopped else "bold red"))
                if not stopped:
                    self.app.notify(screen_text(str(exc)), severity="error", title="fetch")
            return
        finally:
            stop.set()
        self.display = False
        self.app.notify(f"fetched {fetched_label(got)}", title="profile")
        self.post_message(self.Fetched(got, fetched_label(got)))


def fetched_label(got: FetchedProfile) -> str:
    """``heap 127.0.0.1:6060 05:06:11``: the kind, where from, and the local time."""
    import datetime as _dt
    import urllib.parse

    try:
        when = _dt.datetime.fromisoformat(got.fetched_at).astimezone().strftime("%H:%M:%S")
    except ValueError:
        when = got.fetched_at
    return screen_text(f"{got.kind} {urllib.parse.urlsplit(got.url_redacted).netloc} {when}")


#: The widget classes with bindings: every binding has an id (a keymap can remap them).
BINDABLE = (ProfileList, TopTable, PeekList, TextScroll, ProfileInfo)
