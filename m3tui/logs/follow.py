"""Follow a growing file, like ``tail -F``: new complete lines within ~0.1 s, across rotation.

:func:`follow` watches the file's *directory* with ``watchfiles.awatch`` (so a
file that is renamed away and re-created is seen too) with a short debounce,
and re-checks the file on every change and at least every ``recheck`` seconds
as a safety net. If watchfiles cannot start (no inotify/FSEvents, watch limit
reached…) it falls back to polling every ``poll`` seconds (50 ms).

``ready`` (an optional :class:`asyncio.Event`) is set once following is in place: the watcher
is watching the directory (its thread has started asking whether to stop) and the file has been
read once more, or the polling has started. From then on, every line appended reaches
``on_lines`` without any further wait; before, a line may take up to ``recheck`` seconds.

Rotation:

* replaced (renamed away, new file at the path: the inode changed): the rest of
  the old file is read to its end, then the new file is read from its start;
* truncated (the size dropped below what was read): reading restarts at 0.

``on_lines`` gets lists of complete lines (bytes, without ``\\n`` or a trailing
``\\r``); a partial last line is held until its newline arrives. A partial line
over ``max_line`` bytes is delivered in pieces so it cannot grow without bound.

This module is plain asyncio and must never import Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["Follower", "follow"]

_READ = 1 << 20
MAX_LINE = 1 << 20


class Follower:
    """The synchronous core: open, read what is new, notice rotation."""

    def __init__(self, path: str | os.PathLike[str], *, from_start: bool = False, max_line: int = MAX_LINE) -> None:
        self.path = Path(path)
        self._f: object | None = None
        self._fh: BinaryIO | None = None
        self._ino: tuple[int, int] | None = None
        self._pos = 0
        self._buf = bytearray()
        self._max = max_line
        self.rotations = 0
        self.truncations = 0
        self._open(seek_end=not from_start)

    def _open(self, *, seek_end: bool) -> bool:
        """Open the path if it is a readable regular file (a FIFO put in its place is never waited on)."""
        from m3tui.core.errors import M3tuiError
        from m3tui.core.files import open_input

        try:
            fh = open_input(self.path)
        except M3tuiError:
            self._fh, self._ino, self._pos = None, None, 0
            return False
        st = os.fstat(fh.fileno())
        self._fh = fh
        self._ino = (st.st_dev, st.st_ino)
        self._pos = st.st_size if seek_end else 0
        fh.seek(self._pos)
        return True

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _read_new(self) -> list[bytes]:
        out: list[bytes] = []
        fh = self._fh
        if fh is None:
            return out
        while True:
            chunk = fh.read(_READ)
            if not chunk:
                break
            self._pos += len(chunk)
            out.extend(self._split(chunk))
        return out

    def _split(self, chunk: bytes) -> list[bytes]:
        buf = self._buf
        buf += chunk
        if b"\n" not in chunk:
            return self._spill()
        parts = bytes(buf).split(b"\n")
        buf.clear()
        buf += parts.pop()
        out = [p[:-1] if p[-1:] == b"\r" else p for p in parts]
        out.extend(self._spill())
        return out

    def _spill(self) -> list[bytes]:
        out = []
        while len(self._buf) > self._max:
            out.append(bytes(self._buf[: self._max]))
            del self._buf[: self._max]
        return out

    def poll(self) -> list[bytes]:
        """Complete lines added since the last call (handles rotation and truncation)."""
        try:
            st = os.stat(self.path)
            ident: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except OSError:
            ident = None  # rotated away, new file not there yet
        if self._fh is None:
            if ident is not None and self._open(seek_end=False):
                self.rotations += 1
                return self._read_new()
            return []
        if ident is not None and ident != self._ino:
            lines = self._read_new()  # the old file's last lines
            if self._buf:
                lines.append(bytes(self._buf))
                self._buf.clear()
            self.close()
            self.rotations += 1
            if self._open(seek_end=False):
                lines.extend(self._read_new())
            return lines
        size = os.fstat(self._fh.fileno()).st_size
        if size < self._pos:
            self.truncations += 1
            self._buf.clear()
            self._pos = 0
            self._fh.seek(0)
        return self._read_new()


async def follow(
    path: str | os.PathLike[str],
    on_lines: Callable[[list[bytes]], None],
    *,
    stop: asyncio.Event,
    poll: float = 0.05,
    from_start: bool = False,
    recheck: float = 0.5,
    use_watchfiles: bool = True,
    ready: asyncio.Event | None = None,
) -> None:
    """Call ``on_lines`` with new complete lines of ``path`` until ``stop`` is set.

    Starts at the file's current end (``from_start=True``: at its beginning). ``ready`` is set
    once the watch (or the polling) is in place.
    """
    fol = Follower(path, from_start=from_start)

    def check() -> None:
        lines = fol.poll()
        if lines:
            on_lines(lines)

    try:
        check()
        if use_watchfiles:
            try:
                await _watch(fol, check, stop, recheck, ready)
                return
            except Exception:  # noqa: BLE001 - watchfiles unavailable or failed: poll instead
                if stop.is_set():
                    return
        if ready is not None:
            ready.set()  # polling: every line is read within ``poll`` seconds from now
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll)
            check()
    finally:
        fol.close()


class _StopAsked:
    """``stop`` as the watcher thread sees it. That thread asks ``is_set()`` every ``step`` ms
    once the watch is in place (watchfiles takes any object with ``is_set()``); the first
    question calls ``on_first`` in the event loop."""

    def __init__(self, stop: asyncio.Event, on_first: Callable[[], None]) -> None:
        self._stop = stop
        self._on_first: Callable[[], None] | None = on_first
        self._loop = asyncio.get_running_loop()

    def is_set(self) -> bool:  # in the watcher's thread
        if self._on_first is not None:
            on_first, self._on_first = self._on_first, None
            self._loop.call_soon_threadsafe(on_first)
        return self._stop.is_set()

    def set(self) -> None:  # in the loop: awatch stops its thread this way when cancelled
        self._stop.set()


async def _watch(
    fol: Follower, check: Callable[[], None], stop: asyncio.Event, recheck: float, ready: asyncio.Event | None
) -> None:
    from watchfiles import awatch

    target = fol.path.resolve() if fol.path.exists() else fol.path.absolute()
    directory = str(target.parent)
    name = target.name

    def only_ours(_change: object, p: str) -> bool:
        return os.path.basename(p) == name

    def watching() -> None:  # the watch is in place: what was written before it, then ready
        try:
            check()
        finally:
            if ready is not None:
                ready.set()

    async for _changes in awatch(
        directory,
        watch_filter=only_ours,
        stop_event=_StopAsked(stop, watching),
        debounce=40,
        step=5,
        rust_timeout=int(recheck * 1000),
        yield_on_timeout=True,
        recursive=False,
    ):
        if stop.is_set():
            return
        check()
