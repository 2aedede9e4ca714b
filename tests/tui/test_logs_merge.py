"""The Logs pane on several files: `o` with a glob merges them; --no-merge lists them one by one."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from m3tui.logs.merge import MergedSource
from m3tui.tui.panes.log_view import LogView
from m3tui.tui.panes.logs import LogsPane
from tests.appkit import FixedLogsBackend, settle, snapshot_app
from tests.wait import eventually


def write(folder: Path) -> list[Path]:
    """Two files whose lines alternate in time: b's clock is 0.5 s after a's."""
    folder.mkdir()
    a, b = folder / "api.log", folder / "db.log"
    a.write_text("".join(f"2026-03-01T12:00:{s:02d}Z INFO api {s}\n" for s in range(0, 40, 2)))
    b.write_text("".join(f'{{"time":"2026-03-01T12:00:{s:02d}.5Z","level":"WARN","msg":"db {s}"}}\n' for s in range(1, 40, 2)))
    return [a, b]


async def pane_of(pilot) -> LogsPane:
    await settle(pilot)
    await pilot.press("5")
    await pilot.pause()
    pane = pilot.app.main_screen.query_one(LogsPane)
    await eventually(lambda: pane.built and pane.query(LogView))
    return pane


async def test_open_a_glob_merges_and_marks_each_line(tmp_path: Path) -> None:
    write(tmp_path / "logs")
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
        pane = await pane_of(pilot)
        await pilot.press("o")
        pilot.app.focused.value = str(tmp_path / "logs" / "*.log")
        await pilot.press("enter")
        await eventually(lambda: isinstance(pane.source, MergedSource) and pane.source.indexed, what="the merged files")
        await pilot.pause()
        src = pane.source
        assert [src.raw(r)[0].split()[-1] for r in range(6)] == [b"0", b'1"}', b"2", b'3"}', b"4", b'5"}']
        shown = [line for line in pane.view.visible_lines() if line.strip()]
        assert shown[-1].split()[1] == "db.log" and shown[-2].split()[1] == "api.log"
        rows = pane.query_one("#logs-sources", DataTable)
        assert "merged: api.log, db.log" in rows.get_row_at(0)[0].plain  # its row first, the files below
        await pilot.press("g", "slash", *"db 3", "enter")
        await eventually(lambda: pane.view.cursor_line is not None and src.raw(pane.view.cursor_line)[0].endswith(b'db 3"}'))
        await pilot.press("escape", "v", "v")  # warn+: the level filter across both files
        await eventually(lambda: pane.view.rows is not None and len(pane.view.rows) == 20, what="warn+ rows")
        assert {src.origin(r) for r in pane.view.rows} == {1}


async def test_no_merge_lists_the_files(tmp_path: Path) -> None:
    paths = write(tmp_path / "logs")
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
        pane = await pane_of(pilot)
        pane.merging.merge = False  # --no-merge
        pane.open_paths(paths)
        await eventually(lambda: pane.source is not None and pane.source.name == "db.log", what="the last file shown")
        # (the files open side by side: the first may still be opening when the last is shown)
        await eventually(lambda: set(pane.files) == {str(p) for p in paths}, what="each file in the list")
        assert not pane.merging.sources and pane.source.name == "db.log"


async def test_a_compressed_file_merges_through_its_spool_with_progress(tmp_path: Path) -> None:
    import bz2

    from m3tui.logs.spool import spool_dir

    a, b = write(tmp_path / "logs")
    packed = b.with_name("db.log.bz2")
    packed.write_bytes(bz2.compress(b.read_bytes()))
    b.unlink()
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
        pane = await pane_of(pilot)
        said: list[float] = []
        made = pane.decompress_progress

        def recording(name: str):
            say = made(name)
            return lambda f: (said.append(f), say(f))

        pane.decompress_progress = recording
        pane.open_paths([a, packed])
        await eventually(lambda: isinstance(pane.source, MergedSource) and pane.source.indexed, what="the merged files")
        src = pane.source
        assert src.count() == 40 and src.raw(39)[0].endswith(b'db 39"}')
        assert said and said[-1] == 1.0 and pane._busy == ""
        assert len(list(spool_dir().glob("*.log"))) == 1  # decompressed once, into the cache
        assert src.short_names == ["api.log", "db.log.bz2"]
