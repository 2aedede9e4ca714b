"""The go tests tree of the Logs pane (`T`): packages → tests → subtests, `e`/`E` between
failures, enter for a test's output; and its rows, made in a thread (`make_model`). Its own
module, imported once a source is shown (log_tests.PaneTests): most logs are not go test output,
and Textual's Tree and these dataclasses are not worth importing before the first paint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

if TYPE_CHECKING:
    from m3tui.logs.gotest import GoTestTree, PackageNode, TestNode

Key = tuple[str, str]  # (package, test); test "" is the package itself
_MARK = {"fail": ("✗", "bold red"), "pass": ("✓", "green"), "skip": ("↷", "yellow"), "run": ("…", "cyan"),
         "pause": ("…", "cyan")}  # fmt: skip
#: Build output lines shown under a package that did not build (enter shows them all).
BUILD_LINES = 12


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


class GoTestsTree(Tree[Row], inherit_bindings=False):
    """The tests; `e`/`E` jump between failures, enter opens one's output."""

    DEFAULT_CSS = """
    GoTestsTree { height: 1fr; border-top: solid $panel; background: $background; }
    GoTestsTree:focus { border-top: solid $primary; }
    """
    # Tree's own keys, each with an id (a config keymap can name it), and j/k g/G as in the tables.
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "Output", id="logs.tests_output"),
        Binding("e", "next_failure(False)", "Next failure", id="logs.tests_next_failure"),
        Binding("E", "next_failure(True)", "Previous failure", show=False, id="logs.tests_previous_failure"),
        Binding("up,k", "cursor_up", "Previous row", show=False, id="logs.tests_up"),
        Binding("down,j", "cursor_down", "Next row", show=False, id="logs.tests_down"),
        Binding("home,g", "scroll_home", "First row", show=False, id="logs.tests_first"),
        Binding("end,G", "scroll_end", "Last row", show=False, id="logs.tests_last"),
        Binding("pageup", "page_up", "Page up", show=False, id="logs.tests_page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="logs.tests_page_down"),
        Binding("space", "toggle_node", "Open or close", show=False, id="logs.tests_toggle"),
        Binding("shift+space", "toggle_expand_all", "Open or close all", show=False, id="logs.tests_toggle_all"),
        Binding("shift+left", "cursor_parent", "To the package", show=False, id="logs.tests_parent"),
        Binding("shift+up", "cursor_previous_sibling", "Previous sibling", show=False, id="logs.tests_previous_sibling"),
        Binding("shift+down", "cursor_next_sibling", "Next sibling", show=False, id="logs.tests_next_sibling"),
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
