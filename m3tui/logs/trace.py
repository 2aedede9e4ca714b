"""Follow a trace: every line of one ``trace_id`` across the open sources, in time order.

:func:`trace_of` finds a line's trace (its key and value, via
:func:`m3tui.logs.fields.record_fields`); :func:`collect_trace` reads every source whole (a
cheap byte search first, the fields parsed only where the value occurs) and merges the lines it
finds by their time (:func:`m3tui.logs.timeparse.line_time`), keeping each source's own order: a
line without a time goes with the one before it in its source. Runs in a thread; ``stop`` ends it.
Never imports Textual.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from m3tui.logs.fields import record_fields
from m3tui.logs.merge import short_names
from m3tui.logs.sources import MemSource
from m3tui.logs.timeparse import line_time

if TYPE_CHECKING:
    from m3tui.logs.sources import Source

__all__ = ["TraceLine", "TraceSource", "collect_trace", "is_trace_key", "trace_of"]

#: Lines read between looks at the stop flag.
_CHECK_EVERY = 4096


def is_trace_key(key: str) -> bool:
    """``trace_id`` as loggers spell it: trace_id, traceId, trace.id, trace-id, TraceID."""
    return key.lower().replace("_", "").replace(".", "").replace("-", "") == "traceid"


def trace_of(raw: bytes) -> tuple[str, str] | None:
    """The (key, value) of the line's trace id, or None (plain text, no such field, an empty one)."""
    fields = record_fields(raw)
    if not fields:
        return None
    for key, value in fields.items():
        if is_trace_key(key) and isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return key, str(value)
    return None


@dataclass(frozen=True)
class TraceLine:
    source: int  # index into the sources given
    line: int  # its line number there
    raw: bytes


def _in_source(k: int, src: Source, key: str, value: str, stop: threading.Event | None) -> Iterator[tuple[float, int, int, TraceLine]]:
    needle = value.encode()
    last = float("-inf")
    for n, (i, raw) in enumerate(src.iter_lines(0, None)):
        if stop is not None and n % _CHECK_EVERY == 0 and stop.is_set():
            return
        if needle not in raw:
            continue
        fields = record_fields(raw)
        if not fields or str(fields.get(key, "")) != value and not any(
            is_trace_key(f) and str(v) == value for f, v in fields.items()
        ):
            continue
        t = line_time(raw)
        last = last if t is None else t
        yield last, k, i, TraceLine(k, i, raw)


def collect_trace(sources: Sequence[Source], key: str, value: str, stop: threading.Event | None = None) -> list[TraceLine]:
    """Every line of trace ``value`` in ``sources``, merged by time (each source's order kept)."""
    per = [list(_in_source(k, src, key, value, stop)) for k, src in enumerate(sources)]
    return [x[3] for x in heapq.merge(*per, key=lambda x: (x[0], x[1], x[2]))]


class TraceSource(MemSource):
    """A trace's lines in memory, each knowing the source it came from: the view's gutter marks
    it with that source's short name and colour, as in a merged timeline (:meth:`origin`)."""

    kind = "trace"

    def __init__(self, name: str, lines: Sequence[TraceLine], sources: Sequence[Source]) -> None:
        super().__init__(name, [t.raw for t in lines])
        used = sorted({t.source for t in lines})  # only the sources the trace has lines from
        at = {k: i for i, k in enumerate(used)}
        self._origins = [at[t.source] for t in lines]
        self.short_names = short_names([_path_of(sources[k]) for k in used])

    def origin(self, row: int) -> int:
        """The number (in :attr:`short_names`) of the source row ``row`` comes from."""
        return self._origins[row]


def _path_of(src: Source) -> Path:
    path = getattr(src, "path", None)
    return path if isinstance(path, Path) else Path(src.name)
