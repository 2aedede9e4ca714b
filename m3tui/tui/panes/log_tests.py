"""go test output in the Logs pane as tests (`T`): packages → tests → subtests in a Tree.

:class:`PaneTests` holds the view's state (shown or not, the last tree) and builds it in a thread
from the source shown (:func:`m3tui.logs.gotest_source.tests_view`): a snapshot of rows (labels,
what enter shows), so the UI never reads a tree a thread is still feeding. A ``go test -json``
source shows the tree at once (its raw events are hard to read); plain ``go test [-v]`` text
keeps its lines, and `T` shows the tree. In the tree: marks ✗ ✓ ↷ and elapsed, failures first,
failed packages and tests open; `enter` opens a test's own output (the failure first), `e`/`E`
go to the next/previous failure, `T` goes back to the lines. A followed file or pipe regrows it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from m3tui.tui.panes.base import focus_now

if TYPE_CHECKING:
    from m3tui.logs.gotest import GoTestTree, PackageNode, TestNode
    from textual.timer import Timer

    from m3tui.logs.sources import Source
    from m3tui.tui.panes.logs import LogsPane

Key = tuple[str, str]  # (package, test); test "" is the package itself
_MARK = {"fail": ("✗", "bold red"), "pass": ("✓", "green"), "skip": ("↷", "yellow"), "run": ("…", "cyan"),
         "pause": ("…", "cyan")}  # fmt: skip
#: Build output lines shown under a package that did not build (enter shows them all).
BUILD_LINES = 12
#: Seconds between rebuilds of the tree while its source grows.
REBUILD = 0.3


@dataclass(frozen=True, slots=True)
class Row:
    """One node of the tree, made in a thread: what it says, what enter shows."""

    key: Key
    label: Text
    failed: bool
    open: bool  # expanded at first
    title: str
    body: str
    children: tuple[Row, ...] = ()


@dataclass(frozen=True, slots=True)
class Model:
    rows: tuple[Row, ...]
    summary: str
    title: str  # over the tree: the counts, and how to get back to the lines
    json: bool  # from go test -json events


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}s"


def _safe(text: str) -> str:
    """A line of go's (or a test's) output shown as it is, its control characters escaped."""
    from m3tui.logs.index import one_line

    return one_line(text.replace("\t", "    "))


def _label(status: str, name: str, *notes: str) -> Text:
    mark, style = _MARK.get(status, ("?", ""))
    text = Text.assemble((mark, style), " ", (_safe(name), "bold" if status == "fail" else ""))
    for note in notes:
        if note:
            text.append(f"  {note}", style="dim")
    return text


def _test_row(pkg: PackageNode, node: TestNode) -> Row:
    from m3tui.logs.gotest import failure_first

    runs = node.runs
    notes = [_secs(node.elapsed)]
    if len(runs) > 1:
        notes.append(f"×{len(runs)}" + (f" ({node.failed_runs} failed)" if node.failed_runs else ""))
    parts: list[str] = [f"{_safe(node.name)}: {node.status}" + (f" in {_secs(node.elapsed)}" if node.elapsed is not None else "")]
    for k, run in enumerate(runs):
        if len(runs) > 1:
            parts.append(f"\n— run {k + 1} of {len(runs)}: {run.status} {_secs(run.elapsed)}")
        lines = [_safe(o.text) for o in failure_first(run)]
        parts.append("\n".join(lines) if lines else "(no output)")
        if run.dropped:
            parts.append(f"… {run.dropped} more lines not kept")
    children = tuple(_test_row(pkg, c) for c in node.sorted_children())
    failed = [c.short for c in node.sorted_children() if c.status == "fail"]
    if failed:
        parts.append(f"(its subtests failed: {', '.join(failed)})")
    return Row((pkg.name, node.name), _label(node.status, node.short, *notes), node.status == "fail",
               node.status == "fail" and bool(children), _safe(f"{pkg.name} · {node.name}"), "\n".join(parts), children)  # fmt: skip


def _package_row(tree: GoTestTree, pkg: PackageNode) -> Row:
    tests = list(pkg.every.values())
    failed = sum(n.status == "fail" for n in tests)
    if pkg.build_failed:
        notes = ["build failed"]
        body = "\n".join(_safe(line) for line in pkg.build_output)
        children = tuple(Row((pkg.name, f"#build{i}"), Text(_safe(line), style="red"), True, False,
                             f"{pkg.name} · build", body) for i, line in enumerate(pkg.build_output[:BUILD_LINES]))  # fmt: skip
    else:
        notes = [_secs(pkg.elapsed), f"{failed} of {len(tests)} failed" if failed else f"{len(tests)} tests",
                 "cached" if pkg.cached else ""]  # fmt: skip
        body = "\n".join(_safe(o.text) for o in pkg.output.output) or "(no output of its own)"
        children = tuple(_test_row(pkg, n) for n in pkg.sorted_tests())
    status = "fail" if pkg.build_failed else pkg.status
    return Row((pkg.name, ""), _label(status, pkg.name or "(package not ended yet)", *notes), status == "fail",
               status == "fail" or status == "run", _safe(pkg.name) or "package", body, children)  # fmt: skip


def make_model(tree: GoTestTree) -> Model:
    """The rows of a tree (in the thread that fed it)."""
    from m3tui.logs.gotest_summary import summary_head

    rows = tuple(_package_row(tree, p) for p in tree.sorted_packages())
    c = tree.counts()
    title = f"tests: {c['pass']} passed, {c['fail']} failed, {c['skip']} skipped" + (f", {c['run']} running" if c["run"] else "")
    return Model(rows, summary_head(tree), title + " · T: the lines", tree.events > 0)


class GoTestsTree(Tree[Row]):
    """The tests; `e`/`E` jump between failures, enter opens one's output."""

    DEFAULT_CSS = """
    GoTestsTree { height: 1fr; border-top: solid $panel; background: $background; }
    GoTestsTree:focus { border-top: solid $primary; }
    """
    BINDINGS: ClassVar = [
        Binding("e", "next_failure(False)", "Next failure", id="logs.tests_next_failure"),
        Binding("E", "next_failure(True)", "Previous failure", show=False, id="logs.tests_previous_failure"),
        Binding("enter", "select_cursor", "Output", id="logs.tests_output"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__("go test", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 3

    def fill(self, model: Model) -> None:
        """Show ``model``, keeping the cursor on the same test and what the user opened or closed."""
        was = self.cursor_node.data.key if self.cursor_node is not None and self.cursor_node.data else None
        opened = {n.data.key: n.is_expanded for n in self._all() if n.data is not None and n.children}
        self.border_title = Text(model.title)
        self.clear()
        by_key: dict[Key, TreeNode[Row]] = {}

        def add(parent: TreeNode[Row], row: Row) -> None:
            if row.children:
                node = parent.add(row.label, data=row, expand=opened.get(row.key, row.open))
                for child in row.children:
                    add(node, child)
            else:
                node = parent.add_leaf(row.label, data=row)
            by_key[row.key] = node

        for row in model.rows:
            add(self.root, row)
        target = by_key.get(was) if was is not None else None
        if target is None and model.rows:
            target = self._failures()[0] if self._failures() else by_key.get(model.rows[0].key)
        if target is not None:
            self.call_after_refresh(self._reveal, target)

    def _all(self) -> list[TreeNode[Row]]:
        out: list[TreeNode[Row]] = []

        def down(node: TreeNode[Row]) -> None:
            for child in node.children:
                out.append(child)
                down(child)

        down(self.root)
        return out

    def on_tree_node_selected(self, event: Tree.NodeSelected[Row]) -> None:
        """enter: a test's output (the failure first), a package's build output or own lines; a
        package that built opens or closes."""
        from m3tui.tui.panes.log_record import RecordScreen

        event.stop()
        row = event.node.data
        if row is None:
            return
        if row.key[1] == "" and row.children and not row.children[0].key[1].startswith("#build"):
            event.node.toggle()
            return
        self.app.push_screen(RecordScreen(row.title, row.body))

    def _reveal(self, node: TreeNode[Row]) -> None:
        parent = node.parent
        while parent is not None and parent is not self.root:
            parent.expand()
            parent = parent.parent
        self.call_after_refresh(self.move_cursor, node)

    def _failures(self) -> list[TreeNode[Row]]:
        """Failed tests (the leaves of a failure: not a test whose subtests failed) and packages that did not build, in order."""
        out: list[TreeNode[Row]] = []

        def down(node: TreeNode[Row]) -> None:
            for child in node.children:
                row = child.data
                if row is None:
                    continue
                own = row.failed and row.key[1] and not any(c.failed for c in row.children)
                build = row.failed and row.key[1] == "" and row.children and row.children[0].key[1].startswith("#build")
                if own or build:
                    out.append(child)
                elif row.failed:
                    down(child)

        down(self.root)
        return out

    def action_next_failure(self, reverse: bool) -> None:
        failures = self._failures()
        if not failures:
            self.app.notify("no failures", title="tests", timeout=3)
            return
        here = self.cursor_node
        keys = [n.data.key for n in failures if n.data is not None]
        order = self._order()
        at = order.get(here.data.key, -1) if here is not None and here.data is not None else -1
        if reverse:
            before = [n for n, k in zip(failures, keys) if order[k] < at]
            target = before[-1] if before else failures[-1]
        else:
            after = [n for n, k in zip(failures, keys) if order[k] > at]
            target = after[0] if after else failures[0]
        self._reveal(target)

    def _order(self) -> dict[Key, int]:
        """Every node's place in the whole tree (opened or not)."""
        order: dict[Key, int] = {}

        def down(node: TreeNode[Row]) -> None:
            for child in node.children:
                if child.data is not None:
                    order[child.data.key] = len(order)
                down(child)

        down(self.root)
        return order


class PaneTests:
    """The tests view of a Logs pane."""

    def __init__(self, pane: LogsPane) -> None:
        self.pane = pane
        self.on = False  # the tree is shown instead of the lines
        self.model: Model | None = None  # the source shown's, None: not go test output (or not known yet)
        self._src: Source | None = None
        self._chosen: dict[int, bool] = {}  # id(source) -> shown or not, as the user last chose with T
        self._stop = threading.Event()
        self._timer: Timer | None = None

    @property
    def tree(self) -> GoTestsTree:
        """The tree, mounted below the lines on first use: most logs are not go test output, and
        `m3tui logs FILE`'s first paint should not pay for a hidden Tree (benchmarks/logtail.py)."""
        found = self.pane.query("#logs-tests")
        if found:
            return found.first(GoTestsTree)
        tree = GoTestsTree(id="logs-tests")
        tree.display = False
        self.pane.query_one("#logs-body").mount(tree)
        return tree

    def shown(self, src: Source) -> None:
        """A source is shown (or its lines renumbered): build its tests, in a thread."""
        if src is not self._src:
            self._src, self.model = src, None
            self._set(self._chosen.get(id(src), False))
        self._start(src)

    def refresh(self, src: Source) -> None:
        """The source grew: build again, at most every REBUILD seconds (a fast pipe gives many batches)."""
        if self._timer is None:
            self._timer = self.pane.set_timer(REBUILD, lambda: self._start(src))

    def _start(self, src: Source) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._stop.set()
        stop = self._stop = threading.Event()
        self.pane.run_worker(self._build(src, stop), group="logs-tests", exclusive=True)

    async def _build(self, src: Source, stop: threading.Event) -> None:
        import asyncio

        from m3tui.logs.gotest_source import tests_view

        model = await asyncio.to_thread(tests_view, src, make_model, stop)
        if src is not self._src or stop.is_set():
            return
        self.model = model
        if model is None:
            if self.on:
                self._set(False)
            return
        if id(src) not in self._chosen and model.json and not self.on:
            self._set(True)  # go test -json: the tree first
        if self.on:
            self.tree.fill(model)

    def toggle(self) -> None:
        src = self.pane.source
        if src is None:
            return
        if not self.on and self.model is None:
            self.pane.app.notify("not go test output (or not read yet): nothing to show as tests", title="tests", timeout=3)
            return
        self._chosen[id(src)] = not self.on
        self._set(not self.on)

    def _set(self, on: bool) -> None:
        pane = self.pane
        if not pane.built:
            return
        self.on = on
        tree, view = self.tree, pane.view
        tree.display, view.display = on, not on
        if on and self.model is not None:
            tree.fill(self.model)
        focus_now(tree if on else view)
        pane.refresh_bindings()
