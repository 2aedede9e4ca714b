"""The Logs pane's `t` (one trace across the open files) and `H` (the histogram strip), driven by keys."""

from __future__ import annotations

import json
import time
from pathlib import Path

from m3tui.tui.widgets.histogram import HistogramStrip
from tests.appkit import FixedLogsBackend, snapshot_app
from tests.tui.test_logs_pane import indexed, open_logs
from tests.wait import eventually

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER = "00f067aa0ba902b7aaaaaaaaaaaaaaaa"


def rec(second: int, msg: str, trace: str | None, **more: object) -> str:
    d: dict[str, object] = {"time": f"2024-05-01T12:00:{second:02d}Z", "level": "INFO", "msg": msg}
    if trace:
        d["trace_id"] = trace
    return json.dumps(d | more)


async def test_t_on_a_trace_line_shows_exactly_that_traces_lines_from_two_files_and_esc_goes_back(tmp_path: Path) -> None:
    api = tmp_path / "api.log"
    db = tmp_path / "db.log"
    api.write_text("\n".join([
        rec(1, "api start", TRACE), rec(2, "api other", OTHER), "plain text line " + TRACE,
        rec(5, "api middle", TRACE), rec(9, "api end", TRACE), rec(10, "api unrelated", None),
    ]) + "\n")  # fmt: skip
    db.write_text("\n".join([
        rec(3, "db query", TRACE), f'time=2024-05-01T12:00:06Z level=INFO msg="db logfmt" trace_id={TRACE}',
        rec(7, "db other", OTHER), rec(8, "db near miss", TRACE[:-1] + "0"), rec(11, "db done", None),
    ]) + "\n")  # fmt: skip
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 40)) as pilot:
        pane = await open_logs(pilot, api)
        await indexed(pilot, pane)
        pane.open_paths([db])  # a second source (opened on its own: not merged)
        await eventually(lambda: pane.source is not None and pane.source.name == "db.log" and pane.source.indexed)
        await pilot.pause()
        pane.view.move_to(1)  # the logfmt line of the trace
        before = (pane.source, pane.view.cursor)
        await pilot.press("t")
        await eventually(lambda: pane.trace.shown, what="the trace view")
        await pilot.pause()
        got = [raw.decode() for _, raw in pane.source.iter_lines()]
        assert [json.loads(x)["msg"] if x.startswith("{") else x for x in got] == [
            "api start", "db query", "api middle", f'time=2024-05-01T12:00:06Z level=INFO msg="db logfmt" trace_id={TRACE}',
            "api end",
        ]  # fmt: skip
        assert "api.log" in pane.source.name and "db.log" in pane.source.name
        assert "api start" in "\n".join(pane.view.visible_lines())
        await pilot.press("escape")
        await pilot.pause()
        assert not pane.trace.shown
        assert (pane.source, pane.view.cursor) == before
        pane.view.move_to(4)  # no trace_id: said, nothing else happens
        await pilot.press("t")
        await pilot.pause()
        assert pane.source is before[0] and not pane.trace.shown


async def test_t_on_a_file_not_yet_indexed_says_only_its_tail_was_searched(tmp_path: Path, monkeypatch) -> None:
    from m3tui.tui.panes.logs import LogsPane

    async def never(self, src) -> None:  # the index is never built: the file stays at its tail
        return None

    monkeypatch.setattr(LogsPane, "_build_index", never)
    log = tmp_path / "api.log"
    log.write_text("\n".join([rec(1, "api start", TRACE), rec(2, "api end", TRACE)]) + "\n")
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 40)) as pilot:
        pane = await open_logs(pilot, log)
        await eventually(lambda: pane.source is not None and pane.source.count() == 2, what="the tail shown")
        assert not pane.source.indexed
        pane.view.move_to(0)
        await pilot.press("t")
        await eventually(lambda: pane.trace.shown, what="the trace view")
        notes = [str(n.message) for n in pilot.app._notifications]
        assert any("2 lines of trace" in m and "api.log: still being read, only its last lines searched" in m for m in notes), notes


async def test_histogram_keys_answer_while_it_fills_and_enter_jumps_to_the_bucket(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    with log.open("w") as f:
        for i in range(300_000):  # an hour and a half, one line per 18 ms; every 7th a warning, every 50th an error
            level = "ERROR" if i % 50 == 0 else "WARN" if i % 7 == 0 else "INFO"
            s = i * 18 // 1000
            f.write(f"time=2024-05-01T{10 + s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z level={level} msg=\"step {i}\"\n")
            if i % 1000 == 0:
                f.write("\tcontinued without a time\n")
    lines = 300_000 + 300
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        assert not pane.query(HistogramStrip)  # made on first use
        await pilot.press("H")
        await pilot.pause()
        strip = pane.query_one(HistogramStrip)
        assert strip.display and strip.has_focus
        await eventually(lambda: strip.snapshot is not None, what="the first snapshot")
        assert not strip.snapshot.done  # shown as it fills
        answered: list[float] = []
        move = strip.action_move

        filling: list[bool] = []

        def timed_move(delta: int) -> None:  # when the key's action runs (pilot.press itself waits for idle)
            answered.append(time.perf_counter())
            filling.append(strip.snapshot is not None and not strip.snapshot.done)
            move(delta)

        strip.action_move = timed_move  # type: ignore[method-assign]
        waits = []
        for key in ("left", "left", "right", "home"):
            cursor = strip._selected()
            t0 = time.perf_counter()
            await pilot.press(key)
            waits.append(answered[-1] - t0)
            assert strip._selected() != cursor  # answered
        assert filling[0], "the first key was answered while it filled"
        while_filling = [w for w, f in zip(waits, filling, strict=True) if f]
        assert max(while_filling) < 0.1, waits  # within a few frames (16 ms each) even on a loaded machine
        await eventually(lambda: strip.snapshot is not None and strip.snapshot.done, timeout=120, what="the fill")
        snap = strip.snapshot
        assert snap.lines == lines == sum(map(sum, snap.counts))
        assert sum(c[2] for c in snap.counts) == 6000 and sum(c[1] for c in snap.counts) == 300_000 // 7 + 1 - 858
        await pilot.press("home", "right", "right")
        await pilot.press("enter")
        await pilot.pause()
        assert pane.view.has_focus
        assert pane.view.cursor_line == snap.first_lines[2]
        assert snap.first_lines[2] > 0
        await pilot.press("H")
        await pilot.pause()
        assert not strip.display and pane.view.has_focus
