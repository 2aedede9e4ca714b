"""An open source's lines (:mod:`m3tui.logs.sources`) as go test's tests, for the Logs pane's tree.

Blocking (call it in a thread): :func:`tests_of` tells go test output from other logs by its
first lines, then feeds a :class:`~m3tui.logs.gotest.GoTestTree` every line; the tree is kept
for the source, so later calls read only the lines added since (a followed file, a pipe's
spool), until the numbering changes (the tail re-read, the index built): then it starts over.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

from m3tui.logs.gotest import GoTestTree, looks_like_go_test_output

#: Lines looked at to tell go test output from other logs.
SNIFF = 2000
T = TypeVar("T")


class Lines(Protocol):
    """What :func:`tests_of` reads of a source (a file, a command's output, a merged view)."""

    @property
    def indexed(self) -> bool: ...

    @property
    def epoch(self) -> int: ...

    def count(self) -> int: ...

    def iter_lines(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, bytes]]: ...


class _State:
    def __init__(self, key: tuple[bool, int]) -> None:
        self.key = key
        self.tree = GoTestTree()
        self.fed = 0
        self.is_go_test: bool | None = None  # None: too few lines yet to tell
        self.lock = threading.Lock()


_STATES: weakref.WeakKeyDictionary[object, _State] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def tests_of(src: Lines, stop: threading.Event | None = None) -> GoTestTree | None:
    """The tests in ``src`` (None: it is not go test output, or too short yet to tell). The tree
    returned is the one kept and fed by later calls: a reader on another thread uses :func:`tests_view`."""
    return tests_view(src, lambda tree: tree, stop)


def tests_view(src: Lines, make: Callable[[GoTestTree], T], stop: threading.Event | None = None) -> T | None:
    """``make(tree)`` of the tests in ``src`` (see :func:`tests_of`), made while no other call feeds the tree."""
    with _GUARD:
        state = _STATES.get(src)
        key = (src.indexed, src.epoch)
        if state is None or state.key != key:
            state = _STATES[src] = _State(key)
    with state.lock:
        n = src.count()
        if state.fed > n:  # fewer lines than fed: not the same lines any more
            state = _STATES[src] = _State(key)
        if state.is_go_test is None:
            head = [b.decode("utf-8", "replace") for _, b in src.iter_lines(0, min(n, SNIFF))]
            if looks_like_go_test_output(head):
                state.is_go_test = True
            elif n >= SNIFF:
                state.is_go_test = False
        if not state.is_go_test:
            return None
        tree = state.tree
        for i, b in src.iter_lines(state.fed, n):
            if stop is not None and i % 4096 == 0 and stop.is_set():
                break
            tree.feed(b.decode("utf-8", "replace"))
            state.fed = i + 1
        return make(tree)


def is_json(tree: GoTestTree) -> bool:
    """Whether the tree came from ``go test -json`` events (unreadable as lines: the tree is shown first)."""
    return tree.events > 0
