"""Tests for m3tui.core.runner, all against real processes (no mocks).

Note on zombies: in some sandboxes PID 1 does not reap orphans, so a killed
grandchild can linger as a zombie. A zombie is dead (it runs no code), so the
tree-kill checks accept it, but never for our own direct child, which the
runner must reap itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from m3tui.core import runner
from m3tui.core.proctree import RUN_MARK, kill_all_sync, live_pids
from m3tui.core.runner import (
    MAX_LINE_BYTES,
    CommandNotFoundError,
    OutputLine,
    RunnerError,
    RunResult,
    run,
)


def py(code: str) -> list[str]:
    """argv for a Python child running ``code``."""
    return [sys.executable, "-c", textwrap.dedent(code)]


def is_gone(pid: int) -> bool:
    """True if ``pid`` no longer runs: vanished, or an orphaned zombie."""
    try:
        proc = psutil.Process(pid)
        status = proc.status()
        ppid = proc.ppid()
    except psutil.NoSuchProcess:
        return True
    if status == psutil.STATUS_ZOMBIE:
        assert ppid != os.getpid(), f"pid {pid} is an unreaped zombie child of ours"
        return True
    return False


async def wait_all_gone(pids: list[int], deadline: float) -> list[int]:
    """Poll until every pid is gone or ``deadline`` (monotonic); return survivors."""
    while True:
        alive = [p for p in pids if not is_gone(p)]
        if not alive or time.monotonic() >= deadline:
            return alive
        await asyncio.sleep(0.01)


class Collector:
    """on_batch callback that records batches, their times, and waits for a marker."""

    def __init__(self) -> None:
        self.batches: list[list[OutputLine]] = []
        self.times: list[float] = []
        self._waiters: list[tuple[str, asyncio.Future[OutputLine]]] = []

    def __call__(self, batch: list[OutputLine]) -> None:
        self.batches.append(batch)
        self.times.append(time.monotonic())
        for line in batch:
            for prefix, fut in self._waiters:
                if not fut.done() and line.text.startswith(prefix):
                    fut.set_result(line)

    @property
    def lines(self) -> list[OutputLine]:
        return [line for batch in self.batches for line in batch]

    def texts(self, stream: str = "stdout") -> list[str]:
        return [line.text for line in self.lines if line.stream == stream]

    async def wait_for(self, prefix: str, timeout: float = 5.0) -> OutputLine:
        for line in self.lines:
            if line.text.startswith(prefix):
                return line
        fut: asyncio.Future[OutputLine] = asyncio.get_running_loop().create_future()
        self._waiters.append((prefix, fut))
        return await asyncio.wait_for(fut, timeout)


# A child that starts three `sleep 60` grandchildren, one in its own session
# (setsid, so it escapes the process group), prints their pids, then sleeps.
TREE_CHILD = """
    import os, signal, subprocess, sys, time
    if len(sys.argv) > 1 and sys.argv[1] == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    kids = [subprocess.Popen(["sleep", "60"]) for _ in range(2)]
    kids.append(subprocess.Popen(["sleep", "60"], start_new_session=True))
    print("PIDS", os.getpid(), *[k.pid for k in kids], flush=True)
    time.sleep(60)
"""


def parse_pids(line: OutputLine) -> list[int]:
    return [int(x) for x in line.text.split()[1:]]


# ---------------------------------------------------------------- basics


async def test_stdout_stderr_apart_and_exit_codes() -> None:
    res = await run(
        py("""
            import sys
            print("out1"); sys.stdout.flush()
            print("err1", file=sys.stderr); sys.stderr.flush()
            print("out2")
            sys.exit(3)
        """)
    )
    assert isinstance(res, RunResult)
    assert res.stdout == ("out1", "out2")
    assert res.stderr == ("err1",)
    assert res.returncode == 3
    assert not res.ok and not res.timed_out and not res.cancelled
    assert res.stdout_text == "out1\nout2"
    assert res.stderr_text == "err1"
    assert res.argv[0] == sys.executable

    ok = await run(["true"])
    assert ok.returncode == 0 and ok.ok and ok.stdout == () and ok.duration >= 0


async def test_killed_by_signal_has_negative_returncode() -> None:
    res = await run(py("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    assert res.returncode == -signal.SIGKILL
    assert not res.ok


async def test_streaming_lines_arrive_before_exit_and_child_is_reaped() -> None:
    col = Collector()
    start = time.monotonic()
    res = await run(
        py("""
            import os, time
            print("first", os.getpid(), flush=True)
            time.sleep(0.5)
            print("second", flush=True)
        """),
        on_batch=col,
    )
    end = time.monotonic()
    assert [line.text.split()[0] for line in col.lines] == ["first", "second"]
    first_at = next(t for t, b in zip(col.times, col.batches) if b[0].text.startswith("first"))
    # The first line was delivered while the child was still sleeping.
    assert first_at - start < 0.4
    assert end - first_at > 0.3
    assert len(col.batches) == 2
    child_pid = int(col.lines[0].text.split()[1])
    with pytest.raises(psutil.NoSuchProcess):
        psutil.Process(child_pid).status()  # reaped: not even a zombie of ours
    assert child_pid not in live_pids()
    assert res.stdout[1] == "second"


async def test_final_unterminated_line_and_crlf() -> None:
    col = Collector()
    res = await run(
        py(r"""
            import sys
            sys.stdout.buffer.write(b"a\r\nb\n\nlast-no-newline")
            sys.stderr.buffer.write(b"e\r")
        """),
        on_batch=col,
    )
    assert res.stdout == ("a", "b", "", "last-no-newline")
    assert res.stderr == ("e",)
    # The final partial batch was flushed before run() returned.
    assert col.texts("stdout") == ["a", "b", "", "last-no-newline"]
    assert col.texts("stderr") == ["e"]


async def test_non_utf8_output_is_replaced_not_raised() -> None:
    res = await run(py(r"import sys; sys.stdout.buffer.write(b'\xff\xfe ok\n\xc3(\n')"))
    assert res.stdout == ("\ufffd\ufffd ok", "\ufffd(")


async def test_stdin_is_devnull() -> None:
    """Even when our own fd 0 has data (as a TUI's terminal would), the child sees EOF."""
    code = "import sys; print(repr(sys.stdin.read()))"
    r, w = os.pipe()
    os.write(w, b"typed-at-the-tui")
    os.close(w)
    saved = os.dup(0)
    try:
        os.dup2(r, 0)
        res = await run(py(code), timeout=5)
        inherited = await run(py(code), timeout=5, stdin_devnull=False)
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(r)
    assert res.stdout == ("''",)
    assert not res.timed_out
    # Control: the same child with inherited stdin does read our fd 0.
    assert inherited.stdout == ("'typed-at-the-tui'",)


# ---------------------------------------------------------------- batching


async def test_100k_lines_all_delivered_in_few_batches() -> None:
    col = Collector()
    n = 100_000
    res = await run(py(f"for i in range({n}): print(i)"), on_batch=col)
    assert res.returncode == 0
    assert col.texts() == [str(i) for i in range(n)]
    assert res.stdout == tuple(str(i) for i in range(n))
    assert len(col.batches) < 1000


async def test_chatty_child_is_rate_limited_to_about_one_batch_per_frame() -> None:
    """Many small flushed writes for 0.5 s: callbacks stay near 60/s, order kept."""
    col = Collector()
    interval = 1 / 60
    res = await run(
        py("""
            import sys, time
            end = time.monotonic() + 0.5
            i = 0
            while time.monotonic() < end:
                for _ in range(50):
                    sys.stdout.write(f"{i}\\n"); i += 1
                sys.stdout.flush()
                print(f"e{i}", file=sys.stderr, flush=True)
            print("TOTAL", i, file=sys.stderr, flush=True)
        """),
        on_batch=col,
        batch_interval=interval,
        capture=False,
    )
    assert res.returncode == 0
    assert res.stdout == () and res.stderr == ()  # capture=False
    out = col.texts("stdout")
    total = int(col.texts("stderr")[-1].split()[1])
    assert total > 5_000, "child was not chatty enough to test anything"
    assert out == [str(i) for i in range(total)]  # all lines, in order
    # Nowhere near one callback per write; about one per frame.
    assert len(col.batches) <= res.duration / interval + 3
    gaps = [b - a for a, b in zip(col.times, col.times[1:-1])]
    assert gaps and min(gaps) >= interval * 0.8


# ---------------------------------------------------------------- long lines


async def test_5mb_line_without_newline_is_split_at_cap() -> None:
    col = Collector()
    size = 5_000_000
    res = await run(py(f"import sys; sys.stdout.buffer.write(b'x' * {size})"), on_batch=col, timeout=10)
    assert not res.timed_out and res.returncode == 0
    assert all(len(t) <= MAX_LINE_BYTES for t in res.stdout)
    assert sum(len(t) for t in res.stdout) == size
    assert len(res.stdout) == -(-size // MAX_LINE_BYTES)
    assert sum(len(t) for t in col.texts()) == size


async def test_long_utf8_line_is_cut_on_character_boundaries() -> None:
    res = await run(py("import sys; sys.stdout.write('é' * 1_500_000 + '\\nafter\\n')"), timeout=10)
    assert res.stdout[-1] == "after"
    pieces = res.stdout[:-1]
    assert len(pieces) >= 3
    assert "\ufffd" not in "".join(pieces)
    assert "".join(pieces) == "é" * 1_500_000


async def test_line_longer_than_streamreader_limit_is_one_line() -> None:
    res = await run(py("print('y' * 200_000); print('next')"))
    assert res.stdout == ("y" * 200_000, "next")


# ---------------------------------------------------------------- env / cwd / lookup


async def test_env_override_and_removal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M3TUI_TEST_GONE", "present")
    monkeypatch.setenv("M3TUI_TEST_KEPT", "kept")
    res = await run(
        py("""
            import os
            for k in ("M3TUI_TEST_NEW", "M3TUI_TEST_GONE", "M3TUI_TEST_KEPT"):
                print(k, os.environ.get(k, "<unset>"))
        """),
        env={"M3TUI_TEST_NEW": "new", "M3TUI_TEST_GONE": None},
    )
    assert res.stdout == (
        "M3TUI_TEST_NEW new",
        "M3TUI_TEST_GONE <unset>",
        "M3TUI_TEST_KEPT kept",
    )
    assert os.environ["M3TUI_TEST_GONE"] == "present"  # ours untouched


async def test_cwd_and_relative_executable(tmp_path: Path) -> None:
    script = tmp_path / "hello.sh"
    script.write_text("#!/bin/sh\necho hello\npwd\n")
    script.chmod(0o755)
    res = await run(["./hello.sh"], cwd=tmp_path)
    assert res.stdout == ("hello", str(tmp_path.resolve()))

    # Bare names are looked up on the *child's* PATH.
    res = await run(["hello.sh"], env={"PATH": f"{tmp_path}:{os.environ.get('PATH', '')}"})
    assert res.ok and res.stdout[0] == "hello"


async def test_missing_binary_raises_command_not_found(tmp_path: Path) -> None:
    with pytest.raises(CommandNotFoundError) as info:
        await run(["m3tui-no-such-command-xyz", "--version"])
    msg = str(info.value)
    assert msg == "m3tui-no-such-command-xyz: command not found (looked up on PATH)"
    assert "\n" not in msg
    assert isinstance(info.value, RunnerError)

    with pytest.raises(CommandNotFoundError, match=r"^/no/such/dir/go: no such file$"):
        await run(["/no/such/dir/go"])

    plain = tmp_path / "notexec"
    plain.write_text("#!/bin/sh\necho hi\n")
    plain.chmod(0o644)
    with pytest.raises(CommandNotFoundError, match=r": not executable$"):
        await run([str(plain)])

    # Not on the child's PATH, even though it is on ours.
    with pytest.raises(CommandNotFoundError):
        await run(["sh", "-c", "true"], env={"PATH": str(tmp_path)})


async def test_bad_arguments() -> None:
    with pytest.raises(TypeError):
        await run("echo hi")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await run(["echo", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        await run([])
    with pytest.raises(RunnerError, match="working directory"):
        await run(["true"], cwd="/no/such/dir/m3tui")


# ---------------------------------------------------------------- timeout / stop


async def test_timeout_kills_and_reports_timed_out() -> None:
    start = time.monotonic()
    res = await run(["sleep", "30"], timeout=0.5)
    elapsed = time.monotonic() - start
    assert res.timed_out and not res.ok and not res.cancelled
    assert res.returncode == -signal.SIGTERM
    assert 0.45 < elapsed < 1.5
    assert not live_pids()


async def test_timeout_escalates_to_sigkill_when_sigterm_is_ignored() -> None:
    start = time.monotonic()
    res = await run(
        py("""
            import signal, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print("ready", flush=True)
            time.sleep(30)
        """),
        timeout=0.5,
    )
    elapsed = time.monotonic() - start
    assert res.timed_out
    assert res.returncode == -signal.SIGKILL
    assert res.stdout == ("ready",)
    assert elapsed < 1.5


async def test_stop_event_kills_and_reports_cancelled() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.2, stop.set)
    start = time.monotonic()
    res = await run(["sleep", "30"], stop_event=stop)
    assert res.cancelled and not res.timed_out and not res.ok
    assert time.monotonic() - start < 1.2


async def test_background_grandchild_holding_pipe_does_not_hang_run() -> None:
    start = time.monotonic()
    res = await run(["sh", "-c", "sleep 5 & echo $!"])
    try:
        assert time.monotonic() - start < 1.5
        assert res.returncode == 0
        assert res.stdout[0].isdigit()
    finally:
        if res.stdout and res.stdout[0].isdigit():
            os.kill(int(res.stdout[0]), signal.SIGKILL)


async def test_on_batch_exception_propagates_and_kills_child() -> None:
    seen: list[int] = []

    def boom(batch: list[OutputLine]) -> None:
        seen.append(int(batch[0].text))
        raise RuntimeError("ui went away")

    start = time.monotonic()
    with pytest.raises(RuntimeError, match="ui went away"):
        await run(py("import os, time; print(os.getpid(), flush=True); time.sleep(30)"), on_batch=boom)
    assert time.monotonic() - start < 2
    assert seen and not await wait_all_gone(seen, time.monotonic() + 0.5)


# ---------------------------------------------------------------- cancellation


@pytest.mark.parametrize("mode", ["plain", "ignore-term"])
async def test_cancel_kills_whole_tree_including_setsid_grandchild(mode: str) -> None:
    col = Collector()
    argv = py(TREE_CHILD) + [mode]
    task = asyncio.ensure_future(run(argv, on_batch=col))
    pids = parse_pids(await col.wait_for("PIDS"))
    child, *grandkids = pids
    assert len(grandkids) == 3
    assert child in live_pids()
    # The test must really exercise a grandchild that left the process group.
    assert os.getpgid(grandkids[2]) != os.getpgid(child)
    assert os.getpgid(grandkids[0]) == os.getpgid(child) == child
    assert all(psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)

    t0 = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - t0 < 1.0
    survivors = await wait_all_gone(pids, t0 + 1.0)
    assert survivors == []
    assert child not in live_pids()
    with pytest.raises(psutil.NoSuchProcess):
        psutil.Process(child).status()  # our direct child was reaped


async def test_cancel_kills_sigterm_ignoring_setsid_grandchild() -> None:
    col = Collector()
    grandchild = """
        import os, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("GRAND", os.getpid(), flush=True)
        time.sleep(60)
    """
    child = f"""
        import os, signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        subprocess.Popen([sys.executable, "-c", {textwrap.dedent(grandchild)!r}], start_new_session=True)
        print("CHILD", os.getpid(), flush=True)
        time.sleep(60)
    """
    task = asyncio.ensure_future(run(py(child), on_batch=col))
    pids = parse_pids(await col.wait_for("CHILD")) + parse_pids(await col.wait_for("GRAND"))
    t0 = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - t0 < 1.0
    assert await wait_all_gone(pids, t0 + 1.0) == []


async def test_kill_all_sync_kills_live_tree() -> None:
    col = Collector()
    task = asyncio.ensure_future(run(py(TREE_CHILD), on_batch=col))
    pids = parse_pids(await col.wait_for("PIDS"))
    assert pids[0] in live_pids()
    t0 = time.monotonic()
    assert kill_all_sync() >= 1
    res = await asyncio.wait_for(task, 2.0)
    assert res.returncode == -signal.SIGKILL
    assert not res.timed_out and not res.cancelled
    assert await wait_all_gone(pids, t0 + 1.0) == []
    assert pids[0] not in live_pids()
    assert kill_all_sync() == 0  # nothing left registered


async def test_cancel_kills_a_grandchild_that_double_forked_into_its_own_session() -> None:
    """A daemonizing grandchild leaves both the tree and the process group; the run's
    environment mark still finds it."""
    pids: list[int] = []
    ready = asyncio.Event()

    def on_batch(lines: list[runner.OutputLine]) -> None:
        for line in lines:
            if line.stream == "stdout" and line.text.strip().isdigit():
                pids.append(int(line.text))
                ready.set()

    script = "(setsid sleep 99 & echo $!) ; sleep 98"
    task = asyncio.create_task(runner.run(["sh", "-c", script], on_batch=on_batch))
    await asyncio.wait_for(ready.wait(), 5)
    daemon = psutil.Process(pids[0])
    deadline = time.monotonic() + 5
    while daemon.name() != "sleep" and time.monotonic() < deadline:  # setsid has not exec'd sleep yet
        await asyncio.sleep(0.02)
    assert daemon.ppid() != os.getpid() and os.getsid(daemon.pid) != os.getsid(0)
    assert daemon.environ().get(RUN_MARK)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    try:  # gone, or a zombie waiting for init to reap it: either way no longer running
        assert daemon.status() == psutil.STATUS_ZOMBIE, "the daemonized grandchild survived"
    except psutil.NoSuchProcess:
        pass
