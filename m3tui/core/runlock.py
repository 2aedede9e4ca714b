"""The machine-wide run lock (like perflock): two measuring runs never overlap.

Benchmark runs, profile captures and tuner runs hold it while they build and measure, whatever
their ``M3TUI_HOME``: it lives in the system temp dir, per user
(``{tempfile.gettempdir()}/m3tui-{uid}/run.lock``, the directory 0700 and refused when another
user owns it or others may write to it). It is an ``fcntl.flock`` on that file, so the kernel
releases it when its holder dies, SIGKILL included: no stale lock to break.

The holder writes who it is (pid, its command line redacted, when it started, its
``M3TUI_HOME``) into ``run.json`` beside the lock, so a second run can say for whom it waits,
or, with ``wait=False`` (``--no-wait``), fail naming the holder (exit 3).

Nested holds in one flow (a capture that runs a bench session) are re-entrant: the hold is kept
in a context variable, which the tasks started inside it inherit. Another flow of the same
process (two panes) waits like another process would.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import fcntl
import json
import os
import stat
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from m3tui.core.errors import M3tuiError, os_error
from m3tui.core.redact import redact, redact_args

LOCK_NAME = "run.lock"
WHO_NAME = "run.json"
POLL = 0.2  # seconds between tries while waiting
_WHO_LIMIT = 64 * 1024

_held: contextvars.ContextVar[bool] = contextvars.ContextVar("m3tui_run_lock_held", default=False)


class RunLockBusy(M3tuiError):
    """The lock is held by another run and the caller asked not to wait."""


def lock_dir() -> Path:
    """``{tempfile.gettempdir()}/m3tui-{uid}``: made 0700, refused if another user could use it."""
    path = Path(tempfile.gettempdir()) / f"m3tui-{os.getuid()}"
    try:
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
        st = os.lstat(path)
    except OSError as exc:
        raise os_error(exc, path, "create") from None
    if not stat.S_ISDIR(st.st_mode):
        raise M3tuiError(f"cannot use {path} for the run lock: it is not a directory")
    if st.st_uid != os.getuid():
        raise M3tuiError(f"cannot use {path} for the run lock: it belongs to another user (uid {st.st_uid})")
    if stat.S_IMODE(st.st_mode) & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            raise os_error(exc, path, "make private") from None
    return path


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as it wrote it down (fields may be empty when it had not yet)."""

    pid: int | None
    command: str = ""
    started: float | None = None
    home: str = ""

    def describe(self, now: float | None = None) -> str:
        """``m3tui bench ./x -count 5 (pid 1234, started 12 s ago, M3TUI_HOME /h)``."""
        if self.pid is None:
            return "another m3tui run (starting)"
        facts = [f"pid {self.pid}"]
        if self.started is not None:
            ago = max(0.0, (time.time() if now is None else now) - self.started)
            facts.append(f"started {_ago(ago)} ago")
        if self.home:
            facts.append(f"M3TUI_HOME {self.home}")
        return f"{self.command or 'another m3tui run'} ({', '.join(facts)})"


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def read_holder(directory: Path | None = None) -> Holder:
    """What the holder wrote in ``run.json`` (an unreadable or half-written record: pid unknown)."""
    path = (directory or lock_dir()) / WHO_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            data = json.loads(f.read(_WHO_LIMIT))
        pid = data["pid"]
        if not isinstance(pid, int) or isinstance(pid, bool):
            return Holder(None)
        started = data.get("started")
        return Holder(
            pid,
            command=redact(str(data.get("command", ""))),
            started=float(started) if isinstance(started, (int, float)) else None,
            home=redact(str(data.get("home", ""))),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return Holder(None)


def command_text(argv: Sequence[str] | None = None) -> str:
    """``m3tui bench ./x -count 5``: this process's command line, credentials masked."""
    args = list(sys.argv if argv is None else argv)
    if not args or args[0] == "-c":
        return f"python (pid {os.getpid()})"
    return " ".join(redact_args(["m3tui", *args[1:]]))


class RunLock:
    """One attempt at the lock file: ``try_acquire()`` then ``release()``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or lock_dir()
        self.path = self.directory / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self, what: str = "") -> bool:
        """Take the lock if it is free (and write the who record); False when another run has it."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise os_error(exc, self.path, "open") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as exc:
            os.close(fd)
            raise os_error(exc, self.path, "lock") from None
        self._fd = fd
        self._write_who(what)
        return True

    def _write_who(self, what: str) -> None:
        from m3tui.core.config import state_root

        record = {
            "pid": os.getpid(),
            "command": what or command_text(),
            "started": time.time(),
            "home": str(state_root()),
        }
        tmp = self.directory / f".{WHO_NAME}.{os.getpid()}"
        with contextlib.suppress(OSError):  # the record only informs waiters: never fail the run on it
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(record, f)
            os.replace(tmp, self.directory / WHO_NAME)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):  # the next holder overwrites the record anyway
            os.unlink(self.directory / WHO_NAME)
        os.close(fd)  # closing the last fd on it releases the flock


@contextlib.asynccontextmanager
async def hold(
    what: str = "",
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    stopped: Callable[[], bool] | None = None,
    poll: float = POLL,
    directory: Path | None = None,
) -> AsyncIterator[bool]:
    """Hold the run lock for the block; yields True, or False when ``stopped()`` became true first.

    While another run holds it: ``on_wait("waiting for <holder>")`` each time the holder changes,
    then wait (a cancellation while waiting leaves nothing held), or with ``wait=False`` raise
    :class:`RunLockBusy` naming it. Already held in this flow: the block simply runs.
    """
    if _held.get():
        yield True
        return
    lock = RunLock(directory)
    said: Holder | None = None
    try:
        while not lock.try_acquire(what):
            holder = read_holder(lock.directory)
            if not wait:
                raise RunLockBusy(f"another m3tui run holds the run lock {lock.path}: {holder.describe()}")
            if on_wait is not None and (said is None or (holder.pid, holder.started) != (said.pid, said.started)):
                said = holder
                on_wait(f"waiting for {holder.describe()}")
            if stopped is not None and stopped():
                yield False
                return
            await asyncio.sleep(poll)
        token = _held.set(True)
        try:
            yield True
        finally:
            _held.reset(token)
    finally:
        lock.release()
