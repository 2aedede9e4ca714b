"""Parser for the Go benchmark data format (the output of ``go test -bench``).

Design doc §5 "Benchmark output". The text format is the stable contract:

* config lines ``key: value`` — the key starts with a lowercase letter and contains no spaces
  and no uppercase letters; the value is empty or follows whitespace after the colon. A config
  line applies to the results that follow it; an empty value removes the key.
* result lines ``Benchmark<Name>[/sub…][-P] <iters> <value> <unit> [<value> <unit>]…`` where
  ``-P`` is GOMAXPROCS (absent means 1).
* every other line is ignored (counted in ``other_lines``), except lines that look like a result
  (start with ``Benchmark`` + a non-lowercase character) but do not parse: those are reported in
  ``unparsed`` with a reason.

Robustness: CRLF, ``go test -json`` wrapping (``Action: "output"`` events are unwrapped, partial
``Output`` fragments are joined into lines per package, other actions are ignored), and a result
line split by interleaved output (``BenchmarkX-8   \\t`` then log lines, then the numbers on a
later line). ``panic: …`` is never taken as a config line.

Pure Python, no Textual; the hot path is kept small (hundreds of thousands of lines/s).
"""

from __future__ import annotations

import gc
import json
from sys import intern
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "BenchResult",
    "ParseResult",
    "Parser",
    "format_result",
    "parse",
    "parse_lines",
    "split_procs",
]

_EMPTY_CONFIG: Mapping[str, str] = MappingProxyType({})

# Keys that look like config lines but are go test / runtime chatter.
_NOT_CONFIG_KEYS = frozenset({"panic", "fatal"})
# Lines that end a package's benchmark run (a name still waiting for its numbers is abandoned).
_END_OF_RUN = ("PASS\t", "FAIL", "ok ", "panic:", "--- FAIL", "exit status", "?   ")
# What go test may print right after a benchmark's name instead of its numbers.
_STATUS_PREFIXES = ("---", "panic:", "fatal", "signal:", "SIGQUIT:", "exit")


@dataclass(slots=True)
class BenchResult:
    """One benchmark result line. Treat as immutable (not frozen only to keep parsing fast)."""

    name: str  # full name without "Benchmark" and without -P, e.g. "Encode/size=1k"
    procs: int  # GOMAXPROCS, from the -P suffix (1 when absent)
    iters: int
    values: dict[str, float]  # unit -> value, in line order
    config: Mapping[str, str] = field(default_factory=lambda: _EMPTY_CONFIG, compare=False)
    line: int = field(default=0, compare=False)  # 1-based line where the result starts
    # The name as written after "Benchmark", -P suffix included ("Parse-1", "Encode/size=1k-8"):
    # benchstat keeps names as written, so "BenchmarkA-1" is not "BenchmarkA" there although
    # both run at GOMAXPROCS 1. "" for a result not parsed from text (name and procs then say it).
    written: str = field(default="", compare=False)

    @property
    def base_name(self) -> str:
        """The top-level benchmark name: "Encode" for "Encode/size=1k"."""
        return self.name.split("/", 1)[0]

    @property
    def sub(self) -> tuple[str, ...]:
        """The sub-benchmark parts: ("size=1k",) for "Encode/size=1k"."""
        return tuple(self.name.split("/")[1:])

    @property
    def full_name(self) -> str:
        """The name as Go prints it: "BenchmarkEncode/size=1k-8" (as written, when parsed)."""
        if self.written:
            return f"Benchmark{self.written}"
        suffix = f"-{self.procs}" if self.procs != 1 else ""
        return f"Benchmark{self.name}{suffix}"

    def sub_keys(self) -> dict[str, str]:
        """The ``key=value`` sub-benchmark parts as a dict ({"size": "1k"})."""
        out: dict[str, str] = {}
        for part in self.sub:
            key, eq, val = part.partition("=")
            if eq:
                out[key] = val
        return out


@dataclass(slots=True)
class ParseResult:
    results: list[BenchResult]
    unparsed: list[tuple[int, str, str]]  # (1-based line, the line, why)
    other_lines: int
    #: benchfmt's unit metadata lines (``Unit points/op assume=exact``), as read (compare.unit_assumptions)
    unit_lines: list[str] = field(default_factory=list)

    @property
    def configs(self) -> list[Mapping[str, str]]:
        """The distinct configurations of the results, in first-seen order."""
        seen: dict[int, Mapping[str, str]] = {}
        for r in self.results:
            seen.setdefault(id(r.config), r.config)
        distinct: list[Mapping[str, str]] = []
        for c in seen.values():
            if c not in distinct:
                distinct.append(c)
        return distinct


def split_procs(token: str) -> tuple[str, int]:
    """``"Encode/size=1k-8"`` -> ``("Encode/size=1k", 8)``; no numeric suffix -> procs 1.

    The token is the first field without the "Benchmark" prefix.
    """
    dash = token.rfind("-")
    if dash > 0:
        tail = token[dash + 1 :]
        if tail.isdigit() and tail.isascii():
            return token[:dash], int(tail)
    return token, 1


def _parse_config(line: str) -> tuple[str, str] | None:
    """``key: value`` -> (key, value); None when the line is not a config line."""
    c0 = line[0]
    if not c0.islower():
        return None
    colon = line.find(":")
    if colon <= 0:
        return None
    key = line[:colon]
    for ch in key:
        if ch.isspace() or ch.isupper():
            return None
    val = line[colon + 1 :]
    if val and val[0] not in " \t":
        return None  # "key:value" (e.g. a URL-ish log line) is not config
    if key in _NOT_CONFIG_KEYS:
        return None
    return key, val.strip()


def _format_value(v: float) -> str:
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def format_result(r: BenchResult) -> str:
    """Write a result back as one benchmark-format line (no newline)."""
    parts = [r.full_name, str(r.iters)]
    for unit, value in r.values.items():
        parts.append(f"{_format_value(value)} {unit}")
    return "\t".join(parts)


class Parser:
    """Incremental parser: feed it lines (with or without line endings) as they arrive.

    ``feed`` returns the results completed by that line; ``finish`` flushes what is buffered
    (a trailing partial ``-json`` fragment, a pending split result) at the end of the stream.
    ``results``, ``unparsed`` and ``other_lines`` accumulate; ``result()`` packs them.
    """

    def __init__(self) -> None:
        self.results: list[BenchResult] = []
        self.unparsed: list[tuple[int, str, str]] = []
        self.other_lines = 0
        self.unit_lines: list[str] = []
        self.config: Mapping[str, str] = _EMPTY_CONFIG
        self._lineno = 0
        # A result whose name was printed but whose numbers have not arrived yet:
        # (line number, name token, original line, reason if it never completes or None).
        self._pending: tuple[int, str, str, str | None] | None = None
        # go test -json: partial Output text per package, with the line number it started on.
        self._json_buf: dict[str, tuple[int, str]] = {}
        self._chunk_tail = ""
        self._names: dict[str, tuple[str, int, str]] = {}  # "BenchmarkX-8" -> ("X", 8, "X-8")

    # -- public API -------------------------------------------------------------------------

    def feed(self, line: str) -> list[BenchResult]:
        """Feed one input line; return the results it completed."""
        results = self.results
        before = len(results)
        self._feed_lines((line,))
        return results[before:]  # every completed result is appended to self.results, in order

    def feed_many(self, lines: Iterable[str]) -> int:
        """Feed many lines (a tight loop for whole files); return how many results they gave."""
        before = len(self.results)
        if isinstance(lines, (list, tuple)):
            with _gc_paused():
                self._feed_lines(lines)
        else:
            # Maybe a live stream (a pipe): do not hold the collector off while it is read.
            self._feed_lines(lines)
        return len(self.results) - before

    def feed_text(self, chunk: str) -> list[BenchResult]:
        """Feed arbitrary text (e.g. a read() from a pipe); a trailing partial line is kept."""
        lines = (self._chunk_tail + chunk).split("\n")
        self._chunk_tail = lines.pop()
        results = self.results
        before = len(results)
        with _gc_paused():
            self._feed_lines(lines)
        return results[before:]

    def finish(self) -> list[BenchResult]:
        """End of input: flush buffered text and report an incomplete pending line."""
        out: list[BenchResult] = []
        if self._chunk_tail:
            tail, self._chunk_tail = self._chunk_tail, ""
            out.extend(self.feed(tail))
        for pkg, (start, text) in list(self._json_buf.items()):
            del self._json_buf[pkg]
            self._text_line(start, text.rstrip("\r"), out)
        self._drop_pending()
        return out

    def result(self) -> ParseResult:
        return ParseResult(list(self.results), sorted(self.unparsed), self.other_lines, list(self.unit_lines))

    # -- internals --------------------------------------------------------------------------

    def _feed_lines(self, lines: Iterable[str]) -> None:
        """The hot loop behind feed, feed_many and feed_text.

        Almost every line of a real run is a complete, well-formed result line, so those take
        a fast path: one ``str.split()``, the values dict built in one go, no regexes, and the
        parser state kept in locals. Anything else (or a fast-path line that turns out not to
        parse) goes through ``_feed_slow``, which applies all the format's rules; the fast path
        only accepts lines the slow path would turn into the very same result.
        """
        append = self.results.append
        names = self._names
        slow = self._feed_slow
        result = BenchResult
        lineno = self._lineno
        config = self.config
        pending = self._pending
        try:
            for line in lines:
                # A name waiting for its numbers needs the slow path's rules.
                if pending is None and line.startswith("Benchmark"):
                    f = line.split()  # also drops a trailing "\r" / "\n"
                    n = len(f)
                    # "Benchmark" + a non-lowercase character, iterations, value/unit pairs.
                    if n >= 4 and not n & 1 and f[1].isdigit() and not line[9].islower():
                        try:
                            # Unrolled for the common shapes (ns/op; + B/op allocs/op; + one
                            # more metric): a dict display beats dict(zip(…, map(float, …))).
                            # Units are interned: a handful of strings shared by all results
                            # instead of fresh copies kept alive per line (less memory, faster).
                            if n == 10:
                                values = {
                                    intern(f[3]): float(f[2]),
                                    intern(f[5]): float(f[4]),
                                    intern(f[7]): float(f[6]),
                                    intern(f[9]): float(f[8]),
                                }
                            elif n == 8:
                                values = {
                                    intern(f[3]): float(f[2]),
                                    intern(f[5]): float(f[4]),
                                    intern(f[7]): float(f[6]),
                                }
                            elif n == 4:
                                values = {intern(f[3]): float(f[2])}
                            else:
                                values = dict(zip(map(intern, f[3::2]), map(float, f[2::2])))
                            iters = int(f[1])  # isdigit() also admits e.g. "²"
                        except ValueError:
                            pass  # the slow path reports it
                        else:
                            lineno += 1
                            token = f[0]
                            np = names.get(token)
                            if np is None:
                                written = token[9:]
                                np = names[token] = (*split_procs(written), written)
                            append(result(np[0], np[1], iters, values, config, lineno, np[2]))
                            continue
                self._lineno = lineno
                try:
                    slow(line)
                finally:
                    lineno = self._lineno  # the slow path may change it, config and pending
                config = self.config
                pending = self._pending
        finally:
            self._lineno = lineno

    def _feed_slow(self, line: str) -> None:
        """One line through all the rules (results are appended to ``self.results``)."""
        self._lineno += 1
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        if line.startswith("Unit"):  # kept for compare (the line is also read as any other)
            self.unit_lines.append(line)
        if line.startswith("{") and self._feed_json(line)[0]:
            return
        self._text_line(self._lineno, line, [])

    def _feed_json(self, line: str) -> tuple[bool, list[BenchResult]]:
        try:
            ev = json.loads(line)
        except ValueError:
            return False, []
        if not isinstance(ev, dict) or not isinstance(ev.get("Action"), str):
            return False, []
        out: list[BenchResult] = []
        text = ev.get("Output")
        if ev["Action"] != "output" or not isinstance(text, str):
            self.other_lines += 1  # start/run/pass/build events etc.
            return True, out
        key = str(ev.get("Package", ""))
        start, buf = self._json_buf.pop(key, (self._lineno, ""))
        buf += text
        if "\n" not in buf:
            self._json_buf[key] = (start, buf)
            return True, out
        pieces = buf.split("\n")
        rest = pieces.pop()
        for i, piece in enumerate(pieces):
            self._text_line(start if i == 0 else self._lineno, piece.rstrip("\r"), out)
        if rest:
            self._json_buf[key] = (self._lineno, rest)
        return True, out

    def _text_line(self, lineno: int, line: str, out: list[BenchResult]) -> None:
        if line.startswith("Benchmark") and (len(line) == 9 or not line[9].islower()):
            self._bench_line(lineno, line, out)
            return
        if not line:
            self.other_lines += 1
            return
        c0 = line[0]
        if c0 in " \t" or c0.isdigit():
            # Possibly the numbers of a result whose name came on an earlier line.
            if self._pending is not None:
                fields = line.split()
                if fields and fields[0].isdigit() and len(fields) >= 3 and len(fields) % 2 == 1:
                    p_line, token, _orig, _why = self._pending
                    r = self._build(p_line, token, fields, 0)
                    if r is not None:
                        self._pending = None
                        out.append(r)
                        return
            self.other_lines += 1
            return
        if self._pending is not None:
            # Between a benchmark's name and its numbers only the benchmark's own output can
            # appear: "key: value"-looking lines there are log output, not config. The end of
            # a package run (PASS, FAIL, ok, a panic) abandons the pending name.
            if line.startswith(_END_OF_RUN) or line == "PASS":
                self._drop_pending()
            self.other_lines += 1
            return
        kv = _parse_config(line) if c0.islower() else None
        if kv is not None:
            key, val = kv
            if val and self.config.get(key) != val:
                self.config = MappingProxyType({**self.config, key: val})
            elif not val and key in self.config:
                # benchfmt's deleteConfig: the last key takes the deleted one's place (the order
                # benchstat's .config lists keys in, so its table headers' order).
                items = list(self.config.items())
                pos = list(self.config).index(key)
                items[pos] = items[-1]
                items.pop()
                self.config = MappingProxyType(dict(items))
            return
        self.other_lines += 1

    def _bench_line(self, lineno: int, line: str, out: list[BenchResult]) -> None:
        self._drop_pending()
        fields = line.split()
        n = len(fields)
        token = fields[0][9:]
        if n == 1:
            # Just the name (printed before the run, or a -json "BenchmarkX" announcement).
            self._pending = (lineno, token, line, None)
            return
        f1 = fields[1]
        if not (f1.isdigit() or (f1[0] in "+-" and f1[1:].isdigit())):
            if f1.startswith(_STATUS_PREFIXES):
                # "BenchmarkX-8 \t--- FAIL: …", "--- SKIP: …", "panic: …" (incl. timeouts)
                self.other_lines += 1
                return
            # Maybe "BenchmarkX-8 \t<log output>" with the numbers on a later line.
            self._pending = (lineno, token, line, f"iteration count is not an integer: {f1!r}")
            return
        if n < 4:
            self.unparsed.append((lineno, line, "no measurements after the iteration count"))
            return
        if n % 2 == 1:
            self.unparsed.append((lineno, line, "missing final unit (odd number of value/unit fields)"))
            return
        r = self._build(lineno, token, fields, 1)
        if r is None:
            bad = next(
                (fields[i] for i in range(2, n, 2) if not _is_float(fields[i])), "?"
            )
            self.unparsed.append((lineno, line, f"value is not a number: {bad!r}"))
            return
        out.append(r)

    def _build(self, lineno: int, token: str, fields: list[str], i0: int) -> BenchResult | None:
        """fields[i0] is the iteration count, then value/unit pairs (count already checked)."""
        try:
            iters = int(fields[i0])
            values = dict(zip(fields[i0 + 2 :: 2], map(float, fields[i0 + 1 :: 2])))
        except ValueError:
            return None
        name, procs = split_procs(token)
        r = BenchResult(name, procs, iters, values, self.config, lineno, token)
        self.results.append(r)
        return r

    def _drop_pending(self) -> None:
        p = self._pending
        if p is None:
            return
        self._pending = None
        lineno, _token, orig, why = p
        if why is None:
            self.other_lines += 1
        else:
            self.unparsed.append((lineno, orig, why))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a batch of lines is parsed.

    Each result is a GC-tracked object that stays alive, so a big file triggers many
    collections that walk all the results parsed so far (a third of the parse time in
    benchmarks/benchparse.py). Nothing the parser allocates forms a cycle, so nothing is lost;
    the collector is re-enabled (if it was on) as soon as the batch is done.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


#: For other passes over many results (benchtab's grouping) that make no cycles either.
gc_paused = _gc_paused


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def parse_lines(lines: Iterable[str]) -> ParseResult:
    """Parse benchmark output given as lines (line endings optional)."""
    p = Parser()
    p.feed_many(lines)
    p.finish()
    return p.result()


def parse(text: str) -> ParseResult:
    """Parse a whole benchmark output (text or ``go test -json``)."""
    if text.endswith("\n"):
        text = text[:-1]
    if not text:
        return ParseResult([], [], 0)
    return parse_lines(text.split("\n"))
