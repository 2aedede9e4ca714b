"""The trace view (t) marks each line with the file it came from, as the merged timeline's gutter does."""

from __future__ import annotations

from pathlib import Path

from m3tui.logs.trace import TraceSource
from tests.appkit import FixedLogsBackend, snapshot_app
from tests.tui.test_logs_pane import indexed, open_logs
from tests.tui.test_logs_trace_histogram import OTHER, TRACE, rec
from tests.wait import eventually


async def test_the_trace_view_marks_each_lines_file_in_the_gutter(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    api, db = tmp_path / "a" / "svc.log", tmp_path / "b" / "svc.log"  # the same name: told apart by their folders
    api.write_text("\n".join([rec(1, "api start", TRACE), rec(2, "api other", OTHER), rec(5, "api end", TRACE)]) + "\n")
    db.write_text("\n".join([rec(3, "db query", TRACE), rec(4, "db other", OTHER)]) + "\n")
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 40)) as pilot:
        pane = await open_logs(pilot, api)
        await indexed(pilot, pane)
        pane.open_paths([db])  # opened on its own: not merged
        await eventually(lambda: pane.source is not None and getattr(pane.source, "path", None) == db and pane.source.indexed)
        await pilot.pause()
        pane.view.move_to(0)
        await pilot.press("t")
        await eventually(lambda: pane.trace.shown, what="the trace view")
        await pilot.pause()
        src = pane.source
        assert isinstance(src, TraceSource) and src.short_names == ["a/svc.log", "b/svc.log"]
        assert [src.origin(r) for r in range(src.count())] == [0, 1, 0]
        shown = [line.split() for line in pane.view.visible_lines() if line.strip()]
        assert [(row[0], row[1]) for row in shown] == [("1", "a/svc.log"), ("2", "b/svc.log"), ("3", "a/svc.log")], shown
        assert ["api start" in " ".join(shown[0]), "db query" in " ".join(shown[1]), "api end" in " ".join(shown[2])] == [True] * 3
