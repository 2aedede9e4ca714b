"""No orphans after a SIGKILL of m3tui itself: real `m3tui bench` runs, real go, real kill -KILL.

Two nets (m3tui/core/runner.py, proctree.py, tmp.py): on Linux the runner's children carry
PR_SET_PDEATHSIG=SIGKILL and die with m3tui; everywhere (macOS has no PDEATHSIG) each live child
is recorded in <state>/tmp/children-p<pid>-.json and the next command's start-up sweep kills the
recorded trees of a dead owner, never a pid that now belongs to another process. The sweep tests
turn PDEATHSIG off (M3TUI_TEST_NO_PDEATHSIG) so that the macOS path is what runs.

Orphans may linger as zombies where pid 1 does not reap (some sandboxes): a zombie runs no code,
so it counts as gone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from m3tui.core.runner import NO_PDEATHSIG_ENV

M3TUI = [sys.executable, "-m", "m3tui"]
LONG_BENCH = ["bench", ".", "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "1", "--benchtime", "10m"]


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(pids: list[int], within: float) -> list[int]:
    deadline = time.monotonic() + within
    while True:
        alive = [p for p in pids if running(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.02)


def start_bench(pkg: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], psutil.Process]:
    """A real `m3tui bench` with a 10-minute benchtime, once its pkg.test runs."""
    proc = subprocess.Popen([*M3TUI, *LONG_BENCH], cwd=pkg, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"m3tui bench ended early ({proc.returncode})"
        try:
            found = [p for p in psutil.Process(proc.pid).children(recursive=True) if p.name() == "pkg.test"]
        except psutil.Error:
            found = []
        if found:
            return proc, found[0]
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    pytest.fail("pkg.test never started")


def sigkill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL


def reap(*pids: int) -> None:
    """A failing test leaves no orphan behind either."""
    for pid in pids:
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            pass


def scratch(home: Path) -> list[str]:
    tmp = home / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []


def next_command(cwd: Path) -> None:
    """Any headless command: its start-up sweep is what is under test."""
    res = subprocess.run([*M3TUI, "bench", "history"], cwd=cwd, capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "internal error" not in res.stderr


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_sigkill_of_bench_takes_its_test_binary_along_on_linux(pkg: Path, m3tui_home: Path) -> None:
    proc, test_bin = start_bench(pkg)
    record = json.loads(next((m3tui_home / "tmp").glob(f"children-p{proc.pid}-.json")).read_text())
    assert [c["pid"] for c in record["children"]] == [test_bin.pid]  # the record the sweep would use
    assert abs(record["children"][0]["ctime"] - test_bin.create_time()) < 0.005
    try:
        sigkill(proc)
        assert wait_gone([test_bin.pid], 3.0) == [], "pkg.test outlived a SIGKILLed m3tui bench"
    finally:
        reap(test_bin.pid)


@pytest.mark.slow
def test_the_next_command_kills_what_a_sigkilled_bench_left(pkg: Path, m3tui_home: Path) -> None:
    proc, test_bin = start_bench(pkg, {NO_PDEATHSIG_ENV: "1"})
    try:
        sigkill(proc)
        time.sleep(0.5)
        assert running(test_bin.pid), "without PDEATHSIG (macOS) the test binary survives its m3tui"
        # The record, or its next version when the kill came between its write and its rename.
        assert {f"children-p{proc.pid}-.json", f"children-p{proc.pid}-.json.new"} & set(scratch(m3tui_home))
        next_command(pkg)
        assert wait_gone([test_bin.pid], 3.0) == [], "the start-up sweep left the orphaned pkg.test running"
        assert scratch(m3tui_home) == []  # the record and the build dir are gone too
    finally:
        reap(test_bin.pid)


OWNER = """
import asyncio, sys
from m3tui.core import runner

async def main():
    def on_batch(lines):
        for line in lines:
            print(line.text, flush=True)
    # sleep 300 is the direct child; the setsid'd sleep 299 leaves both tree and group
    await runner.run(["sh", "-c", "(setsid sleep 299 & echo $!); echo $$; exec sleep 300"], on_batch=on_batch)

asyncio.run(main())
"""


def dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_sweep_kills_a_dead_owners_tree_and_leaves_reused_pids_alone(tmp_path: Path, m3tui_home: Path) -> None:
    env = {**os.environ, NO_PDEATHSIG_ENV: "1"}
    owner = subprocess.Popen([sys.executable, "-c", textwrap.dedent(OWNER)], stdout=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL, env=env)  # fmt: skip
    assert owner.stdout is not None
    daemon, child = int(owner.stdout.readline()), int(owner.stdout.readline())
    deadline = time.monotonic() + 5
    while psutil.Process(daemon).name() != "sleep" and time.monotonic() < deadline:  # setsid not exec'd yet
        time.sleep(0.02)
    assert psutil.Process(daemon).ppid() != child  # out of the tree: only its run mark finds it
    sigkill(owner)
    time.sleep(0.3)
    assert running(child) and running(daemon)

    # An unrelated process whose pid a dead owner "recorded" with another start time: a reused pid.
    bystander = subprocess.Popen(["sleep", "60"])
    # A live owner (the bystander itself, right start time): its record is not the sweep's to touch.
    keeper = subprocess.Popen(["sleep", "60"])
    try:
        tmp = m3tui_home / "tmp"
        ghost = dead_pid()
        forged = tmp / f"children-p{ghost}-.json"
        forged.write_text(json.dumps({"owner": ghost, "owner_ctime": 1.0, "children": [
            {"pid": bystander.pid, "ctime": psutil.Process(bystander.pid).create_time() - 2.0, "token": "no-such-run"}]}))
        live = tmp / f"children-p{bystander.pid}-.json"
        live.write_text(json.dumps({"owner": bystander.pid, "owner_ctime": psutil.Process(bystander.pid).create_time(),
                                    "children": [{"pid": keeper.pid, "ctime": psutil.Process(keeper.pid).create_time(),
                                                  "token": "x"}]}))  # fmt: skip
        next_command(tmp_path)
        assert wait_gone([child, daemon], 3.0) == [], "the sweep left the dead owner's tree running"
        assert running(bystander.pid), "the sweep killed a pid that had been reused"
        assert running(keeper.pid), "the sweep killed a live owner's child"
        assert not forged.exists()
        assert live.exists()
        assert scratch(m3tui_home) == [live.name]

        # The same owner pid, now another process (a different start time): its record is dead.
        live.write_text(json.dumps({"owner": bystander.pid, "owner_ctime": 2.0,
                                    "children": [{"pid": keeper.pid, "ctime": psutil.Process(keeper.pid).create_time(),
                                                  "token": "x"}]}))  # fmt: skip
        next_command(tmp_path)
        assert wait_gone([keeper.pid], 3.0) == [], "a record whose owner pid was reused was not swept"
        assert running(bystander.pid)
        assert scratch(m3tui_home) == []
    finally:
        for p in (bystander, keeper):
            p.kill()
            p.wait()
        reap(child, daemon)


def test_a_finished_run_leaves_no_record(m3tui_home: Path) -> None:
    code = "import asyncio; from m3tui.core import runner; asyncio.run(runner.run(['true']))"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
    assert [n for n in scratch(m3tui_home) if n.startswith("children-")] == []
