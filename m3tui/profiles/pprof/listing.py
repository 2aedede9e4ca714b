"""`go tool pprof -list REGEX`: the source lines of the matching functions with their flat and cum.

Ported from google/pprof internal/report/source.go (printSource, getSourceFromFile, the source
reader's openSourceFile and trimPath) over the report's graph at "lines" granularity
(internal/graph: a node is a function name, file, line and start line; its cum counted once per
sample, its flat where it is the leaf). Node counts and fractions are not trimmed for -list.

File names are shown as pprof shows them: trimmed by ``trim_path`` (or, with a ``source_path``,
by its heuristic), and looked for under ``source_path`` (default: the working directory) when
relative. A source file that is not there is the listing's ``error``, in pprof's words.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

from m3tui.profiles.pprof.analysis import SourceFile, SourceLine
from m3tui.profiles.pprof.graph import Filters, _function_stacks_keyed, _matching_sites, check_regexp
from m3tui.profiles.pprof.measure import format_value, percentage
from m3tui.profiles.pprof.model import Profile, ProfileError

__all__ = ["Listing", "list_lines", "listing", "trim_path"]

#: Lines shown before the first and after the last line with samples (pprof's margin).
_MARGIN = 5
#: A source file is read up to this size (pprof reads any; a listing needs a few lines of code).
_MAX_SOURCE = 64 << 20


@dataclass
class Listing:
    """The -list report: its total and each matching function's files, in pprof's order."""

    total: int
    unit: str
    sample_type: str
    files: list[SourceFile]

    def format(self, value: int) -> str:
        """A value as -list prints it: each value in its own best unit (pprof's "minimum")."""
        return format_value(value, self.unit, "minimum")


def trim_path(path: str, trim: str, search: str) -> str:
    """pprof's trimPath: without ``trim``, the part after "/<basename of a search dir>/"; then the
    ``trim`` prefixes (':'-separated) and /proc/self/cwd/ are removed."""
    if not trim:
        for d in (search.split(os.pathsep) if search else []):
            want = "/" + (os.path.basename(d.rstrip("/")) or "/") + "/" if d.rstrip("/") else "///"
            found = path.find(want)
            if found != -1:
                return path[found + len(want):]
    for prefix in [*(trim.split(os.pathsep) if trim else []), "/proc/self/cwd/./", "/proc/self/cwd/"]:
        if not prefix.endswith("/"):
            prefix += "/"
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def _go_error(exc: OSError, path: str) -> str:
    """An open error as Go's os.Open says it: ``open PATH: no such file or directory``."""
    text = os.strerror(exc.errno) if exc.errno else str(exc)
    if exc.errno == errno.EISDIR:
        text = "is a directory"
    return f"open {path}: {text[:1].lower()}{text[1:]}"


class _Reader:
    """pprof's sourceReader: each file read once, its lines (1-based) or the error opening it."""

    def __init__(self, search: str, trim: str) -> None:
        self.search, self.trim = search, trim
        self.files: dict[str, list[str]] = {}
        self.errors: dict[str, str] = {}

    def lines(self, path: str) -> list[str]:
        got = self.files.get(path)
        if got is None:
            got = self.files[path] = self._read(path)
        return got

    def _read(self, path: str) -> list[str]:
        p = trim_path(path, self.trim, self.search)
        if os.path.isabs(p):
            candidates = [p]
        else:
            candidates = []
            for d in self.search.split(os.pathsep):
                while True:
                    candidates.append(os.path.join(d, p))
                    parent = os.path.dirname(d)
                    if parent == d:
                        break
                    d = parent
        for i, name in enumerate(candidates):
            try:
                data = _read_source(name)
            except OSError as exc:
                if os.path.isabs(p):
                    self.errors[path] = _go_error(exc, p)
                    return []
                continue
            text = data.decode("utf-8", "surrogateescape")
            if text.endswith("\n"):
                text = text[:-1]
            return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")] if data else []
        self.errors[path] = f"could not find file {p} on path {self.search}"
        return []


def _read_source(name: str) -> bytes:
    """A source file's bytes: a regular file only (a FIFO would block), at most `_MAX_SOURCE`."""
    from m3tui.core.errors import M3tuiError
    from m3tui.core.files import open_input

    try:
        f = open_input(name)
    except M3tuiError as exc:
        raise OSError(errno.ENOENT if not os.path.exists(name) else errno.EACCES, str(exc)) from None
    with f:
        return f.read(_MAX_SOURCE)


#: a lines-granularity node: function name, (trimmed) file, line, function start line
_Node = tuple[str, str, int, int]


def listing(profile: Profile, sample_index: int, regex: str, filters: Filters | None = None, *,
            source_path: str = "", trim: str = "", empty_ok: bool = False) -> Listing:
    """The -list report of the functions whose name matches ``regex`` (searched, not anchored).

    Raises `ProfileError` ("no matches found for regexp: RE", pprof's words) when no function
    with samples matches (with ``empty_ok``: a listing of no files).
    """
    p = profile
    rx = check_regexp(regex, "list")
    st = p.sample_types[sample_index]
    nodes: dict[_Node, int] = {}
    node_of = [nodes.setdefault((f.function, trim_path(f.file, trim, source_path), f.line, f.start_line),
                                len(nodes)) for f in p.frames]  # fmt: skip
    keys = list(nodes)
    wanted = {n for n, k in enumerate(keys) if rx.search(k[0])}
    flat: dict[int, int] = {}
    cum: dict[int, int] = {}
    if wanted:
        _sums(p, sample_index, filters, node_of, wanted, flat, cum)
    shown = sorted(n for n in wanted if flat.get(n, 0) or cum.get(n, 0))  # pprof's node order
    if not shown and not empty_ok:
        raise ProfileError(f"no matches found for regexp: {regex}")
    reader = _Reader(source_path or os.getcwd(), trim)
    by_func: dict[str, dict[str, list[int]]] = {}
    for n in shown:
        by_func.setdefault(keys[n][0], {}).setdefault(keys[n][1], []).append(n)
    out: list[SourceFile] = []
    for name in sorted(by_func):
        files = by_func[name]
        if not any(files):
            out.append(SourceFile("", name, [], missing=True))
            continue
        for path in sorted(f for f in files if f):
            ns = files[path]
            tf = sum(flat.get(n, 0) for n in ns)
            tc = sum(cum.get(n, 0) for n in ns)
            lines, err = _source_lines(reader, path, [keys[n] for n in ns], ns, flat, cum)
            out.append(SourceFile(path, name, lines, missing=err is not None, flat=tf, cum=tc, error=err or ""))
    return Listing(p.total(sample_index), st.unit, st.type, out)


def _sums(p: Profile, si: int, filters: Filters | None, node_of: list[int], wanted: set[int],
          flat: dict[int, int], cum: dict[int, int]) -> None:
    """Flat and cum of the wanted nodes over the samples the filters keep."""
    vals = p.values[si]
    keep: set[int] | None = None
    hidden: set[str] = set()
    if filters is not None and (filters.focus or filters.ignore):
        keep = {i for i, _w in _function_stacks_keyed(p, si, filters)}
    if filters is not None and filters.hide:
        hidden = _matching_sites(p, check_regexp(filters.hide, "hide"))
    sf = p.site_frame
    table = {i: node_of[f] for i, f in enumerate(sf)}
    for i, s in enumerate(p.site_stacks):
        w = vals[i]
        if not w or (keep is not None and i not in keep):
            continue
        if hidden:
            s = "".join(c for c in s if c not in hidden)
        if not s:
            continue
        stack = s.translate(table)  # node characters, leaf first
        here = wanted.intersection(map(ord, set(stack)))
        if not here:
            continue
        leaf = ord(stack[0])
        if leaf in here:
            flat[leaf] = flat.get(leaf, 0) + w
        for n in here:
            cum[n] = cum.get(n, 0) + w


def _source_lines(reader: _Reader, path: str, keys: list[_Node], ns: list[int],
                  flat: dict[int, int], cum: dict[int, int]) -> tuple[list[SourceLine], str | None]:
    """getSourceFromFile: the lines from the function's start (or 5 before its first sampled line)
    to 5 after its last sampled line, as far as the file goes; or the error reading it."""
    first = keys[0]
    start = first[3] if first[3] else first[2] - _MARGIN
    end = first[2] + _MARGIN
    per_line: dict[int, list[int]] = {}
    for k, n in zip(keys, ns):
        node_start = k[3] if k[3] else k[2] - _MARGIN
        if node_start < start:
            start = node_start
        elif k[2] + _MARGIN > end:
            end = k[2] + _MARGIN
        e = per_line.setdefault(k[2], [0, 0])
        e[0] += flat.get(n, 0)
        e[1] += cum.get(n, 0)
    start = max(start, 1)
    text = reader.lines(path)
    if path in reader.errors:
        return [], reader.errors[path]
    out = []
    for number in range(start, min(end, len(text)) + 1):
        f, c = per_line.get(number, (0, 0))
        out.append(SourceLine(number, text[number - 1], f, c))
    return out, None


def list_lines(report: Listing) -> list[str]:
    """The whole text of `go tool pprof -list REGEX`, line by line."""
    fmt = report.format

    def dot(v: int) -> str:
        return fmt(v) if v else "."

    out = [f"Total: {fmt(report.total)}"]
    for f in report.files:
        if not f.path:
            out.append(f"No source information for {f.function}")
            continue
        out.append(f"ROUTINE ======================== {f.function} in {f.path}")
        out.append("%10s %10s (flat, cum) %s of Total" % (fmt(f.flat), fmt(f.cum), percentage(f.cum, report.total)))
        if f.error:
            out.append(f" Error: {f.error}")
            continue
        out.extend("%10s %10s %6d:%s" % (dot(x.flat), dot(x.cum), x.number, x.text) for x in f.lines)
    return out
