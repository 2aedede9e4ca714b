"""`m3tui bench history rerun ID` runs the run's own toolchains (bench.toolchains), as the pane's R does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

M3TUI = [sys.executable, "-m", "m3tui", "bench"]


def run_in(pkg: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], check=False, capture_output=True, text=True, cwd=pkg, timeout=180,
                          stdin=subprocess.DEVNULL, env=env)  # fmt: skip


def _store_copies(home: Path, real_go: Path, *versions: str) -> dict[str, Path]:
    out = {}
    for version in versions:
        root = home / "go" / version
        (root / "bin").mkdir(parents=True)
        (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
        (root / "bin" / "go").symlink_to(real_go)
        out[version] = root / "bin" / "go"
    return out


@pytest.mark.slow
def test_rerun_of_an_ab_run_runs_both_of_its_gos_and_says_when_one_is_gone(pkg: Path, real_go: Path, m3tui_home: Path) -> None:
    gos = _store_copies(m3tui_home, real_go, "go1.22.10", "go1.23.4")
    first = run_in(pkg, "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "2", "--benchtime", "10x",
                   "--go", "1.22.10", "--go", "1.23.4", "--json")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "· building the test binaries\n" in first.stderr  # two of them (was "binarys")
    again = run_in(pkg, "history", "rerun", str(json.loads(first.stdout)["run_id"]), "--json")
    assert again.returncode == 0, again.stderr
    out = json.loads(again.stdout)
    assert out["toolchains"] == [{"label": v, "go": str(gos[v])} for v in ("go1.22.10", "go1.23.4")]
    assert list(out["sides"]) == ["go1.22.10", "go1.23.4"]

    shutil.rmtree(gos["go1.23.4"].parent.parent)
    gone = run_in(pkg, "history", "rerun", str(out["run_id"]))
    assert gone.returncode == 2 and gone.stderr.count("\n") == 1, gone.stderr
    assert "Go go1.23.4 is not installed" in gone.stderr and "m3tui versions install go1.23.4" in gone.stderr


@pytest.mark.slow
def test_rerun_of_a_run_on_paths_go_runs_that_go_whatever_path_is_now(pkg: Path, real_go: Path) -> None:
    first = run_in(pkg, "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "1", "--benchtime", "10x", "--json")
    assert first.returncode == 0, first.stderr
    assert "· building the test binary\n" in first.stderr
    no_go = {**os.environ, "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != str(real_go.parent))}
    assert shutil.which("go", path=no_go["PATH"]) is None or Path(shutil.which("go", path=no_go["PATH"]) or "").resolve() != real_go.resolve()
    again = run_in(pkg, "history", "rerun", str(json.loads(first.stdout)["run_id"]), "--json", env=no_go)
    assert again.returncode == 0, again.stderr
    (toolchain,) = json.loads(again.stdout)["toolchains"]
    assert Path(toolchain["go"]).samefile(real_go) and toolchain["label"].startswith("go1.")
