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
from typing import TYPE_CHECKING

from m3tui.tui.panes.base import focus_now

if TYPE_CHECKING:
    from textual.timer import Timer

    from m3tui.logs.sources import Source
    from m3tui.tui.panes.log_tests_tree import GoTestsTree, Model
    from m3tui.tui.panes.logs import LogsPane

#: Seconds between rebuilds of the tree while its source grows.
REBUILD = 0.3


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
        from m3tui.tui.panes.log_tests_tree import GoTestsTree

        found = self.pane.query("#logs-tests")
        if found:
            return found.first(GoTestsTree)
        tree = GoTestsTree(id="logs-tests")
        tree.display = False
        self.pane.query_one("#logs-body").mount(tree)
        return tree

    def shown(self, src: Source) -> None:
        """A source is shown (or its lines renumbered): build its tests, in a thread, once the
        screen showing it is out (the first paint does not wait for the go test modules)."""
        if src is not self._src:
            self._src, self.model = src, None
            self._set(self._chosen.get(id(src), False))
        self.pane.call_after_refresh(self._start_for, src)

    def _start_for(self, src: Source) -> None:
        pane = self.pane
        if src is self._src and pane.is_attached and not (pane._closing or pane._pruning):  # (the app may be quitting)
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
        from m3tui.tui.panes.log_tests_tree import make_model

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
        view = pane.view
        if on or pane.query("#logs-tests"):  # (a tree never shown is not made to be hidden)
            tree = self.tree
            tree.display = on
            if on and self.model is not None:
                tree.fill(self.model)
        view.display = not on
        focus_now(self.tree if on else view)
        pane.refresh_bindings()
