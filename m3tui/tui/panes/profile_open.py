"""The Profiles pane's open bar (`o`): a profile file, or a URL of a running program with the
seconds of a CPU profile and the headers for a service behind auth, as `m3tui profile URL
--seconds N --header 'Name: value' --header …` takes them.

tab walks the three fields; enter in any of them opens; esc leaves (the pane's). The headers go in
one field, separated by ";" ("X-Team: perf; Authorization: Bearer …"; a "; name=value" stays in
the value before it, as in "Cookie: a=1; b=2"), each checked as the CLI's --header, a bad one named
by its number, never by its value. They are secrets, as the CLI's --header: the field shows dots,
they are sent and never shown, logged or stored, and kept for the next URL of the same host only:
for another host they are cleared, not sent.
"``URL --seconds N``" typed in the first field still works (the seconds field wins when both are set).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from m3tui.core.errors import M3tuiError

#: The first field's placeholder: a file, or a URL as `go tool pprof` takes it.
PLACEHOLDER = "a profile file, or a URL: http://host:port/debug/pprof/heap (…/profile for CPU); enter opens it"


class OpenBar(Vertical):
    """The three fields; enter posts :class:`OpenFile` or :class:`OpenUrl`, or notifies why not."""

    DEFAULT_CSS = "OpenBar { display: none; height: auto; }"

    class OpenFile(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class OpenUrl(Message):
        def __init__(self, url: str, seconds: int | None, headers: tuple[str, ...]) -> None:
            super().__init__()
            self.url = url
            self.seconds = seconds
            self.headers = headers

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._header_host: str | None = None  # the host the header was sent to

    def compose(self) -> ComposeResult:
        yield Input("", placeholder=PLACEHOLDER, id="prof-open")
        with Horizontal(classes="form-row", id="prof-open-url"):
            yield Static("for a URL: seconds", classes="label")
            yield Input("", placeholder="cpu: 30", restrict=r"[0-9]*", max_length=6, id="prof-open-seconds")
            yield Static("header", classes="label")
            yield Input("", placeholder="Name: value; Name2: value2 (sent, never shown or kept)", password=True,
                        id="prof-open-header")  # fmt: skip

    def show(self) -> None:
        """Shown, the focus in the first field."""
        from m3tui.tui.panes.base import focus_now

        self.display = True
        focus_now(self.query_one("#prof-open", Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "prof-open-header":
            self._header_host = None  # typed now: for the URL it goes with

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        from m3tui.profiles.fetch import is_url, parse_header, split_headers, split_seconds

        text = self.query_one("#prof-open", Input).value.strip()
        if not text:
            return self._refuse("Type a profile file or a URL first.", "#prof-open")
        url, typed = split_seconds(text)
        if not is_url(url):
            self.display = False
            self.post_message(self.OpenFile(Path(text).expanduser()))  # seconds and a header are a URL's: unused
            return
        seconds_text = self.query_one("#prof-open-seconds", Input).value.strip()
        seconds = int(seconds_text) if seconds_text else typed
        headers = split_headers(self.query_one("#prof-open-header", Input).value)
        if headers:
            for n, header in enumerate(headers, 1):
                try:
                    parse_header(header)  # its message never holds the value
                except M3tuiError as exc:
                    which = f"header {n} of {len(headers)}" if len(headers) > 1 else "header"
                    return self._refuse(str(exc).replace("--header", which, 1), "#prof-open-header")
            host = _host(url)
            if self._header_host is not None and host != self._header_host:
                self.query_one("#prof-open-header", Input).value = ""
                return self._refuse(f"The header was typed for {self._header_host}, not {host}: type it again "
                                    "to send it there (or leave it empty).", "#prof-open-header")  # fmt: skip
            self._header_host = host
        self.display = False
        self.post_message(self.OpenUrl(url, seconds, tuple(headers)))

    def _refuse(self, reason: str, field: str) -> None:
        from m3tui.tui.panes.base import focus_now

        self.app.notify(reason, severity="error")
        focus_now(self.query_one(field, Input))


def _host(text: str) -> str:
    """The host:port a typed URL goes to ('' when it names none yet)."""
    from m3tui.profiles.fetch import adjust_url, split_seconds

    try:
        parts = urllib.parse.urlsplit(adjust_url(split_seconds(text)[0])[0])
        return f"{(parts.hostname or '').lower()}:{parts.port or ''}"
    except (M3tuiError, ValueError):
        return ""
