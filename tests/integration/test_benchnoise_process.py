"""benchnoise's sampling against a real child process that burns one core (the parsers and the
in-process sampling: tests/unit/test_benchnoise.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest

from m3tui.bench.noise import NullNoiseProbe, sample_noise
from tests.wait import wait_until


@pytest.fixture
def burner():
    """A real child process burning one core."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        burning = psutil.Process(proc.pid)
        wait_until(lambda: sum(burning.cpu_times()[:2]) >= 0.2, what="the burner to get going")
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


async def test_burner_is_reported_busy(burner):
    report = await sample_noise(interval=1.0, probe=NullNoiseProbe(), busy_percent=25.0)
    pids = {b.pid: b for b in report.busy}
    assert burner.pid in pids, report
    assert pids[burner.pid].cpu_percent >= 25.0
    assert "python" in pids[burner.pid].name.lower()
    assert any(f"(pid {burner.pid})" in w and "% CPU" in w for w in report.warnings)
    assert not report.ok
    assert report.cores == psutil.cpu_count()
    assert report.load1 is None or report.load1 >= 0
    assert all(b.pid != 0 for b in report.busy)


async def test_excluded_pid_is_not_reported(burner):
    report = await sample_noise(exclude_pids=[burner.pid], interval=1.0, probe=NullNoiseProbe())
    assert burner.pid not in {b.pid for b in report.busy}
    assert not any(f"(pid {burner.pid})" in w for w in report.warnings)


async def test_descendants_of_excluded_pid_are_not_reported(burner):
    # The burner is our child: excluding the test process excludes it too.
    report = await sample_noise(exclude_pids=[os.getpid()], interval=1.0, probe=NullNoiseProbe())
    assert burner.pid not in {b.pid for b in report.busy}
    assert os.getpid() not in {b.pid for b in report.busy}
