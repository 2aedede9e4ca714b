"""``<state root>/tmp``: scratch files and build dirs, each named after the process that owns it.

A name carries its owner's pid (``bench-p1234-x7k2/``, ``stdin-p1234-q9.log``). Owners remove
their own on every exit path they can see; what a SIGKILL or a power cut leaves behind is swept
the first time any m3tui process asks for the directory, once the owner is no longer alive.
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
    from m3tui.core.config import state_root

    root = private_dir(Path(os.path.abspath(state_root() / "tmp")))
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
    return True


def sweep(root: Path) -> list[Path]:
    """Remove entries of ``root`` whose owning process is gone; return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
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
