"""The Logs pane driven by keys: real files under tmp_path, real threads, the real follower."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input

from m3tui.core import cmdlog, runner
from m3tui.core.cmdlog import CommandRecord
from m3tui.tui.panes.log_record import RecordScreen
from m3tui.tui.panes.log_view import LogView
from m3tui.tui.panes.logs import LogsPane
from tests.appkit import FixedLogsBackend, settle, snapshot_app
from tests.wait import eventually


async def watching(pane: LogsPane) -> None:
    """Until the pane's follower watches its file: from then on no appended line is missed."""
    await eventually(lambda: pane.follow_ready is not None and pane.follow_ready.is_set(),
                     what="the follower to watch the file")  # fmt: skip


async def open_logs(pilot, *paths: Path) -> LogsPane:
    await settle(pilot)
    await pilot.press("5")
    await pilot.pause()
    pane = pilot.app.main_screen.query_one(LogsPane)
    await eventually(lambda: pane.built and pane.query(LogView))
    if paths:
        pane.open_paths(list(paths))
        await eventually(lambda: pane.source is not None and pane.source.name == paths[-1].name)
    await pilot.pause()
    return pane


async def indexed(pilot, pane: LogsPane) -> None:
    await eventually(lambda: pane.source is not None and pane.source.indexed)
    await pilot.pause()


def shown(pane: LogsPane) -> list[str]:
    return [line.rstrip() for line in pane.view.visible_lines()]


def shown_text(pane: LogsPane) -> str:
    return "\n".join(shown(pane))


def cursor_text(pane: LogsPane) -> str:
    view = pane.view
    raw, _ = view.source.raw(view.cursor_line)
    return raw.decode()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def app():
    return snapshot_app(logs=FixedLogsBackend())


async def test_open_shows_tail_then_index_then_top_and_bottom(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "app.log", [f"line {i:05d} INFO all good" for i in range(5000)])
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        assert "line 04999" in shown_text(pane)  # the tail, at once
        await indexed(pilot, pane)
        assert pane.source.count() == 5000
        assert "line 04999" in shown_text(pane)  # still at the bottom
        assert "5,000 lines" in pane._status_text
        await pilot.press("g")
        assert pane.view.cursor == 0 and "line 00000" in shown(pane)[0]
        await pilot.press("j", "j", "down")
        assert cursor_text(pane).startswith("line 00003")
        await pilot.press("G")
        assert cursor_text(pane).startswith("line 04999")
        await pilot.press("pageup")
        assert pane.view.cursor < 4999
        assert "app.log" in pane.query_one("#logs-sources", DataTable).get_row_at(0)[0].plain


async def test_search_next_previous_and_filter(tmp_path: Path) -> None:
    lines = [f"{i:04d} request ok" if i % 100 else f"{i:04d} needle found" for i in range(1000)]
    log = write_lines(tmp_path / "search.log", lines)
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("g", "slash")
        assert isinstance(pilot.app.focused, Input)
        await pilot.press(*"needle", "enter")
        await eventually(lambda: pane.matches is not None)
        await pilot.pause()
        assert len(pane.matches) == 10 and "10 matches" in pane._status_text
        assert cursor_text(pane) == "0000 needle found"
        await pilot.press("n")
        await eventually(lambda: cursor_text(pane) == "0100 needle found")
        await pilot.press("n", "n")
        await eventually(lambda: cursor_text(pane) == "0300 needle found")
        await pilot.press("N")
        await eventually(lambda: cursor_text(pane) == "0200 needle found")
        await pilot.press("F")
        await eventually(lambda: pane.view.rows is not None)
        await pilot.pause()
        assert pane.view.count == 10
        assert all("needle" in line for line in shown(pane) if line.strip())
        await pilot.press("F")
        await eventually(lambda: pane.view.rows is None)
        assert pane.view.count == 1000
        # a regular expression
        await pilot.press("slash")
        pilot.app.focused.value = ""
        await pilot.press(*"/^09\\d0 /", "enter")
        await eventually(lambda: pane.matches is not None and len(pane.matches) == 10)


async def test_level_filter_cycles(tmp_path: Path) -> None:
    lines = ["DEBUG d1", "INFO i1", "WARN w1", "ERROR e1", "INFO i2", "DEBUG d2"]
    log = write_lines(tmp_path / "levels.log", lines)
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        counts = []
        for _ in range(4):
            await pilot.press("v")
            await eventually(lambda: (pane.view.rows is not None) == bool(pane.level) and not pane._busy)
            await pilot.pause()
            counts.append(pane.view.count)
        assert counts == [4, 2, 1, 6]  # info+, warn+, error, all
        await pilot.press("v", "v", "v")
        await eventually(lambda: pane.view.rows is not None and len(pane.view.rows) == 1)
        await pilot.pause()
        assert "ERROR e1" in shown_text(pane) and "level error" in pane._status_text


async def test_e_jumps_between_errors_and_go_test_failures(tmp_path: Path) -> None:
    lines = ["INFO start", "INFO step", "=== RUN   TestA", "--- FAIL: TestA (0.00s)", "INFO more",
             "INFO more", "error: disk full", "INFO end"]  # fmt: skip
    log = write_lines(tmp_path / "errors.log", lines)
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("g", "e")
        await eventually(lambda: pane.view.cursor == 3)
        await pilot.press("e")
        await eventually(lambda: pane.view.cursor == 6)
        await pilot.press("E")
        await eventually(lambda: pane.view.cursor == 3)


async def test_json_lines_columns_and_pretty_record(tmp_path: Path) -> None:
    records = [
        {"time": "2026-01-02T03:04:05Z", "level": "INFO", "msg": "started", "port": 8080},
        {"time": "2026-01-02T03:04:06Z", "level": "ERROR", "msg": "db down", "err": "connection refused"},
    ]
    log = write_lines(tmp_path / "app.jsonl", [json.dumps(r) for r in records])
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        text = shown_text(pane)
        assert "INFO  │ 2026-01-02T03:04:05Z │ started port=8080" in text
        assert "ERROR │ 2026-01-02T03:04:06Z │ db down err=" in text
        assert '{"time"' not in text
        await pilot.press("G", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, RecordScreen)
        body = str(pilot.app.screen.query_one("#logs-record-text").render())
        assert '"level": "ERROR"' in body and '"err": "connection refused"' in body
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, RecordScreen)


async def test_follow_shows_appended_lines_quickly(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "live.log", [f"old {i}" for i in range(50)])
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("f")
        assert pane.following and "following" in pane._status_text
        await watching(pane)

        def writer() -> None:
            with open(log, "a") as f:
                f.write("fresh line from the writer\n")

        threading.Thread(target=writer).start()
        started = time.monotonic()
        await eventually(lambda: "fresh line from the writer" in shown_text(pane), what="the appended line")
        took = time.monotonic() - started
        assert took < 0.5, f"the appended line showed after {took:.2f} s"
        assert pane.view.at_bottom
        await pilot.press("f")
        assert not pane.following


async def test_follow_survives_rotation(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "rot.log", [f"before {i}" for i in range(20)])
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("f")
        await watching(pane)
        os.replace(log, tmp_path / "rot.log.1")
        write_lines(log, ["after rotation 1", "after rotation 2"])
        await eventually(lambda: "after rotation 2" in shown_text(pane), timeout=3)
        await eventually(lambda: pane.source.indexed and pane.source.count() == 2, timeout=3)
        await pilot.pause()
        assert "before" not in shown_text(pane)
        with open(log, "a") as f:
            f.write("after rotation 3\n")
        await eventually(lambda: "after rotation 3" in shown_text(pane), timeout=2)


async def test_lint_marks_violations(tmp_path: Path) -> None:
    good = {"time": "2026-01-02T03:04:05Z", "level": "INFO", "msg": "ok", "component": "api"}
    lines = [json.dumps(good), json.dumps({**good, "level": "LOUD"}), "not json",
             json.dumps({**good, "component": "Bad_Name", "trace_id": "xyz"}), json.dumps(good)]  # fmt: skip
    log = write_lines(tmp_path / "lint.jsonl", lines)
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("L")
        await eventually(lambda: pane.lint.summary.startswith("lint:"))
        await pilot.pause()
        assert set(pane.view.lint_marks) == {1, 3}
        assert "lint 3 ⚠" in pane._status_text and "3 violations on 2 lines" in lint_line(pane)
        rows = shown(pane)
        assert [r[0] for r in rows[:5]] == [" ", "▌", " ", "▌", " "]
        await pilot.press("L")
        assert not pane.view.lint_marks and "⚠" not in pane._status_text and not lint_line(pane)


async def test_command_output_in_source_list_after_r(tmp_path: Path) -> None:
    from m3tui.logs.backend import LocalLogs

    cmdlog.clear()
    async with snapshot_app(logs=LocalLogs()).run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot)
        await runner.run([sys.executable, "-c", "print('hello from the runner')"])
        await pilot.press("r")
        await pilot.pause()
        table = pane.query_one("#logs-sources", DataTable)
        labels = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert any("print('hello from the runner')" in label for label in labels)
        row = next(i for i, label in enumerate(labels) if "hello" in label)
        assert str(table.get_row_at(row)[1]) == "ok"
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("enter")
        await pilot.pause()
        assert "hello from the runner" in shown_text(pane)
        assert pilot.app.focused is pane.view
        await pilot.press("g", "j", "c")
        assert pilot.app.clipboard == "hello from the runner"


async def test_huge_line_and_invalid_utf8_render_quickly(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(b"first\n" + b"x" * (10 * 1024 * 1024) + b"\nlast\n")
    bad = tmp_path / "bad.log"
    bad.write_bytes(b"ok line\n\xff\xfe broken \x1b[31m bytes \x00\nend\n")
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, big)
        started = time.monotonic()
        await indexed(pilot, pane)
        text = shown_text(pane)
        assert "last" in text and "xxxxxxxx" in text
        long = pane.view.text_of(1).plain
        assert long.endswith(f"x … ({10 * 1024 * 1024 - 2000} more bytes)") and len(long) < 2100
        await pilot.press("g", "j", "w")
        await pilot.pause()
        assert "xxxxxxxx" in shown_text(pane)
        await pilot.press("w")
        assert time.monotonic() - started < 5
        pane.open_paths([bad])
        await eventually(lambda: pane.source.name == "bad.log")
        await indexed(pilot, pane)
        text = shown_text(pane)
        assert "\ufffd\ufffd broken \\x1b[31m bytes \\x00" in text
        assert "\x1b" not in text


async def test_open_key_and_tail_before_index(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "typed.log", ["alpha", "beta", "gamma"])
    async with app().run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot)
        await pilot.press("o")
        assert isinstance(pilot.app.focused, Input)
        pilot.app.focused.value = str(log)
        await pilot.press("enter")
        await eventually(lambda: pane.source is not None)
        await pilot.pause()
        assert "gamma" in shown_text(pane)
        await indexed(pilot, pane)
        assert pane.view.cursor_line == 2
        assert "typed.log" in pane._status_text and "3 lines" in pane._status_text


async def test_paths_given_before_the_pane_is_built_open_when_it_is(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "early.log", ["one", "two", "WARN three"])
    async with app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = pilot.app.pane("logs")  # made (not shown, not built)
        assert isinstance(pane, LogsPane) and not pane.built
        pane.open_paths([log])
        await pilot.press("5")
        await eventually(lambda: pane.source is not None and pane.source.indexed)
        await pilot.pause()
        assert "WARN three" in shown_text(pane) and pilot.app.focused is pane.view


async def test_wrap_shows_a_long_line_on_several_rows(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "wide.log", ["short", "word " * 60, "end"])
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        assert len([r for r in shown(pane) if "word" in r]) == 1
        await pilot.press("w")
        await pilot.pause()
        assert len([r for r in shown(pane) if "word" in r]) >= 3
        assert "end" in shown(pane)[4] or "end" in shown_text(pane)
        await pilot.press("g")
        assert shown(pane)[0].endswith("short")


async def test_going_back_from_the_end_lands_on_the_fail_block(tmp_path) -> None:
    """`E` from the bottom: go test's closing FAIL lines lead to the `--- FAIL` block they close."""
    log = tmp_path / "test.log"
    log.write_text("".join(f"=== RUN   TestOk{i}\n--- PASS: TestOk{i} (0.00s)\n" for i in range(50))
                   + "=== RUN   TestX\n--- FAIL: TestX (0.00s)\n    x_test.go:12: bad\nFAIL\nexit status 1\n"
                   "FAIL\texample.com/x\t0.01s\n")  # fmt: skip
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()
        pane = app.main_screen.query_one("#pane-logs")
        pane.open_paths([log])
        await eventually(lambda: pane.source is not None and pane.source.name == "test.log")
        await indexed(pilot, pane)
        pane.view.focus()
        await pilot.press("G", "E")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.view.cursor_line == 101, pane.view.cursor_line  # 0-based: the --- FAIL line


GOTEST = Path(__file__).resolve().parents[1] / "data" / "gotest"  # recorded go test output (README there)


async def test_e_on_go_test_v_output_lands_on_each_failure_message_and_error_level_keeps_them(tmp_path: Path) -> None:
    """`e` stops on `calc_test.go:17: …` (the failure), not only on `--- FAIL`; `v` to error keeps it."""
    log = tmp_path / "go-test-v.txt"
    log.write_bytes((GOTEST / "go-test-v.txt").read_bytes())
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("g")
        stops = []
        for _ in range(7):
            await pilot.press("e")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            stops.append(cursor_text(pane).strip())
        assert stops == [
            "calc_test.go:17: Add(1, 2) = 4, want 3",
            "calc_test.go:28: Add(0, 0) = 1, want 0",
            "calc_test.go:28: Add(2, 2) = 5, want 4",
            "calc_test.go:41: A: about to fail",
            "calc_test.go:43: A: wrong answer",
            "crash_test.go:12: dividing by zero",
            "crash_test.go:12: dividing by zero",  # no errors below: it stays
        ]
        await pilot.press("E")
        await pilot.app.workers.wait_for_complete()
        assert cursor_text(pane).strip() == "calc_test.go:43: A: wrong answer"
        assert pane.view.text_of(pane.view.cursor_line).spans, "the failure is drawn as an error"
        await pilot.press("E", "E")
        await pilot.app.workers.wait_for_complete()
        assert cursor_text(pane).strip() == "calc_test.go:28: Add(2, 2) = 5, want 4"
        await pilot.press("enter")
        await pilot.pause()
        body = str(pilot.app.screen.query_one("#logs-record-text").render())
        assert "go test: the failure of TestTable/small (lines 13–18):" in body
        assert "{name:small a:2 b:2 want:4}" in body and "--- FAIL: TestTable/small" in body  # all of it
        await pilot.press("escape", "e", "e")
        await pilot.app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.press("v")  # info+, warn+, error
        await eventually(lambda: pane.level == 3 and pane.view.rows is not None and not pane._busy)
        await pilot.pause()
        kept = [pane.view.source.raw(line)[0].decode().strip() for line in pane.view.rows]
        assert "calc_test.go:17: Add(1, 2) = 4, want 3" in kept and "{name:zero a:0 b:0 want:0}" in kept
        assert "goroutine 19 [running]:" in kept and "calc_test.go:49: B: fine" not in kept
        assert cursor_text(pane).strip() == "calc_test.go:43: A: wrong answer", "the cursor kept its line"


def lint_line(pane: LogsPane) -> str:
    from textual.widgets import Static

    widget = pane.query_one("#logs-lint", Static)
    return str(widget.render()) if widget.display else ""


async def test_lint_says_why_at_the_cursor_and_in_the_record_and_brackets_jump_between_violations(tmp_path: Path) -> None:
    from tests.screen import screen_text

    good = {"time": "2026-01-02T03:04:05Z", "level": "INFO", "msg": "ok", "component": "api"}
    lines = [json.dumps(good)] * 3 + [json.dumps({**good, "level": "LOUD"}), "not json",
             json.dumps({**good, "component": "Bad_Name", "trace_id": "xyz"})] + [json.dumps(good)] * 30  # fmt: skip
    log = write_lines(tmp_path / "lint.jsonl", lines)
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("L")
        await eventually(lambda: pane.lint.summary.startswith("lint:"))
        await pilot.press("g")
        await pilot.pause()
        assert "3 violations on 2 lines" in lint_line(pane) and "] next" in lint_line(pane)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert pane.view.cursor_line == 3
        assert "line 4: level 'LOUD' is not one of DEBUG, ERROR, INFO, WARN" in lint_line(pane)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert pane.view.cursor_line == 5
        said = lint_line(pane)
        assert "component 'Bad_Name' does not match" in said and "trace_id 'xyz' is not 32 lowercase hex" in said
        assert "trace_id 'xyz'" in screen_text(pilot.app), "the reason is on screen, not cut"
        await pilot.press("right_square_bracket")  # none below: it stays
        await pilot.pause()
        assert pane.view.cursor_line == 5
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert pane.view.cursor_line == 3
        await pilot.press("j", "j")
        await pilot.pause()
        assert "trace_id 'xyz'" in lint_line(pane), "moving the cursor onto a marked line says why too"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, RecordScreen)
        body = str(pilot.app.screen.query_one("#logs-record-text").render())
        assert "component 'Bad_Name' does not match ^[a-z][a-z0-9]*(-[a-z0-9]+)*$" in body
        assert "trace_id 'xyz' is not 32 lowercase hex digits (W3C trace-context)" in body
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        ids = {k.binding_id: k.keys for k in pilot.app.screen.pane_keys}
        assert "]" in ids["logs.next_violation"] and "[" in ids["logs.previous_violation"]


async def test_the_status_line_fits_at_80_columns(tmp_path: Path) -> None:
    """Everything on: the status is said short, never cut (`lint: 2089 v…`)."""
    from tests.screen import screen_text

    records = [json.dumps({"time": "2026-01-02T03:04:05Z", "level": "LOUD" if i % 3 else "WARN", "msg": f"request {i}"})
               for i in range(3000)]  # fmt: skip
    log = write_lines(tmp_path / "a-rather-long-service-name.jsonl", records)
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("L", "f", "w", "v", "v")
        await pilot.press("slash", *"request", "enter")
        await eventually(lambda: pane.lint.summary.startswith("lint:") and pane.matches is not None and not pane._busy)
        await pilot.pause()
        status = next(line for line in screen_text(pilot.app).splitlines() if "a-rather-lon" in line and "·" in line)
        assert not status.endswith("…") and len(status.strip()) <= 78, status
        assert "lint 2,000 ⚠" in status and "3,000 lines" in status and "/request 3,000" in status, status
        assert "warn+" in status, status


async def test_wrap_keeps_every_character_beside_the_scrollbar(tmp_path: Path) -> None:
    """`w` wraps at the width left of the scrollbar: no character is drawn under it."""
    long = "".join(f"{i:03d}," for i in range(60))  # 240 characters, each different where it is
    log = write_lines(tmp_path / "wide.log", [f"line {i}" for i in range(100)] + [long])
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        assert pane.view.scrollbars_enabled[0], "a scrollbar: 101 lines in a short view"
        await pilot.press("G", "w")
        await pilot.pause()
        gutter = pane.view.gutter_width()
        rows = [row[gutter:] for row in pane.view.visible_lines()]
        start = next(i for i, row in enumerate(rows) if row.startswith("000,"))
        joined = "".join(row.rstrip() for row in rows[start:])
        assert joined == long, joined
        assert all(len(row) <= pane.view.scrollable_content_region.width - gutter for row in rows)


def mixed_levels(n: int) -> list[str]:
    return [f"{i:03d} WARN w" if i % 10 == 8 else f"{i:03d} INFO i" for i in range(n)]


async def test_cursor_keeps_its_line_across_filters_follow_and_source_switches(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "levels.log", mixed_levels(60))
    other = write_lines(tmp_path / "other.log", ["other 1", "other 2"])
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("g", *["j"] * 20)  # line 20: INFO, hidden at warn+; the closest shown is 18
        assert cursor_text(pane) == "020 INFO i"
        await pilot.press("v", "v")
        await eventually(lambda: pane.level == 2 and pane.view.rows is not None and not pane._busy)
        await pilot.pause()
        assert cursor_text(pane) == "018 WARN w", "the closest line shown"
        await pilot.press("v", "v")
        await eventually(lambda: pane.view.rows is None)
        assert cursor_text(pane) == "018 WARN w", "back to all: the same line"
        await pilot.press("f")
        await watching(pane)
        assert pane.view.at_bottom
        await pilot.press("k", "k", "k")
        assert cursor_text(pane) == "056 INFO i"
        with open(log, "a") as f:
            f.write("060 INFO appended\n")
        await eventually(lambda: pane.source.count() == 61, what="the appended line")
        await pilot.pause()
        assert cursor_text(pane) == "056 INFO i", "a followed file grows: the cursor moved up stays"
        assert "paused" in pane._status_text
        await pilot.press("G")
        with open(log, "a") as f:
            f.write("061 INFO appended\n")
        await eventually(lambda: cursor_text(pane) == "061 INFO appended", what="following the end again")
        await pilot.press("f", "g", "j", "j", "j")
        assert cursor_text(pane) == "003 INFO i"
        pane.open_paths([other])
        await eventually(lambda: pane.source.name == "other.log")
        table = pane.query_one("#logs-sources", DataTable)
        table.focus()
        await pilot.press("down", "enter")  # the list: other.log, levels.log
        await eventually(lambda: pane.source.name == "levels.log")
        await pilot.pause()
        assert cursor_text(pane) == "003 INFO i", "back on a source: where its cursor was"
        assert pilot.app.focused is pane.view


def command(argv: list[str], started: str, out: str) -> CommandRecord:
    return CommandRecord(argv=argv, cwd=None, started=started, duration_s=0.5, returncode=0, stdout_tail=[out])


async def test_a_command_row_keeps_its_place_when_the_list_reloads() -> None:
    backend = FixedLogsBackend([command(["go", "version"], "2026-01-02T03:04:05Z", "go version go1.27.3"),
                                command(["go", "env"], "2026-01-02T03:04:00Z", "GOOS=linux")])  # fmt: skip
    async with snapshot_app(logs=backend).run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot)
        table = pane.query_one("#logs-sources", DataTable)
        await pilot.press("tab")
        assert pilot.app.focused is table, "tab goes from the lines to the source list"
        await pilot.press("j", "enter")  # j/k move in the list as in the lines
        await eventually(lambda: pane.source is not None and pane.source.name == "go env")
        backend._commands.insert(0, command(["go", "build", "./..."], "2026-01-02T03:05:00Z", "built"))
        await pilot.press("r")
        await pilot.pause()
        assert table.cursor_row == 2 and str(table.get_row_at(2)[0]) == "go env", "the same command, one row down"
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert pane.source.name == "go env" and "GOOS=linux" in shown_text(pane)


async def test_a_command_line_with_brackets_is_listed_as_typed_not_as_markup() -> None:
    argv = ["go", "test", "-run", "Test[bold]Fast[/bold]|[red]", "./..."]
    async with snapshot_app(logs=FixedLogsBackend([command(argv, "2026-01-02T03:04:05Z", "ok")])).run_test(size=(100, 24)) as pilot:
        pane = await open_logs(pilot)
        table = pane.query_one("#logs-sources", DataTable)
        cell = table.get_row_at(0)[0]
        assert isinstance(cell, Text) and "Test[bold]Fast[/bold]|[red]" in cell.plain and not cell.spans


async def test_help_lists_every_key_of_the_pane_enter_included() -> None:
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot)
        assert pilot.app.focused is pane.view and pane.focus_target() is pane.view
        await pilot.press("question_mark")
        await pilot.pause()
        listed = {k.binding_id for k in pilot.app.screen.pane_keys}
        every = {b.id for b in [*LogsPane.BINDINGS, *LogView.BINDINGS]}
        assert every <= listed, every - listed
        assert {k.binding_id: k.keys for k in pilot.app.screen.pane_keys}["logs.pretty"] == "⏎"


def cell_background(app, region, y: int):
    strips = app.screen._compositor.render_strips()
    x = region.x + 1
    for seg in strips[y]:
        if x < len(seg.text):
            return seg.style.bgcolor if seg.style else None
        x -= len(seg.text)
    return None


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "ansi-dark"])
async def test_the_prompt_is_highlighted_while_typing_and_esc_returns_to_the_view(tmp_path: Path, theme: str) -> None:
    from tests.screen import screen_text

    log = write_lines(tmp_path / "app.log", [f"line {i}" for i in range(50)])
    async with snapshot_app(logs=FixedLogsBackend(), theme=theme).run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        view = pane.view
        cursor_y = view.content_region.y + (view.cursor - view.scroll_offset.y)
        assert cell_background(pilot.app, view.region, cursor_y) != cell_background(pilot.app, view.region, cursor_y - 1), \
            "the cursor line stands out"  # fmt: skip
        await pilot.press("slash")
        await pilot.pause()
        prompt = pilot.app.focused
        assert isinstance(prompt, Input)
        row = prompt.region.y
        assert "search" in screen_text(pilot.app).splitlines()[row], "the prompt says what it asks"
        status = pane.query_one("#logs-status").region
        assert cell_background(pilot.app, prompt.region, row) != cell_background(pilot.app, status, status.y), \
            "the input being typed into stands out"  # fmt: skip
        await pilot.press(*"line", "escape")
        await pilot.pause()
        assert pilot.app.focused is view and not pane.query_one("#logs-prompt").display
        await pilot.press("v")
        assert pane.level == 1, "the pane's keys work again"
        pane.query_one("#logs-sources", DataTable).focus()
        await pilot.press("escape")
        assert pilot.app.focused is view


async def test_a_match_off_to_the_right_is_panned_into_view(tmp_path: Path) -> None:
    lines = [json.dumps({"time": "2026-01-02T03:04:05Z", "level": "INFO", "msg": "request served " + "x" * 80,
                         "component": "needle" if i == 30 else "api"}) for i in range(40)]  # fmt: skip
    log = write_lines(tmp_path / "wide.jsonl", lines)
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("g", "slash", *"needle", "enter")
        await eventually(lambda: pane.view.cursor_line == 30)
        await pilot.pause()
        assert any("component=needle" in row for row in shown(pane)), shown(pane)


async def test_an_empty_view_says_why_and_a_followed_files_size_grows_in_the_list(tmp_path: Path) -> None:
    empty = write_lines(tmp_path / "empty.log", [])
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, empty)
        await indexed(pilot, pane)
        assert shown(pane)[0].startswith("no lines yet · f follows the file as it grows")
        await pilot.press("f")
        await watching(pane)
        with open(empty, "a") as f:
            f.write("INFO first line\n")
        await eventually(lambda: "INFO first line" in shown_text(pane), what="the first line")
        table = pane.query_one("#logs-sources", DataTable)
        await eventually(lambda: str(table.get_row_at(0)[2]) == "16 B", what="the new size in the list")
        await pilot.press("v", "v", "v")
        await eventually(lambda: pane.level == 3 and pane.view.rows is not None and not pane._busy)
        await pilot.pause()
        assert shown(pane)[0].startswith("no line shown: the filters hide them all")


async def test_the_footer_fits_at_80_columns_and_says_esc_while_typing(tmp_path: Path) -> None:
    from tests.screen import screen_text

    log = write_lines(tmp_path / "app.log", ["one", "two"])
    async with app().run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot, log)
        footer = screen_text(pilot.app).splitlines()[-1]
        assert "⏎ Details" in footer and "q Quit" in footer and "esc" not in footer, footer
        await pilot.press("slash")
        await pilot.pause()
        footer = screen_text(pilot.app).splitlines()[-1]
        assert "esc Cancel" in footer and "o Open" not in footer, footer
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.focused is pane.view and "esc" not in screen_text(pilot.app).splitlines()[-1]


async def test_a_long_command_line_leaves_room_for_its_status_at_80_columns() -> None:
    from tests.screen import screen_text

    argv = ["go", "env", "-json", "GOROOT", "GOPATH", "GOOS", "GOARCH", "GOFLAGS", "GOPROXY", "GONOSUMDB", "GOPRIVATE",
            "GOTOOLCHAIN", "GOVERSION", "CGO_ENABLED"]  # fmt: skip
    backend = FixedLogsBackend([CommandRecord(argv=argv, cwd=None, started="2026-01-02T03:04:05Z", duration_s=0.25,
                                              returncode=0, stdout_tail=["{}"])])  # fmt: skip
    async with snapshot_app(logs=backend).run_test(size=(80, 24)) as pilot:
        pane = await open_logs(pilot)
        row = next(line for line in screen_text(pilot.app).splitlines() if "go env -json" in line)
        assert "ok" in row and "0.25 s" in row and "…" in row, row
        await eventually(lambda: pane.source is not None)  # the list's first row, shown at once
        assert pane.source.raw(0)[0].decode() == "$ " + " ".join(argv), "the whole command line is its first line"
