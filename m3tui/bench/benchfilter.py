"""benchstat's ``-filter`` language (golang.org/x/perf/benchproc/syntax): which results, and
which of their measurements, take part.

``key:value`` (a literal), ``key:/regexp/`` (found anywhere in the value), ``key:(a OR /b/)``,
terms side by side or joined by ``AND``, ``OR``, ``-`` (not), parentheses, ``*`` (everything).
Keys are benchproc's (:mod:`m3tui.bench.benchproc`): ``.name``, ``.fullname``, ``/key``,
``.file``, a config key; ``.unit`` matches a measurement's unit (tidied, as ``sec/op``, or as
written, as ``ns/op``), so a filter on it keeps some of a result's values and drops the others.
A port of benchproc/internal/parse/filter.go (the parser) and benchproc/filter.go (matching).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from m3tui.bench.benchproc import BenchSyntaxError, Tok, Tokenizer, quote_word, extractor, go_quote
from m3tui.bench.fmt import BenchResult

__all__ = ["Match", "Op", "Node", "parse_filter", "compile_filter", "uses_unit", "FilterFn"]


@dataclass(frozen=True)
class Match:
    """A leaf: ``key`` matches the literal ``lit``, or ``regexp`` when it is set."""

    key: str
    lit: str
    regexp: re.Pattern[str] | None
    off: int

    def matches(self, value: str) -> bool:
        return self.regexp.search(value) is not None if self.regexp is not None else value == self.lit

    def __str__(self) -> str:
        if self.regexp is not None:
            return f"{quote_word(self.key)}:/{self.regexp.pattern}/"
        return f"{quote_word(self.key)}:{quote_word(self.lit)}"


@dataclass(frozen=True)
class Op:
    """``and`` / ``or`` over any number of terms (``and`` of none: ``*``), ``not`` of one."""

    op: str
    terms: tuple[Node, ...]

    def __str__(self) -> str:
        if self.op == "not":
            return f"-{self.terms[0]}"
        if not self.terms:
            return "*" if self.op == "and" else "-*"
        return "(" + f" {self.op.upper()} ".join(map(str, self.terms)) + ")"


Node = Match | Op


def parse_filter(q: str) -> Node:
    """benchproc's ParseFilter: the tree of ``q``; BenchSyntaxError when it is malformed."""
    toks = Tokenizer(q)
    node, pos = _expr(toks, 0)
    toks.end(pos)
    if toks.err is not None:
        raise toks.err
    assert node is not None
    return node


def _expr(toks: Tokenizer, pos: int) -> tuple[Node | None, int]:
    terms: list[Node | None] = []
    while True:
        node, pos = _and_expr(toks, pos)
        terms.append(node)
        op, after = toks.key_or_op(pos)
        if op.kind != "O":
            break
        pos = after
    if len(terms) == 1:
        return terms[0], pos
    return Op("or", tuple(t for t in terms if t is not None)), pos


def _and_expr(toks: Tokenizer, pos: int) -> tuple[Node | None, int]:
    node, pos = _match(toks, pos)
    terms = [node]
    while True:
        op, after = toks.key_or_op(pos)
        if op.kind == "A":  # "AND" between terms is the same as none
            pos = after
            continue
        if op.kind in ("(", "-", "*", "w", "q"):
            node, pos = _match(toks, pos)
            terms.append(node)
        elif op.kind in (")", "O", ""):
            break
        else:
            return None, toks.error(pos, "unexpected " + go_quote(op.text))[1]
    if len(terms) == 1:
        return terms[0], pos
    return Op("and", tuple(t for t in terms if t is not None)), pos


def _match(toks: Tokenizer, start: int) -> tuple[Node | None, int]:
    tok, rest = toks.key_or_op(start)
    if tok.kind == "(":
        node, rest = _expr(toks, rest)
        op, after = toks.key_or_op(rest)
        if op.kind != ")":
            return None, toks.error(rest, 'missing ")"')[1]
        return node, after
    if tok.kind == "-":
        node, rest = _match(toks, rest)
        return Op("not", (node,) if node is not None else ()), rest
    if tok.kind == "*":
        return Op("and", ()), rest
    if tok.kind in ("w", "q"):
        op, after = toks.key_or_op(rest)
        if op.kind != ":":
            return None, toks.error(start, "expected key:value")[1]
        rest = after
        val, rest = toks.value_or_op(rest)
        if val.kind in ("w", "q", "r"):
            return _leaf(tok, val), rest
        if val.kind != "(":
            return None, toks.error(start, "expected key:value")[1]
        terms: list[Node] = []
        while True:
            val, after = toks.value_or_op(rest)
            if val.kind not in ("w", "q", "r"):
                return None, toks.error(rest, "expected value")[1]
            terms.append(_leaf(tok, val))
            rest = after
            val, after = toks.value_or_op(rest)
            if val.kind == ")":
                return Op("or", tuple(terms)), after
            if val.kind != "O":
                return None, toks.error(rest, "value list must be separated by OR")[1]
            rest = after
    return None, toks.error(start, "expected key:value or subexpression")[1]


def _leaf(key: Tok, val: Tok) -> Match:
    if val.kind == "r":
        return Match(key.text, "", val.regexp, key.off)
    return Match(key.text, val.text, None, key.off)


def uses_unit(node: Node) -> bool:
    """Whether the filter looks at units (then it decides per measurement, not per result)."""
    if isinstance(node, Match):
        return node.key == ".unit"
    return any(uses_unit(t) for t in node.terms)


#: A compiled filter: (result, its input's label, a measurement's unit as tidied, the unit as
#: written when tidying changed it, else "") -> keep it. The units matter only to ``.unit``.
FilterFn = Callable[[BenchResult, str, str, str], bool]


def compile_filter(query: str, node: Node | None = None) -> FilterFn:
    """benchproc's NewFilter: ``query`` as a predicate (BenchSyntaxError for ``.config``, which
    only projections take, or an empty key)."""
    if node is None:
        node = parse_filter(query)

    def walk(n: Node) -> FilterFn:
        if isinstance(n, Op):
            subs = [walk(t) for t in n.terms]
            if n.op == "not":
                sub = subs[0]
                return lambda r, label, unit, orig: not sub(r, label, unit, orig)
            if n.op == "and":
                return lambda r, label, unit, orig: all(s(r, label, unit, orig) for s in subs)
            return lambda r, label, unit, orig: any(s(r, label, unit, orig) for s in subs)
        leaf = n
        if leaf.key == ".unit":
            return lambda r, label, unit, orig: leaf.matches(unit) or (orig != "" and leaf.matches(orig))
        if leaf.key == ".config":
            raise BenchSyntaxError(query, leaf.off, ".config is only allowed in projections")
        try:
            ext = extractor(leaf.key)
        except ValueError as exc:
            raise BenchSyntaxError(query, leaf.off, str(exc)) from None
        return lambda r, label, unit, orig: leaf.matches(ext(r, label))

    return walk(node)
