"""A non-editable install must carry the styles: build the real wheel and look inside."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from m3tui.panes import PANES

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_every_stylesheet(tmp_path: Path) -> None:
    # Build from a copy of the tracked files: building in the checkout would reuse a stale
    # build/ directory and could pass with the package data gone.
    source = tmp_path / "src"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("m3tui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"m3tui/styles/app.tcss", *(f"m3tui/styles/{pane.PANE_ID}.tcss" for pane in PANES)}
    assert expected <= names, expected - names
    assert "m3tui/cli.py" in names and "m3tui/services/runner.py" in names
    # The generated protobuf module and the schema it comes from (the Profiles pane needs both).
    assert {"m3tui/services/pprof/profile_pb2.py", "m3tui/services/pprof/profile.proto"} <= names
    assert not any(name.startswith("tests/") for name in names)
