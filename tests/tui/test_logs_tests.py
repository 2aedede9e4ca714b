"""The Logs pane's tests tree (`T`): real go test recordings (tests/data/gotestmod/recordings),
real files, the real follower. -json shows the tree at once; `e` walks the failures, enter opens a
test's output (the failure first), `T` goes back to the lines; -v text keeps its lines until `T`."""

from __future__ import annotations

from pathlib import Path

from m3tui.tui.panes.log_record import RecordScreen
from m3tui.tui.panes.log_tests_tree import GoTestsTree
from m3tui.tui.panes.log_view import LogView
from tests.testdata import DATA
from tests.tui.test_logs_pane import app, indexed, open_logs, watching
from tests.wait import eventually

REC = DATA / "gotestmod" / "recordings"


def copy(tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    dst.write_bytes((REC / name).read_bytes())
    return dst


def cursor_key(tree: GoTestsTree) -> tuple[str, str] | None:
    node = tree.cursor_node
    return node.data.key if node is not None and node.data is not None else None


def labels(tree: GoTestsTree) -> list[str]:
    return [line.node.label.plain for line in tree._tree_lines]


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def test_json_shows_the_tree_and_e_walks_the_failures(tmp_path: Path) -> None:
    log = copy(tmp_path, "go-test-json.txt")
    async with app().run_test(size=(100, 34)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        tree = pane.query_one(GoTestsTree)
        await eventually(lambda: pane.tests.on and tree.display and isinstance(pilot.app.focused, GoTestsTree))
        await eventually(lambda: cursor_key(tree) == ("example.com/gotestmod/broken", ""))  # the first failure: the build
        assert not pane.view.display
        shown = labels(tree)
        assert shown[0].startswith("✗ example.com/gotestmod/broken") and "build failed" in shown[0]
        assert "broken/broken.go:3:28: undefined: undefinedThing" in shown
        assert any(x.startswith("✓ example.com/gotestmod/") for x in shown) is False  # every package failed
        assert [x.split()[1] for x in shown if x.startswith(("✗ Test", "✓ Test", "↷ Test"))][:3] == [
            "TestAddTwo", "TestTable", "TestParallelA"]  # fmt: skip
        stops = []
        for _ in range(5):
            await press(pilot, "e")
            stops.append(cursor_key(tree))
        assert [k[1] if k else None for k in stops] == ["TestAddTwo", "TestTable/two", "TestParallelA", "TestRatioZero", ""]
        await press(pilot, "E")
        assert cursor_key(tree) == ("example.com/gotestmod/server", "TestRatioZero")
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, RecordScreen)
        body = str(pilot.app.screen.query_one("#logs-record-text").render())
        lines = body.splitlines()
        assert lines[0] == "TestRatioZero: fail in 0.00s"
        assert lines[1].startswith("panic: runtime error: integer divide by zero")  # the failure first
        await press(pilot, "escape", "T")
        assert pane.view.display and not tree.display and isinstance(pilot.app.focused, LogView)
        await press(pilot, "T")
        assert tree.display and isinstance(pilot.app.focused, GoTestsTree)
        assert cursor_key(tree) == ("example.com/gotestmod/server", "TestRatioZero")  # where it was
        # The tables' keys: g/G to the first and last rows, j/k one row (the tree's, not the hidden lines')
        await press(pilot, "g")
        assert tree.cursor_line == 0 and cursor_key(tree) == ("example.com/gotestmod/broken", "")
        await press(pilot, "j")
        assert tree.cursor_line == 1
        await press(pilot, "k", "G")
        assert tree.cursor_line == tree.last_line > 1


async def test_plain_v_keeps_its_lines_until_T(tmp_path: Path) -> None:
    log = copy(tmp_path, "go-test-v.txt")
    async with app().run_test(size=(100, 34)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await eventually(lambda: pane.tests.model is not None)
        assert not pane.tests.on and pane.view.display
        await press(pilot, "T")
        tree = pane.query_one(GoTestsTree)
        assert tree.display and isinstance(pilot.app.focused, GoTestsTree)
        shown = labels(tree)
        assert any(x.startswith("✗ TestParallelA") for x in shown) and any(x.startswith("✓ TestParallelB") for x in shown)
        assert any(x.startswith("↷ TestSkipped") for x in shown)


async def test_a_followed_json_stream_grows_the_tree(tmp_path: Path) -> None:
    lines = (REC / "go-test-json.txt").read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if '"Package":"example.com/gotestmod/server"' in line)
    log = tmp_path / "stream.json"
    log.write_text("".join(lines[:cut]))
    async with app().run_test(size=(100, 34)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await eventually(lambda: pane.tests.on)
        tree = pane.query_one(GoTestsTree)
        assert not any("server" in x for x in labels(tree))
        await pilot.press("f")  # (the follower runs until stopped: not waited for)
        await watching(pane)
        with log.open("a") as f:
            f.write("".join(lines[cut:]))
        await eventually(lambda: any(x.startswith("✗ example.com/gotestmod/server") for x in labels(tree)),
                         what="the server package in the tree")  # fmt: skip
        assert pane.tests.model is not None and pane.tests.model.summary.startswith("go test: 14 test runs")


async def test_a_followed_file_that_begins_empty_becomes_a_tree(tmp_path: Path) -> None:
    """As `go test -json ./... > out.json` fills a file m3tui follows: the tree appears with the events."""
    log = tmp_path / "out.json"
    log.write_text("")
    async with app().run_test(size=(100, 34)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("f")
        await watching(pane)
        assert not pane.tests.on
        with log.open("a") as f:
            f.write((REC / "go-test-json.txt").read_text())
        assert not pane.query(GoTestsTree)  # made when first shown
        await eventually(lambda: pane.tests.on and any(x.startswith("✗ example.com/gotestmod/server")
                                                       for x in labels(pane.query_one(GoTestsTree))),
                         what="the tree of the events written")  # fmt: skip
        tree = pane.query_one(GoTestsTree)
