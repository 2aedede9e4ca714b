"""top / peek / diff agree exactly with `go tool pprof` on real profiles of tests/data/goprof."""

from __future__ import annotations

import pytest

from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.decode import load_file
from m3tui.profiles.pprof.diff import diff
from m3tui.profiles.pprof.graph import Filters
from m3tui.profiles.pprof.measure import format_value, percentage
from tests.goprofiles import parse_top, pprof

TYPES = {
    "cpu": ("samples", "cpu"),
    "mem": ("alloc_objects", "alloc_space", "inuse_objects", "inuse_space"),
    "mem_default": ("alloc_objects", "alloc_space", "inuse_objects", "inuse_space"),
    "block": ("contentions", "delay"),
    "mutex": ("contentions", "delay"),
}
VARIANTS = {
    "default": [],
    "nodecount": ["-nodecount=8", "-nodefraction=0"],
    "focus": ["-focus=goprof"],
    "ignore": ["-ignore=runtime"],
    "hide": [r"-hide=runtime\.|testing\."],
    "focus_hide": ["-focus=Fib|allocDeep|Inc|PingPong", "-hide=square|Hash"],
    "cum": ["-cum", "-nodecount=15"],
}
SMALL = ("default", "nodecount", "focus")

CASES = [
    pytest.param(name, st, variant, id=f"{name}-{st}-{variant}")
    for name, types in TYPES.items()
    for st in types
    for variant in VARIANTS
    if name in ("cpu", "mem") or variant in SMALL
]


@pytest.fixture(scope="module")
def rp(real_profiles):
    return real_profiles


def _ours(profile, st: str, args: list[str]) -> analysis.TopReport:
    kw: dict = {}
    filters = Filters()
    for a in args:
        key, _, value = a.lstrip("-").partition("=")
        if key == "nodecount":
            kw["nodecount"] = int(value)
        elif key == "nodefraction":
            kw["node_fraction"] = float(value)
        elif key == "cum":
            kw["sort"] = "cum"
        else:
            setattr(filters, key, value)
    use = filters if filters.active() else None
    return analysis.top(profile, profile.sample_index(st), use, **kw)


@pytest.mark.parametrize(("name", "st", "variant"), CASES)
def test_top_matches_go_tool_pprof(rp, name, st, variant):
    args = VARIANTS[variant]
    path = rp.by_name(name)
    want = pprof(rp, "-top", f"-sample_index={st}", *args, str(path))
    report = _ours(load_file(path), st, args)

    want_header, want_rows = parse_top(want)
    assert analysis.header_lines(report, binary=str(rp.binary)) == want_header
    fmt = report.unit  # carries the report's output unit: format_value(v, report.unit)
    ours = [
        (format_value(r.flat, fmt), percentage(r.flat, report.total).strip(),
         percentage(r.flat_sum, report.total).strip(), format_value(r.cum, fmt),
         percentage(r.cum, report.total).strip(), f"{r.name} {r.inline}".strip())
        for r in report.rows
    ]
    assert ours == want_rows
    assert analysis.top_lines(report, binary=str(rp.binary)) == want
    assert report.shown == sum(r.flat for r in report.rows)


def test_pprof_profiles_are_not_trivial(rp):
    """The workload produced what the comparisons rely on: many functions, inlining, recursion."""
    cpu = load_file(rp.cpu)
    text = "\n".join(pprof(rp, "-top", "-nodefraction=0", str(rp.cpu)))
    assert "(inline)" in text and "example.com/goprof.Fib" in text
    assert len(cpu.stacks) > 20
    mem = load_file(rp.mem)
    assert mem.default_sample_type == "alloc_space"
    assert {"example.com/goprof.allocDeep", "example.com/goprof.allocLeaf"} <= {
        r.name for r in analysis.top(mem, 1, nodecount=40).rows
    }
    for name in ("block", "mutex"):
        p = load_file(rp.by_name(name))
        assert [t.type for t in p.sample_types] == ["contentions", "delay"]
        assert sum(p.values[1]) > 0


PEEKS = [
    ("cpu", "samples", "Fib$|addSquares"),
    ("cpu", "cpu", r"goprof\.(Work|path[AB])$"),
    ("cpu", "cpu", r"Mutex"),
    ("mem", "alloc_space", "allocDeep|allocLeaf"),
    ("mem", "alloc_objects", "buildString"),
    ("block", "delay", "PingPong"),
    ("mutex", "contentions", r"Inc$"),
]


@pytest.mark.parametrize(("name", "st", "regex"), PEEKS)
def test_peek_matches_go_tool_pprof(rp, name, st, regex):
    path = rp.by_name(name)
    want = pprof(rp, "-peek", regex, f"-sample_index={st}", str(path))
    p = load_file(path)
    si = p.sample_index(st)
    assert analysis.peek_lines(p, si, regex, binary=str(rp.binary)) == want
    entries = analysis.peek(p, si, regex)
    assert entries
    for e in entries:  # a function's callers account for all of its cum (but recursion)
        if not any(c == e.name for c, _ in e.callers):
            assert sum(w for _, w in e.callers) <= e.cum


def test_peek_without_match(rp):
    p = load_file(rp.cpu)
    assert analysis.peek(p, 1, "NoSuchFunctionAnywhere") == []
    with pytest.raises(analysis.ProfileError, match="no matches"):
        analysis.peek_lines(p, 1, "NoSuchFunctionAnywhere")


@pytest.mark.parametrize(("new", "base"), [("cpu", "cpu_b"), ("mem", "mem_default")])
@pytest.mark.parametrize("variant", ["default", "nodecount"])
def test_diff_base_matches_go_tool_pprof(rp, new, base, variant):
    args = VARIANTS[variant]
    p = diff(load_file(rp.by_name(new)), load_file(rp.by_name(base)))
    for st in p.sample_type_names:
        want = pprof(rp, "-top", f"-sample_index={st}", "-diff_base", str(rp.by_name(base)),
                     *args, str(rp.by_name(new)))
        report = _ours(p, st, args)
        assert analysis.top_lines(report, binary=str(rp.binary)) == want


def test_diff_with_itself_is_zero(rp):
    p = load_file(rp.cpu)
    d = diff(p, p)
    # every stack twice, the profile's and the base's (pprof keeps them apart): they cancel out
    assert d.site_stacks == p.site_stacks + p.site_stacks
    assert all(a + b == 0 for col in d.values for a, b in zip(col[:len(p.site_stacks)],
                                                              col[len(p.site_stacks):]))
    r = analysis.top(d, 1)
    assert r.rows == [] and r.total == sum(p.values[1])


def test_diff_rejects_other_sample_types(rp):
    with pytest.raises(analysis.ProfileError, match="cannot compare"):
        diff(load_file(rp.cpu), load_file(rp.mem))


def test_flame_agrees_with_top(rp):
    p = load_file(rp.cpu)
    root = analysis.flame(p, 1)
    assert root.name == "root" and root.value == sum(p.values[1])
    cum = {r.name: r.cum for r in analysis.top(p, 1, node_fraction=0).rows}

    # a function's cum is the value of the topmost occurrences of it on each path
    def topmost(node, name, above):
        if node.name == name:
            return node.value
        return sum(topmost(c, name, above) for c in node.children)

    for name in list(cum)[:15]:
        assert sum(topmost(c, name, False) for c in root.children) == cum[name]


def test_flame_with_filters(rp):
    p = load_file(rp.cpu)
    root = analysis.flame(p, 1, Filters(focus="Fib"))
    report = analysis.top(p, 1, Filters(focus="Fib"), node_fraction=0)
    assert root.value == sum(r.flat for r in report.rows)
    hidden = analysis.flame(p, 1, Filters(hide="runtime"))

    def names(n):
        yield n.name
        for c in n.children:
            yield from names(c)

    assert not any(n.startswith("runtime.") for n in names(hidden))


def test_source_listing(rp):
    p = load_file(rp.cpu)
    files = analysis.source_listing(p, 1, r"goprof\.Fib$")
    assert len(files) == 1
    f = files[0]
    assert not f.missing and f.path.endswith("goprof.go")
    assert f.function == "example.com/goprof.Fib"
    assert any("return Fib(n-1) + Fib(n-2)" in line.text for line in f.lines)
    top_fib = next(r for r in analysis.top(p, 1, node_fraction=0).rows
                   if r.name == "example.com/goprof.Fib")
    assert sum(line.flat for line in f.lines) == top_fib.flat
    assert all(line.cum >= line.flat for line in f.lines)


def test_source_listing_missing_file(rp):
    from dataclasses import replace

    p = load_file(rp.cpu)
    # the same profile, but its source files are not on this disk
    p2 = replace(p, frames=[replace(f, file="/nonexistent/" + f.file.lstrip("/"))
                            for f in p.frames])
    files = analysis.source_listing(p2, 1, r"goprof\.Fib$")
    assert files and all(f.missing and f.lines == [] for f in files)
