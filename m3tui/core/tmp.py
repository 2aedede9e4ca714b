"""``<cache dir>/tmp``: scratch files and build dirs, each named after the process that owns it.

A name carries its owner's pid (``bench-p1234-x7k2/``, ``stdin-p1234-q9.log``). Owners remove
their own on every exit path they can see; what a SIGKILL or a power cut leaves behind is swept
the first time any m3tui process asks for the directory, once the owner is no longer alive.

``children-p<pid>-.json`` is the runner's record of its owner's live child processes
(:mod:`m3tui.core.proctree`): when its owner is dead (or its pid now names another process) the
sweep first kills the recorded process trees, then removes the file.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from m3tui.core.errors import os_error
from m3tui.core.files import private_dir

_OWNER = re.compile(r"-p(?P<pid>\d+)-")
_swept: set[Path] = set()


def tmp_root() -> Path:
    """The scratch directory (0700), swept of dead owners' leftovers once per process."""
    from m3tui.core.config import cache_dir

    root = private_dir(Path(os.path.abspath(cache_dir() / "tmp")))
    if root not in _swept:
        _swept.add(root)
        sweep(root)
    return root


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # someone else's live process (or a name that is not ours to judge)
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A dead owner not yet reaped (Linux; where init does not reap, it stays so for good)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read(4096)
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] == b"Z"


def sweep(root: Path) -> list[Path]:
    """Remove entries of ``root`` whose owning process is gone; return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    from m3tui.core.proctree import CHILDREN_PREFIX, CHILDREN_SUFFIX

    rest = []
    for entry in entries:  # the orphaned processes first: they may still be writing in the dirs
        m = _OWNER.search(entry.name)
        # (".new": the record's next version, complete but not yet renamed when its owner was killed)
        if m is not None and entry.name.startswith(CHILDREN_PREFIX) and entry.name.endswith((CHILDREN_SUFFIX, CHILDREN_SUFFIX + ".new")):
            owner = int(m["pid"])
            if owner != os.getpid() and _sweep_children(Path(entry.path), owner):
                removed.append(Path(entry.path))
            continue
        rest.append(entry)
    for entry in rest:
        m = _OWNER.search(entry.name)
        if m is None or _alive(int(m["pid"])):
            continue
        path = Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


def _sweep_children(path: Path, owner: int) -> bool:
    from m3tui.core.proctree import sweep_children

    try:
        return sweep_children(path, owner)
    except Exception:  # noqa: BLE001 - a sweep never stops a command; the next one tries again
        return False


def owned_name(prefix: str) -> str:
    """``prefix`` + ``p<pid>-``: the start of a scratch name the sweep can attribute."""
    return f"{prefix}p{os.getpid()}-"


def make_dir(prefix: str) -> Path:
    """A new private scratch directory, e.g. ``make_dir("bench-")`` → ``tmp/bench-p1234-abcd``."""
    root = tmp_root()
    try:
        return Path(tempfile.mkdtemp(prefix=owned_name(prefix), dir=root))
    except OSError as exc:
        raise os_error(exc, root, "create a directory in") from None


def make_file(prefix: str, suffix: str = "") -> tuple[int, Path]:
    """A new private (0600) scratch file: its open fd and path."""
    root = tmp_root()
    try:
        fd, name = tempfile.mkstemp(prefix=owned_name(prefix), suffix=suffix, dir=root)
    except OSError as exc:
        raise os_error(exc, root, "create a file in") from None
    return fd, Path(name)
