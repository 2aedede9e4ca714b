"""Regular expressions from users (log lint patterns, benchstat filters), made safe for a backtracking
engine. (pprof's filters are Go's RE2 itself: profiles/pprof/goregexp.py.)

Go's tools take RE2, which runs in linear time whatever the pattern; Python's ``re`` backtracks,
so a repetition inside a repetition (``(a+)+$``) can take exponential time on a long name, and
nothing can interrupt it in a worker thread. `compile_safe` refuses such patterns up front (with
a one-line reason), translates RE2's POSIX classes, and turns Python's warnings into refusals.
Written by hand: no library checks a Python pattern for catastrophic backtracking.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from m3tui.core.errors import InputError
from m3tui.core.text import one_line

# The regexp parser and its opcodes (re._parser, re._constants since 3.11: sre_parse and
# sre_constants are deprecated aliases; neither has a type stub).
_sre: Any = importlib.import_module("re._constants")
_sre_parser: Any = importlib.import_module("re._parser")

#: RE2's POSIX classes (ASCII, as RE2 has them), for use inside a bracket expression.
_POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}  # fmt: skip
_POSIX_CLASS = re.compile(r"\[:(\^?)(" + "|".join(_POSIX) + r"):\]")


class RegexpError(InputError):
    """A pattern that is not a regexp, or one that could run for ever here."""


def _posix_classes(rx: str) -> str:
    """``[[:alpha:]_]`` as Python's ``[A-Za-z_]``; a negated one (``[[:^digit:]]``) only alone in its bracket."""
    if "[:" not in rx:
        return rx

    def one(m: re.Match[str]) -> str:
        if m[1]:
            raise RegexpError(f"regexp {one_line(repr(rx))}: a negated POSIX class inside a bracket is not supported here")
        return _POSIX[m[2]]

    rx = re.sub(r"\[\[:\^(" + "|".join(_POSIX) + r"):\]\]", lambda m: f"[^{_POSIX[m[1]]}]", rx)
    return _POSIX_CLASS.sub(one, rx)


def compile_safe(rx: str, what: str) -> re.Pattern[str]:
    """``rx`` compiled, or a one-line `RegexpError` (invalid input) saying why it cannot be used.

    Python's regexp engine backtracks, so a repetition inside a repetition (``(a+)+$``) can take
    exponential time on a long name, and nothing can interrupt it in the TUI's worker thread.
    Such a pattern is refused unless each outer iteration must end on a character the inner
    repetition cannot match (``(\\w+\\.)+`` is fine: every ``\\w+`` stops at its ``.``); an atomic
    group or a possessive quantifier (``(?>a+)+``, ``(a++)+``) never backtracks and is fine too.
    (Go's RE2 is linear: a pattern refused here still works in Go's tools.)
    RE2's POSIX classes (``[[:alpha:]]``) are translated; what Python would only warn about
    (a nested set) is refused rather than printed as a FutureWarning.
    """
    pattern = _posix_classes(rx)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError, FutureWarning, DeprecationWarning) as e:
        raise RegexpError(one_line(f"{what} {rx!r}: {e}")) from None
    try:
        nested = _nested_repeat(_sre_parser.parse(pattern).data, None, bool(compiled.flags & re.IGNORECASE))
    except (re.error, RecursionError):
        nested = True
    if nested:
        raise RegexpError(
            f"{what} {one_line(repr(rx))}: a repetition inside a repetition (like (a+)+) can take "
            "exponential time here; drop the nesting or make the inner one possessive (a++)"
        )
    return compiled


# The parsed form of a Python regexp (its opcodes): what the nesting check walks.
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT)
#: An outer repetition of at most this many iterations costs a polynomial at worst (n**3): fine.
_FEW = 3
_CATEGORIES: dict[object, Callable[[str], bool]] = {
    _sre.CATEGORY_DIGIT: str.isdecimal,
    _sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
    _sre.CATEGORY_SPACE: str.isspace,
    _sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    _sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    _sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}


def _nested_repeat(items: Sequence[tuple[Any, Any]], outer: Sequence[tuple[Any, Any]] | None, nocase: bool) -> bool:
    """Whether a repetition of varying length sits inside ``outer`` (the body of an enclosing
    repetition of more than a few iterations) without a delimiter that fixes where each iteration
    ends: then the ways to split a name between the iterations grow exponentially."""
    for op, av in items:
        if op in _REPEATS:
            lo, hi, body = av
            if outer is not None and lo != hi and not _delimited(outer, body, nocase):
                return True
            inner = [(body, body if hi > _FEW else outer)]
        elif op is _sre.SUBPATTERN:
            inner = [(av[3], outer)]
        elif op is _sre.BRANCH:
            inner = [(alt, outer) for alt in av[1]]
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            inner = [(av[1], outer)]
        else:  # ATOMIC_GROUP and POSSESSIVE_REPEAT never backtrack into themselves: nothing to fear
            continue
        if any(_nested_repeat(sub, out, nocase) for sub, out in inner):
            return True
    return False


def _delimited(outer: Sequence[tuple[Any, Any]], inner: Sequence[tuple[Any, Any]], nocase: bool) -> bool:
    """Whether ``outer`` must match a literal character that the single-character ``inner`` cannot."""
    if len(inner) != 1:
        return False
    literals = []
    todo = list(outer)
    while todo:
        op, av = todo.pop()
        if op is _sre.LITERAL:
            literals.append(chr(av))
        elif op is _sre.SUBPATTERN:
            todo.extend(av[3])
    return any(not _may_match(inner[0], c, nocase) for c in literals)


def _may_match(item: tuple[Any, Any], c: str, nocase: bool) -> bool:
    """Whether one single-character item of a parsed regexp may match ``c`` (True when unsure)."""
    chars = {c, c.lower(), c.upper()} if nocase else {c}
    op, av = item
    if op is _sre.LITERAL:
        return any(ord(x) == av for x in chars)
    if op is _sre.NOT_LITERAL:
        return any(ord(x) != av for x in chars)
    if op is _sre.IN:
        negate = bool(av) and av[0][0] is _sre.NEGATE
        hit = False
        for iop, iav in av[1:] if negate else av:
            if iop is _sre.LITERAL:
                hit = hit or any(ord(x) == iav for x in chars)
            elif iop is _sre.RANGE:
                hit = hit or any(iav[0] <= ord(x) <= iav[1] for x in chars)
            elif iop is _sre.CATEGORY and iav in _CATEGORIES:
                hit = hit or any(_CATEGORIES[iav](x) for x in chars)
            else:
                return True
        return hit != negate or (negate and nocase)
    return True  # ANY, a category outside a class, anything else: assume it may
