"""The process trees that :func:`m3tui.core.runner.run` starts: which are live, and killing one.

Split from :mod:`m3tui.core.runner`, which registers every run here. Timeout, cancellation and
:func:`kill_all_sync` kill the whole tree: descendants are snapshotted with psutil *before*
signalling (once the leader dies its children are re-parented and can no longer be found), and
we signal the group *and* every descendant, because some call setsid and leave the group.
psutil is imported on the first kill only.

This module is plain asyncio and must never import Textual.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

__all__ = ["RUN_MARK", "kill_all_sync", "kill_tree", "live_pids", "register", "unregister"]

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


def unregister(pid: int) -> None:
    _LIVE.pop(pid, None)
    _TOKENS.pop(pid, None)


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
    import psutil

    me, uid = os.getpid(), os.getuid()
    found = []
    for p in psutil.process_iter(["uids"]):
        try:
            if p.pid == me or (p.info["uids"] is not None and p.info["uids"].real != uid):
                continue
            if p.environ().get(RUN_MARK) == token:
                found.append(p)
        except (psutil.Error, OSError):
            continue
    return found


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
