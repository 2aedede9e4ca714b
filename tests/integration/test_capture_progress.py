"""`m3tui profile capture` shows its steps (build, run, keep) as the other long headless work does
(cli/progress.py): plain numbered lines when piped, a Rich bar on a real pty with the same lines
above it and the benchmark being run named on it; its --json stdout untouched either way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_progress_tty import BAR, _env, on_pty

pytestmark = pytest.mark.go

ARGS = ["profile", "capture", "--bench", "^BenchmarkSum$", "--benchtime", "20x", "--json"]
STEPS = ["· [1/3] building the test binary (go test -c)", "· [2/3] running ^BenchmarkSum$ with cpu profiling",
         "· [3/3] keeping the profile and the binary"]  # fmt: skip


def test_capture_piped_says_each_step_in_plain_lines(pkg: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "m3tui", *ARGS, str(pkg)], env=_env(tmp_path / "home"), cwd=pkg,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert BAR not in done.stderr and "\x1b" not in done.stderr and "\r" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("· [")] == STEPS
    assert json.loads(done.stdout)["kind"] == "cpu"


def test_capture_on_a_terminal_draws_a_bar(pkg: Path, tmp_path: Path) -> None:
    code, out, screen = on_pty([*ARGS, str(pkg)], _env(tmp_path / "home"), timeout=300, cwd=pkg)
    assert code == 0, screen[-2000:]
    assert BAR in screen and "· capture" in screen and "3/3" in screen, screen[-2000:]
    assert all(step in screen for step in STEPS), screen[-2000:]  # the lines still said, above the bar
    assert "BenchmarkSum" in screen.split(STEPS[1])[1]  # the benchmark running, named on the bar
    assert json.loads(out)["kind"] == "cpu"  # stdout untouched by the bar
