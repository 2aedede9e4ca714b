"""benchproc's projections and filter language, against golang.org/x/perf's own tests
(benchproc/internal/parse/*_test.go, extract_test.go, projection_test.go, filter_test.go),
ported case by case."""

from __future__ import annotations

import pytest

from m3tui.bench.benchfilter import compile_filter, parse_filter
from m3tui.bench.benchproc import BenchSyntaxError, extractor, full_name_excluding, parse_projection
from m3tui.bench.benchtab import _Parser
from m3tui.bench.fmt import BenchResult


def res(full: str, *config: str) -> BenchResult:
    """parse_test's r(): a result of that name (as written) and file config."""
    cfg = dict(zip(config[::2], config[1::2]))
    return BenchResult(full, 1, 1, {"ns/op": 1.0, "B/op": 2.0}, {k: v for k, v in cfg.items() if v}, written=full)


@pytest.mark.parametrize("q,want", [
    ("", []), ("a,b", ["a", "b"]), ("a, b", ["a", "b"]), ("a b", ["a", "b"]), ("a,.name", ["a", ".name"]),
    ("a,/b", ["a", "/b"]), ("a@alpha, b@num", ["a@alpha", "b@num"]), ("a@(1 2), b@(3 4)", ["a@(1 2)", "b@(3 4)"]),
])  # fmt: skip
def test_parse_projection(q: str, want: list[str]) -> None:
    """parse.TestParseProjection."""
    assert [str(f) for f in parse_projection(q)] == want


@pytest.mark.parametrize("q,msg,off", [
    ("a,,b", "expected key", 2), ("a@", "expected named sort order or parenthesized list", 2),
    ("a@,b", "expected named sort order or parenthesized list", 2), ("a@(", "missing )", 3),
    ("a@(,", "missing )", 3), ("a@()", "nothing to match", 3),
])  # fmt: skip
def test_parse_projection_errors(q: str, msg: str, off: int) -> None:
    """parse.TestParseProjection's checkErr cases: message and offset."""
    with pytest.raises(BenchSyntaxError) as e:
        parse_projection(q)
    assert (e.value.msg, e.value.off) == (msg, off)
    assert "\n" not in str(e.value) and q in str(e.value)


@pytest.mark.parametrize("q,want", [
    ("*", "*"), ("a:b", "a:b"), ("a :b", "a:b"), ("a : b", "a:b"), ('"a":"b c"', 'a:"b c"'), ('"a\\"":"b c"', '"a\\"":"b c"'),
    ('"a\\u2603":"b c"', 'a☃:"b c"'), ("a-b:c", "a-b:c"), ("a*b:c", "a*b:c"), ("(a:b)", "a:b"),
    ("a:b c:d e:f", "(a:b AND c:d AND e:f)"), ("-a:b", "-a:b"), ("-*", "-*"), ("a:b AND c:d", "(a:b AND c:d)"),
    ("-a:b AND c:d", "(-a:b AND c:d)"), ("-(a:b AND c:d)", "-(a:b AND c:d)"), ("a:b AND * AND c:d", "(a:b AND * AND c:d)"),
    ("a:b OR c:d", "(a:b OR c:d)"), ("a:b AND c:d OR e:f AND g:h", "((a:b AND c:d) OR (e:f AND g:h))"),
    ("a:b AND (c:d OR e:f) AND g:h", "(a:b AND (c:d OR e:f) AND g:h)"), ("a:/b/", "a:/b/"), ("a:/b[/]/", "a:/b[/]/"),
    ("a:(b OR c OR d)", "(a:b OR a:c OR a:d)"), ('a:(b OR "c " OR /d/)', '(a:b OR a:"c " OR a:/d/)'),
])  # fmt: skip
def test_parse_filter(q: str, want: str) -> None:
    """parse.TestParseFilter."""
    assert str(parse_filter(q)) == want


@pytest.mark.parametrize("q,msg,off", [
    ("a", "expected key:value", 0), ("a :", "expected key:value", 0), ("a:", "expected key:value", 0),
    ("", "expected key:value or subexpression", 0), ("()", "expected key:value or subexpression", 1),
    ("AND", "expected key:value or subexpression", 0), ('"a\\z":"b c"', "bad escape sequence", 0),
    ('a "b', "missing end quote", 2), ("(a:b", 'missing ")"', 4), ("(a:b))", 'unexpected ")"', 5),
    ("a:(b c)", "value list must be separated by OR", 5), ("a:(b AND c)", "value list must be separated by OR", 5),
    ("a:(b OR AND)", "expected value", 8), ("a:()", "expected value", 3), ("a:/b", 'missing close "/"', 2),
    ("a:/b/c", 'regexp must be followed by space or an operator (unescaped "/"?)', 5),
])  # fmt: skip
def test_parse_filter_errors(q: str, msg: str, off: int) -> None:
    """parse.TestParseFilter's checkErr cases."""
    with pytest.raises(BenchSyntaxError) as e:
        parse_filter(q)
    assert (e.value.msg, e.value.off) == (msg, off)


@pytest.mark.parametrize("key,full,want", [
    (".name", "Test", "Test"), (".name", "Test/a", "Test"), (".name", "Test-4", "Test"), (".name", "Test/a-4", "Test"),
    (".fullname", "Test-2", "Test-2"), ("/a", "Test", ""), ("/a", "Test/a=1", "1"), ("/a", "Test/aa=1", ""),
    ("/a", "Test/a=1/b=2", "1"), ("/a", "Test/b=1/a=2", "2"), ("/a", "Test/b=1/a=2-4", "2"),
    ("/gomaxprocs", "Test", ""), ("/gomaxprocs", "Test/gomaxprocs=4", "4"), ("/gomaxprocs", "Test-4", "4"),
    ("/gomaxprocs", "Test/a-4", "4"), ("/gomaxprocs", "Test-1", "1"),
])  # fmt: skip
def test_extractors(key: str, full: str, want: str) -> None:
    """TestExtractName, TestExtractNameKey."""
    assert extractor(key)(res(full), "f") == want


@pytest.mark.parametrize("keys,full,want", [
    (["/a"], "Test", "Test"), (["/a"], "Test/a=123", "Test"), (["/a"], "Test/b=123/a=123", "Test/b=123"),
    (["/a"], "Test/a=123/b=123", "Test/b=123"), (["/a"], "Test/a=123/a=123", "Test"), (["/a"], "Test/a=123-2", "Test-2"),
    ([".name"], "Test", "*"), ([".name"], "Test/a=123", "*/a=123"), ([".name", "/a"], "Test/a=123", "*"),
    ([".name", "/a"], "Test/a=123/b=123", "*/b=123"), (["/gomaxprocs"], "Test/a=123-2", "Test/a=123"),
    (["/gomaxprocs"], "Test/gomaxprocs=123", "Test"), (["/gomaxprocs"], "Test/a=123", "Test/a=123"),
])  # fmt: skip
def test_full_name_excluding(keys: list[str], full: str, want: str) -> None:
    """TestExtractFullName's exclude cases (newExtractorFullName)."""
    assert full_name_excluding(full, keys) == want


def test_extract_file_and_config_keys() -> None:
    """TestExtractFileKey; .file is the input's label."""
    assert extractor("file-key")(res("Name", "file-key", "123", "other-key", "456"), "x") == "123"
    assert extractor("file-key")(res("Name", "other-key", "456"), "x") == ""
    assert extractor(".file")(res("Name"), "old.txt") == "old.txt"
    with pytest.raises(ValueError, match="key must not be empty"):
        extractor("")


def test_projection_basic_and_config_groups() -> None:
    """TestProjectionBasic: missing values are omitted; .config's fields in first-seen order."""
    def key(q: str, r: BenchResult) -> str:
        proj = projs.setdefault(q, _Parser().parse(q))
        return proj.key_string(proj.project(r, "f"))

    projs: dict[str, object] = {}
    projs.clear()
    assert key(".fullname", res("Name/a=1")) == ".fullname:Name/a=1"
    assert key("/a", res("Name/a=1")) == "/a:1"
    assert key(".name", res("Name/a=1")) == ".name:Name"
    assert key("a", res("", "a", "1", "b", "2")) == "a:1"
    assert key("a", res("", "b", "2")) == ""
    assert key("a", res("", "a", "", "b", "2")) == ""
    assert key(".config", res("", "a", "1", "b", "2")) == "a:1 b:2"
    assert key(".config", res("", "c", "3")) == "c:3"
    assert key(".config", res("", "c", "3", "a", "2")) == "a:2 c:3"


def test_projection_exclusion_and_residue() -> None:
    """TestProjectionExclusion and TestProjectionResidue."""
    pp = _Parser()
    s = pp.parse(".fullname,.config")
    pp.parse(".name,/a,exc")
    pp.finish()
    for r, want in [(res("Name"), ".fullname:*"), (res("Name/a=1/b=2"), ".fullname:*/b=2"),
                    (res("Name", "exc", "1", "abc", "2"), ".fullname:* abc:2")]:  # fmt: skip
        assert s.key_string(s.project(r, "f")) == want
    for main, want in [("", "x:3 y:4 .fullname:Name/a=1/b=2"), (".config,.fullname", ""), ("x,/a", "y:4 .fullname:Name/b=2"),
                       (".config", ".fullname:Name/a=1/b=2"), (".fullname", "x:3 y:4"), (".name", "x:3 y:4 .fullname:*/a=1/b=2")]:  # fmt: skip
        pp = _Parser()
        pp.parse(main)
        residue = pp.residue()
        pp.finish()
        assert residue.key_string(residue.project(res("Name/a=1/b=2", "x", "3", "y", "4"), "f")) == want, main


def test_projection_parse_errors() -> None:
    """TestProjectionParsing's checkErr cases, and .unit (only in filters)."""
    for q, msg, off in [("a@foo", 'unknown order "foo"', 2), (".config@(1 2)", "fixed order not allowed for .config", 8),
                        ("x,.unit", ".unit is only allowed in filters", 2)]:  # fmt: skip
        with pytest.raises(BenchSyntaxError) as e:
            _Parser().parse(q)
        assert (e.value.msg, e.value.off) == (msg, off)


@pytest.mark.parametrize("q,want", [
    ("f1:v1", (True, True)), ("f1:v2", (False, False)), ("/n1:v3", (True, True)), (".name:Name", (True, True)),
    (".fullname:Name/n1=v3", (True, True)), (".unit:ns/op", (True, False)), (".unit:sec/op", (True, False)),
    (".unit:B/op", (False, True)), (".unit:foo", (False, False)), ("*", (True, True)), ("f1:v1 OR f1:v2", (True, True)),
    ("f1:v1 AND f1:v2", (False, False)), ("f1:v1 f1:v2", (False, False)), ("f1:v1 f2:v2", (True, True)),
    ("-f1:v1", (False, False)), ("--f1:v1", (True, True)), (".unit:(ns/op OR B/op)", (True, True)),
    ("f1:/^v/", (True, True)), ("f1:/1/", (True, True)), ("f1:/^1/", (False, False)), ("-.unit:B/op f2:v2", (True, False)),
])  # fmt: skip
def test_filter_matches(q: str, want: tuple[bool, bool]) -> None:
    """TestFilter: per measurement (ns/op, tidied to sec/op; B/op) of Name/n1=v3 with f1:v1 f2:v2."""
    r = res("Name/n1=v3", "f1", "v1", "f2", "v2")
    f = compile_filter(q)
    assert (f(r, "f", "sec/op", "ns/op"), f(r, "f", "B/op", "")) == want


def test_filter_on_config_is_an_error() -> None:
    """benchproc.NewFilter: .config only in projections."""
    with pytest.raises(BenchSyntaxError, match=r"\.config is only allowed in projections"):
        compile_filter(".config:x")
