"""Tests for m3tui.core.cmdlog and the runner's hook into it, with real commands."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from m3tui.core import cmdlog, runner
from m3tui.core.cmdlog import CommandRecord


async def test_runner_records_every_finished_run(tmp_path: Path) -> None:
    cmdlog.clear()
    res = await runner.run([sys.executable, "-c", "print('hello'); import sys; print('oops', file=sys.stderr); sys.exit(3)"],
                           cwd=tmp_path)  # fmt: skip
    assert res.returncode == 3
    rec = cmdlog.recent()[-1]
    assert rec.argv[0] == sys.executable and rec.cwd == str(tmp_path)
    assert (rec.returncode, rec.stdout_tail, rec.stderr_tail) == (3, ["hello"], ["oops"])
    assert rec.started.endswith("Z") and rec.duration_s > 0 and not rec.ok
    lines = cmdlog.commands_path().read_text().splitlines()
    assert json.loads(lines[-1])["stdout_tail"] == ["hello"]
    assert cmdlog.load_file()[-1] == rec


async def test_uncaptured_lines_are_teed_and_bounded() -> None:
    cmdlog.clear()
    seen: list[str] = []
    code = "for i in range(2000): print(i)"
    res = await runner.run([sys.executable, "-c", code], capture=False, on_batch=lambda b: seen.extend(x.text for x in b))
    assert res.stdout == () and len(seen) == 2000
    rec = cmdlog.recent()[-1]
    assert rec.stdout_tail == [str(i) for i in range(1500, 2000)]
    res = await runner.run([sys.executable, "-c", "import time; time.sleep(5)"], timeout=0.2)
    assert cmdlog.recent()[-1].timed_out


async def test_a_recording_failure_never_breaks_a_run(m3tui_home: Path, monkeypatch) -> None:
    (m3tui_home / "logs").write_text("a file where the logs directory should be")
    res = await runner.run([sys.executable, "-c", "print(1)"])
    assert res.ok and res.stdout == ("1",)

    def boom(*a, **k):
        raise RuntimeError("no")

    monkeypatch.setattr(cmdlog, "record_run", boom)
    assert (await runner.run([sys.executable, "-c", "print(2)"])).stdout == ("2",)


def test_ring_rotation_and_bad_lines(monkeypatch) -> None:
    cmdlog.clear()
    monkeypatch.setattr(cmdlog, "ROTATE_BYTES", 4000)
    for i in range(250):
        cmdlog.record(CommandRecord(["go", "version", str(i)], None, "2024-01-01T00:00:00.000Z", 0.1, 0))
    recent = cmdlog.recent()
    assert len(recent) == 200 and recent[0].argv[2] == "50" and recent[-1].argv[2] == "249"
    path = cmdlog.commands_path()
    old = path.with_name("commands.jsonl.1")
    assert old.exists() and path.stat().st_size <= 4000 and old.stat().st_size <= 4000
    assert not path.with_name("commands.jsonl.2").exists()
    with open(path, "a") as f:
        f.write("not json\n")
    loaded = cmdlog.load_file()
    assert loaded[-1].argv[2] == "249" and 0 < len(loaded) < 250
    assert [r.argv[2] for r in loaded] == [str(i) for i in range(250 - len(loaded), 250)]


def test_own_log_setup() -> None:
    handler = cmdlog.setup_logging()
    try:
        assert cmdlog.setup_logging() is handler
        assert handler.maxBytes == 1024 * 1024 and handler.backupCount == 3
        logging.getLogger("m3tui.test").warning("hello own log")
        handler.flush()
        assert "hello own log" in cmdlog.own_log_path().read_text()
    finally:
        logging.getLogger("m3tui").removeHandler(handler)
        handler.close()
