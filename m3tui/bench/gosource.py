"""Which benchmarks of a Go package run their loop on one goroutine, read from the Go source.

A benchmark that never calls ``b.RunParallel`` runs its ``b.N`` loop on one goroutine: a
``-cpu`` sweep then measures the same serial loop at every GOMAXPROCS, and an "efficiency" for
it means nothing. This module reads a package's ``*_test.go`` texts and says, per top-level
benchmark (its name without "Benchmark", as `bench.fmt` names results):

- ``"parallel"``: it calls ``.RunParallel(`` (itself, in the closure of a ``b.Run``
  sub-benchmark, or in a same-package helper it passes ``b`` to, one level deep);
- ``"serial"``: it does not, its own ``for`` header counts ``b.N`` (or ``b.Loop()``), it starts
  no goroutine (``go`` statement), and ``b`` goes nowhere the scan cannot follow;
- ``"unknown"`` otherwise: ``b`` handed to a function in another package or stored, the loop in
  another function, sub-benchmarks that differ (their names are built at run time, so they
  cannot be told apart), a name defined twice, an aliased ``testing`` import. Never a guess.

Comments and string, raw-string and rune literals are blanked first; function bodies are found
by matching braces. Pure functions over text, plus `read_benchmark_kinds` reading a directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from m3tui.core.errors import M3tuiError
from m3tui.core.files import read_input

__all__ = ["KINDS", "benchmark_kinds", "read_benchmark_kinds", "strip_go"]

KINDS = ("serial", "parallel", "unknown")

#: Per file and in all: a package's tests are far smaller; past the caps a file is not read.
FILE_LIMIT = 4 * 1024 * 1024
TOTAL_LIMIT = 32 * 1024 * 1024

_LITERALS = re.compile(
    r"//[^\n]*"
    r"|/\*.*?(?:\*/|\Z)"
    r'|"(?:[^"\\\n]|\\.)*"?'
    r"|`[^`]*`?"
    r"|'(?:[^'\\\n]|\\.)*'?",
    re.S,
)


def _blank(m: re.Match[str]) -> str:
    s = m[0]
    if s.startswith("//"):
        return " "
    if s.startswith("/*"):
        return "\n" if "\n" in s else " "  # a block comment with a newline still ends the line
    if s.startswith("'"):
        return "0"
    return '""'


def strip_go(src: str) -> str:
    """Go source with comments blanked and every string, raw string and rune literal emptied."""
    return _LITERALS.sub(_blank, src)


# --- declarations ----------------------------------------------------------------------------

_PACKAGE = re.compile(r"^package\s+(\w+)", re.M)
_FUNC = re.compile(r"^func\s+([A-Za-z_]\w*)\s*([\[(])", re.M)
_BENCH_NAME = re.compile(r"Benchmark(?![a-z])\w*\Z")
_B = "*testing.B"
_TB = "testing.TB"


def _close(text: str, i: int, opening: str, closing: str) -> int:
    """Index just past the bracket matching ``text[i]`` (an ``opening``); len(text) if none."""
    depth = 0
    for j in range(i, len(text)):
        c = text[j]
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


def _params(text: str) -> list[tuple[str, str]]:
    """(name, type without spaces) of each named parameter in a parameter list's text."""
    parts: list[str] = []
    depth, start = 0, 0
    for j, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:j])
            start = j + 1
    parts.append(text[start:])
    out: list[tuple[str, str]] = []
    pending: list[str] = []
    for part in (p.strip() for p in parts):
        m = re.fullmatch(r"([A-Za-z_]\w*)\s+(\S.*)", part, re.S)
        if m:
            typ = re.sub(r"\s+", "", m[2])
            out += [(n, typ) for n in (*pending, m[1])]
            pending = []
        elif re.fullmatch(r"[A-Za-z_]\w*", part):
            pending.append(part)  # a, b *testing.B: the type comes later
    return out


@dataclass(frozen=True)
class _Func:
    name: str
    params: tuple[tuple[str, str], ...]
    body: str  # between the braces
    generic: bool


def _funcs(text: str) -> list[_Func]:
    """The top-level functions (not methods) of a stripped file, with their bodies."""
    out: list[_Func] = []
    for m in _FUNC.finditer(text):
        i = m.start(2)
        generic = m[2] == "["
        if generic:
            i = _close(text, i, "[", "]")
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
            if i >= len(text) or text[i] != "(":
                continue
        end = _close(text, i, "(", ")")
        params = _params(text[i + 1:end - 1])
        j = end  # the results, then the body: skip (…), […], interface{…} and struct{…}
        body_at = -1
        while j < len(text):
            c = text[j]
            if c == "\n" and not text[end:j].strip():
                break  # no result and no body on this line: a declaration without a body
            if c in "([":
                j = _close(text, j, c, ")" if c == "(" else "]")
                continue
            if c == "{":
                if re.search(r"\b(?:interface|struct)\s*$", text[end:j]):
                    j = _close(text, j, "{", "}")
                    continue
                body_at = j
                break
            j += 1
        if body_at < 0:
            continue
        body_end = _close(text, body_at, "{", "}")
        out.append(_Func(m[1], tuple(params), text[body_at + 1:body_end - 1], generic))
    return out


# --- the scan ----------------------------------------------------------------------------------


@dataclass
class _Facts:
    parallel: bool = False
    unknown: bool = False
    loop: bool = False
    goroutine: bool = False
    subs: list[str] = field(default_factory=list)

    def merge(self, other: _Facts) -> None:
        self.parallel |= other.parallel
        self.unknown |= other.unknown
        self.loop |= other.loop
        self.goroutine |= other.goroutine
        self.subs += other.subs


def _kind(f: _Facts) -> str:
    if f.unknown:
        return "unknown"
    if f.subs:  # a benchmark that calls b.Run is not measured itself: its sub-benchmarks are
        kinds = set(f.subs)
        if len(kinds) != 1 or f.parallel or (f.goroutine and kinds == {"serial"}):
            return "unknown"  # subs that differ, or a goroutine of the parent's working beside them
        return kinds.pop()
    if f.parallel:
        return "parallel"
    return "serial" if f.loop and not f.goroutine else "unknown"


_CLOSURE = re.compile(r"func\s*\(\s*([A-Za-z_]\w*)\s*\*\s*testing\s*\.\s*B\s*\)\s*\{")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_SELECTOR = re.compile(r"\s*\.\s*(\w*)")
_CALLEE = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\Z")


def _names_re(names: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names))


class _Scanner:
    def __init__(self, funcs: dict[str, list[_Func]]) -> None:
        self.funcs = funcs  # one package's functions by name
        self.helpers: dict[tuple[str, frozenset[str], int], _Facts] = {}  # a helper scanned once

    def helper(self, name: str) -> _Func | None:
        found = self.funcs.get(name, [])
        return found[0] if len(found) == 1 else None

    def scan(self, body: str, names: set[str], depth: int) -> _Facts:
        f = _Facts()
        own = self._cut_subs(body, names, depth, f)
        alt = _names_re(names)
        if re.search(r"\.\s*RunParallel\s*\(", own):
            f.parallel = True
        if re.search(r"(?<![\w.])go\b", own):
            f.goroutine = True
        for m in re.finditer(r"\bfor\b([^{]*)\{", own):
            if re.search(rf"(?<![\w.])(?:{alt})\s*\.\s*(?:N\b|Loop\s*\()", m[1]):
                f.loop = True
        for m in re.finditer(rf"(?<![\w.])(?:{alt})\b", own):
            sel = _SELECTOR.match(own, m.end())
            if sel is not None:
                if sel[1] == "Run":
                    f.unknown = True  # a b.Run the cut did not understand
                continue
            self._escape(own, m.start(), depth, f)
        return f

    def _escape(self, own: str, at: int, depth: int, f: _Facts) -> None:
        """``b`` used other than as ``b.X``: fine only as an argument of a helper we can read."""
        callee = _enclosing_call(own, at)
        h = self.helper(callee) if callee is not None and depth == 0 else None
        hnames = {n for n, t in h.params if t in (_B, _TB)} if h is not None else set()
        if h is None or not hnames:
            f.unknown = True
            return
        key = (h.name, frozenset(hnames), depth + 1)
        if key not in self.helpers:
            self.helpers[key] = self.scan(h.body, hnames, depth + 1)
        f.merge(self.helpers[key])

    def _cut_subs(self, body: str, names: set[str], depth: int, f: _Facts) -> str:
        """The body without its ``b.Run(name, func(b *testing.B) {…})`` calls, each scanned."""
        pieces: list[str] = []
        pos = 0
        pattern = re.compile(rf"(?<![\w.])(?:{_names_re(names)})\s*\.\s*Run\s*\(")
        for m in pattern.finditer(body):
            if m.start() < pos:
                continue
            end = _close(body, m.end() - 1, "(", ")")
            args = body[m.end():end - 1]
            sub = self._sub(args, depth)
            if sub is None:
                continue  # left in place: the scan of the rest flags it unknown
            f.subs.append(sub)
            pieces += [body[pos:m.start()], re.sub(r"[^\n]", " ", body[m.start():end])]
            pos = end
        pieces.append(body[pos:])
        return "".join(pieces)

    def _sub(self, args: str, depth: int) -> str | None:
        """The kind of a b.Run's function argument, or None when it is not a form we read."""
        comma = _top_comma(args)
        if comma < 0:
            return None
        fn = args[comma + 1:].strip().rstrip(",").strip()
        m = _CLOSURE.match(fn)
        if m is not None:
            end = _close(fn, m.end() - 1, "{", "}")
            if fn[end:].strip():
                return None
            return _kind(self.scan(fn[m.end():end - 1], {m[1]}, depth))
        h = self.helper(fn) if _IDENT.fullmatch(fn) and depth == 0 else None
        if h is None or [t for _, t in h.params] != [_B]:
            return None
        return _kind(self.scan(h.body, {h.params[0][0]}, depth + 1))


def _top_comma(text: str) -> int:
    depth = 0
    for j, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            return j
    return -1


def _enclosing_call(text: str, at: int) -> str | None:
    """The plain function name whose call's parentheses hold ``text[at]``, or None."""
    depth = 0
    j = at - 1
    while j >= 0:
        c = text[j]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if depth == 0:
                if c != "(":
                    return None  # in a composite literal or an index
                break
            depth -= 1
        j -= 1
    if j < 0:
        return None
    k = j - 1
    while k >= 0 and text[k] in " \t":
        k -= 1
    if k >= 0 and text[k] == "]":  # run[int](b, …): explicit type arguments
        d = 0
        while k >= 0:
            if text[k] == "]":
                d += 1
            elif text[k] == "[":
                d -= 1
                if d == 0:
                    break
            k -= 1
        k -= 1
    m = _CALLEE.search(text[max(0, k - 200):k + 1])  # a window: never the whole body again per use
    if m is None or m[1] in ("func", "if", "for", "switch", "return", "go", "defer", "range"):
        return None
    return m[1]


def benchmark_kinds(sources: Iterable[str]) -> dict[str, str]:
    """{benchmark name without "Benchmark": "serial" | "parallel" | "unknown"} of a package's tests.

    ``sources`` are the texts of the directory's ``*_test.go`` files (package x and x_test
    alike). A helper is looked up in its caller's package clause.
    """
    by_pkg: dict[str, dict[str, list[_Func]]] = {}
    for src in sources:
        text = strip_go(src)
        m = _PACKAGE.search(text)
        if m is None:
            continue
        funcs = by_pkg.setdefault(m[1], {})
        for fn in _funcs(text):
            funcs.setdefault(fn.name, []).append(fn)
    kinds: dict[str, str] = {}
    for funcs in by_pkg.values():
        scanner = _Scanner(funcs)
        for name, defs in funcs.items():
            if not _BENCH_NAME.match(name):
                continue
            short = name[len("Benchmark"):]
            fn = defs[0]
            if short in kinds or len(defs) != 1 or fn.generic or [t for _, t in fn.params] != [_B]:
                kinds[short] = "unknown"  # twice (build tags, x and x_test), or not a benchmark's signature
                continue
            kinds[short] = _kind(scanner.scan(fn.body, {fn.params[0][0]}, 0))
    return kinds


# --- reading a package directory -----------------------------------------------------------------

_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], dict[str, str]] = {}


def read_benchmark_kinds(package_dir: str | os.PathLike[str]) -> dict[str, str]:
    """`benchmark_kinds` of the ``*_test.go`` files in ``package_dir`` ({} when unreadable).

    Only regular files are read, each capped (`FILE_LIMIT`, `TOTAL_LIMIT`); names the go tool
    ignores (``_x_test.go``, ``.x_test.go``) are skipped; a file that cannot be read is left
    out, so what it holds is "unknown", never "serial". Cached on the files' sizes and mtimes.
    """
    root = Path(package_dir)
    stats: list[tuple[str, int, int]] = []
    try:
        with os.scandir(root) as it:
            for entry in it:
                if not entry.name.endswith("_test.go") or entry.name[0] in "._":
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                stats.append((entry.name, st.st_size, st.st_mtime_ns))
    except OSError:
        return {}
    key = (str(root), tuple(sorted(stats)))
    if key in _CACHE:
        return dict(_CACHE[key])
    sources: list[str] = []
    total = 0
    for name, size, _ in key[1]:
        total += size
        if total > TOTAL_LIMIT:
            break
        try:
            sources.append(read_input(root / name, limit=FILE_LIMIT).decode("utf-8", "replace"))
        except (M3tuiError, OSError):
            continue
    kinds = benchmark_kinds(sources)
    if len(_CACHE) >= 8:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = kinds
    return dict(kinds)
