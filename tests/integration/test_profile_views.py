"""`m3tui profile peek|list|traces` print what `go tool pprof -peek|-list|-traces` prints, byte for
byte, on real profiles of every kind Go writes: tests/data/goviews (built and run once per session
with the real Go: cpu with pprof.Do labels, heap, allocs, block, mutex, goroutine) and the two
stored profiles of tests/data/pprof (their sources are gone: -list's error lines). Both run in
the same directory (-list looks for relative sources there). Also: --json's shapes, bad input,
and `profile list` with no FILE (now `profile captured`, with a note). pprof's other report flags
on the views (--tagfocus/--tagignore, --show/--show-from, --granularity, several FILEs merged)
against the same `go tool pprof` views with those flags.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m3tui.cli.main import main
from tests.goprofiles import go_env
from tests.integration.test_cli_fuzz import ARG_TEXT, _captured, check_contract
from tests.realgo import GO_BIN_DIR
from tests.testdata import DATA, PPROF

M3TUI = [sys.executable, "-m", "m3tui", "profile"]
KINDS = ("cpu", "heap", "allocs", "block", "mutex", "goroutine")


@dataclass
class Views:
    dir: Path  # the profiles
    src: Path  # the sources they were built from (the profiles name them)

    def path(self, kind: str) -> str:
        return str(PPROF / kind[len("stored-"):] if kind.startswith("stored-") else self.dir / f"{kind}.pb.gz")


@pytest.fixture(scope="session")
def views(tmp_path_factory: pytest.TempPathFactory) -> Views:
    root = tmp_path_factory.mktemp("goviews")
    src = root / "goviews"
    shutil.copytree(DATA / "goviews", src)
    assert GO_BIN_DIR is not None
    binary = root / "goviews.bin"
    built = subprocess.run([str(GO_BIN_DIR / "go"), "build", "-o", str(binary), "."], cwd=src, env=go_env(),
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stderr
    out = root / "profiles"
    out.mkdir()
    ran = subprocess.run([str(binary), str(out)], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert pprof("-top", str(out / "cpu.pb.gz"), cwd=out).returncode == 0  # compiles `go tool pprof` on first use
    return Views(out, src)


def pprof(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert GO_BIN_DIR is not None
    return subprocess.run([str(GO_BIN_DIR / "go"), "tool", "pprof", *args], env=go_env(), cwd=cwd,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def m3tui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def same(ours: list[str], theirs: list[str], cwd: Path) -> str:
    """Both commands' stdout, asserted equal byte for byte (and both succeeded)."""
    want = pprof(*theirs, cwd=cwd)
    got = m3tui(*ours, cwd=cwd)
    assert want.returncode == 0, want.stderr
    assert got.returncode == 0, got.stderr
    assert got.stdout == want.stdout
    assert got.stdout.count("\n") > 3
    return got.stdout


STORED = ("stored-cpu.pb.gz", "stored-mem.pb.gz")
PEEKS = [
    ("cpu", r"main\.", []), ("cpu", "fib|hash", ["--focus=burn"]), ("cpu", "main", ["--hide=runtime"]),
    ("cpu", "main", ["--ignore=hash"]), ("cpu", "Do$", ["--sample-index=samples"]),
    ("heap", r"main\.", []), ("heap", "alloc", ["--sample-index=alloc_space"]), ("allocs", ".", []),
    ("block", "chan", []), ("block", "pingPong", ["--sample-index=contentions"]), ("mutex", "Mutex|inc", []),
    ("goroutine", "gopark|parked", []),
    ("stored-cpu.pb.gz", "Fib$|addSquares", []), ("stored-mem.pb.gz", "allocDeep|allocLeaf", []),
]  # fmt: skip


def _pprof_flags(flags: list[str]) -> list[str]:
    return [f"-{f[2:].split('=')[0].replace('-', '_')}={f.split('=', 1)[1]}" for f in flags]


@pytest.mark.go
@pytest.mark.parametrize(("kind", "regex", "flags"), PEEKS)
def test_peek_is_go_tool_pprof_peek(views: Views, kind: str, regex: str, flags: list[str]) -> None:
    path = views.path(kind)
    same(["peek", path, regex, *flags], ["-peek", regex, *_pprof_flags(flags), path], views.dir)


LISTS = [
    ("cpu", r"main\.(fib|hash|burn)$", []), ("cpu", "main", ["--focus=hash"]), ("cpu", "main", ["--hide=square"]),
    ("cpu", r"runtime\.main$", []), ("heap", r"main\.", []), ("heap", "alloc", ["--sample-index=alloc_objects"]),
    ("allocs", r"main\.", []), ("block", "chanrecv|pingPong", []), ("mutex", "inc|Unlock", []),
    ("goroutine", "parked|gopark", []),
    ("stored-cpu.pb.gz", "Fib$", []), ("stored-mem.pb.gz", "allocDeep", []),
]  # fmt: skip


@pytest.mark.go
@pytest.mark.parametrize(("kind", "regex", "flags"), LISTS)
def test_list_is_go_tool_pprof_list(views: Views, kind: str, regex: str, flags: list[str]) -> None:
    path = views.path(kind)
    out = same(["list", path, regex, *flags], ["-list", regex, *_pprof_flags(flags), path], views.dir)
    assert "ROUTINE ======================== " in out
    if not kind.startswith("stored"):
        assert "Error:" not in out  # the sources are there
    else:
        assert " Error: open /" in out  # built elsewhere: pprof's own error line


@pytest.mark.go
def test_list_with_source_and_trim_paths(views: Views, tmp_path: Path) -> None:
    """Sources moved: --trim-path cuts the build directory off the profile's names, --source-path
    says where they are now (':'-separated, searched upwards), as pprof's -trim_path/-source_path."""
    moved = tmp_path / "elsewhere" / "code"
    shutil.copytree(views.src, moved)
    path = views.path("cpu")
    regex = r"main\.(fib|hash)$"
    trim = str(views.src.parent)
    cases = [
        [f"--trim-path={trim}", f"--source-path=/nonexistent:{moved.parent}/code/.."],  # goviews/main.go under it?
        [f"--trim-path={views.src}", f"--source-path={moved}"],
        [f"--source-path={moved}"],  # no trim: the part after /code/ ... is not in the name: absolute path read
        [f"--trim-path={views.src}"],  # relative names looked for from the working directory upwards: not found
    ]
    outs = [same(["list", path, regex, *c], ["-list", regex, *_pprof_flags(c), path], tmp_path) for c in cases]
    assert "Error:" not in outs[1] and "ROUTINE ======================== main.fib in main.go" in outs[1]
    assert " Error: could not find file main.go on path " in outs[3]


TRACES = [
    ("cpu", []), ("cpu", ["--focus=fib"]), ("cpu", ["--ignore=fib"]), ("cpu", ["--hide=fib"]),
    ("cpu", ["--hide=runtime", "--focus=main"]), ("cpu", ["--sample-index=samples"]),
    ("heap", []), ("heap", ["--sample-index=alloc_space", "--focus=allocSmall"]), ("allocs", []),
    ("block", []), ("mutex", []), ("goroutine", []), ("stored-cpu.pb.gz", []), ("stored-mem.pb.gz", []),
]  # fmt: skip


@pytest.mark.go
@pytest.mark.parametrize(("kind", "flags"), TRACES)
def test_traces_is_go_tool_pprof_traces(views: Views, kind: str, flags: list[str]) -> None:
    path = views.path(kind)
    out = same(["traces", path, *flags], ["-traces", *_pprof_flags(flags), path], views.dir)
    if kind == "cpu" and not flags:
        assert "    worker:  fib\n" in out and "     phase:  one\n" in out  # pprof.Do's labels
    if kind == "goroutine":
        assert "      pool:  a\n" in out
    if kind == "heap" and not flags:
        assert "     bytes:  " in out  # the numeric label Go's heap samples carry


@pytest.mark.go
def test_diff_base_peek_list_and_traces(views: Views) -> None:
    base = str(PPROF / "cpu.pb.gz")
    path = views.path("cpu")
    out = same(["traces", path, f"--diff-base={base}"], ["-traces", f"-diff_base={base}", path], views.dir)
    assert "pprof::base:  true\n" in out  # the base's samples, negated
    heap, allocs = views.path("heap"), views.path("allocs")  # the same samples: all cancel out
    same(["traces", allocs, f"--diff-base={heap}"], ["-traces", f"-diff_base={heap}", allocs], views.dir)
    same(["peek", path, "main", f"--diff-base={base}"], ["-peek", "main", f"-diff_base={base}", path], views.dir)
    same(["list", path, r"main\.fib", f"--diff-base={base}"], ["-list", r"main\.fib", f"-diff_base={base}", path], views.dir)


@pytest.mark.go
def test_json_shapes(views: Views) -> None:
    path = views.path("cpu")
    peek = json.loads(m3tui("peek", path, r"main\.fib$", "--json", cwd=views.dir).stdout)
    assert set(peek) == {"schema", "sample_type", "unit", "total", "functions"}
    assert (peek["sample_type"], peek["unit"]) == ("cpu", "nanoseconds") and peek["total"] > 0
    (fib,) = peek["functions"]
    assert fib["name"] == "main.fib" and 0 <= fib["flat"] <= fib["cum"] <= peek["total"] and fib["cum"] > 0
    assert [c["name"] for c in fib["callers"]] == ["main.burn"]  # no edge to itself (pprof's)
    assert all(set(c) == {"name", "value", "inline"} for c in fib["callers"] + fib["callees"])

    listed = json.loads(m3tui("list", path, r"main\.hash$", "--json", cwd=views.dir).stdout)
    assert set(listed) == {"schema", "sample_type", "unit", "total", "routines"}
    (routine,) = listed["routines"]
    assert routine["function"] == "main.hash" and routine["file"] == str(views.src / "main.go")
    assert routine["error"] is None
    assert sum(x["flat"] for x in routine["lines"]) == routine["flat"]
    assert sum(x["cum"] for x in routine["lines"]) == routine["cum"] > 0
    assert any("square(uint64(i))" in x["text"] for x in routine["lines"])
    assert all(set(x) == {"number", "text", "flat", "cum"} for x in routine["lines"])

    traces = json.loads(m3tui("traces", path, "--json", cwd=views.dir).stdout)
    assert set(traces) == {"schema", "sample_type", "unit", "total", "traces"}
    assert sum(t["value"] for t in traces["traces"]) == traces["total"]
    labelled = [t for t in traces["traces"] if t["labels"].get("worker") == ["fib"]]
    assert labelled and all(t["labels"]["phase"] == ["one"] for t in labelled)
    assert all(set(f) == {"name", "inline"} for t in traces["traces"] for f in t["frames"])

    heap = json.loads(m3tui("traces", views.path("heap"), "--json", cwd=views.dir).stdout)
    sizes = [n for t in heap["traces"] for n in t["num_labels"].get("bytes", [])]
    assert sizes and all(n["unit"] == "bytes" and n["value"] > 0 for n in sizes)


@pytest.mark.go
def test_bad_input_is_one_line(views: Views, tmp_path: Path) -> None:
    path = views.path("cpu")
    for args in (["peek", path, "a("], ["list", path, "(?P<"]):
        r = m3tui(*args, cwd=tmp_path)
        assert r.returncode == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1, r.stderr
        assert "regexp" in r.stderr
    for view, flag in (("peek", "-peek"), ("list", "-list")):  # no match: pprof's message, pprof's exit status
        want = pprof(flag, "nomatch", path, cwd=tmp_path)
        got = m3tui(view, path, "nomatch", cwd=tmp_path)
        assert (got.returncode, got.stdout) == (want.returncode, want.stdout) == (2, "")
        assert want.stderr == "no matches found for regexp: nomatch\n"
        assert got.stderr.splitlines() == ["m3tui: no matches found for regexp: nomatch"]
    for args in (["traces", str(tmp_path / "missing.pb.gz")], ["peek", str(tmp_path), "x"], ["list", "/dev/null/x", "y"]):
        r = m3tui(*args, cwd=tmp_path)
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    r = m3tui("list", path, cwd=tmp_path)  # a FILE and no REGEX
    assert r.returncode == 2 and "REGEX" in r.stderr and len(r.stderr.splitlines()) == 1


@pytest.mark.go
def test_filters_that_match_nothing_warn_as_pprof(views: Views) -> None:
    """pprof's "… expression matched no samples" lines on stderr, then its report (or its error)."""
    path = views.path("cpu")
    cases = [(["traces", path, "--focus=zzz"], ["-traces", "-focus=zzz", path]),
             (["traces", path, "--hide=zzz", "--ignore=yyy"], ["-traces", "-hide=zzz", "-ignore=yyy", path]),
             (["list", path, "main", "--ignore=zzz"], ["-list", "main", "-ignore=zzz", path]),
             (["peek", path, "main", "--focus=zzz"], ["-peek", "main", "-focus=zzz", path])]  # fmt: skip
    for ours, theirs in cases:
        want, got = pprof(*theirs, cwd=views.dir), m3tui(*ours, cwd=views.dir)
        assert (got.returncode, got.stdout) == (want.returncode, want.stdout)
        warnings = [line for line in want.stderr.splitlines() if "matched no samples" in line]
        assert warnings and got.stderr.splitlines()[:len(warnings)] == warnings
    assert want.returncode == 2 and got.stderr.splitlines()[-1] == "m3tui: no matches found for regexp: main"


def test_profile_list_without_file_is_captured_with_a_note(tmp_path: Path) -> None:
    captured = m3tui("captured", cwd=tmp_path)
    old = m3tui("list", cwd=tmp_path)
    assert captured.returncode == old.returncode == 0
    assert old.stdout == captured.stdout == "no captured profiles yet (m3tui profile capture --bench RE)\n"
    assert captured.stderr == ""
    assert old.stderr == "· m3tui profile list (no FILE) is now m3tui profile captured\n"
    old_json = m3tui("list", "--json", cwd=tmp_path)
    assert json.loads(old_json.stdout) == json.loads(m3tui("captured", "--json", cwd=tmp_path).stdout) == {"schema": 1, "captures": []}
    assert old_json.stderr.count("\n") == 1


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(data=st.data())
def test_hostile_regexes_and_flags_keep_the_contract(data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any REGEX, filter or sample index on the stored profiles (and on a file that is not a
    profile): exit 0, 2 or 3, never a traceback, one line on stderr for a failure, strict JSON."""
    monkeypatch.chdir(tmp_path)
    files = st.sampled_from([str(PPROF / "cpu.pb.gz"), str(PPROF / "mem.pb.gz"), str(PPROF / "README.md")])

    def flags(*names: str) -> st.SearchStrategy[list[str]]:
        pairs = st.lists(st.tuples(st.sampled_from(names), ARG_TEXT), max_size=2)
        return pairs.map(lambda xs: [w for x in xs for w in x])

    common = ("--focus", "--ignore", "--hide", "--sample-index", "--show", "--show-from", "--tagfocus", "--tagignore")
    json_flag = st.sampled_from([[], ["--json"]])
    argv = data.draw(st.one_of(
        st.tuples(files, ARG_TEXT, flags(*common), json_flag).map(lambda t: ["profile", "peek", t[0], t[1], *t[2], *t[3]]),
        st.tuples(files, ARG_TEXT, flags(*common, "--trim-path", "--source-path"), json_flag)
        .map(lambda t: ["profile", "list", t[0], t[1], *t[2], *t[3]]),
        st.tuples(files, flags(*common), json_flag).map(lambda t: ["profile", "traces", t[0], *t[1], *t[2]]),
    ))  # fmt: skip
    with _captured() as (out, err):
        code = main(argv)
    check_contract(argv, code, out.getvalue(), err.getvalue())
    if code in (2, 3):  # one line says why (after pprof's warnings for filters that matched nothing)
        said = [x for x in err.getvalue().strip().splitlines() if not x.endswith(" expression matched no samples")]
        assert len(said) == 1, (argv, err.getvalue())


# --- pprof's other report flags on the views (through profiles/pprof/pipeline.py) ---------------

#: (kind, REGEX or None for traces, flags, more profiles merged with the first)
VIEW_FLAGS = [
    ("cpu", "main", ["--tagfocus=worker=fib"], []), ("cpu", r"main\.", ["--tagignore=worker=hash"], []),
    ("cpu", "main", ["--show=main"], []), ("cpu", "main", ["--show-from=burn"], []),
    ("cpu", "main", ["--granularity=lines"], []), ("cpu", "main", ["--granularity=filefunctions"], []),
    ("cpu", "main", ["--granularity=addresses"], []), ("cpu", "main", [], ["cpu"]),
    ("heap", r"main\.", ["--tagfocus=bytes=1kb:"], []), ("heap", "alloc", ["--sample-index=alloc_space"], ["allocs"]),
    ("goroutine", "parked", ["--tagfocus=pool=a", "--granularity=lines"], []),
    ("cpu", "main", ["--show=main", f"--diff-base={PPROF / 'cpu.pb.gz'}"], []),
    ("block", ".", ["--granularity=addresses"], []), ("mutex", ".", ["--show=sync"], []),  # (runtime frames come and go in a mutex profile)
    ("stored-mem.pb.gz", ".", ["--granularity=lines"], []),
]  # fmt: skip
LIST_FLAGS = [
    ("cpu", r"main\.(fib|hash)$", ["--tagfocus=worker=fib"], []), ("cpu", r"main\.", ["--tagignore=worker=fib"], []),
    ("cpu", r"main\.", ["--show=hash"], []), ("cpu", r"main\.", ["--show-from=burn"], []),
    ("cpu", r"main\.burn", [], ["cpu"]), ("heap", r"main\.", ["--tagfocus=bytes=:1kb"], []),
    ("allocs", r"main\.", ["--tagignore=bytes=1kb:", "--focus=alloc"], ["heap"]),
    ("cpu", r"main\.fib", ["--show=main", f"--diff-base={PPROF / 'cpu.pb.gz'}"], []),
    ("stored-mem.pb.gz", "main|sync", ["--show-from=main"], []),
]  # fmt: skip
TRACES_FLAGS = [
    ("cpu", None, ["--tagfocus=worker=fib"], []), ("cpu", None, ["--tagignore=phase=one"], []),
    ("cpu", None, ["--show=main"], []), ("cpu", None, ["--show-from=burn"], []),
    ("cpu", None, ["--granularity=lines"], []), ("cpu", None, ["--granularity=files"], []),
    ("cpu", None, ["--granularity=filefunctions"], []), ("cpu", None, ["--granularity=addresses"], []),
    ("cpu", None, [], ["cpu"]), ("heap", None, [], ["allocs"]), ("heap", None, ["--tagfocus=bytes=1kb:"], []),
    ("goroutine", None, ["--tagfocus=pool=a", "--granularity=lines"], []),
    ("cpu", None, ["--show=main", f"--diff-base={PPROF / 'cpu.pb.gz'}"], []),
    ("cpu", None, ["--show-from=main", "--granularity=files", f"--diff-base={PPROF / 'cpu.pb.gz'}"], []),
    ("block", None, ["--granularity=lines"], []), ("mutex", None, ["--granularity=addresses"], []),
    ("stored-cpu.pb.gz", None, ["--show-from=main"], []),
]  # fmt: skip


def _view_flags(flags: list[str]) -> list[str]:
    """pprof's spelling: -tagfocus=…, -show_from=…, and a granularity is its own flag (-lines)."""
    return [f"-{f.split('=')[1]}" if f.startswith("--granularity=") else _pprof_flags([f])[0] for f in flags]


@pytest.mark.go
@pytest.mark.parametrize(("view", "case"), [("peek", c) for c in VIEW_FLAGS] + [("list", c) for c in LIST_FLAGS]
                         + [("traces", c) for c in TRACES_FLAGS])  # fmt: skip
def test_views_with_pprof_flags_are_go_tool_pprof(views: Views, view: str, case: tuple[str, str | None, list[str], list[str]]) -> None:
    kind, regex, flags, more = case
    paths = [views.path(k) for k in (kind, *more)]
    rx = [regex] if regex is not None else []
    ours = [view, paths[0], *rx, *paths[1:], *flags]
    theirs = [f"-{view}", *rx, *_view_flags(flags), *paths]
    out = same(ours, theirs, views.dir)
    if view == "traces" and more:
        assert out.count("-----------+---") < 2 * same(["traces", paths[0]], ["-traces", paths[0]], views.dir).count(
            "-----------+---")  # merged: a stack and its labels once, their values summed  # fmt: skip


@pytest.mark.go
def test_peek_at_files_granularity_is_pprofs_blocks(views: Views) -> None:
    """At files pprof's order of nodes that print alike changes from run to run (see
    test_profile_flags): the same header and the same set of blocks."""
    path = views.path("cpu")
    want, got = pprof("-peek", "main", "-files", path, cwd=views.dir), m3tui("peek", path, "main", "--granularity=files", cwd=views.dir)
    assert want.returncode == got.returncode == 0, got.stderr
    sep = "----------------------------------------------------------+-------------\n"
    (w_head, *w_blocks), (g_head, *g_blocks) = want.stdout.split(sep), got.stdout.split(sep)
    assert g_head == w_head and sorted(g_blocks) == sorted(w_blocks) and len(g_blocks) > 3
    peek = json.loads(m3tui("peek", path, "main", "--granularity=files", "--json", cwd=views.dir).stdout)
    names = {c["name"] for f in peek["functions"] for c in [f, *f["callers"], *f["callees"]]}
    assert names == {x.rsplit("| ", 1)[-1].strip() for b in w_blocks[1:] for x in b.splitlines()}  # as printed


@pytest.mark.go
def test_view_flags_warn_and_refuse_as_pprof(views: Views) -> None:
    path, heap = views.path("cpu"), views.path("heap")
    for ours, theirs in ((["traces", path, "--tagfocus=worker=zzz"], ["-traces", "-tagfocus=worker=zzz", path]),
                         (["list", path, r"main\.fib", "--show=zzz"], ["-list", r"main\.fib", "-show=zzz", path]),
                         (["traces", heap, "--tagfocus=bytes=1kb:4kb"], ["-traces", "-tagfocus=bytes=1kb:4kb", heap])):
        want, got = pprof(*theirs, cwd=views.dir), m3tui(*ours, cwd=views.dir)
        assert (got.returncode, got.stdout) == (want.returncode, want.stdout)
        said = [x for x in want.stderr.splitlines() if "matched no samples" in x or "Interpreted" in x]
        assert said and got.stderr.splitlines()[:len(said)] == said
    for args in (["traces", path, "--show-from=("], ["peek", path, "x", "--tagfocus=worker=("],
                 ["traces", path, heap], ["peek", path, "main", "--nodefraction=0.1"],
                 ["list", path, "main", "--granularity=lines"]):  # pprof ignores both there: not offered
        r = m3tui(*args, cwd=views.dir)
        assert r.returncode == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1, (args, r.stderr)


def _with_twins(src: str, dst: Path) -> None:
    """``src`` with every sample written twice, as Go's heap profiles write some (two runtime buckets
    of one stack and size): `-traces` shows them once, summed, wherever pprof merges profiles."""
    import gzip

    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

    pb = PbProfile.FromString(gzip.decompress(Path(src).read_bytes()))
    twins = list(pb.sample)
    pb.sample.extend(twins)
    dst.write_bytes(pb.SerializeToString())


@pytest.mark.go
def test_traces_sums_a_files_twin_samples_where_pprof_merges(views: Views, tmp_path: Path) -> None:
    """CI: a live heap profile's twin samples printed twice with --diff-base. pprof merges a lone
    profile only with its base or other profiles; each of those Merges sums twins, on both sides."""
    heap, allocs = tmp_path / "heap.pb", tmp_path / "allocs.pb"
    _with_twins(views.path("heap"), heap)
    _with_twins(views.path("allocs"), allocs)
    alone = same(["traces", str(heap)], ["-traces", str(heap)], views.dir)
    merged = same(["traces", str(heap), str(allocs)], ["-traces", str(heap), str(allocs)], views.dir)
    for flags in ([], ["--show=main"], ["--hide=runtime"]):
        out = same(["traces", str(heap), f"--diff-base={allocs}", *flags],
                   ["-traces", f"-diff_base={allocs}", *_pprof_flags(flags), str(heap)], views.dir)  # fmt: skip
        assert out.count("pprof::base:  true\n") * 2 < alone.count("-----------+---")
    assert merged.count("-----------+---") < alone.count("-----------+---")  # summed, not twice
