"""The Logs pane's status line: what it says about the source shown, fitted to a width.

:func:`status_parts` turns the pane's facts (:class:`StatusFacts`) into parts, each with a
short form and a priority; :func:`fit_status` says them all when they fit, else shortens the
least important first (``/needle: 10 matches`` → ``/needle 10``), then leaves them out
(``follow off`` goes first), and cuts the name in the middle only when nothing else is left,
so an 80-column line is never cut at its end (``lint: 2089 v…``). What a part leaves out is
seen elsewhere: the lint line under the status, the search prompt, the source list.

Plain Python: never imports Textual.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

__all__ = ["SEPARATOR", "StatusFacts", "StatusPart", "fit_status", "status_parts", "text_width"]

SEPARATOR = " · "
#: Parts at this priority or above are never left out (the source's name, its size).
KEPT = 90


@dataclass(frozen=True, slots=True)
class StatusPart:
    text: str
    style: str = ""
    short: str | None = None  # said instead when there is no room ("": left out first)
    keep: int = 0  # priority: lower ones are shortened, then left out, first


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What the status says, as the pane knows it."""

    name: str | None  # None: no source
    lines: int = 0
    indexing: float | None = None  # the index's progress while it is built (the tail is shown)
    tail_lines: int = 0
    shown: int | None = None  # lines shown under a filter (None: all)
    following: bool = False
    paused: bool = False  # following, with the cursor moved up from the end
    level: str = ""  # the level filter ("warn+"); "" for all
    query: str = ""
    matches: int | None = None  # None: still counting
    filtering: bool = False
    where: str = ""  # the & field filter's expression; "" for none
    lint: str = ""  # lint's short summary ("lint 2,089 ⚠", "linting…"); "" when off
    lint_problems: bool = False
    wrap: bool = False
    busy: str = ""
    spool_error: str = ""  # why piped stdin stopped being spooled (logs/livespool.py); "" while it flows


def text_width(text: str) -> int:
    """Terminal cells of ``text`` (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def _cut(text: str, width: int) -> str:
    """``text`` in ``width`` cells, its middle left out (a file name keeps its start and extension)."""
    if text_width(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head, tail = "", ""
    left, right = 0, len(text)
    while text_width(head) + text_width(tail) + 1 < width and left < right:
        if text_width(head) <= text_width(tail):
            head += text[left]
            left += 1
        else:
            right -= 1
            tail = text[right] + tail
    while text_width(head) + text_width(tail) + 1 > width:
        if len(head) >= len(tail) and head:
            head = head[:-1]
        else:
            tail = tail[1:]
    return head + "…" + tail


def status_parts(facts: StatusFacts) -> list[StatusPart]:
    """The parts of the status, in the order they are said, each with its short form and priority."""
    if facts.name is None:
        return [StatusPart("no source", "dim", keep=100)]
    parts = [StatusPart(facts.name, "bold", _cut(facts.name, 24), keep=100)]
    if facts.indexing is not None:
        parts.append(StatusPart(f"indexing {facts.indexing:.0%}… (last {facts.tail_lines:,} lines)", "yellow",
                                f"indexing {facts.indexing:.0%}", keep=95))  # fmt: skip
    else:
        parts.append(StatusPart(f"{facts.lines:,} line{'' if facts.lines == 1 else 's'}", keep=95))
    if facts.spool_error:
        parts.append(StatusPart(facts.spool_error, "red", "spool stopped", keep=90))
    if facts.shown is not None:
        parts.append(StatusPart(f"{facts.shown:,} shown", "cyan", keep=60))
    if facts.following:
        if facts.paused:
            parts.append(StatusPart("following, paused (G: to the end)", "yellow", "follow ‖ G", keep=62))
        else:
            parts.append(StatusPart("following", "green", "follow", keep=62))
    else:
        parts.append(StatusPart("follow off", "dim", "", keep=10))
    if facts.level:
        parts.append(StatusPart(f"level {facts.level}", "cyan", facts.level, keep=65))
    if facts.query:
        query = facts.query if facts.query.startswith("/") else f"/{facts.query}"
        count = "" if facts.matches is None else f"{facts.matches:,}"
        found = "" if facts.matches is None else f": {count} match{'' if facts.matches == 1 else 'es'}"
        short = f"{_cut(query, 14)} {count}".rstrip()
        parts.append(StatusPart(f"{query}{found}", "magenta", short, keep=70))
    if facts.where:
        parts.append(StatusPart(f"& {facts.where}", "cyan", f"& {_cut(facts.where, 16)}", keep=68))
    if facts.filtering:
        parts.append(StatusPart("filter on", "cyan", "F", keep=30))
    if facts.lint:
        parts.append(StatusPart(facts.lint, "red" if facts.lint_problems else "green", keep=KEPT))
    if facts.wrap:
        parts.append(StatusPart("wrap", "dim", "", keep=20))
    if facts.busy:
        parts.append(StatusPart(facts.busy, "yellow", keep=85))
    return parts


def _width(parts: Sequence[StatusPart | None], sep: str) -> int:
    said = [p.text for p in parts if p is not None]
    return sum(text_width(t) for t in said) + text_width(sep) * max(0, len(said) - 1)


def fit_status(parts: Sequence[StatusPart], width: int, sep: str = SEPARATOR) -> list[StatusPart]:
    """The parts to say in ``width`` cells: all when they fit; else the least important ones
    shortened, then left out (never those kept at :data:`KEPT` or above); the name cut last."""
    fitted: list[StatusPart | None] = list(parts)
    order = sorted(range(len(parts)), key=lambda i: (parts[i].keep, -i))
    for i in order:
        if _width(fitted, sep) <= width:
            break
        part = fitted[i]
        if part is not None and part.short is not None:
            fitted[i] = replace(part, text=part.short) if part.short else None
    for i in order:
        if _width(fitted, sep) <= width:
            break
        if parts[i].keep < KEPT:
            fitted[i] = None
    said = [p for p in fitted if p is not None]
    over = _width(said, sep) - width
    if over > 0 and said:
        first = said[0]
        said[0] = replace(first, text=_cut(first.text, max(1, text_width(first.text) - over)))
    return said
