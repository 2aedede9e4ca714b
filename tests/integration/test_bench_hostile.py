"""`m3tui bench` against faults, as a user meets them: real runs of a real Go package, killed,
terminated, with the history deleted or damaged under them; flags the test binary refuses; a
read-only history or directory for a user that permissions apply to (nobody, when we are root).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from m3tui.bench.history import DB_NAME, History, RunMeta
from tests.testdata import has_column
from tests.unprivileged import nobody_python, unprivileged_argv, world_dir
from tests.wait import wait_until

M3TUI = [sys.executable, "-m", "m3tui"]
LONG_RUN = ["bench", "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "200", "--benchtime", "50ms"]


def m3tui(cwd: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip


def scratch(home: Path) -> list[str]:
    tmp = home / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []


class Running:
    """A real `m3tui bench …` in the background, read line by line from its stderr."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen([*M3TUI, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, stdin=subprocess.DEVNULL)  # fmt: skip
        self.seen: list[str] = []

    def wait_for(self, text: str) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.seen.append(line)
            if text in line:
                return
        pytest.fail(f"m3tui ended before {text!r}: {''.join(self.seen)}")

    def tree(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, "".join(self.seen) + err

    def kill_all(self) -> None:
        """SIGKILL m3tui, then the children it had (orphans of a SIGKILL: nobody else ends them)."""
        if self.proc.poll() is not None:
            return  # ended and reaped: its pid may be someone else's by now
        try:
            tree = self.tree()
        except psutil.NoSuchProcess:
            tree = []
        self.proc.kill()
        self.proc.wait(timeout=10)
        for child in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()


# --- build directories: removed on every way out, swept after a SIGKILL ---------------------------


@pytest.mark.slow
def test_sigkill_leaves_a_build_dir_that_the_next_command_sweeps(pkg: Path, m3tui_home: Path) -> None:
    run = Running(pkg, *LONG_RUN)
    try:
        run.wait_for("Sum  3/200")
        left = scratch(m3tui_home)
        builds = [name for name in left if name.startswith("bench-")]
        assert len(builds) == 1 and builds[0].startswith(f"bench-p{run.proc.pid}-"), left
        assert f"children-p{run.proc.pid}-.json" in left  # its live children, for the sweep (core.proctree)
        assert (m3tui_home / "tmp" / builds[0] / "pkg.test").stat().st_size > 1_000_000  # the test binary
    finally:
        run.kill_all()
    assert run.proc.returncode == -signal.SIGKILL
    assert scratch(m3tui_home) == left  # SIGKILL: no handler ran
    done = m3tui(pkg, "bench", "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "1", "--benchtime", "1x",
                 "--no-save", "-q")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert scratch(m3tui_home) == []  # the dead owner's directory swept, and this run's own removed


@pytest.mark.slow
def test_a_run_and_a_terminated_run_leave_nothing_behind(pkg: Path, m3tui_home: Path) -> None:
    done = m3tui(pkg, "bench", "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "2", "--benchtime", "10x", "-q")
    assert done.returncode == 0 and scratch(m3tui_home) == [], done.stderr
    run = Running(pkg, *LONG_RUN)
    try:
        run.wait_for("Sum  3/200")
        assert scratch(m3tui_home) != []
        binaries = [p for p in run.tree() if p.name() == "pkg.test"]
        run.proc.send_signal(signal.SIGTERM)
        code, _, err = run.finish()
    finally:
        run.kill_all()
    assert code == 128 + signal.SIGTERM, err
    assert scratch(m3tui_home) == []
    wait_until(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in binaries
                               if psutil.pid_exists(p.pid)), what="the test binary to end")  # fmt: skip
    listed = json.loads(m3tui(pkg, "bench", "history", "--json").stdout)["runs"]
    assert listed[0]["status"] == "cancelled" and listed[0]["n_results"] >= 3


# --- the history failing under a run never costs the run its summary ------------------------------


@pytest.mark.slow
def test_history_deleted_mid_run_the_summary_is_printed_then_exit_3(pkg: Path, m3tui_home: Path) -> None:
    run = Running(pkg, "bench", "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "40", "--benchtime", "50ms")
    try:
        run.wait_for("Sum  3/40")
        deleted = m3tui(pkg, "bench", "history", "delete", "1")
        assert deleted.returncode == 0, deleted.stderr
        code, out, err = run.finish(timeout=120)
    finally:
        run.kill_all()
    assert code == 3, err
    assert has_column(out, "run 1", "sec/op") and "Sum" in out  # every sample, summarised
    assert "the run was not saved: no run 1 in the bench history" in err
    assert "internal error" not in err and "Traceback" not in err
    assert json.loads(m3tui(pkg, "bench", "history", "--json").stdout)["runs"] == []


def test_history_damaged_mid_run_in_process_keeps_every_sample(pkg: Path, m3tui_home: Path) -> None:
    """The session itself: the file is damaged between two saves; the run ends with all its samples."""
    from m3tui.bench.run import BenchSpec
    from m3tui.bench.session import BenchSession, Toolchain

    damaged: list[int] = []
    statuses: list[str] = []

    def damage() -> None:
        db = m3tui_home / DB_NAME
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        conn.close()
        size = db.stat().st_size
        with open(db, "r+b") as f:
            for offset in range(4096, size, 4096):
                f.seek(offset)
                f.write(os.urandom(4096))
        damaged.append(size)

    def on_result(label: str, result: object) -> None:
        if not damaged:
            damage()

    with History() as h:  # earlier runs, so the file has pages worth damaging
        for _ in range(3):
            rid = h.start_run(_meta())
            h.add_output(rid, ["BenchmarkSum  1000  100 ns/op"] * 300)
            h.finish_run(rid, "done")
    spec = BenchSpec(pkg, bench="^BenchmarkSum$", cpu=(1,), count=12, benchtime="20ms")
    session = BenchSession(spec, [Toolchain("go", "go")], package="example.com/gobench", noise=False,
                           on_result=on_result, on_status=statuses.append)  # fmt: skip
    result = asyncio.run(session.run())
    assert damaged and result.status == "done" and len(result.results) == 12
    assert result.save_error is not None and "damaged" in result.save_error
    assert any(s.startswith("not saving any more") for s in statuses)
    with History() as fresh:  # the next open moves the damaged file aside
        assert fresh.notice is not None and fresh.list_runs() == []
    assert list(m3tui_home.glob(f"{DB_NAME}.corrupt-*"))


def _meta() -> RunMeta:
    return RunMeta(command=("go", "test"), package="p", package_dir="/p", bench=".", cpu=(1,), count=1,
                   benchtime=None, benchmem=False, extra=(), go_version=None, goos=None, goarch=None,
                   cpu_model=None, commit=None, dirty=None)  # fmt: skip


@pytest.mark.slow
def test_a_damaged_history_is_moved_aside_and_the_run_saved_anew(pkg: Path, m3tui_home: Path) -> None:
    with History() as h:
        for _ in range(3):
            rid = h.start_run(_meta())
            h.add_output(rid, ["BenchmarkSum  1000  100 ns/op"] * 300)
            h.finish_run(rid, "done")
    db = m3tui_home / DB_NAME
    with open(db, "r+b") as f:
        for offset in range(4096, db.stat().st_size, 4096):
            f.seek(offset)
            f.write(os.urandom(4096))
    damaged = db.read_bytes()
    done = m3tui(pkg, "bench", "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "2", "--benchtime", "10x", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["run_id"] == 1
    notices = [line for line in done.stderr.splitlines() if "was damaged" in line]
    assert len(notices) == 1 and "moved it aside" in notices[0]
    aside = [p for p in m3tui_home.glob(f"{DB_NAME}.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    assert [p.read_bytes() for p in aside] == [damaged]


# --- flags: refused before anything is run or saved -------------------------------------------------


def test_flags_the_test_binary_refuses_are_usage_and_save_nothing(pkg: Path, m3tui_home: Path) -> None:
    for extra in (["--bench", "("], [".", "--", "-test.bogus"], [".", "--", "-test.count=x"]):
        done = m3tui(pkg, "bench", "--cpu", "1", "--count", "1", "--benchtime", "1x", "-q", *extra)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "refused its arguments" in done.stderr
    assert json.loads(m3tui(pkg, "bench", "history", "--json").stdout)["runs"] == []
    assert scratch(m3tui_home) == []


def test_benchtime_nonsense_is_exit_2_and_saves_nothing(pkg: Path, m3tui_home: Path) -> None:
    done = m3tui(pkg, "bench", "--benchtime", "nonsense", "--count", "1")
    assert done.returncode == 2 and "bad -benchtime 'nonsense'" in done.stderr and done.stderr.count("\n") == 1
    assert not (m3tui_home / DB_NAME).exists()


def test_compare_on_a_fifo_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "results.txt"
    os.mkfifo(fifo)
    done = m3tui(tmp_path, "bench", "compare", str(fifo), timeout=20)
    assert done.returncode == 2 and "FIFO" in done.stderr


# --- permissions, as a user they apply to ------------------------------------------------------------


def as_nobody(home: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    python, extra = nobody_python()
    env = {**os.environ, **dict(extra), "M3TUI_HOME": str(home)}
    return subprocess.run(unprivileged_argv([python, "-m", "m3tui", *args]), env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip


def _history_owned_by(home: Path, uid: int) -> Path:
    with History(home / DB_NAME) as h:
        h.start_run(_meta())
    for p in (home, *home.iterdir()):
        os.chown(p, uid, -1)
    return home / DB_NAME


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the files to nobody")
def test_a_read_only_history_is_exit_3_and_left_as_it_is(tmp_path: Path) -> None:
    base = world_dir(tmp_path / "w")
    home = base / "home"
    home.mkdir()
    db = _history_owned_by(home, 65534)
    os.chmod(db, 0o444)
    before = db.read_bytes()
    for args in (["bench", "history"], ["bench", "history", "--json"], ["bench", "compare", "1"]):
        done = as_nobody(home, *args, cwd=base)
        assert done.returncode == 3, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and "Permission denied" in done.stderr and "internal error" not in done.stderr
        if "--json" in args:
            assert json.loads(done.stdout)["error"]["exit"] == 3
    assert db.read_bytes() == before and not list(home.glob(f"{DB_NAME}.corrupt-*"))


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a directory nobody cannot write")
def test_a_history_in_a_directory_nobody_may_write_is_exit_3(tmp_path: Path) -> None:
    base = world_dir(tmp_path / "w")
    home = base / "home"
    home.mkdir()
    db = _history_owned_by(home, 0)
    os.chmod(home, 0o755)
    os.chmod(db, 0o666)
    done = as_nobody(home, "bench", "history", cwd=base)
    assert done.returncode == 3 and "cannot write to" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    export_dir = base / "exports"
    export_dir.mkdir(mode=0o755)
    os.chmod(home, 0o777)
    done = as_nobody(home, "bench", "history", "export", "1", "-o", str(export_dir / "run1.txt"), cwd=base)
    assert done.returncode == 3 and "Permission denied" in done.stderr and not list(export_dir.iterdir()), done.stderr


# --- a benchmark that talks without end does not fill the memory or the history ------------------------


CHATTY = """package chatty

import (
	"fmt"
	"testing"
)

func BenchmarkChatty(b *testing.B) {
	for i := 0; i < 150000; i++ {
		fmt.Println("chatter line", i)
	}
	panic("late failure after the chatter")
}
"""


@pytest.mark.slow
def test_output_past_the_cap_is_counted_not_kept_but_a_late_panic_is(real_go: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from m3tui.bench.run import MAX_OUTPUT_LINES

    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    chatty = tmp_path / "chatty"
    chatty.mkdir()
    (chatty / "go.mod").write_text("module example.com/chatty\n\ngo 1.21\n")
    (chatty / "chatty_test.go").write_text(CHATTY)
    done = m3tui(chatty, "bench", "--cpu", "1", "--count", "1", "--benchtime", "1x", "-q")
    assert done.returncode == 3 and "panic: late failure after the chatter" in done.stderr, done.stderr[-500:]
    exported = json.loads(m3tui(chatty, "bench", "history", "export", "1", "--format", "json").stdout)
    lines = exported["raw_output"]
    assert MAX_OUTPUT_LINES < len(lines) < MAX_OUTPUT_LINES + 10
    assert any(line.startswith("panic: late failure") for line in lines[MAX_OUTPUT_LINES:])
    assert lines[-1].startswith("[m3tui: ") and "more output lines not kept" in lines[-1]
