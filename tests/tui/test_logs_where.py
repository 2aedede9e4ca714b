"""The Logs pane's `&` field filter, driven by keys: completion, the filter shown, combined with the level filter, cleared."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input

from m3tui.tui.panes.log_where import WhereScreen
from tests.appkit import FixedLogsBackend, snapshot_app
from tests.tui.test_logs_pane import indexed, open_logs
from tests.wait import eventually


def rec(i: int, level: str, component: str, duration: int | str) -> str:
    return json.dumps({"time": f"2024-05-01T12:00:{i:02d}Z", "level": level, "msg": f"step {i}", "component": component,
                       "duration": duration})  # fmt: skip


async def test_ampersand_filters_by_fields_with_completion_and_clears(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([
        rec(0, "INFO", "m3-query", 100_000_000), rec(1, "WARN", "m3-query", 900_000_000), "plain text WARN",
        rec(2, "ERROR", "m3-db", "2s"), f'time=2024-05-01T12:00:03Z level=warn msg="step 3" component=m3-query duration=1.5s',
        rec(4, "WARN", "m3-query", "400ms"),
    ]) + "\n")  # fmt: skip
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 40)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("ampersand")
        await eventually(lambda: isinstance(pilot.app.screen, WhereScreen), what="the & prompt")
        field = pilot.app.screen.query_one(Input)
        await pilot.press(*"compo")
        await pilot.press("tab")  # the field name, completed from those seen
        assert field.value == "component"
        await pilot.press(*"=m3-q", "tab")  # and its value
        assert field.value == "component=m3-query"
        await pilot.press(*" duration>", "enter")  # a bad term: said under the input, which stays
        await pilot.pause()
        assert isinstance(pilot.app.screen, WhereScreen)
        assert "> needs a value" in str(pilot.app.screen.query_one("#logs-where-error").render())
        await pilot.press(*"500ms", "enter")
        await eventually(lambda: pane.view.rows is not None and list(pane.view.rows) == [1, 4], what="the filtered rows")
        assert "& component=m3-query duration>500ms" in pane._status_text
        await pilot.press("v", "v")  # level warn+ too: both filters hold
        await eventually(lambda: pane.view.rows is not None and list(pane.view.rows) == [1, 4] and pane.level == 2)
        await pilot.press("ampersand")
        await eventually(lambda: isinstance(pilot.app.screen, WhereScreen))
        await pilot.press("escape")  # esc: the filter stays
        await pilot.pause()
        assert pane.where.text == "component=m3-query duration>500ms"
        await pilot.press("ampersand")
        await eventually(lambda: isinstance(pilot.app.screen, WhereScreen))
        pilot.app.screen.query_one(Input).value = ""
        await pilot.press("enter")  # empty: cleared (the level filter alone now)
        await eventually(lambda: pane.where.filter is None and pane.view.rows is not None and list(pane.view.rows) == [1, 2, 3, 4, 5])
        assert "&" not in pane._status_text
        pane.where.apply("component=m3-db")
        await eventually(lambda: pane.view.rows is not None and list(pane.view.rows) == [3])
        await pilot.press("escape")  # esc in the pane clears it too
        await eventually(lambda: pane.where.filter is None and pane.view.rows is not None and list(pane.view.rows) == [1, 2, 3, 4, 5])


async def test_ampersand_reads_a_long_record_whole_as_the_cli_does(tmp_path: Path) -> None:
    """A JSON record of 20 KB is still a record to `&` (the screen shows it cut at 8 KB), as for `--where`."""
    log = tmp_path / "long.log"
    big = json.dumps({"time": "2024-05-01T12:00:01Z", "level": "WARN", "msg": "x" * 20_000, "component": "m3-big"})
    log.write_text("\n".join([rec(0, "INFO", "m3-query", 1), big, rec(2, "WARN", "m3-big", 2)]) + "\n")
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 40)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        pane.where.apply("component=m3-big")
        await eventually(lambda: pane.view.rows is not None and list(pane.view.rows) == [1, 2], what="both m3-big records")
        pane.set_search("m3-big")  # the search's matches filtered by & (F: only the matching lines)
        await pilot.press("F")
        await eventually(lambda: pane.filtering and pane.view.rows is not None and list(pane.view.rows) == [1, 2],
                         what="the matches kept by &")  # fmt: skip


async def test_lint_with_ampersand_on_checks_only_its_lines_as_lint_where_does(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([
        rec(0, "INFO", "m3-query", 1),
        json.dumps({"time": "yesterday", "level": "INFO", "msg": "m", "component": "m3-db"}),  # a bad time
        json.dumps({"time": "2024-05-01T12:00:02Z", "level": "LOUD", "msg": "m", "component": "m3-query"}),  # a bad level
    ]) + "\n")  # fmt: skip
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 40)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("L")
        await eventually(lambda: pane.lint.summary.startswith("lint:") and set(pane.view.lint_marks) == {1, 2},
                         what="both violations, no filter")  # fmt: skip
        pane.where.apply("component=m3-query")  # lint again, on the & lines only; the line numbers kept
        await eventually(lambda: pane.lint.summary.startswith("lint:") and set(pane.view.lint_marks) == {2},
                         what="the m3-query line's violation only")  # fmt: skip
        assert pane.lint.summary == "lint: 1 violation on 1 line (level 1)"
        pane.where.apply("")
        await eventually(lambda: set(pane.view.lint_marks) == {1, 2}, what="both again, the filter cleared")
