"""The lines a lint report marks, for the Logs pane's view (`[`/`]`, the reasons under the cursor).

Its own small module: the view is made before the first paint of `m3tui logs FILE`, and the
rules, parsers and reports of :mod:`m3tui.logs.lint` are not needed until lint runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from m3tui.logs.lint import Violation


class LintMarks:
    """The lines a report marks, each with its violations, for a viewer: ``line in marks``,
    ``marks.reasons(line)``, ``marks.next(line)``. Lines are 0-based (a report's are 1-based)."""

    def __init__(self, violations: Iterable[Violation] = (), offset: int = 0) -> None:
        self.by_line: dict[int, list[Violation]] = {}
        self._order: list[int] | None = None
        for v in violations:
            self.add(v, offset)

    def add(self, v: Violation, offset: int = 0) -> None:
        """Mark ``v``'s line (``offset`` added: the report read the source from there)."""
        line = v.line - 1 + offset
        if line not in self.by_line:
            self._order = None
        self.by_line.setdefault(line, []).append(v)

    def __contains__(self, line: object) -> bool:
        return line in self.by_line

    def __len__(self) -> int:
        return len(self.by_line)

    def __iter__(self) -> Iterator[int]:
        return iter(self.lines)

    @property
    def lines(self) -> list[int]:
        if self._order is None:
            self._order = sorted(self.by_line)
        return self._order

    def reasons(self, line: int) -> list[str]:
        """What is wrong with ``line``, one message per violation (each names its field)."""
        return [v.message for v in self.by_line.get(line, ())]

    def next(self, line: int, reverse: bool = False) -> int | None:
        """The marked line after (before) ``line``, or None."""
        import bisect

        order = self.lines
        if reverse:
            k = bisect.bisect_left(order, line) - 1
            return order[k] if k >= 0 else None
        k = bisect.bisect_right(order, line)
        return order[k] if k < len(order) else None
