"""Run `m3tui` as a user that permissions apply to, for tests of read-only and unreadable paths.

Root ignores file modes, and the tests often run as root (CI, containers). Then the command runs
as ``nobody`` through util-linux's ``setpriv``; without setpriv the test is skipped, saying why.
As any other user the command just runs. The paths the command needs must be reachable by that
user: give it a directory made with `world_dir`.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

NOBODY = 65534
REPO = Path(__file__).resolve().parents[1]


def world_dir(path: Path) -> Path:
    """Make ``path`` and its parents searchable by everyone (pytest's tmp dirs are 0700)."""
    path.mkdir(parents=True, exist_ok=True)
    for p in (path, *path.parents):
        if p == Path(p.anchor):
            break
        mode = p.stat().st_mode
        if os.geteuid() == 0 and mode & 0o005 != 0o005:
            os.chmod(p, mode | 0o005)
    return path


def unprivileged_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` as the unprivileged user: setpriv in front when we are root; skip when that cannot be."""
    if os.geteuid() != 0:
        return list(argv)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and util-linux's setpriv is missing: cannot drop privileges")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv]


@functools.cache
def nobody_python() -> tuple[str, tuple[tuple[str, str], ...]]:
    """An interpreter the unprivileged user can run m3tui with, and the environment it needs.

    sys.executable first. When it lives where that user cannot reach (pyenv under a 0700 /root),
    the system's python of the same major.minor, given this interpreter's site-packages and the
    repository on PYTHONPATH (pure-Python packages and 3.x-ABI extensions load the same).
    """
    path = os.pathsep.join([str(REPO), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates: list[tuple[str, tuple[tuple[str, str], ...]]] = [(sys.executable, ())]
    for c in (f"/usr/bin/python{version}", f"/usr/local/bin/python{version}", "/usr/bin/python3"):
        candidates.append((c, (("PYTHONPATH", path),)))
    for candidate, env in candidates:
        if not os.path.exists(candidate):
            continue
        probe = unprivileged_argv([candidate, "-c", f"import sys, m3tui, httpx; assert sys.version.startswith('{version}.')"])
        done = subprocess.run(probe, env={**os.environ, **dict(env)}, capture_output=True, timeout=60, check=False)
        if done.returncode == 0:
            return candidate, env
    pytest.skip(f"no python {version} that the unprivileged user can run m3tui with ({sys.executable} is out of its reach)")


def run_m3tui(
    args: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None, stdin: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``m3tui ARGS`` as the unprivileged user; stdout and stderr captured as text."""
    python, extra = nobody_python()
    argv = unprivileged_argv([python, "-m", "m3tui", *args])
    return subprocess.run(
        argv, env={**env, **dict(extra)}, cwd=cwd, input=None if stdin is None else stdin.decode(), capture_output=True,
        text=True, timeout=timeout, check=False,
    )  # fmt: skip
