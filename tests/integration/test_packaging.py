"""A non-editable install must carry the styles: build the real wheel, look inside, install it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from m3tui.tui.panes import PANES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
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
    expected = {"m3tui/styles/app.tcss", *(f"m3tui/styles/{pane.pane_id}.tcss" for pane in PANES)}
    assert expected <= names, expected - names
    # Every module of the package (pyproject lists the packages: a new one must be added there).
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "m3tui").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    # The generated protobuf module and the schema it comes from (the Profiles pane needs both).
    assert {"m3tui/profiles/pprof/profile_pb2.py", "m3tui/profiles/pprof/profile.proto"} <= names
    assert not any(name.startswith(("tests/", "styles/")) for name in names)

    # Installed (not editable), the app finds its styles where the wheel put them.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    code = "from m3tui.tui.app import STYLES; print(STYLES); print(sorted(p.name for p in STYLES.glob('*.tcss')))"
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {code}"],
        capture_output=True, text=True, check=True, cwd=tmp_path, timeout=60,
    ).stdout.splitlines()  # fmt: skip
    assert out[0] == str(target / "m3tui" / "styles")
    assert out[1] == str(sorted(Path(e).name for e in expected))
