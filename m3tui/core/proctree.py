"""The process trees that :func:`m3tui.core.runner.run` starts: which are live, and killing one.

Split from :mod:`m3tui.core.runner`, which registers every run here. Timeout, cancellation and
:func:`kill_all_sync` kill the whole tree: descendants are snapshotted with psutil *before*
signalling (once the leader dies its children are re-parented and can no longer be found), and
we signal the group *and* every descendant, because some call setsid and leave the group.
psutil is imported on the first run (the create_time recorded below).

A SIGKILL of m3tui itself runs none of that, so two more nets (see :func:`record_path`):
on Linux the runner gives each child PR_SET_PDEATHSIG=SIGKILL (it dies with us), and on every
platform each live child (pid, psutil create_time, its RUN_MARK token) is recorded in
``<state>/tmp/children-p<ourpid>-.json``, which the next m3tui's start-up sweep
(:func:`m3tui.core.tmp.sweep` → :func:`sweep_children`) reads once we are dead, killing the
recorded trees whose create_time still matches (a reused pid is never killed).

This module is plain asyncio and must never import Textual.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import psutil

__all__ = ["RUN_MARK", "kill_all_sync", "kill_tree", "live_pids", "register", "sweep_children", "unregister"]

#: How long a tree gets between SIGTERM and SIGKILL.
_KILL_GRACE = 0.3
_POLL = 0.02


# --------------------------------------------------------------------------
# Registry of live trees (safety net for app exit / SIGHUP)
# --------------------------------------------------------------------------

#: pid (== pgid, thanks to start_new_session) -> the running child.
_LIVE: dict[int, asyncio.subprocess.Process] = {}
#: pid -> the environment mark its run's processes carry (see _descendants).
_TOKENS: dict[int, str] = {}
#: The environment variable that marks every process a run starts.
RUN_MARK = "M3TUI_RUN"


def register(proc: asyncio.subprocess.Process, token: str) -> None:
    """Note a run's child (and the mark its processes carry) until :func:`unregister`."""
    _LIVE[proc.pid] = proc
    _TOKENS[proc.pid] = token
    _record_child(proc.pid, token)


def unregister(pid: int) -> None:
    _LIVE.pop(pid, None)
    _TOKENS.pop(pid, None)
    _forget_child(pid)


def live_pids() -> list[int]:
    """Pids (and process-group ids) of the runs currently in progress."""
    return list(_LIVE)


def kill_all_sync() -> int:
    """SIGKILL every live tree started by :func:`m3tui.core.runner.run`; returns how many.

    Synchronous so it can run from atexit or a signal handler, where there
    may be no event loop to await on. The runs themselves then see their
    child die, reap it and unregister it.
    """
    count = 0
    for pid, proc in list(_LIVE.items()):
        _signal_tree(pid, proc, _descendants(proc, marked=True), signal.SIGKILL)
        count += 1
    return count


atexit.register(kill_all_sync)


# --------------------------------------------------------------------------
# Process-tree killing
# --------------------------------------------------------------------------


def _descendants(proc: asyncio.subprocess.Process, *, marked: bool = False) -> list[psutil.Process]:
    """Snapshot the child's descendants while they are still findable.

    Must be taken before signalling: once the child dies its children are
    re-parented and no longer show up under it. Skipped once the child was
    reaped, because its pid may then belong to someone else. With ``marked``,
    also every process carrying this run's environment mark: that finds a
    grandchild that double-forked and called setsid, which is in neither the
    tree nor the process group (the same trick as Jenkins' process-tree killer).
    """
    import psutil  # on first kill only: ~12 ms that start-up should not pay

    found: list[psutil.Process] = []
    if proc.returncode is None:
        try:
            found = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            found = []
    token = _TOKENS.get(proc.pid)
    if marked and token:
        found = _merge(found, _marked(token))
    return found


def _marked(token: str) -> list[psutil.Process]:
    """Our user's processes whose environment carries ``RUN_MARK=token`` (not ourselves)."""
    return _marked_any({token})


def _merge(known: list[psutil.Process], new: list[psutil.Process]) -> list[psutil.Process]:
    seen = {p.pid for p in known}
    return known + [p for p in new if p.pid not in seen]


def _signal_tree(
    pgid: int,
    proc: asyncio.subprocess.Process,
    descendants: list[psutil.Process],
    sig: int,
) -> None:
    """Send ``sig`` to the group, the child and each descendant; never raises."""
    import psutil

    with contextlib.suppress(OSError):  # ProcessLookupError, EPERM
        os.killpg(pgid, sig)
    if proc.returncode is None:
        # The child may have moved itself to another group (setpgid).
        with contextlib.suppress(OSError):
            os.kill(proc.pid, sig)
    for p in descendants:
        # psutil refuses to signal a pid that was reused since the snapshot.
        with contextlib.suppress(psutil.Error, OSError):
            p.send_signal(sig)


def _alive(p: psutil.Process) -> bool:
    """Running and not a zombie (orphaned zombies may never be reaped)."""
    import psutil

    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


async def kill_tree(proc: asyncio.subprocess.Process, grace: float = _KILL_GRACE) -> None:
    """SIGTERM the tree, wait up to ``grace``, SIGKILL survivors, reap the child.

    The grace wait polls psutil from the event loop instead of calling the
    blocking ``psutil.wait_procs`` (which would freeze the UI, would race the
    asyncio child watcher for our own child, and never sees orphaned zombies
    as gone). The SIGKILL sits in a ``finally`` so that a second cancellation
    arriving during the grace period cannot leave the tree running.
    """
    loop = asyncio.get_running_loop()
    pgid = proc.pid
    procs = _descendants(proc, marked=True)
    _signal_tree(pgid, proc, procs, signal.SIGTERM)
    try:
        deadline = loop.time() + grace
        while loop.time() < deadline:
            # Re-snapshot: a child may have forked between snapshot and signal.
            procs = _merge(procs, _descendants(proc))
            if proc.returncode is not None and not any(_alive(p) for p in procs):
                break
            await asyncio.sleep(_POLL)
    finally:
        procs = _merge(procs, _descendants(proc, marked=True))
        _signal_tree(pgid, proc, [p for p in procs if _alive(p)], signal.SIGKILL)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(proc.wait(), 2.0)


# --------------------------------------------------------------------------
# The children file: what the next m3tui kills if we are SIGKILLed
# --------------------------------------------------------------------------

#: ``children-p<pid>-.json``: the ``-p<pid>-`` lets core.tmp attribute it to its owner.
CHILDREN_PREFIX = "children-"
CHILDREN_SUFFIX = ".json"
#: create_time values within this many seconds are the same process (psutil derives both from
#: the same boot time and start tick; a reused pid starts at least a tick later).
_SAME_START = 0.005
#: A children file bigger than this is not ours (a few hundred bytes per live child).
_MAX_CHILDREN_FILE = 1 << 20

_REC_LOCK = threading.Lock()
#: pid -> [create_time or None, token]: our live children, as written to the file.
_RECORDED: dict[int, list[Any]] = {}
#: (pid that computed it, path or None when the state root cannot hold it).
_REC_PATH: tuple[int, Path | None] | None = None
_OWNER_CTIME: tuple[int, float | None] | None = None


def record_path() -> Path | None:
    """This process's children file, or None when <state>/tmp cannot be created (read-only home:
    the run goes on, unrecorded)."""
    global _REC_PATH
    me = os.getpid()
    if _REC_PATH is None or _REC_PATH[0] != me:  # (recomputed in a forked child)
        from m3tui.core import tmp
        from m3tui.core.errors import M3tuiError

        try:
            path: Path | None = tmp.tmp_root() / f"{tmp.owned_name(CHILDREN_PREFIX)}{CHILDREN_SUFFIX}"
        except (M3tuiError, OSError):
            path = None
        _REC_PATH = (me, path)
    return _REC_PATH[1]


def _ctime(pid: int) -> float | None:
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, OSError):
        return None


def _owner_ctime() -> float | None:
    global _OWNER_CTIME
    me = os.getpid()
    if _OWNER_CTIME is None or _OWNER_CTIME[0] != me:
        _OWNER_CTIME = (me, _ctime(me))
    return _OWNER_CTIME[1]


def _write_record(path: Path) -> None:
    """Rewrite the file (0600, temp + rename: a sweep never reads half of it); remove it when empty."""
    if not _RECORDED:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    data = {
        "owner": os.getpid(),
        "owner_ctime": _owner_ctime(),
        "children": [{"pid": pid, "ctime": ct, "token": tok} for pid, (ct, tok) in _RECORDED.items()],
    }
    tmp_path = path.with_name(path.name + ".new")
    try:
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, json.dumps(data).encode())
        finally:
            os.close(fd)
        os.replace(tmp_path, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp_path.unlink()


def _record_child(pid: int, token: str) -> None:
    """Add a just-started child to the children file (best effort: never fails a run)."""
    with contextlib.suppress(Exception):
        path = record_path()
        if path is None:
            return
        with _REC_LOCK:
            _RECORDED[pid] = [_ctime(pid), token]
            _write_record(path)


def _forget_child(pid: int) -> None:
    with contextlib.suppress(Exception), _REC_LOCK:
        if _RECORDED.pop(pid, None) is not None:
            rec = _REC_PATH[1] if _REC_PATH is not None and _REC_PATH[0] == os.getpid() else None
            if rec is not None:
                _write_record(rec)


def _same_start(a: float | None, b: object) -> bool:
    return a is not None and isinstance(b, (int, float)) and not isinstance(b, bool) and abs(a - b) < _SAME_START


def _read_children_file(path: Path) -> dict[str, Any] | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        import stat

        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = os.read(fd, _MAX_CHILDREN_FILE + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(raw) > _MAX_CHILDREN_FILE:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def sweep_children(path: Path, owner: int) -> bool:
    """Kill what a dead owner's children file records, then remove the file; False (file kept)
    while the owner lives.

    The owner counts as alive when its pid runs with the recorded create_time (a pid reused by
    another process does not). A recorded child is killed, with its tree, only if its pid still
    has the recorded create_time; processes carrying a recorded RUN_MARK token (unique per run:
    owner pid + a random nonce + a counter) are killed too, which finds the grandchildren that
    were re-parented when the child died (e.g. of PDEATHSIG) or that double-forked.
    """
    import psutil

    if owner == os.getpid():
        return False
    data = _read_children_file(path)
    try:
        alive = owner > 0 and psutil.Process(owner).status() != psutil.STATUS_ZOMBIE
    except psutil.AccessDenied:
        alive = True
    except (psutil.Error, OSError):
        alive = False
    if alive and (data is None or data.get("owner_ctime") is None or _same_start(_ctime(owner), data.get("owner_ctime"))):
        return False
    victims: list[psutil.Process] = []
    tokens: set[str] = set()
    children = data.get("children") if data is not None else None
    for entry in children if isinstance(children, list) else []:
        if not isinstance(entry, dict):
            continue
        pid, token = entry.get("pid"), entry.get("token")
        if isinstance(token, str) and token:
            tokens.add(token)
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 1 or pid == os.getpid():
            continue
        try:
            p = psutil.Process(pid)
            if not _same_start(float(p.create_time()), entry.get("ctime")):
                continue  # gone, or the pid now belongs to someone else
            victims = _merge(victims, [p, *p.children(recursive=True)])
        except (psutil.Error, OSError):
            continue
    if tokens:
        victims = _merge(victims, _marked_any(tokens))
    me = os.getpid()
    for p in victims:
        if p.pid != me:
            with contextlib.suppress(psutil.Error, OSError):
                p.send_signal(signal.SIGKILL)  # psutil refuses a pid reused since the snapshot
    with contextlib.suppress(OSError):
        path.unlink()
    return True


def _marked_any(tokens: set[str]) -> list[psutil.Process]:
    """Our user's processes whose RUN_MARK is one of ``tokens``."""
    import psutil

    me, uid = os.getpid(), os.getuid()
    found = []
    for p in psutil.process_iter(["uids"]):
        try:
            if p.pid == me or (p.info["uids"] is not None and p.info["uids"].real != uid):
                continue
            if p.environ().get(RUN_MARK) in tokens:
                found.append(p)
        except (psutil.Error, OSError):
            continue
    return found


# --------------------------------------------------------------------------
# PR_SET_PDEATHSIG (Linux): the runner's children die with us
# --------------------------------------------------------------------------

#: Test hook: a non-empty value turns PDEATHSIG off, so tests can exercise the sweep path
#: (the one macOS relies on) on Linux.
NO_PDEATHSIG_ENV = "M3TUI_TEST_NO_PDEATHSIG"
#: Cached ``prctl`` (ctypes), resolved before any fork.
_PRCTL: Callable[..., int] | None = None


#: util-linux's setpriv, when it knows --pdeathsig (2.33+); False until probed.
_SETPRIV: str | None | Literal[False] = False


async def setpriv() -> str | None:
    """The setpriv that sets PDEATHSIG and execs the command, probed once per process (~3 ms).

    Preferred over a preexec_fn: with one, subprocess must fork instead of vfork, and the event
    loop pays for copying the page tables and the copy-on-write faults that follow: 3.4 ms a
    spawn at the CLI's size, 12 ms at 150 MB (the doctor missed its start-up target by that).
    Through setpriv the spawn stays a vfork, and setpriv's own exec (~1 ms) happens in the child.
    """
    global _SETPRIV
    if _SETPRIV is False:
        _SETPRIV = None
        for cand in ("/usr/bin/setpriv", "/bin/setpriv"):
            if os.access(cand, os.X_OK):
                with contextlib.suppress(OSError):
                    probe = await asyncio.create_subprocess_exec(
                        cand, "--pdeathsig", "KILL", "--", cand, "--help", stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
                    if await probe.wait() == 0:
                        _SETPRIV = cand
                break
    return _SETPRIV


def pdeathsig_wanted() -> bool:
    return sys.platform.startswith("linux") and not os.environ.get(NO_PDEATHSIG_ENV)


def pdeathsig_preexec() -> Callable[[], None] | None:
    """Linux without a usable setpriv: a preexec_fn giving the child PR_SET_PDEATHSIG=SIGKILL.

    preexec_fn runs between fork and exec, where another thread's lock could deadlock the
    child; this one only calls an already-resolved libc function and reads getppid (no import,
    no lock). It costs the vfork fast path (see :func:`setpriv`).
    The getppid check closes the race of our death between fork and prctl.
    """
    global _PRCTL
    if _PRCTL is None:
        try:
            import ctypes

            fn = ctypes.CDLL(None, use_errno=True).prctl
            fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
            fn.restype = ctypes.c_int
        except (OSError, AttributeError):
            return None
        _PRCTL = fn
    prctl, parent = _PRCTL, os.getpid()

    def preexec() -> None:
        prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
        if os.getppid() != parent:  # we died before prctl: nothing will signal it now
            os._exit(137)

    return preexec
