"""`m3tui profile capture` names a capture as the Profiles pane and the Bench pane's `p` do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui.profiles.capture import list_captures
from m3tui.profiles.naming import capture_name
from m3tui.tui.panes.profiles import _entry

pytestmark = [pytest.mark.go, pytest.mark.slow]
M3TUI = [sys.executable, "-m", "m3tui", "profile"]


def m3tui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


def test_two_captures_at_gomaxprocs_1_and_2_are_named_apart_the_same_everywhere(pkg: Path) -> None:
    made = []
    for procs, bench in (("1", "Sum"), ("2", "^BenchmarkSum$")):  # as typed in the pane, as the Bench pane's p writes it
        done = m3tui("capture", "--bench", bench, "--cpu", procs, "--benchtime", "200x", "--json", str(pkg))
        assert done.returncode == 0, done.stderr
        made.append(json.loads(done.stdout))
    assert made[0]["name"].startswith("cpu Sum -cpu 1 ") and made[1]["name"].startswith("cpu Sum -cpu 2 ")
    assert Path(made[0]["profile"]).name == "cpu-Sum-cpu1.pprof" and Path(made[1]["profile"]).name == "cpu-Sum-cpu2.pprof"
    listed = m3tui("captured")
    assert listed.returncode == 0, listed.stderr
    stored = {c.id: c for c in list_captures()}
    for one in made:
        cap = stored[one["id"]]
        assert capture_name(cap) == one["name"] == _entry(cap).label, "the CLI, the list and the pane agree"
        assert one["name"] in listed.stdout
