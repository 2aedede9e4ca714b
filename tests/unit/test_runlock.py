"""core/runlock.py in one process: the lock directory, the who record, waiting, --no-wait, stop, cancel.

Two ``RunLock`` objects in one process open the file twice, so their flocks conflict like two
processes' would (the two-process cases are in tests/integration/test_runlock.py).
"""

from __future__ import annotations

import asyncio
import os
import stat
import tempfile
from pathlib import Path

import pytest

from m3tui.core import runlock
from m3tui.core.errors import M3tuiError
from m3tui.core.runlock import Holder, RunLock, RunLockBusy, hold, lock_dir, read_holder


@pytest.fixture(autouse=True)
def _own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp dir of these tests: their own, so no real m3tui run on the machine interferes."""
    root = tmp_path / "systmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def test_lock_dir_is_per_user_and_private(_own_tempdir: Path) -> None:
    d = lock_dir()
    assert d == _own_tempdir / f"m3tui-{os.getuid()}"
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    d.chmod(0o777)  # an older or tampered one: tightened
    assert stat.S_IMODE(lock_dir().stat().st_mode) == 0o700


def test_lock_dir_refuses_a_file_or_a_symlink(_own_tempdir: Path, tmp_path: Path) -> None:
    target = _own_tempdir / f"m3tui-{os.getuid()}"
    target.write_text("x")
    with pytest.raises(M3tuiError, match="not a directory"):
        lock_dir()
    target.unlink()
    (tmp_path / "elsewhere").mkdir()
    target.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(M3tuiError, match="not a directory"):
        lock_dir()


def test_second_lock_fails_and_reads_who_holds_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M3TUI_HOME", "/somewhere/home")
    first, second = RunLock(), RunLock()
    assert first.try_acquire("m3tui bench ./x -bench . https://u:secret@proxy.example")
    try:
        assert not second.try_acquire("other")
        holder = read_holder()
        assert holder.pid == os.getpid()
        assert holder.home == "/somewhere/home"
        assert "secret" not in holder.command and holder.command.startswith("m3tui bench ./x")
        assert f"pid {os.getpid()}" in holder.describe()
        assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    finally:
        first.release()
    assert read_holder().pid is None  # the record goes with the lock
    assert second.try_acquire("other")
    second.release()


def test_describe() -> None:
    h = Holder(1234, "m3tui bench ./x", started=1000.0, home="/h")
    assert h.describe(now=1012.0) == "m3tui bench ./x (pid 1234, started 12 s ago, M3TUI_HOME /h)"
    assert Holder(7, "", started=0.0).describe(now=600.0) == "another m3tui run (pid 7, started 10 min ago)"
    assert Holder(None).describe() == "another m3tui run (starting)"


def test_no_wait_names_the_holder() -> None:
    first = RunLock()
    assert first.try_acquire("m3tui profile capture ./x")

    async def main() -> None:
        async with hold("m3tui bench", wait=False):
            raise AssertionError("held twice")

    try:
        with pytest.raises(RunLockBusy, match=rf"m3tui profile capture \./x \(pid {os.getpid()}, ") as info:
            asyncio.run(main())
        assert info.value.exit_code == 3
    finally:
        first.release()


def test_the_second_waits_saying_for_whom_then_runs() -> None:
    said: list[str] = []
    order: list[str] = []

    async def first() -> None:
        async with hold("m3tui bench ./a"):
            order.append("a start")
            await asyncio.sleep(0.3)
            order.append("a end")

    async def second() -> None:
        await asyncio.sleep(0.05)
        async with hold("m3tui bench ./b", on_wait=said.append, poll=0.02) as held:
            assert held
            order.append("b start")

    async def main() -> None:
        await asyncio.gather(first(), second())

    asyncio.run(main())
    assert order == ["a start", "a end", "b start"]
    assert len(said) == 1 and said[0].startswith("waiting for m3tui bench ./a (pid ")


def test_stopped_while_waiting_yields_false_and_holds_nothing() -> None:
    first = RunLock()
    assert first.try_acquire("x")
    calls = 0

    def stopped() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    async def main() -> bool:
        async with hold("y", stopped=stopped, poll=0.01) as held:
            return held

    try:
        assert asyncio.run(main()) is False
    finally:
        first.release()
    probe = RunLock()
    assert probe.try_acquire("z")
    probe.release()


def test_cancelled_while_waiting_holds_nothing() -> None:
    first = RunLock()
    assert first.try_acquire("x")

    async def main() -> None:
        task = asyncio.create_task(_hold_forever())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(main())
    finally:
        first.release()
    probe = RunLock()
    assert probe.try_acquire("z")
    probe.release()


async def _hold_forever() -> None:
    async with hold("waiter", poll=0.01):
        raise AssertionError("got the lock")


def test_nested_holds_in_one_flow_are_reentrant() -> None:
    async def main() -> list[bool]:
        got = []
        async with hold("outer", wait=False) as a:
            got.append(a)
            async with hold("inner", wait=False) as b:  # a capture running a bench session
                got.append(b)
            got.append(not RunLock().try_acquire("other"))  # still held after the inner block
        return got

    assert asyncio.run(main()) == [True, True, True]
    assert not runlock._held.get()
    probe = RunLock()
    assert probe.try_acquire("z")
    probe.release()
