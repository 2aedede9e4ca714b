"""The field filter (logs/where.py) against a reference written here in plain Python.

Hypothesis writes logs (JSON and logfmt lines, levels in many spellings, durations as Go strings
and as slog's integer nanoseconds, nested JSON, plain text between) from records it knows the
meaning of, and expressions from terms it knows the meaning of; the reference decides each line
from the record itself (ranks, integers of nanoseconds, numbers), never from the written line.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m3tui.core.errors import UsageError
from m3tui.logs.where import WhereError, go_duration, parse_where

# --- what the generated records mean ---------------------------------------------------------

RANK = {"debug": 10, "DEBUG": 10, "info": 20, "INFO": 20, "warn": 30, "WARN": 30, "warning": 30, "WRN": 30,
        "ERROR": 40, "error": 40, "err": 40, "FATAL": 50, "panic": 50}  # fmt: skip
COMPONENTS = ["m3-query", "m3-db", "api", "m3-query-2"]
TRACES = ["4bf92f3577b34da6a3ce929d0e0e4736", "4bf9aa0000000000000000000000beef", "00f067aa0ba902b7aaaaaaaaaaaaaaaa"]
WORDS = ["request done", "timeout talking to db", "cache miss", "Timeout!", "ok"]


@dataclass
class Rec:
    """A record as the test knows it: plain values (durations in ns, statuses as ints)."""

    level: str | None
    level_key: str
    msg: str
    component: str | None
    trace_id: str | None
    duration: int | None
    status: int | None
    nested: bool  # JSON only: status under http.status, not status


def go_string(ns: int, style: int) -> str:
    """A Go duration string for ``ns`` (exact), in one of a few ways Go and people write them."""
    if ns == 0:
        return "0s" if style % 2 else "0"
    if style == 0:
        return f"{ns}ns"
    if style == 1:
        return f"{Decimal(ns) / Decimal(10**6):f}ms"
    if style == 2:
        return f"{Decimal(ns) / Decimal(10**9):f}s"
    if style == 3:
        return f"{Decimal(ns) / Decimal(10**3):f}{'µs' if ns % 2 else 'us'}"
    h, rest = divmod(ns, 3600 * 10**9)
    m, rest = divmod(rest, 60 * 10**9)
    s = Decimal(rest) / Decimal(10**9)
    return (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s:f}s" if rest or not (h or m) else "")


#: Durations near each other (so comparisons go both ways); some are drawn anywhere too.
NEAR = [0, 1, 999_999, 500 * 10**6, 500 * 10**6 + 1, 10**9, 1_500_000_000, 3_723_000_000_000]


def duration(rng: random.Random) -> int:
    return rng.choice(NEAR) if rng.random() < 0.7 else rng.randrange(5 * 10**9)


def maybe(rng: random.Random, values: list[Any]) -> Any:
    return None if rng.random() < 0.2 else rng.choice(values)


def record(rng: random.Random) -> tuple[Rec, bytes]:
    """One record and its line, written as JSON, logfmt or plain text (from a seeded random: cheap)."""
    rec = Rec(
        level=maybe(rng, sorted(RANK)), level_key=rng.choice(["level", "level", "severity"]), msg=rng.choice(WORDS),
        component=maybe(rng, COMPONENTS), trace_id=maybe(rng, TRACES), duration=None if rng.random() < 0.2 else duration(rng),
        status=maybe(rng, [100, 200, 404, 500, 503, 599]), nested=False,
    )  # fmt: skip
    kind = rng.choice(["json", "json", "logfmt", "logfmt", "plain"])
    if kind == "plain":
        return rec, f"2024/05/01 12:00:00 {rec.msg} component={rec.component}".encode()
    d: dict[str, Any] = {"time": "2024-05-01T12:00:00Z"}
    if rec.level is not None:
        d[rec.level_key] = rec.level
    d["msg"] = rec.msg
    for key in ("component", "trace_id"):
        if getattr(rec, key) is not None:
            d[key] = getattr(rec, key)
    if rec.duration is not None:  # slog's JSONHandler writes nanoseconds, its TextHandler a Go string
        as_int = kind == "json" and rng.random() < 0.5
        d["duration"] = rec.duration if as_int else go_string(rec.duration, rng.randrange(5))
    if rec.status is not None:
        rec.nested = kind == "json" and rng.random() < 0.5
        if rec.nested:
            d["http"] = {"status": rec.status, "path": "/q"}
        else:
            d["status"] = rec.status
    if kind == "json":
        return rec, json.dumps(d).encode()
    return rec, " ".join(f"{k}={json.dumps(v) if isinstance(v, str) and (' ' in v or not v) else v}" for k, v in d.items()).encode()


# --- expressions and the reference ---------------------------------------------------------------

OPS = ["=", "!=", ">", ">=", "<", "<="]


def compare(op: str, a: Any, b: Any) -> bool:
    return {"=": a == b, "!=": a != b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


@st.composite
def terms(draw: st.DrawFn) -> tuple[str, Any]:
    """(term text, a function of a Rec saying whether the term holds)."""
    which = draw(st.sampled_from(["level", "component", "prefix", "regex", "duration", "status", "present", "trace"]))
    op = draw(st.sampled_from(OPS))
    if which == "level":
        word = draw(st.sampled_from(sorted(RANK)))
        name = draw(st.sampled_from(["level", "severity"]))

        def level(r: Rec) -> bool:
            if r.level is None:
                return op == "!="
            return compare(op, RANK[r.level], RANK[word])

        return f"{name}{op}{word}", level
    if which == "component":
        op = draw(st.sampled_from(["=", "!="]))
        value = draw(st.sampled_from(COMPONENTS))
        return f"component{op}{value}", lambda r: (r.component == value) == (op == "=")
    if which == "prefix":
        value = draw(st.sampled_from(["m3-", "m3-query", "a", "x"]))
        star = draw(st.sampled_from(["*", "…"]))
        return f"component={value}{star}", lambda r: r.component is not None and r.component.startswith(value)
    if which == "trace":
        value = draw(st.sampled_from(["4bf9", "4bf92f35", "00f0", TRACES[0]]))
        return f"trace_id={value}*", lambda r: r.trace_id is not None and r.trace_id.startswith(value)
    if which == "regex":
        op = draw(st.sampled_from(["~", "!~"]))
        pattern = draw(st.sampled_from(["timeout", "(?i)timeout", "^ok$", "cache|done"]))
        return f'msg{op}"{pattern}"', lambda r: (re.search(pattern, r.msg) is not None) == (op == "~")
    if which == "duration":
        ns = draw(st.sampled_from(NEAR) | st.integers(0, 5 * 10**9))
        text = go_string(ns, draw(st.integers(0, 4)))
        if text == "0":
            text = "0s"  # a bare 0 is a number: it compares with numbers only

        def duration(r: Rec) -> bool:
            if r.duration is None:
                return op == "!="
            return compare(op, r.duration, ns)

        return f"duration{op}{text}", duration
    if which == "status":
        value = draw(st.sampled_from([100, 200, 404, 500, 503, 599]) | st.integers(100, 599))
        nested = draw(st.booleans())

        def status(r: Rec) -> bool:
            if r.status is None or r.nested != nested:
                return op == "!="
            return compare(op, r.status, value)

        return f"{'http.status' if nested else 'status'}{op}{value}", status
    negate = draw(st.booleans())
    return f"{'!' if negate else ''}component", lambda r: (r.component is not None) != negate


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), expr=st.lists(terms(), min_size=1, max_size=4))
def test_the_filter_agrees_with_the_reference(seed: int, expr: list[tuple[str, Any]]) -> None:
    """The whole expression (its terms ANDed), and each term alone (what most lines would hide),
    on 150 lines from a seeded random (drawn lines one by one would make the test slow)."""
    where = parse_where(" ".join(text for text, _ in expr))
    alone = [(parse_where(text), holds) for text, holds in expr]
    rng = random.Random(seed)
    for rec, raw in (record(rng) for _ in range(150)):
        structured = not raw.startswith(b"2024/")
        expected = structured and all(holds(rec) for _, holds in expr)
        assert where.matches(raw) == expected, (where.text, raw)
        for term, holds in alone:
            assert term.matches(raw) == (structured and holds(rec)), (term.text, raw)


# --- the parts, by example ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ns"), [
    ("0", 0), ("1.5s", 1_500_000_000), ("500ms", 500_000_000), ("1h2m", 3_720_000_000_000), ("-3us", -3000),
    ("2µs", 2000), (".5h", 1_800_000_000_000), ("1h2m3.000000001s", 3_723_000_000_001), ("1.5", None), ("5 s", None), ("s", None),
])  # fmt: skip
def test_go_durations(text: str, ns: int | None) -> None:
    assert go_duration(text) == ns


def test_durations_both_ways_and_numbers_and_quotes() -> None:
    w = parse_where('duration>500ms msg="slow query" http.status>=500')
    assert w.matches(b'{"msg":"slow query","duration":600000000,"http":{"status":503}}')
    assert w.matches(b'level=info msg="slow query" duration=1.2s http.status=500')
    assert not w.matches(b'level=info msg="slow query" duration=499ms http.status=500')
    assert not w.matches(b'level=info msg="slow query" duration=n/a http.status=500')  # not a duration: fails
    assert not w.matches(b"slow query duration=1s")  # plain text never matches


def test_level_by_rank_under_any_of_its_names() -> None:
    w = parse_where("level>=warn")
    assert [w.matches(b) for b in (b'{"severity":"warning","msg":"x"}', b'{"level":"ERR","msg":"x"}', b"lvl=info msg=x",
                                   b'{"level":"NOTICE?","msg":"x"}', b'{"msg":"no level"}')] == [True, True, False, False, False]  # fmt: skip
    assert parse_where("level=warning").matches(b"level=WARN msg=x")


def test_presence_absence_and_negation() -> None:
    assert parse_where("!trace_id").matches(b'{"msg":"x"}')
    assert not parse_where("trace_id").matches(b'{"msg":"x"}')
    assert parse_where("component!=api msg!~boom").matches(b'{"msg":"x"}')  # the negation of = and ~: missing passes
    assert parse_where('msg=a*b"*"').matches(b'{"msg":"a*b*"}')  # a quoted * is itself
    assert not parse_where('msg=a*b"*"').matches(b'{"msg":"a*bc"}')


@pytest.mark.parametrize(("expr", "says"), [
    ("level>=wrnx", "unknown level 'wrnx'"), ("a==b", "'==' is not an operator"), ("x>", "> needs a value"),
    ('msg="open', "unclosed quote"), ("msg~(a+)+", "repetition inside a repetition"), ("!a=b", "! goes before a name alone"),
    ("=x", "a term is NAME"), ("a?b", "'?' is not an operator"), ("msg~[", "regexp '['"),
])  # fmt: skip
def test_a_bad_expression_is_one_line_naming_the_term(expr: str, says: str) -> None:
    with pytest.raises(WhereError) as info:
        parse_where(f"level=info {expr}")
    message = str(info.value)
    assert isinstance(info.value, UsageError) and "\n" not in message and says in message, message
    assert "where: " in message and (expr.split('"')[0] in message)


def test_needles_never_hide_a_match() -> None:
    """The raw-bytes pre-test: names and plain exact values only (a JSON escape would hide others)."""
    w = parse_where("component=m3-query msg~x path=/q")
    assert w.needles == (b"component", b"m3-query", b"path")
    assert parse_where("msg=x").needles == ()  # msg has aliases: the line may say message
