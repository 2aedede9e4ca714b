"""The one way m3tui runs a subprocess.

Design, in brief:

* argv lists only (never a shell string); the binary is resolved up front so a
  missing ``go`` is a clear :class:`CommandNotFoundError`, not a traceback.
* stdin is /dev/null and the child gets its own session/process group, so it can
  never read from, or be signalled through, the TUI's terminal.
* stdout/stderr are our own non-blocking pipes read in raw chunks by event-loop
  readers, split into lines by us (``StreamReader.readline`` dies on lines over
  64 KiB) and handed to ``on_batch`` at most once per frame, so a chatty child
  costs ~60 UI updates per second, not one per line.
* timeout, cancellation and :func:`m3tui.core.proctree.kill_all_sync` kill the whole process
  tree (:mod:`m3tui.core.proctree`, which keeps the registry of live runs).
* a SIGKILL of m3tui itself leaves no orphan: on Linux each child gets PR_SET_PDEATHSIG=SIGKILL
  (:func:`m3tui.core.proctree.setpriv`), and everywhere (macOS has no PDEATHSIG) each live child is recorded in
  ``<state>/tmp/children-p<pid>-.json`` for the next command's start-up sweep to kill
  (:mod:`m3tui.core.proctree`). PDEATHSIG is set per *thread*: it fires when the thread that forked
  the child exits. asyncio forks in the thread running the event loop, which is the main thread in
  both fronts (``asyncio.run`` in cli/main.py; Textual runs the app's loop on the main thread, and
  its one thread worker, the scratch sweep, starts nothing). Even a loop run in another thread is
  safe: a run never lets its child outlive its ``await`` (every exit path kills the tree), and the
  thread cannot end while the await is pending. PDEATHSIG is not inherited across fork: only the
  direct child has it. For ``go test``/``go build`` that is go, which dies with us; its compilers
  or test binary are then orphaned, but carry our RUN_MARK, and the children file's sweep kills
  every process with a recorded mark. ``m3tui bench`` runs the test binary itself as the direct
  child, so it dies at once.

This module is plain asyncio and must never import Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import os
import secrets
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from m3tui.core import proctree
from m3tui.core.errors import M3tuiError
from m3tui.core.proctree import NO_PDEATHSIG_ENV, RUN_MARK

#: Runs with a timeout of at most this many seconds (probes: go version, go env, sysctl) get no
#: PDEATHSIG: a killed m3tui's probe ends by itself or at the next start-up sweep.
SHORT_RUN_S = 60.0

__all__ = [
    "MAX_LINE_BYTES",
    "NO_PDEATHSIG_ENV",
    "CommandNotFoundError",
    "OutputLine",
    "RunResult",
    "RunnerError",
    "run",
    "which",
]

Stream = Literal["stdout", "stderr"]
BatchCallback = Callable[[list["OutputLine"]], None]

#: A partial line longer than this is delivered as-is, so a binary blob
#: without newlines cannot grow a buffer without bound.
MAX_LINE_BYTES = 1 << 20
_READ_SIZE = 1 << 16
#: How long we keep reading after the child exited, in case a background
#: grandchild still holds our pipes open (we must not hang until it exits).
_DRAIN_GRACE = 0.25
#: Bound on the last non-blocking read of a pipe being closed.
_MAX_FINAL_DRAIN = 64 * _READ_SIZE
#: Numbers each run's RUN_MARK token (with our pid and a per-process nonce, so that a later
#: process reusing our pid never carries the same token: the sweep kills by token).
_RUN_COUNTER = itertools.count(1)
_RUN_NONCE = secrets.token_hex(4)


class RunnerError(M3tuiError):
    """Base class for errors raised by the runner (not for non-zero exits)."""


class CommandNotFoundError(RunnerError):
    """The binary does not exist, or is not an executable file."""


@dataclass(frozen=True, slots=True)
class OutputLine:
    """One line of output, without its line terminator."""

    stream: Stream
    text: str


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a finished run produced. A non-zero exit is a result, not an error."""

    argv: tuple[str, ...]
    #: Exit status; negative N means killed by signal N; None if never reaped.
    returncode: int | None
    stdout: tuple[str, ...]
    stderr: tuple[str, ...]
    duration: float
    timed_out: bool = False
    #: True when the run was stopped through ``stop_event``.
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.cancelled

    @property
    def stdout_text(self) -> str:
        return "\n".join(self.stdout)

    @property
    def stderr_text(self) -> str:
        return "\n".join(self.stderr)


# --------------------------------------------------------------------------
# Output: chunks -> lines -> batches
# --------------------------------------------------------------------------


def _cut_index(buf: bytes | bytearray, cap: int) -> int:
    """Where to cut an over-long line: at ``cap``, backed off to a UTF-8 boundary."""
    i = cap
    for _ in range(3):
        if i > 0 and (buf[i] & 0xC0) == 0x80:  # continuation byte
            i -= 1
        else:
            return i
    return i if (buf[i] & 0xC0) != 0x80 else cap


class _LineSplitter:
    """Splits a byte stream on b"\\n", strips a trailing b"\\r", caps line length."""

    __slots__ = ("_buf", "_cap")

    def __init__(self, cap: int = MAX_LINE_BYTES) -> None:
        self._buf = bytearray()
        self._cap = cap

    def _pieces(self, line: bytes) -> list[bytes]:
        out: list[bytes] = []
        while len(line) > self._cap:
            i = _cut_index(line, self._cap)
            out.append(line[:i])
            line = line[i:]
        out.append(line)
        return out

    def _spill(self) -> list[bytes]:
        out: list[bytes] = []
        buf = self._buf
        while len(buf) > self._cap:
            i = _cut_index(buf, self._cap)
            out.append(bytes(buf[:i]))
            del buf[:i]
        return out

    def feed(self, chunk: bytes) -> list[bytes]:
        buf = self._buf
        if b"\n" not in chunk:
            buf += chunk
            return self._spill() if len(buf) > self._cap else []
        parts = chunk.split(b"\n")
        if buf:
            buf += parts[0]
            parts[0] = bytes(buf)
            buf.clear()
        buf += parts.pop()
        out: list[bytes] = []
        cap = self._cap
        for p in parts:
            if p[-1:] == b"\r":
                p = p[:-1]
            if len(p) > cap:
                out.extend(self._pieces(p))
            else:
                out.append(p)
        if len(buf) > cap:
            out.extend(self._spill())
        return out

    def close(self) -> list[bytes]:
        """The final, unterminated line (if any)."""
        if not self._buf:
            return []
        line = bytes(self._buf)
        self._buf.clear()
        if line[-1:] == b"\r":
            line = line[:-1]
        return [line]


class _Batcher:
    """Collects lines from both streams; calls ``on_batch`` at most once per interval."""

    def __init__(self, on_batch: BatchCallback | None, interval: float, capture: bool) -> None:
        self.on_batch = on_batch
        self.interval = interval
        self.capture = capture
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._pending: list[OutputLine] = []
        self._wake = asyncio.Event()
        # Uncaptured lines' last 500 per stream, for the command log (cmdlog).
        self.tee: dict[str, deque[str]] | None = (
            None if capture else {"stdout": deque(maxlen=500), "stderr": deque(maxlen=500)}
        )

    def add(self, stream: Stream, texts: list[str]) -> None:
        if self.capture:
            (self.stdout if stream == "stdout" else self.stderr).extend(texts)
        elif self.tee is not None:  # always, when not capturing
            self.tee[stream].extend(texts)
        if self.on_batch is not None:
            self._pending.extend([OutputLine(stream, t) for t in texts])
            self._wake.set()

    def flush(self) -> None:
        if self._pending and self.on_batch is not None:
            batch, self._pending = self._pending, []
            self.on_batch(batch)

    async def pump(self) -> None:
        """Deliver promptly after a quiet spell, then no faster than the interval."""
        loop = asyncio.get_running_loop()
        last = -math.inf
        while True:
            await self._wake.wait()
            delay = last + self.interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._wake.clear()
            last = loop.time()
            self.flush()


class _PipeReader:
    """Reads one pipe with ``loop.add_reader`` in raw chunks.

    Raw chunks rather than ``readline``: readline raises on lines over the
    64 KiB StreamReader limit, and we want our own cap and decoding. Our own
    pipe (not asyncio's subprocess pipes) also keeps ``proc.wait()`` about
    the process only, so a grandchild holding the pipe cannot hang us.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        fd: int,
        stream: Stream,
        sink: Callable[[Stream, list[str]], None],
    ) -> None:
        self._loop = loop
        self._fd = fd
        self._stream = stream
        self._sink = sink
        self._splitter = _LineSplitter()
        self._closed = False
        self.eof: asyncio.Future[None] = loop.create_future()
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._on_readable)

    def _deliver(self, lines: list[bytes]) -> None:
        if lines:
            self._sink(self._stream, [b.decode("utf-8", "replace") for b in lines])

    def _read(self) -> bytes | None:
        """A chunk; b"" at EOF; None if nothing is available right now."""
        try:
            return os.read(self._fd, _READ_SIZE)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    def _on_readable(self) -> None:
        chunk = self._read()
        if chunk is None:
            return
        if not chunk:
            self.close()
            return
        self._deliver(self._splitter.feed(chunk))

    def close(self) -> None:
        """Drain what is already in the pipe, deliver the last partial line, close."""
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._fd)
        drained = 0
        while drained < _MAX_FINAL_DRAIN:
            chunk = self._read()
            if not chunk:
                break
            drained += len(chunk)
            self._deliver(self._splitter.feed(chunk))
        self._deliver(self._splitter.close())
        os.close(self._fd)
        if not self.eof.done():
            self.eof.set_result(None)


# --------------------------------------------------------------------------
# Argument checks and binary lookup
# --------------------------------------------------------------------------


def which(name: str, path: str | None = None) -> str | None:
    """Absolute path of ``name`` on ``path`` (default: $PATH), or None."""
    found = shutil.which(name, path=path)
    return os.path.abspath(found) if found else None


def _check_argv(argv: Sequence[str]) -> tuple[str, ...]:
    if isinstance(argv, (str, bytes, bytearray)):
        raise TypeError("argv must be a sequence of arguments, not a string (no shell strings)")
    args = tuple(argv)
    if not args:
        raise ValueError("argv must not be empty")
    for a in args:
        if not isinstance(a, str):
            raise TypeError(f"argv items must be str, got {type(a).__name__}: {a!r}")
    return args


def _merge_env(env: Mapping[str, str | None] | None) -> dict[str, str]:
    merged = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _resolve(argv0: str, env: dict[str, str] | None, cwd: str | None) -> str:
    """Absolute path of the binary the child will exec, or CommandNotFoundError.

    Looked up on the *child's* PATH; a path with a slash is relative to the
    child's cwd, just as exec would see it.
    """
    if "/" in argv0:
        candidate = os.path.join(cwd, argv0) if cwd else argv0
        candidate = os.path.abspath(candidate)
        if not os.path.exists(candidate):
            raise CommandNotFoundError(f"{argv0}: no such file")
        if os.path.isdir(candidate):
            raise CommandNotFoundError(f"{argv0}: is a directory, not an executable")
        if not os.access(candidate, os.X_OK):
            raise CommandNotFoundError(f"{argv0}: not executable")
        return candidate
    path = (env if env is not None else os.environ).get("PATH", os.defpath)
    found = which(argv0, path=path)
    if found is None:
        raise CommandNotFoundError(f"{argv0}: command not found (looked up on PATH)")
    return found


def _check_cwd(cwd: str | os.PathLike[str] | None) -> str | None:
    if cwd is None:
        return None
    cwd_s = os.fspath(cwd)
    if not os.path.isdir(cwd_s):
        raise RunnerError(f"{cwd_s}: working directory does not exist")
    return cwd_s


# --------------------------------------------------------------------------
# run()
# --------------------------------------------------------------------------


async def _spawn(
    args: tuple[str, ...],
    exe: str,
    env: dict[str, str] | None,
    cwd: str | None,
    stdin_devnull: bool,
    *,
    short: bool = False,
) -> tuple[asyncio.subprocess.Process, int, int]:
    """Start the child in its own session; returns it and the two read fds.

    The spawn is shielded: if we are cancelled mid-spawn, the child that
    does get started is killed (tree and all) before CancelledError escapes.
    A ``short`` run (a probe with a timeout of at most SHORT_RUN_S) skips the death signal, whose
    setpriv exec would be most of its cost; if m3tui is killed, the next start-up sweep kills it.
    """
    name = args[0]
    preexec: Callable[[], None] | None = None
    if proctree.pdeathsig_wanted() and not short:
        setpriv = await proctree.setpriv()
        if setpriv is not None:  # setpriv execs the command itself (its argv[0] becomes exe)
            args, exe = (setpriv, "--pdeathsig", "KILL", "--", exe, *args[1:]), setpriv
        else:
            preexec = proctree.pdeathsig_preexec()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    # os.pipe() fds are close-on-exec; subprocess dup2()s the write ends onto 1 and 2.
    spawn = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            args[0],
            *args[1:],
            executable=exe,
            stdin=subprocess.DEVNULL if stdin_devnull else None,
            stdout=out_w,
            stderr=err_w,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=preexec,
        )
    )
    try:
        try:
            proc = await asyncio.shield(spawn)
        except asyncio.CancelledError:
            with contextlib.suppress(BaseException):
                started = await spawn
                await proctree.kill_tree(started)
            raise
    except BaseException as exc:
        os.close(out_r)
        os.close(err_r)
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise CommandNotFoundError(f"{name}: cannot execute ({exc.strerror})") from exc
        if isinstance(exc, OSError):
            raise RunnerError(f"{name}: cannot execute ({exc.strerror or exc})") from exc
        raise
    finally:
        # The child has its own copies; ours must go or EOF never comes.
        os.close(out_w)
        os.close(err_w)
    return proc, out_r, err_r


async def _exit_and_drain(proc: asyncio.subprocess.Process, readers: list[_PipeReader]) -> None:
    await proc.wait()
    pending = [r.eof for r in readers if not r.eof.done()]
    if pending:
        await asyncio.wait(pending, timeout=_DRAIN_GRACE)


async def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    on_batch: BatchCallback | None = None,
    batch_interval: float = 1 / 60,
    capture: bool = True,
    stdin_devnull: bool = True,
    stop_event: asyncio.Event | None = None,
) -> RunResult:
    """Run ``argv`` to completion, streaming its output in batches of lines.

    ``env`` is merged over os.environ (a None value removes the key).
    ``on_batch`` gets lists of :class:`OutputLine`, at most about once per
    ``batch_interval``; the last batch is delivered before this returns.
    With ``capture=False`` lines only go to ``on_batch``.
    On ``timeout`` (seconds) the tree is killed and ``timed_out`` is set;
    setting ``stop_event`` does the same with ``cancelled`` set. Cancelling
    the awaiting task kills the tree, then re-raises CancelledError.
    An exception from ``on_batch`` kills the tree and propagates.
    ``stdin_devnull=False`` lets the child inherit our stdin (headless CLI only;
    in the TUI a child must never read the terminal).
    Raises CommandNotFoundError / RunnerError if the child cannot start.
    """
    args = _check_argv(argv)
    if batch_interval < 0:
        raise ValueError("batch_interval must be >= 0")
    merged_env = _merge_env(env)
    token = f"{os.getpid()}.{_RUN_NONCE}.{next(_RUN_COUNTER)}"
    merged_env[RUN_MARK] = token
    cwd_s = _check_cwd(cwd)
    exe = _resolve(args[0], merged_env, cwd_s)

    loop = asyncio.get_running_loop()
    batcher = _Batcher(on_batch, batch_interval, capture)
    started = time.monotonic()
    proc, out_fd, err_fd = await _spawn(args, exe, merged_env, cwd_s, stdin_devnull, short=timeout is not None and timeout <= SHORT_RUN_S)
    proctree.register(proc, token)
    readers = [
        _PipeReader(loop, out_fd, "stdout", batcher.add),
        _PipeReader(loop, err_fd, "stderr", batcher.add),
    ]
    pump = loop.create_task(batcher.pump()) if on_batch is not None else None
    timed_out = stopped = killed = False
    try:
        try:
            async with asyncio.timeout(timeout):
                waiters: set[asyncio.Future[None] | asyncio.Future[Literal[True]]] = set()
                done_t = asyncio.ensure_future(_exit_and_drain(proc, readers))
                waiters.add(done_t)
                stop_t = asyncio.ensure_future(stop_event.wait()) if stop_event else None
                if stop_t is not None:
                    waiters.add(stop_t)
                if pump is not None:
                    waiters.add(pump)
                try:
                    done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    done_t.cancel()
                    if stop_t is not None:
                        stop_t.cancel()
                stopped = done_t not in done and stop_t in done
        except TimeoutError:
            timed_out = True
        if timed_out or stopped or (pump is not None and pump.done()):
            killed = True
            await proctree.kill_tree(proc)
        if pump is not None and pump.done() and not pump.cancelled():
            exc = pump.exception()
            if exc is not None:
                raise exc
    except BaseException:
        # Cancelled, or on_batch raised: the tree must not outlive us.
        if not killed:
            await proctree.kill_tree(proc)
        raise
    finally:
        for r in readers:
            r.close()
        if pump is not None:
            pump.cancel()
        proctree.unregister(proc.pid)
    batcher.flush()
    result = RunResult(
        argv=args,
        returncode=proc.returncode,
        stdout=tuple(batcher.stdout),
        stderr=tuple(batcher.stderr),
        duration=time.monotonic() - started,
        timed_out=timed_out,
        cancelled=stopped and not timed_out,
    )
    with contextlib.suppress(Exception):  # the command log; a recording failure must never break a run
        from m3tui.core import cmdlog

        cmdlog.record_run(args, cwd_s, time.time() - result.duration, result.duration, result, tails=batcher.tee)
    return result
