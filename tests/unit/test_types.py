"""mypy over m3tui/, configured by pyproject.toml's [tool.mypy] (--strict on all of m3tui/ and on
tests/appkit.py), so the README's test command type-checks too.

A static check, with the layer and module-size checks: mypy runs in this process (mypy.api), as
every unit test does; about 0.5 s with its cache (.mypy_cache), 10 s without."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # files and flags from pyproject.toml
    # mypy tunes the process for itself (a much higher gc threshold, a deeper recursion limit):
    # the tests after this one run with the settings they had before.
    threshold, depth = gc.get_threshold(), sys.getrecursionlimit()
    try:
        stdout, stderr, status = api.run([])
    finally:
        gc.set_threshold(*threshold)
        sys.setrecursionlimit(depth)
    assert status == 0, f"mypy exited {status}:\n{stdout}{stderr}"
