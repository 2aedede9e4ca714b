"""profiles/pprof/goregexp and nomatch without Go: answers the real Go gave (the whole table is
checked against Go itself in tests/integration/test_goregexp_real.py), on real profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from m3tui.profiles.pprof import analysis, goregexp
from m3tui.profiles.pprof.decode import load_file
from m3tui.profiles.pprof.graph import Filters, check_regexp
from m3tui.profiles.pprof.model import ProfileError
from m3tui.profiles.pprof.nomatch import _locations, no_match_warnings
from tests.hostile import deadline

CPU = Path(__file__).resolve().parents[1] / "data" / "pprof" / "cpu.pb.gz"


@pytest.mark.parametrize(("pattern", "yes", "no"), [
    ("[[:upper:]]ib", ["main.Fib"], ["main.fib"]),
    (r"\pL", ["é", "日"], ["1", "_"]),
    (r"\Q.*\E", ["a.*b"], ["ab"]),
    (r"a\z", ["a"], ["a\n"]),
    ("(?U)^a+?$", ["aaa"], ["b"]),
    (r"\d", ["7"], ["٣"]),  # ASCII in Go
    (r"\s", [" "], ["\v"]),  # no \v in Go's \s
    ("[[:space:]]", ["\v"], ["x"]),
    ("(?i)k", ["\u212a", "K"], ["x"]),  # the Kelvin sign folds to k
    ("^.{2}$", ["日本"], ["日本語"]),  # runes, not bytes
    (r"\bé", [], ["é"]),  # Go's \b is ASCII
    ("a{,5}", ["a{,5}"], ["aaaaa"]),  # no repeat: literal
    ("a{01}", ["a{01}"], ["a"]),
    (r"runtime\.mallocgc", ["runtime.mallocgc"], ["runtimeXmallocgc"]),  # the literal fast path
    ("", ["", "x"], []),
    (r"\p{greek}", ["α"], ["a"]),  # Go's loose names (Go 1.25+)
    (r"\p{Old Italic}", ["\U00010300"], ["a"]),
    (r"\p{Letter}\p{digit}", ["a1"], ["11"]),  # category aliases
    (r"^\P{ASCII}$", ["é"], ["e"]),
    (r"^\p{LC}$", ["ǅ", "a"], ["ア"]),  # RE2 has no LC
    (r"^\pC$", ["\U0010ffff", "\x01"], ["a"]),  # Go's C has the unassigned (Cn) too
])  # fmt: skip
def test_go_semantics(pattern: str, yes: list[str], no: list[str]) -> None:
    rx = goregexp.compile(pattern)
    assert [rx.search(s) for s in yes] == [True] * len(yes)
    assert [rx.search(s) for s in no] == [False] * len(no)


@pytest.mark.parametrize(("pattern", "error"), [
    ("a{1001}", "invalid repeat count: `{1001}`"),
    ("x{1,99999999999}", "invalid repeat count: `{1,99999999999}`"),
    ("a**", "invalid nested repetition operator: `**`"),
    ("*", "missing argument to repetition operator: `*`"),
    ("(a", "missing closing ): `(a`"),
    ("a)", "unexpected ): `a)`"),
    ("[a", "missing closing ]: `[a`"),
    ("\\", "trailing backslash at end of expression: ``"),
    (r"\C", r"invalid escape sequence: `\C`"),
    (r"\Z", r"invalid escape sequence: `\Z`"),
    ("(?=a)", "invalid or unsupported Perl syntax: `(?=`"),
    ("(?<=a)", "invalid named capture: `(?<=a)`"),
    ("*(?<=a)", "missing argument to repetition operator: `*`"),  # Go says the first error
    ("(?P<Ü>x)", "invalid named capture: `(?P<Ü>`"),
    ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
    ("(" * 1000 + "a" + ")" * 1000, "expression nests too deeply: `(((("),
])  # fmt: skip
def test_go_refusals_in_gos_words(pattern: str, error: str) -> None:
    with pytest.raises(goregexp.GoRegexpError) as info:
        goregexp.compile(pattern)
    assert str(info.value).startswith("error parsing regexp: " + error)
    with pytest.raises(ProfileError, match="^focus regexp "):
        check_regexp(pattern, "focus")


def test_quote_meta_and_linear_time() -> None:
    for text in ("main.(*T).Method", "a|b", "x{2}", "[^]", "$^\\", "é ü"):
        assert goregexp.compile("^" + goregexp.quote_meta(text) + "$").search(text)
    with deadline(5):
        assert not goregexp.compile("(a+)+$").search("a" * 50_000 + "!")  # RE2: no backtracking


def test_no_match_warnings_in_pprofs_order() -> None:
    p = load_file(str(CPU))
    assert no_match_warnings(p, None) == [] and no_match_warnings(p, Filters()) == []
    assert no_match_warnings(p, Filters(focus="runtime", ignore=r"goprof\.Fib", hide=r"\.")) == []
    # "main" is in every Go source path here (/work/main/.venv/...): all of runtime is ignored
    assert no_match_warnings(p, Filters(focus="runtime", ignore="main")) == ["Focus expression matched no samples"]
    assert no_match_warnings(p, Filters(focus="NoSuch", ignore="NoSuch", hide="NoSuch")) == [
        "Focus expression matched no samples", "Ignore expression matched no samples",
        "Hide expression matched no samples"]
    assert no_match_warnings(p, Filters(focus="runtime", ignore="runtime")) == ["Focus expression matched no samples"]
    # a focus that matches nothing keeps nothing
    assert analysis.top(p, 0, Filters(focus="NoSuch")).rows == []


def test_locations_end_on_a_non_inlined_site() -> None:
    p = load_file(str(CPU))
    locs = _locations(p)
    assert locs and all(not p.site_inline[ord(loc[-1])] for loc in locs)
    assert all(p.site_inline[ord(c)] for loc in locs for c in loc[:-1])


def test_a_huge_unicode_repetition_is_refused_quickly_not_compiled_for_seconds() -> None:
    # Go takes \pL{1000}; RE2 would need 1.3 s and 150 MB for it: refused at RE2's 8 MiB instead
    with deadline(5), pytest.raises(goregexp.GoRegexpError, match=r"^error parsing regexp: expression too large: `\\pL\{1000\}`$"):
        goregexp.compile(r"\pL{1000}")
    assert goregexp.compile(r"\pL{100}").search("é" * 100)
