"""The Logs pane under hostile input: what cannot be opened is a notification (plain text, with
control characters escaped), never a crash or a block; a file truncated under the view
(logrotate's copytruncate) is re-read; a .gz spool goes when the app ends; the lint config's
warnings are said once."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

from textual.widgets import Input

from m3tui.core.config import config_path, state_root
from m3tui.logs.backend import LocalLogs
from m3tui.logs.lint import LintConfig
from m3tui.tui.panes.logs import LogsPane
from tests.appkit import FixedLogsBackend, snapshot_app
from tests.tui.test_logs_pane import (
    indexed,
    open_logs,
    shown_text,
    watching,
    write_lines,
)
from tests.wait import eventually


def messages(pilot) -> list[str]:
    return [n.message for n in pilot.app._notifications]


async def type_path(pilot, pane: LogsPane, path: Path) -> None:
    await pilot.press("o")
    assert isinstance(pilot.app.focused, Input)
    pilot.app.focused.value = str(path)
    await pilot.press("enter")
    await eventually(lambda: not pane._opening)
    await pilot.pause()


async def test_what_cannot_be_opened_is_a_notification(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.log"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.log"
    folder.mkdir()
    good = gzip.compress(b"".join(b"line %d\n" % i for i in range(1000)))
    broken = tmp_path / "broken.log.gz"
    broken.write_bytes(good[:-30])
    garbage = tmp_path / "garbage.log.gz"
    garbage.write_bytes(b"\x1f\x8b" + b"\xff" * 50)
    evil = tmp_path / "[/]\x1b[2J[bold]evil.log"  # markup and an escape sequence in a missing file's name
    cases = [(fifo, "is a FIFO, not a regular file"), (folder, "is a directory, not a regular file"),
             (broken, "broken.log.gz: truncated gzip data"), (garbage, "garbage.log.gz: corrupt gzip data"),
             (evil, "[/]\\x1b[2J[bold]evil.log: No such file or directory")]  # fmt: skip
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot)
        for path, says in cases:
            await type_path(pilot, pane, path)
            assert any(says in m for m in messages(pilot)), (says, messages(pilot))
            assert pane.source is None and not pane.files
        assert not any(re.search(r"[\x00-\x1f\x7f-\x9f]", m) for m in messages(pilot))
        assert not [p for p in os.listdir(state_root() / "tmp") if p.startswith("gz-")]
        ok = write_lines(tmp_path / "ok.log", ["still works"])
        await type_path(pilot, pane, ok)  # the pane goes on
        assert "still works" in shown_text(pane)
    assert not (state_root() / "crash.log").exists()


def copytruncate(path: Path, new: str) -> None:
    """What logrotate's copytruncate leaves: the same file (inode), emptied, then written again."""
    with path.open("r+") as f:
        f.truncate(0)
        f.write(new)


async def test_truncated_under_the_view_and_while_followed(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "app.log", [f"old line {i:05d} with some padding" for i in range(20_000)])
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        os.truncate(log, 0)  # not followed: the view reads short lines, it does not die
        pane.view.invalidate()
        await pilot.press("g", "pagedown", "G")
        await pilot.pause()
        await pilot.press("f")
        await watching(pane)
        os.truncate(log, 0)
        write_lines(log, ["after copytruncate 1", "after copytruncate 2"])
        await eventually(lambda: "after copytruncate 2" in shown_text(pane), timeout=5)
        await eventually(lambda: pane.source.indexed and pane.source.count() == 2, timeout=5)
        copytruncate(log, "third generation\n")  # again, while the pane follows
        await eventually(lambda: "third generation" in shown_text(pane), timeout=5)
        assert "old line" not in shown_text(pane)
    assert not (state_root() / "crash.log").exists()


async def test_a_gz_file_is_spooled_once_into_the_cache_and_no_scratch_stays(tmp_path: Path) -> None:
    """Decompressed once into the cache (logs/spool.py: reused while the file is unchanged); the
    scratch file it was written to is gone, as is everything in <state>/tmp when the app ends."""
    from m3tui.logs.spool import spool_dir

    gz = tmp_path / "app.log.gz"
    gz.write_bytes(gzip.compress(b"".join(b"zipped %d\n" % i for i in range(5000))))
    for _ in range(2):  # the second time, the same spool
        async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
            pane = await open_logs(pilot)
            said: list[tuple[float, str]] = []
            made = pane.decompress_progress

            def recording(name: str):  # what the status line is told, as it is told
                say = made(name)
                return lambda f: (say(f), said.append((f, pane._busy)))

            pane.decompress_progress = recording
            pane.open_paths([gz])
            await indexed(pilot, pane)
            assert "zipped 4999" in shown_text(pane)
            # its progress told to the status line (the second time at once: the spool is there); nothing left busy
            assert said and said[-1] == (1.0, "") and pane._busy == ""
            (spool,) = spool_dir().glob("*.log")
            assert spool.read_bytes().endswith(b"zipped 4999\n")
        assert os.listdir(state_root() / "tmp") == []


class ConfiguredLogs(FixedLogsBackend):
    """The fixed backend, with the lint rules of the test's own config.toml."""

    def lint_config(self, near: Path | None = None) -> LintConfig | None:
        return LocalLogs().lint_config(near)


async def test_lint_config_warnings_are_said_once(tmp_path: Path) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[logs.lint]\nlevels = "INFO"\n')
    log = write_lines(tmp_path / "lint.jsonl", ['{"time":"2026-01-02T03:04:05Z","level":"LOUD"}'])
    async with snapshot_app(logs=ConfiguredLogs()).run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        for _ in range(3):  # on, off, on
            await pilot.press("L")
            await pilot.pause()
        await eventually(lambda: pane.lint.summary.startswith("lint:"))
        said = [m for m in messages(pilot) if "logs.lint.levels" in m]
        assert len(said) == 1 and "must be a list of strings; using the default" in said[0]
        assert pane.lint.summary == "lint: 1 violation on 1 line (level 1)"  # the default levels


async def test_lint_in_the_pane_checks_long_records_and_counts_what_it_cannot(tmp_path: Path) -> None:
    """A 20 KB record is checked whole (not cut at the viewer's 8 KB); a 2 MiB one is counted, not
    called malformed; a truncated record is malformed."""
    long_ok = '{"time":"2026-01-02T03:04:05Z","level":"INFO","msg":"' + "m" * 20_000 + '"}'
    long_bad = '{"time":"2026-01-02T03:04:05Z","level":"LOUD","msg":"' + "m" * 20_000 + '"}'
    huge = '{"level":"INFO","msg":"' + "h" * (2 << 20) + '"}'
    log = write_lines(tmp_path / "long.jsonl", [long_ok, long_bad, huge, '{"time":"2026-01-02T03:04:05Z","lev'])
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(160, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("L")
        await eventually(lambda: pane.lint.summary.startswith("lint:"))
        assert set(pane.view.lint_marks) == {1}
        assert pane.lint.summary == (
            "lint: 1 violation on 1 line (level 1) · 1 malformed JSON (first: line 4) · 1 line too long to check"
        )


async def test_a_big_gz_says_its_decompression_in_the_status_line(tmp_path: Path) -> None:
    """Opened alone in the pane (not merged), a compressed file's decompression is counted in the
    status line as it goes, as a merged one's is."""
    gz = tmp_path / "big.log.gz"
    gz.write_bytes(gzip.compress(b"".join(b"level=INFO msg=%d\n" % i for i in range(1_200_000)), 1))
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 30)) as pilot:
        pane = await open_logs(pilot)
        said: list[str] = []
        made = pane.decompress_progress

        def recording(name: str):
            say = made(name)
            return lambda f: (say(f), said.append(pane._busy))

        pane.decompress_progress = recording
        pane.open_paths([gz])
        await indexed(pilot, pane)
        assert any(b.startswith("decompressing big.log.gz ") and b.endswith("%…") for b in said), said
        assert said[-1] == "" and pane._busy == ""
