"""The one base of every expected failure.

An `M3tuiError` is an answer, not a bug: its message is the one line the user sees, naming the
path or value and the cause ("cannot read cpu.out: Permission denied"). Both fronts show it as
it is (the CLI on stderr, the TUI as a notification); any other exception is a bug, and its
traceback goes to the crash log. Raise it where the failure happens, with what the user needs
to fix it; subclasses say which feature failed, so callers can catch narrowly.
"""

from __future__ import annotations

from typing import ClassVar


class M3tuiError(Exception):
    """An expected failure, with the one-line message the user sees."""

    #: The process exit status a headless command ends with (see the CLI's exit-code contract).
    exit_code: ClassVar[int] = 1


class UsageError(M3tuiError):
    """Bad usage: an unknown flag, a value of the wrong shape, a file that is not what it must be."""

    exit_code: ClassVar[int] = 2
