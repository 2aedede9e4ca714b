"""cli/progress.py's choice (a bar only on a terminal, never under CI or TERM=dumb) and tui/progress.py's
bar on a real pty (opened here, no child process): Rich's bar characters, text never markup and its
control characters escaped."""

from __future__ import annotations

import io
import os
import select
import sys
from collections.abc import Iterator
from typing import IO

import pytest

from m3tui.cli import progress


@pytest.fixture
def pty_stderr(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, IO[str]]]:
    master, slave = os.openpty()
    stream = os.fdopen(slave, "w", encoding="utf-8")  # the test makes it sys.stderr: pytest's capture
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    try:
        yield master, stream
    finally:
        stream.close()
        os.close(master)


def _drain(master: int) -> str:
    got = b""
    while select.select([master], [], [], 0.2)[0]:
        chunk = os.read(master, 65536)
        if not chunk:
            break
        got += chunk
    return got.decode(errors="replace")


def test_a_bar_only_on_a_terminal_without_ci(pty_stderr, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", pty_stderr[1])  # here: pytest resets sys.stderr after the fixtures
    assert progress.fancy()
    for value in ("true", "1", "yes"):
        monkeypatch.setenv("CI", value)
        assert not progress.fancy() and progress.bar("items") is None
    monkeypatch.setenv("CI", "false")
    assert progress.fancy()
    monkeypatch.setenv("TERM", "dumb")
    assert not progress.fancy()
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # piped
    assert not progress.fancy() and progress.bar("bytes") is None


def test_the_bar_draws_rich_characters_and_escapes_what_it_shows(pty_stderr, monkeypatch: pytest.MonkeyPatch) -> None:
    master, stream = pty_stderr
    monkeypatch.setattr(sys, "stderr", stream)
    bar = progress.bar("items")
    assert bar is not None
    bar.update("tools \x1b[31mred [bold]x[/bold]", 1, 3, info="go: \x07downloading")
    bar.log("done \x1b]0;title\x07 [red]y[/red]")
    bar.update("tools \x1b[31mred [bold]x[/bold]", 3, 3)
    bar.close()
    bar.close()  # idempotent
    screen = _drain(master)
    assert "━" in screen and "3/3" in screen
    assert "\\x1b[31mred [bold]x[/bold]" in screen and "\\x07downloading" in screen  # shown, not obeyed
    assert "done \\x1b]0;title\\x07 [red]y[/red]" in screen
    assert "\x1b]0;" not in screen and "\x07" not in screen


def test_a_bar_never_updated_draws_nothing(pty_stderr, monkeypatch: pytest.MonkeyPatch) -> None:
    master, stream = pty_stderr
    monkeypatch.setattr(sys, "stderr", stream)
    bar = progress.bar("seconds")
    assert bar is not None
    bar.close()
    assert "━" not in _drain(master)
