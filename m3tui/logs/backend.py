"""What the Logs pane asks of this feature: the `LogsBackend` Protocol and the real one.

The I/O goes through it: opening a file (its tail at once; the pane then builds the index in a
thread), following it, the commands m3tui ran, its own log, the lint rules from config. What
the pane does with an open source (scans, search, the next error) is plain computation over it,
in :mod:`m3tui.logs.sources`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from m3tui.core.cmdlog import CommandRecord
    from m3tui.logs.lint import LintConfig
    from m3tui.logs.sources import FileSource


#: The magic bytes of what is read through a spool (gzip, bzip2, zstd, xz): never on the UI thread.
COMPRESSED = (b"\x1f\x8b", b"BZh", b"\x28\xb5\x2f\xfd", b"\xfd7zXZ\x00")


class LogsBackend(Protocol):
    async def open(self, path: Path, name: str, *, progress: Callable[[float], None] | None = None) -> FileSource:
        """A log file, its tail read (`M3tuiError`, its message for the user: it cannot be read);
        a compressed one decompressed into the cache first, ``progress(fraction)`` as it goes."""
        ...

    def open_now(self, path: Path, name: str) -> FileSource | None:
        """The same, on the caller's thread, when that is quick: a plain file's tail is a few
        preads (`m3tui logs FILE`'s first paint shows it). None when it is not (a compressed
        file needs a spool) or it cannot be opened: then `open` does it, and says why."""
        ...

    async def follow(
        self, path: Path, on_lines: Callable[[list[bytes]], None], stop: asyncio.Event, ready: asyncio.Event
    ) -> None:
        """Call ``on_lines`` as the file grows (across rotation) until ``stop`` is set; ``ready``
        is set once the watch is in place (from then on no appended line is missed)."""
        ...

    def commands(self) -> list[CommandRecord]:
        """The commands m3tui ran, newest first."""
        ...

    def own_log(self) -> Path | None:
        """m3tui's own log file, when there is one."""
        ...

    def lint_config(self, near: Path | None = None) -> LintConfig | None:
        """The `[logs.lint]` rules (None: the defaults), overridden by the ``.m3tui-lint.toml`` nearest
        folder ``near`` (None: the current one); its ``warnings`` say what in them was ignored."""
        ...


class LocalLogs:
    """The real files, command log and config of this user."""

    async def open(self, path: Path, name: str, *, progress: Callable[[float], None] | None = None) -> FileSource:
        import threading

        from m3tui.logs.spool import open_log

        stop = threading.Event()
        try:  # a .gz, .bz2 or .zst file through its spool in the cache (logs/spool.py)
            return await asyncio.to_thread(open_log, path, name, stop, progress)
        except asyncio.CancelledError:  # the pane or the app went away: a .gz spool stops (and goes)
            stop.set()
            raise

    def open_now(self, path: Path, name: str) -> FileSource | None:
        import os
        import threading

        from m3tui.core.errors import M3tuiError
        from m3tui.core.files import open_input
        from m3tui.logs.sources import open_file

        try:
            with open_input(path) as f:  # a regular file only (a FIFO is never waited on)
                head = os.pread(f.fileno(), 8, 0)
            if head.startswith(COMPRESSED):
                return None
            stopped = threading.Event()
            stopped.set()  # (replaced by a .gz meanwhile: its spool stops at the first chunk)
            return open_file(path, name, stopped)
        except (M3tuiError, OSError):
            return None

    async def follow(
        self, path: Path, on_lines: Callable[[list[bytes]], None], stop: asyncio.Event, ready: asyncio.Event
    ) -> None:
        from m3tui.logs.follow import follow

        await follow(path, on_lines, stop=stop, ready=ready)

    def commands(self) -> list[CommandRecord]:
        from m3tui.core import cmdlog

        return list(reversed(cmdlog.recent()))

    def own_log(self) -> Path | None:
        from m3tui.core import cmdlog

        path = cmdlog.own_log_path()
        return path if path.is_file() else None

    def lint_config(self, near: Path | None = None) -> LintConfig | None:
        from m3tui.logs.lintfile import load_rules

        config, _warnings, _found = load_rules(near)
        return config
