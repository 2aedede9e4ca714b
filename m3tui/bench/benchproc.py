"""benchstat's projections (golang.org/x/perf/benchproc): ``-table``, ``-row``, ``-col`` and
``-ignore`` say how results are grouped, each a list of keys with optional sort orders.

A port of benchproc/internal/parse (the tokenizer shared with the filter language, and
ParseProjection), benchproc/extract.go (what a key extracts from a result) and the ordering
rules of benchproc/projection.go and sort.go. Keys: ``.name`` (the base name), ``.fullname``
(the name as written, minus the sub-name keys projected elsewhere), ``/key`` (a ``key=value``
part of the name; ``/gomaxprocs`` also reads a ``-P`` suffix), ``.file`` (the input's label),
``.config`` (every file config key not projected elsewhere, as one group), any other word (a
config key). Orders: first appearance (the default), ``@alpha``, ``@num``, ``@(v1 v2 …)``
(a fixed order, which also drops every result whose value is not listed).

Pure functions and small classes over :class:`m3tui.bench.fmt.BenchResult`; no Textual.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from m3tui.bench.fmt import BenchResult

__all__ = [
    "BenchSyntaxError",
    "Field",
    "Tok",
    "Tokenizer",
    "Extractor",
    "extractor",
    "full_name",
    "name_parts",
    "order_key",
    "parse_projection",
]


class BenchSyntaxError(ValueError):
    """A malformed projection or filter (benchproc's parse.SyntaxError): the text, the offset of
    the fault in it, and why. ``str()`` is one line (Go's spans three: the text and a caret)."""

    def __init__(self, query: str, off: int, msg: str) -> None:
        super().__init__(msg)
        self.query, self.off, self.msg = query, off, msg

    def __str__(self) -> str:
        return f"syntax error: {self.msg} (at character {self.off + 1} of {go_quote(self.query)})"


def go_quote(s: str) -> str:
    """Go's strconv.Quote, for the printable text messages hold."""
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c.isprintable():
            out.append(c)
        elif ord(c) < 0x80:
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}.get(c, f"\\x{ord(c):02x}"))
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}


def go_unquote(q: str) -> str:
    """Go's strconv.Unquote of a double-quoted word; ValueError when it is not one."""
    if len(q) < 2 or q[0] != '"' or q[-1] != '"' or "\n" in q:
        raise ValueError(q)
    body, out, i = q[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == '"':
            raise ValueError(q)
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1 : i + 2]
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            i += 2
        elif e in ("x", "u", "U"):
            n = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2 : i + 2 + n]
            if len(digits) != n or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError(q)
            v = int(digits, 16)
            if e != "x" and (v > 0x10FFFF or 0xD800 <= v < 0xE000):
                raise ValueError(q)
            out.append(chr(v))
            i += 2 + n
        elif e and e in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or not all(d in "01234567" for d in digits) or int(digits, 8) > 255:
                raise ValueError(q)
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise ValueError(q)
    return "".join(out)


def _is_space(c: str) -> bool:
    """Go's unicode.IsSpace (Python's isspace also counts the separators \\x1c-\\x1f)."""
    return c.isspace() and not "\x1c" <= c <= "\x1f"


_OPS = "():@,"
_START_OPS = "():@,-*"


@dataclass(frozen=True)
class Tok:
    """One token: kind is "w" or "q" (a bare or quoted word), "r" (a /regexp/), "A" (AND),
    "O" (OR), an operator character, or "" at the end; off: its offset in the text."""

    kind: str
    off: int
    text: str
    regexp: re.Pattern[str] | None = None


class Tokenizer:
    """benchproc's tokenizer over one text. Positions are offsets into it; the first error is
    kept in ``err`` and every later token is the end (as Go's errorTracker does)."""

    def __init__(self, q: str) -> None:
        self.q = q
        self.err: BenchSyntaxError | None = None

    def error(self, pos: int, msg: str) -> tuple[Tok, int]:
        # Go's tokenizer skips spaces in place when it peeks, and every fault is found after a peek.
        while pos < len(self.q) and _is_space(self.q[pos]):
            pos += 1
        if self.err is None:
            self.err = BenchSyntaxError(self.q, pos, msg)
        return Tok("", pos, ""), len(self.q)

    def key_or_op(self, pos: int) -> tuple[Tok, int]:
        return self.next(pos, False)

    def value_or_op(self, pos: int) -> tuple[Tok, int]:
        return self.next(pos, True)

    def end(self, pos: int) -> None:
        tok, _ = self.key_or_op(pos)
        if tok.kind:
            self.error(pos, "unexpected " + go_quote(tok.text))

    def next(self, pos: int, allow_regexp: bool) -> tuple[Tok, int]:
        q = self.q
        while pos < len(q):
            c = q[pos]
            if c in _START_OPS:
                return Tok(c, pos, c), pos + 1
            if _is_space(c):
                pos += 1
            elif allow_regexp and c == "/":
                return self._regexp(pos)
            elif c == '"':
                return self._quoted(pos)
            else:
                return self._bare(pos)
        return Tok("", pos, ""), pos

    def _quoted(self, start: int) -> tuple[Tok, int]:
        q, pos = self.q, start + 1
        while pos < len(q) and (q[pos] != '"' or q[pos - 1] == "\\"):
            pos += 1
        if pos == len(q):
            return self.error(start, "missing end quote")
        try:
            word = go_unquote(q[start : pos + 1])
        except ValueError:
            return self.error(start, "bad escape sequence")
        return Tok("q", start, word), pos + 1

    def _bare(self, start: int) -> tuple[Tok, int]:
        q, end = self.q, start
        while end < len(q) and not (_is_space(q[end]) or q[end] in _OPS):
            end += 1
        word = q[start:end]
        return Tok({"AND": "A", "OR": "O"}.get(word, "w"), start, word), end

    def _regexp(self, start: int) -> tuple[Tok, int]:
        from m3tui.core.regexp import RegexpError, compile_safe

        expr = _regexp_until(self.q, start + 1, "/")
        if expr is None:
            return self.error(start, 'missing close "/"')
        close = start + 1 + len(expr)
        try:
            rx = compile_safe(expr, "regexp")
        except RegexpError as exc:
            return self.error(start, str(exc))
        after = close + 1
        if after < len(self.q) and not (_is_space(self.q[after]) or self.q[after] in _START_OPS):
            return self.error(after, 'regexp must be followed by space or an operator (unescaped "/"?)')
        return Tok("r", start, expr, rx), after


def _regexp_until(q: str, i: int, delim: str) -> str | None:
    """benchproc's regexpParseUntil: the regexp from q[i:] up to ``delim`` at its top level
    (outside brackets and parentheses), or None when there is no such delimiter."""
    cs = cp = 0
    start = i
    while i < len(q):
        if cs == 0 and cp == 0 and q.startswith(delim, i):
            return q[start:i]
        c = q[i]
        if c == "[":
            cs += 1
        elif c == "]":
            cs = max(cs - 1, 0)
        elif c == "(" and cs == 0:
            cp += 1
        elif c == ")" and cs == 0:
            cp -= 1
        elif c == "\\":
            i += 1
        i += 1
    return None


@dataclass(frozen=True)
class Field:
    """One element of a projection: a key and its order ("first", "fixed" with ``fixed``, or a
    named order); the offsets are for error messages."""

    key: str
    order: str = "first"
    fixed: tuple[str, ...] = ()
    key_off: int = 0
    order_off: int = 0

    def __str__(self) -> str:
        if self.order == "first":
            return quote_word(self.key)
        if self.order == "fixed":
            return f"{quote_word(self.key)}@({' '.join(map(quote_word, self.fixed))})"
        return f"{quote_word(self.key)}@{quote_word(self.order)}"


def quote_word(s: str) -> str:
    """benchproc's quoteWord: s as a word that tokenizes back to s."""
    if not s:
        return '""'
    for i, c in enumerate(s):
        if c in '" \a\b' or c in _OPS or _is_space(c) or (i == 0 and c in "-*"):
            return go_quote(s)
    return s


def parse_projection(q: str) -> list[Field]:
    """benchproc's ParseProjection: ``a, b@alpha c@(x y)`` → its fields; BenchSyntaxError."""
    toks = Tokenizer(q)
    fields: list[Field] = []
    pos = 0
    while True:
        tok, after = toks.key_or_op(pos)
        if not tok.kind:
            break
        if tok.kind == "," and fields:
            pos = after
        f, pos = _parse_field(toks, pos)
        fields.append(f)
    toks.end(pos)
    if toks.err is not None:
        raise toks.err
    return fields


def _parse_field(toks: Tokenizer, pos: int) -> tuple[Field, int]:
    key, after = toks.key_or_op(pos)
    if key.kind not in ("w", "q"):
        return Field(""), toks.error(pos, "expected key")[1]
    pos = after
    sep, after = toks.key_or_op(pos)
    if sep.kind != "@":
        return Field(key.text, "first", (), key.off, key.off + len(key.text)), pos
    pos = after
    order, after = toks.key_or_op(pos)
    if order.kind in ("w", "q"):
        return Field(key.text, order.text, (), key.off, order.off), after
    if order.kind == "(":
        pos = after
        fixed: list[str] = []
        while True:
            t, after = toks.key_or_op(pos)
            if t.kind in ("w", "q"):
                pos = after
                fixed.append(t.text)
            elif t.kind == ")":
                if not fixed:
                    _, pos = toks.error(pos, "nothing to match")
                else:
                    pos = after
                break
            else:
                _, pos = toks.error(pos, "missing )")
                break
        return Field(key.text, "fixed", tuple(fixed), key.off, order.off), pos
    return Field(key.text), toks.error(pos, "expected named sort order or parenthesized list")[1]


# -- what a key extracts from a result (benchproc/extract.go) ---------------------------------

#: A key's value for a result and its input's label.
Extractor = Callable[[BenchResult, str], str]


def full_name(r: BenchResult) -> str:
    """benchfmt's Name.Full(): the name after "Benchmark" as written (``Sum/size=64-11``)."""
    if r.written:
        return r.written
    return r.name if r.procs == 1 else f"{r.name}-{r.procs}"


def _split_gomaxprocs(n: str) -> tuple[str, str]:
    """benchfmt's splitGomaxprocs: ("Sum/size=64", "-11") for "Sum/size=64-11"."""
    i = len(n) - 1
    while i >= 0:
        if n[i] == "-" and i < len(n) - 1:
            return n[:i], n[i:]
        if not "0" <= n[i] <= "9":
            break
        i -= 1
    return n, ""


def name_parts(full: str) -> tuple[str, list[str]]:
    """benchfmt's Name.Parts(): ("Sum", ["/size=64", "/algo=crc", "-11"])."""
    buf, gomaxprocs = _split_gomaxprocs(full)
    pieces = buf.split("/")
    parts = ["/" + p for p in pieces[1:]]
    if gomaxprocs:
        parts.append(gomaxprocs)
    return pieces[0], parts


def base_name(full: str) -> str:
    """benchfmt's Name.Base(): up to the first "/", else without the -P suffix."""
    slash = full.find("/")
    return full[:slash] if slash >= 0 else _split_gomaxprocs(full)[0]


def name_part(full: str, key: str) -> str:
    """``/key``'s value in the name (extractNamePart): the part ``/key=value``; for
    ``/gomaxprocs`` first the -P suffix."""
    _, parts = name_parts(full)
    if key == "/gomaxprocs" and parts and parts[-1].startswith("-"):
        return parts[-1][1:]
    prefix = key + "="
    for part in parts:
        if part.startswith(prefix):
            return part[len(prefix) :]
    return ""


def full_name_excluding(full: str, keys: list[str]) -> str:
    """extractFullExcluded: the name without the parts projected elsewhere (``/key``s;
    ``.name`` turns the base into ``*``; ``/gomaxprocs`` drops the -P suffix)."""
    exc_name = ".name" in keys
    delete = [k + "=" for k in keys if k.startswith("/")]
    exc_procs = "/gomaxprocs" in keys
    found = exc_name or any(d in full for d in delete) or (exc_procs and "-" in full)
    if not found:
        return full
    base, parts = name_parts(full)
    out = ["*" if exc_name else base]
    for part in parts:
        if any(part.startswith(d) for d in delete) or (exc_procs and part.startswith("-")):
            continue
        out.append(part)
    return "".join(out)


def extractor(key: str, fullname_keys: list[str] | None = None) -> Extractor:
    """What ``key`` extracts (newExtractor; ``.fullname`` minus ``fullname_keys``).
    ValueError for an empty key; ``.config`` and ``.unit`` are not extractors."""
    if not key:
        raise ValueError("key must not be empty")
    if key in (".config", ".unit"):
        raise AssertionError(f"{key} is not an extractor")
    if key == ".name":
        return lambda r, label: base_name(full_name(r))
    if key == ".fullname":
        if fullname_keys:
            exclude = list(fullname_keys)
            return lambda r, label: full_name_excluding(full_name(r), exclude)
        return lambda r, label: full_name(r)
    if key.startswith("/"):
        return lambda r, label: name_part(full_name(r), key)
    if key == ".file":
        return lambda r, label: label
    return lambda r, label: r.config.get(key, "")


# -- orders (benchproc/sort.go) -------------------------------------------------------------

_NUM_PREFIXES = "KMGTPEZY"
_NUM = re.compile(r"([0-9.]+)([k" + _NUM_PREFIXES + r"]i?)?[bB]?")


def _parse_num(x: str) -> float | None:
    """sort.go's parseNum: a number, with an optional SI or IEC prefix (``1k``, ``4KiB``)."""
    if x.isascii() and not any(c.isspace() or c == "_" for c in x):  # strconv.ParseFloat takes none of these; float() does
        try:
            v = float(x)
        except ValueError:
            pass
        else:
            if not math.isinf(v) or x.lstrip("+-").lower() in ("inf", "infinity"):  # out of range: Go's ErrRange
                return v
    m = _NUM.search(x)
    if m is None:
        return None
    try:
        v = float(m.group(1))
    except ValueError:
        return None
    prefix = m.group(2) or ""
    exp = 1 + _NUM_PREFIXES.index("K" if prefix[:1] == "k" else prefix[:1]) if prefix else 0
    return v * (1024.0 if prefix.endswith("i") else 1000.0) ** exp


def order_key(order: str) -> Callable[[str], tuple[object, ...]] | None:
    """A sort key equal to benchproc's named order with its tie-break (the byte order of the
    values); None for an unknown name."""
    if order == "alpha":
        return lambda v: (v,)
    if order == "num":

        def num(v: str) -> tuple[object, ...]:
            x = _parse_num(v)
            if x is None:
                return (1, 0, 0.0, v)
            if math.isnan(x):
                return (0, 1, 0.0, v)
            return (0, 0, x, v)

        return num
    return None

