"""The machine-wide run lock between real processes: waiting, --no-wait, SIGKILL, ctrl+c.

Each test gives its processes their own system temp dir (TMPDIR), so a real m3tui run elsewhere on
the machine neither delays these tests nor is delayed by them; the M3TUI_HOMEs differ on purpose.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from m3tui.core.runlock import RunLock

HOLDER = """
import asyncio, sys
from m3tui.core.runlock import hold

async def main():
    async with hold("m3tui bench ./holder -bench ."):
        print("held", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

asyncio.run(main())
"""

WAITER = """
import asyncio
from m3tui.core.runlock import hold

async def main():
    async with hold("m3tui bench ./waiter", on_wait=lambda s: print(s, flush=True), poll=0.02):
        print("got it", flush=True)

asyncio.run(main())
"""

BENCH = [sys.executable, "-m", "m3tui", "bench", "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "1",
         "--benchtime", "1x", "--no-save"]  # fmt: skip


@pytest.fixture
def systmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "systmp"
    root.mkdir()
    monkeypatch.setenv("TMPDIR", str(root))
    monkeypatch.setattr(tempfile, "tempdir", str(root))  # this process's probes look there too
    return root


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "M3TUI_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}


def _start_holder(tmp_path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER], env=_env(tmp_path / "home-a"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline() == "held\n", proc.stderr.read() if proc.stderr else ""
    return proc


def _lock_is_free() -> bool:
    probe = RunLock()
    if not probe.try_acquire("probe"):
        return False
    probe.release()
    return True


def _read_until(stream: object, needle: str) -> list[str]:
    lines: list[str] = []
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        lines.append(line)
        if needle in line:
            return lines
    pytest.fail(f"never said {needle!r}: {''.join(lines)}")


def test_the_second_process_waits_naming_the_first_whatever_its_home(systmp: Path, tmp_path: Path) -> None:
    holder = _start_holder(tmp_path)
    try:
        waiter = subprocess.Popen([sys.executable, "-c", WAITER], env=_env(tmp_path / "home-b"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        lines = _read_until(waiter.stdout, "waiting for")
        assert f"m3tui bench ./holder -bench . (pid {holder.pid}, started " in lines[-1]
        assert f"M3TUI_HOME {tmp_path / 'home-a'}" in lines[-1]
        assert waiter.poll() is None  # still waiting
        holder.communicate("\n", timeout=30)  # the holder finishes
        out, err = waiter.communicate(timeout=30)
        assert waiter.returncode == 0, err
        assert out == "got it\n"
    finally:
        holder.kill()
        holder.wait()
    assert _lock_is_free()


def test_no_wait_exits_3_naming_the_holder(systmp: Path, tmp_path: Path, pkg: Path) -> None:
    holder = _start_holder(tmp_path)
    try:
        r = subprocess.run([*BENCH, "--no-wait"], cwd=pkg, env=_env(tmp_path / "home-b"), capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip
    finally:
        holder.communicate("\n", timeout=30)
    assert r.returncode == 3, r.stderr
    assert f"m3tui bench ./holder -bench . (pid {holder.pid}, started " in r.stderr
    assert "BenchmarkSum" not in r.stdout  # nothing ran


def test_a_sigkilled_holder_releases_it_and_the_waiting_bench_runs(systmp: Path, tmp_path: Path, pkg: Path) -> None:
    holder = _start_holder(tmp_path)
    bench = subprocess.Popen(BENCH, cwd=pkg, env=_env(tmp_path / "home-b"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        lines = _read_until(bench.stderr, "waiting for")
        assert f"(pid {holder.pid}, " in lines[-1]
        holder.kill()  # SIGKILL: no handler runs, the kernel drops the flock
        holder.wait()
        out, err = bench.communicate(timeout=180)
    finally:
        holder.kill()
        bench.kill()
        bench.wait()
    assert bench.returncode == 0, err
    assert "Sum" in out
    assert _lock_is_free()


def test_ctrl_c_while_waiting_leaves_no_lock_held(systmp: Path, tmp_path: Path, pkg: Path) -> None:
    holder = _start_holder(tmp_path)
    bench = subprocess.Popen(BENCH, cwd=pkg, env=_env(tmp_path / "home-b"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        _read_until(bench.stderr, "waiting for")
        bench.send_signal(signal.SIGINT)
        out, err = bench.communicate(timeout=60)
        assert bench.returncode == 130, err
        assert "Sum" not in out
        assert not _lock_is_free()  # still the holder's
    finally:
        holder.communicate("\n", timeout=30)
        bench.kill()
        bench.wait()
    assert _lock_is_free()


@pytest.mark.parametrize("action", [["capture", "--kind", "cpu"], ["tune", "--kind", "mem"]])
def test_profile_capture_and_tune_no_wait_exit_3_naming_the_holder(systmp: Path, tmp_path: Path, pkg: Path,
                                                                   action: list[str]) -> None:  # fmt: skip
    holder = _start_holder(tmp_path)
    try:
        r = subprocess.run([sys.executable, "-m", "m3tui", "profile", *action, "--bench", "^BenchmarkSum$", "--no-wait"],
                           cwd=pkg, env=_env(tmp_path / "home-b"), capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)  # fmt: skip
    finally:
        holder.communicate("\n", timeout=30)
    assert r.returncode == 3, r.stderr
    assert f"m3tui bench ./holder -bench . (pid {holder.pid}, started " in r.stderr
    assert not (tmp_path / "home-b" / "profiles").exists() or not any((tmp_path / "home-b" / "profiles").iterdir())


def test_a_capture_waits_for_the_holder_then_captures(systmp: Path, tmp_path: Path, pkg: Path) -> None:
    holder = _start_holder(tmp_path)
    cap = subprocess.Popen([sys.executable, "-m", "m3tui", "profile", "capture", "--bench", "^BenchmarkSum$", "--benchtime", "1x"],
                           cwd=pkg, env=_env(tmp_path / "home-b"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        lines = _read_until(cap.stderr, "waiting for")
        assert f"(pid {holder.pid}, " in lines[-1]
        holder.communicate("\n", timeout=30)
        out, err = cap.communicate(timeout=180)
    finally:
        holder.kill()
        cap.kill()
        cap.wait()
    assert cap.returncode == 0, err
    assert out.strip().endswith(".pprof")
    assert _lock_is_free()
