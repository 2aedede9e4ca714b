"""bench/noise: the look after a run reads what other processes used during it, with no extra wait."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from m3tui.bench.noise import NullNoiseProbe, finish_watch, start_watch

SPIN = [sys.executable, "-c", "import time\nend = time.time() + 30\nwhile time.time() < end: pass"]


async def test_a_process_busy_through_the_run_and_one_started_during_it_are_both_named() -> None:
    before = subprocess.Popen(SPIN)
    try:
        watch = await start_watch(probe=NullNoiseProbe())
        during = subprocess.Popen(SPIN)  # started after the watch began: read over its own life
        try:
            await asyncio.sleep(1.5)  # "the run"
            started = time.perf_counter()
            report = await finish_watch(watch, load_factor=1e6)
            took = time.perf_counter() - started
        finally:
            during.kill()
            during.wait()
    finally:
        before.kill()
        before.wait()
    busy = {b.pid for b in report.busy}
    assert {before.pid, during.pid} <= busy, report.warnings
    assert any(f"(pid {during.pid})" in w for w in report.warnings)
    assert took < 0.45, f"finish_watch waited {took:.2f} s"  # sample_noise's 0.5 s is not paid again


async def test_a_quiet_watch_names_nothing_of_ours() -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        watch = await start_watch(probe=NullNoiseProbe())
        await asyncio.sleep(0.5)
        report = await finish_watch(watch, load_factor=1e6)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sleeper.pid not in {b.pid for b in report.busy}
