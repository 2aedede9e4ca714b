"""mypy over m3tui/, configured by pyproject.toml's [tool.mypy]: strict on core and the feature
packages, the default checks on tui/ and cli/, so the README's test command type-checks too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_passes() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"],  # files and flags from pyproject.toml
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"mypy exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
    )
