"""pprof's report flags on `m3tui profile top`, against the real `go tool pprof -top` with the same
flags: --granularity, --tagfocus/--tagignore (labels from pprof.Do, the heap's numeric "bytes"),
--show/--show-from, --nodefraction, several profiles merged, --diff-base (a file, a URL) and the
one-line errors.

Profiles: tests/data/goproflabels (built once per session with the real Go, run three times: a CPU
profile under pprof.Do labels, heap, allocs, goroutine) and tests/data/goprof's (cpu, heap, block,
mutex: the `real_profiles` fixture). Most cases run pipeline + analysis in this process (the code
the CLI runs, tests/integration because they run go); a few run the CLI itself.

At --granularity files pprof's own order of rows that print alike (one file, two function start
lines: two nodes) changes from run to run (a Go map's order, then an unstable sort), so those
reports are compared as the header, the (flat, name) sequence and the set of rows.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from m3tui.profiles.pprof import analysis, pipeline
from m3tui.profiles.pprof.graph import Filters
from tests.goprofiles import go_env
from tests.realgo import GO_BIN_DIR
from tests.testdata import DATA

M3TUI = [sys.executable, "-m", "m3tui", "profile", "top"]

pytestmark = pytest.mark.go  # the real Go builds the label profiles and runs go tool pprof


@dataclass
class LabelProfiles:
    binary: Path
    runs: list[Path]  # each holds cpu, heap, allocs, goroutine

    def __call__(self, kind: str, run: int = 0) -> Path:
        return self.runs[run] / kind


@pytest.fixture(scope="session")
def label_profiles(tmp_path_factory: pytest.TempPathFactory) -> LabelProfiles:
    """tests/data/goproflabels built with the real Go and run three times."""
    root = tmp_path_factory.mktemp("goproflabels")
    src = root / "src"
    shutil.copytree(DATA / "goproflabels", src)
    assert GO_BIN_DIR is not None
    binary = root / "lbl"
    built = subprocess.run([str(GO_BIN_DIR / "go"), "build", "-o", str(binary), "."], cwd=src, env=go_env(),
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stderr
    runs = []
    for i in range(3):
        out = root / f"run{i}"
        out.mkdir()
        r = subprocess.run([str(binary), str(out)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        runs.append(out)
    return LabelProfiles(binary, runs)


def go_pprof(binary: Path | None, flags: list[str], files: list[Path]) -> tuple[list[str], list[str], int]:
    """`go tool pprof -top FLAGS [BINARY] FILES…`: (stdout lines, stderr lines, exit status)."""
    argv = [str(GO_BIN_DIR / "go"), "tool", "pprof", "-top", *flags, *([str(binary)] if binary else []),
            *map(str, files)]  # fmt: skip
    r = subprocess.run(argv, env=go_env(), capture_output=True, text=True, timeout=600)
    return r.stdout.splitlines(), r.stderr.splitlines(), r.returncode


_FLAG = {"granularity": None, "sample_index": "-sample_index", "nodecount": "-nodecount",
         "nodefraction": "-nodefraction", "diff_base": "-diff_base"}  # fmt: skip


def pprof_flags(opts: dict[str, str]) -> list[str]:
    out = []
    for key, value in opts.items():
        if key == "granularity":
            out.append(f"-{value}")
        elif key == "cum":
            out.append("-cum")
        else:
            out.append(f"{_FLAG.get(key) or '-' + key}={value}")
    return out


def ours(binary: Path | None, files: list[Path], opts: dict[str, str]) -> tuple[list[str], list[str]]:
    """What `m3tui profile top FILES --flags` prints, made in this process: (lines, stderr lines)."""
    names = ("focus", "ignore", "hide", "show", "show_from", "tagfocus", "tagignore")
    filters = Filters(**{k: opts[k] for k in names if k in opts})
    base = opts.get("diff_base")
    prepared = pipeline.prepare([pipeline.read_profile(str(f)) for f in files], [str(f) for f in files], filters,
                                opts.get("granularity"), pipeline.read_profile(base) if base else None,
                                base or "")  # fmt: skip
    p = prepared.profile
    sort = "cum" if "cum" in opts else "flat"
    report = analysis.top(p, p.sample_index(opts.get("sample_index")), None,
                          nodecount=int(opts["nodecount"]) if "nodecount" in opts else None, sort=sort,
                          node_fraction=float(opts.get("nodefraction", analysis.DEFAULT_NODE_FRACTION)))  # fmt: skip
    pipeline.finish(report, prepared, sort)
    return analysis.top_lines(report, binary=str(binary) if binary else None), prepared.warnings


def assert_same(got: list[str], want: list[str], unordered_ties: bool = False) -> None:
    if not unordered_ties:
        assert got == want
        return
    at = next(i for i, line in enumerate(want) if line.split()[:2] == ["flat", "flat%"]) + 1
    assert got[:at] == want[:at]

    def cols(row: str) -> list[str]:
        return row.split(maxsplit=5)

    def order(row: str) -> tuple[str, str, str]:  # what the order decides: flat, sum%, the name
        flat, _, running, _, _, name = cols(row)
        return flat, running, name.removesuffix(" (inline)").removesuffix(" (partial-inline)")

    assert list(map(order, got[at:])) == list(map(order, want[at:]))
    rows = sorted((c[:2] + c[3:] for c in map(cols, got[at:])))
    assert rows == sorted((c[:2] + c[3:] for c in map(cols, want[at:])))


def check(binary: Path | None, files: list[Path], opts: dict[str, str]) -> None:
    """Ours equals `go tool pprof -top` with the same flags. ``binary``: given to pprof (its path
    then stands for the main mapping's file, which the filters also match), None: not given."""
    want, want_err, rc = go_pprof(binary, pprof_flags(opts), files)
    assert rc == 0, want_err
    got, warnings = ours(binary, files, opts)
    assert_same(got, want, unordered_ties=opts.get("granularity") == "files")
    assert warnings == want_err


GRANULARITIES = ("functions", "filefunctions", "files", "lines", "addresses")
LABEL_KINDS = ("cpu", "heap", "allocs", "goroutine")


@pytest.mark.parametrize("kind", LABEL_KINDS)
@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_granularity_matches_pprof_labels(label_profiles, kind, granularity):
    check(label_profiles.binary, [label_profiles(kind)], {"granularity": granularity})


@pytest.mark.parametrize("kind", ("cpu", "mem", "block", "mutex"))
@pytest.mark.parametrize("granularity", GRANULARITIES[1:])
def test_granularity_matches_pprof_goprof(real_profiles, kind, granularity):
    opts = {"granularity": granularity}
    if kind == "mem":
        opts["sample_index"] = "alloc_space"
    check(real_profiles.binary, [real_profiles.by_name(kind)], opts)


TAG_CASES = [
    ("cpu", {"tagfocus": "worker=alpha"}),
    ("cpu", {"tagfocus": "alpha"}),  # no key: a regexp on key:value
    ("cpu", {"tagfocus": "worker:gamma,phase:hash"}),  # every one must match
    ("cpu", {"tagfocus": "worker=alpha|beta", "tagignore": "phase=sum"}),
    ("cpu", {"tagignore": "worker=beta", "granularity": "lines", "nodecount": "12"}),
    ("cpu", {"tagfocus": "nosuchkey=x"}),  # nothing left: pprof's warning
    ("cpu", {"tagfocus": "worker=[[:lower:]]+a$", "focus": "hash"}),
    ("heap", {"tagfocus": "bytes=1kb:"}),
    ("heap", {"tagfocus": "bytes=:4kb", "sample_index": "alloc_objects"}),
    ("heap", {"tagfocus": "bytes=1kb:64kb", "sample_index": "alloc_space"}),
    ("heap", {"tagignore": "2mb:"}),  # no key: any numeric label
    ("heap", {"tagfocus": "bytes=4096", "sample_index": "alloc_space"}),
    ("allocs", {"tagfocus": "bytes=300000"}),
    ("allocs", {"tagfocus": "bytes=40000", "granularity": "lines"}),
    ("goroutine", {"tagfocus": "pool=db"}),
    ("goroutine", {"tagignore": "pool=io.*"}),
    ("goroutine", {"tagfocus": "pool:cpu"}),
]


@pytest.mark.parametrize(("kind", "opts"), TAG_CASES, ids=[f"{k}-{'-'.join(o.values())}" for k, o in TAG_CASES])
def test_tag_filters_match_pprof(label_profiles, kind, opts):
    check(label_profiles.binary, [label_profiles(kind)], opts)


SHOW_CASES = [
    ("cpu", {"show": r"main\."}),
    ("cpu", {"show": "hash|sum"}),
    ("cpu", {"show_from": r"work\.func1"}),
    ("cpu", {"show_from": "hash"}),
    ("cpu", {"show": "runtime", "hide": "mallocgc"}),
    ("cpu", {"focus": "hash", "show": "main"}),  # focus matches the frames show removes
    ("cpu", {"show_from": "nomatchzz"}),
    ("cpu", {"show": "nomatchzz"}),
    ("heap", {"show": "main", "granularity": "lines"}),
    ("goroutine", {"show_from": "park", "granularity": "filefunctions"}),
]


@pytest.mark.parametrize(("kind", "opts"), SHOW_CASES, ids=[f"{k}-{'-'.join(o.values())}" for k, o in SHOW_CASES])
def test_show_filters_match_pprof(label_profiles, kind, opts):
    check(label_profiles.binary, [label_profiles(kind)], opts)


@pytest.mark.parametrize("fraction", ("0", "0.02", "0.1", "0.5"))
def test_nodefraction_matches_pprof(label_profiles, real_profiles, fraction):
    check(label_profiles.binary, [label_profiles("cpu")], {"nodefraction": fraction})
    check(real_profiles.binary, [real_profiles.cpu], {"nodefraction": fraction, "granularity": "lines"})


GOPROF_CASES = [
    ("block", {"show": "goprof", "sample_index": "delay"}),  # the test binary's own mapping file matches
    ("mutex", {"show_from": "Inc"}),
    ("block", {"tagfocus": "x=y"}),  # no labels at all
    ("cpu", {"granularity": "lines", "cum": ""}),
    ("cpu", {"granularity": "filefunctions", "hide": "runtime", "nodecount": "7"}),
    ("mem", {"show": "goprof", "granularity": "lines", "sample_index": "alloc_objects"}),
    ("mem", {"tagfocus": "bytes=64", "sample_index": "alloc_space"}),
    ("mem", {"tagfocus": "bytes=:32", "sample_index": "alloc_objects", "granularity": "addresses"}),
    ("cpu", {"ignore": "Fib", "show_from": "Benchmark"}),
]


@pytest.mark.parametrize(("kind", "opts"), GOPROF_CASES, ids=[f"{k}-{'-'.join(o.values())}" for k, o in GOPROF_CASES])
def test_goprof_flags_match_pprof(real_profiles, kind, opts):
    """Without the binary on pprof's command line, as `m3tui profile top` runs (with it, pprof's
    filters match the binary's path instead of the profile's mapping file)."""
    check(None, [real_profiles.by_name(kind)], opts)


def test_merges_match_pprof(label_profiles, real_profiles):
    lp = label_profiles
    check(lp.binary, [lp("cpu", 0), lp("cpu", 1)], {})
    check(lp.binary, [lp("cpu", 0), lp("cpu", 1), lp("cpu", 2)], {"nodecount": "10", "cum": ""})
    check(lp.binary, [lp("heap", 0), lp("heap", 1)], {"sample_index": "alloc_space"})
    check(lp.binary, [lp("heap"), lp("allocs")], {})  # heap and allocs: the same four sample types
    check(lp.binary, [lp("goroutine", 0), lp("goroutine", 1), lp("goroutine", 2)], {"granularity": "lines"})
    check(lp.binary, [lp("cpu", 0), lp("cpu", 1)], {"tagfocus": "worker=beta"})
    rp = real_profiles
    check(rp.binary, [rp.cpu, rp.cpu_b], {})
    check(rp.binary, [rp.mem, rp.mem_default], {"sample_index": "inuse_space"})
    check(rp.binary, [rp.block, rp.mutex], {"sample_index": "delay"})  # both contentions, delay


def test_diff_base_with_flags_matches_pprof(label_profiles):
    lp = label_profiles
    check(lp.binary, [lp("cpu", 0)], {"granularity": "lines", "diff_base": str(lp("cpu", 1))})
    check(lp.binary, [lp("cpu", 0)], {"tagfocus": "worker=beta", "diff_base": str(lp("cpu", 1))})
    check(lp.binary, [lp("cpu", 0), lp("cpu", 2)], {"diff_base": str(lp("cpu", 1))})
    check(lp.binary, [lp("heap", 0)], {"show": "main", "diff_base": str(lp("heap", 1))})
    check(lp.binary, [lp("goroutine", 0)], {"tagfocus": "pool=db", "diff_base": str(lp("goroutine", 1))})


def rescaled(src: Path, dest: Path, units: dict[str, tuple[str, int]], period: tuple[str, int] | None = None) -> Path:
    """``src`` with some sample types (and the period) in another unit: ``units`` maps a sample
    type to its new unit and the divisor its values get (truncated), as another tool may write it."""
    import gzip

    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

    pb = PbProfile.FromString(gzip.decompress(src.read_bytes()))

    def sid(text: str) -> int:
        pb.string_table.append(text)
        return len(pb.string_table) - 1

    divisors = {}
    for i, st in enumerate(pb.sample_type):
        name = pb.string_table[st.type]
        if name in units:
            st.unit, divisors[i] = sid(units[name][0]), units[name][1]
    for smp in pb.sample:
        for i, d in divisors.items():
            smp.value[i] = int(smp.value[i] / d)
    if period is not None:
        pb.period_type.unit, pb.period = sid(period[0]), pb.period // period[1]
    dest.write_bytes(gzip.compress(pb.SerializeToString()))
    return dest


def test_merged_units_are_scaled_as_pprof_does(label_profiles, tmp_path):
    """measurement.ScaleProfiles: one sample type in bytes in one profile and kilobytes in another
    (nanoseconds and microseconds, the period too) is put in the finest unit before the merge; a
    sample whose scaled values all round to 0 is dropped (alloc_objects shows it)."""
    lp = label_profiles
    space = {"alloc_space": ("kilobytes", 1024), "inuse_space": ("kilobytes", 1024)}
    heap_kb = rescaled(lp("heap", 1), tmp_path / "heap-kb.pb.gz", space)
    for index in ("alloc_space", "inuse_space", "alloc_objects"):
        check(None, [lp("heap", 0), heap_kb], {"sample_index": index})
        check(None, [heap_kb, lp("heap", 2)], {"sample_index": index})  # the finest comes second
    cpu_us = rescaled(lp("cpu", 1), tmp_path / "cpu-us.pb.gz", {"cpu": ("microseconds", 1000)}, ("microseconds", 1000))
    check(None, [cpu_us, lp("cpu", 0)], {})
    check(None, [lp("cpu", 0), cpu_us, lp("cpu", 2)], {"sample_index": "samples"})
    check(None, [cpu_us, lp("cpu", 0)], {"tagfocus": "worker=beta"})
    odd = rescaled(lp("heap", 1), tmp_path / "heap-s.pb.gz", {"inuse_space": ("seconds", 1)})
    with pytest.raises(pipeline.ProfileError) as refused:  # pprof: "sample types: incompatible types"
        ours(None, [lp("heap", 0), odd], {})
    assert str(refused.value) == (f"cannot merge {lp('heap', 0)} and {odd}: inuse_space is in bytes in one and in "
                                  "seconds in the other")  # fmt: skip
    assert go_pprof(None, [], [lp("heap", 0), odd])[2] != 0


def test_a_diff_base_in_other_units_is_scaled_as_pprof_does(label_profiles, tmp_path):
    """-diff_base goes through ScaleProfiles too (driver.combineProfiles of the profile and its base):
    the plain `profile top --diff-base` (diff.diff) and the pipeline's, both orders; `profile traces
    --diff-base` (each sample scaled)."""
    lp = label_profiles
    space = {"alloc_space": ("kilobytes", 1024), "inuse_space": ("kilobytes", 1024)}
    heap_kb = rescaled(lp("heap", 1), tmp_path / "heap-kb.pb.gz", space)
    cpu_us = rescaled(lp("cpu", 1), tmp_path / "cpu-us.pb.gz", {"cpu": ("microseconds", 1000)}, ("microseconds", 1000))
    for files, base, flags in (([lp("heap", 0)], heap_kb, ["-sample_index=alloc_space"]),
                               ([heap_kb], lp("heap", 2), ["-sample_index=inuse_space"]),
                               ([lp("cpu", 0)], cpu_us, [])):  # fmt: skip
        want, want_err, rc = go_pprof(None, [f"-diff_base={base}", *flags], files)
        assert rc == 0, want_err
        argv = [str(files[0]), "--diff-base", str(base)] + [a for f in flags for a in ("--sample-index", f.split("=")[1])]
        r = m3tui(*argv, home=tmp_path)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines() == want
        opts = {"diff_base": str(base), **({"sample_index": flags[0].split("=")[1]} if flags else {})}
        assert ours(None, files, opts)[0] == want  # the pipeline's path
    for files, base, index in (([lp("heap", 0)], heap_kb, "alloc_space"), ([heap_kb], lp("heap", 2), "inuse_space")):
        pprof = subprocess.run([str(GO_BIN_DIR / "go"), "tool", "pprof", "-traces", f"-diff_base={base}",
                                f"-sample_index={index}", str(files[0])], env=go_env(), capture_output=True, text=True,
                               timeout=600)  # fmt: skip
        assert pprof.returncode == 0, pprof.stderr
        r = subprocess.run([sys.executable, "-m", "m3tui", "profile", "traces", str(files[0]), "--diff-base", str(base),
                            "--sample-index", index], env={**os.environ, "M3TUI_HOME": str(tmp_path)},
                           capture_output=True, text=True, timeout=300)  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert r.stdout == pprof.stdout  # the traces, each sample's value scaled
    odd = rescaled(lp("heap", 1), tmp_path / "heap-s.pb.gz", {"inuse_space": ("seconds", 1)})
    r = m3tui(str(lp("heap", 0)), "--diff-base", str(odd), home=tmp_path)
    assert (r.returncode, r.stderr) == (2, "m3tui: cannot compare profiles: inuse_space is in bytes in one and in "
                                           "seconds in the other\n")  # fmt: skip


# --- the CLI itself ------------------------------------------------------------------------------


def m3tui(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "M3TUI_HOME": str(home)}
    return subprocess.run([*M3TUI, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=300, check=False)  # fmt: skip


def test_cli_flags_and_merge_match_pprof(label_profiles, tmp_path):
    lp = label_profiles
    files = [lp("cpu", 0), lp("cpu", 1), lp("cpu", 2)]
    want, want_err, rc = go_pprof(None, ["-lines", "-tagfocus=worker=alpha|gamma", "-show=main", "-nodecount=9"], files)
    assert rc == 0, want_err
    r = m3tui(*map(str, files), "--granularity", "lines", "--tagfocus", "worker=alpha|gamma", "--show", "main",
              "--nodecount", "9", home=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == want
    want, want_err, rc = go_pprof(None, ["-tagfocus=bytes=1kb:", "-nodefraction=0.2", "-sample_index=alloc_space"],
                                  [lp("heap")])  # fmt: skip
    r = m3tui(str(lp("heap")), "--tagfocus", "bytes=1kb:", "--nodefraction", "0.2", "--sample-index", "alloc_space",
              home=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == want
    assert r.stderr.splitlines() == want_err == ["tagfocus:Interpreted '1kb:' as range, not regexp"]


def test_cli_errors_are_one_line(label_profiles, tmp_path):
    lp = label_profiles
    r = m3tui(str(lp("cpu")), str(lp("heap")), home=tmp_path)  # pprof: "profiles have empty common sample type list"
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [
        f"m3tui: cannot merge {lp('cpu')} (samples, cpu) and {lp('heap')} (alloc_objects, alloc_space, "
        "inuse_objects, inuse_space): they have no sample type in common"]
    r = m3tui(str(lp("goroutine")), "--diff-base", str(lp("heap")), home=tmp_path)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "cannot compare" in r.stderr, r.stderr
    r = m3tui(str(lp("cpu")), "--tagfocus", "worker=(", home=tmp_path)
    assert (r.returncode, r.stderr) == (2, "m3tui: tagfocus regexp '(': missing closing ): `(`\n")
    r = m3tui(str(lp("cpu")), "--show-from", "a(", home=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("m3tui profile: --show-from regexp 'a(': "), r.stderr
    r = m3tui(str(lp("cpu")), "--nodefraction", "1.5", home=tmp_path)
    assert (r.returncode, r.stderr) == (2, "m3tui profile: --nodefraction 1.5: must be from 0 to 1\n")
    r = m3tui(str(lp("cpu")), "--timeout", "3", home=tmp_path)
    assert r.returncode == 2 and "apply to a URL" in r.stderr
    r = m3tui(str(lp("cpu")), "--granularity", "bytes", home=tmp_path)
    assert r.returncode == 2 and "invalid choice: 'bytes'" in r.stderr


def test_cli_addresses_need_addresses(tmp_path):
    """A profile without addresses (written by hand, as some tools do) cannot be shown by address."""
    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

    pb = PbProfile(string_table=["", "samples", "count", "main.f"])
    pb.sample_type.add(type=1, unit=2)
    pb.function.add(id=1, name=3)
    loc = pb.location.add(id=1)
    loc.line.add(function_id=1, line=3)
    pb.sample.add(location_id=[1], value=[5])
    path = tmp_path / "noaddr.pb"
    path.write_bytes(pb.SerializeToString())
    r = m3tui(str(path), "--granularity", "addresses", home=tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"m3tui: {path}: the profile has no addresses: granularity addresses needs them\n"
    r = m3tui(str(path), "--granularity", "lines", home=tmp_path)
    assert r.returncode == 0 and r.stdout.splitlines()[-1].endswith("  main.f :3"), r.stdout


# --- URLs: --diff-base and extra profiles fetched, --timeout ----------------------------------------


class _Serve(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?")[0]
        if path == "/slow/debug/pprof/heap":
            time.sleep(30)  # longer than any --timeout the tests give
            return
        body = self.files.get(path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


@pytest.fixture
def profile_site(label_profiles):
    """A server on 127.0.0.1 serving run 1's heap and cpu at /debug/pprof/heap and /debug/pprof/profile."""
    handler = type("Handler", (_Serve,), {"files": {
        "/debug/pprof/heap": label_profiles("heap", 1).read_bytes(),
        "/debug/pprof/profile": label_profiles("cpu", 1).read_bytes(),
    }})  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_cli_diff_base_and_more_profiles_as_urls(label_profiles, profile_site, tmp_path):
    lp = label_profiles
    want, want_err, rc = go_pprof(None, ["-diff_base=" + str(lp("heap", 1)), "-sample_index=alloc_space"], [lp("heap")])
    assert rc == 0, want_err
    r = m3tui(str(lp("heap")), "--diff-base", f"{profile_site}/debug/pprof/heap", "--sample-index", "alloc_space",
              home=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == want
    assert "· fetching" in r.stderr
    want, want_err, rc = go_pprof(None, ["-show=main"], [lp("cpu"), lp("cpu", 1)])
    r = m3tui(str(lp("cpu")), f"{profile_site}/debug/pprof/profile?seconds=1", "--show", "main", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == want


def test_cli_timeout_gives_up_on_a_slow_url(label_profiles, profile_site, tmp_path):
    started = time.monotonic()
    r = m3tui(str(label_profiles("heap")), "--diff-base", f"{profile_site}/slow/debug/pprof/heap", "--timeout", "1",
              home=tmp_path)  # fmt: skip
    took = time.monotonic() - started
    assert r.returncode == 3 and r.stdout == ""
    assert r.stderr.splitlines()[-1] == (f"m3tui: {profile_site}/slow/debug/pprof/heap: no answer within 6s "
                                         "(timed out)")  # pprof's -timeout, plus its client's 5 s
    assert took < 20
    r = m3tui(str(label_profiles("heap")), "--diff-base", f"{profile_site}/debug/pprof/heap", "--timeout", "0",
              home=tmp_path)  # fmt: skip
    assert (r.returncode, r.stderr) == (2, "m3tui profile: --timeout 0: must be more than 0 seconds, at most a day\n")


def test_cli_views_timeout_gives_up_on_a_slow_url_as_top_does(label_profiles, profile_site, tmp_path):
    """peek, list and traces take --timeout as top does: pprof's -timeout plus 5 s, checked, a URL's.
    The four slow fetches (each view's URL, and peek's slow diff base) run side by side: 6 s, not 24."""
    env = {**os.environ, "M3TUI_HOME": str(tmp_path)}
    slow = f"{profile_site}/slow/debug/pprof/heap"

    def argv(view: str, *args: str) -> list[str]:
        return [sys.executable, "-m", "m3tui", "profile", view, *args]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=120, check=False)  # fmt: skip

    heap, heap1 = str(label_profiles("heap")), str(label_profiles("heap", 1))
    slow_runs = {"peek": argv("peek", slow, "main", "--timeout", "1"), "list": argv("list", slow, "main", "--timeout", "1"),
                 "traces": argv("traces", slow, "--timeout", "1"),
                 "peek --diff-base": argv("peek", heap, "main", heap1, "--diff-base", slow, "--timeout", "1")}  # fmt: skip
    started = time.monotonic()
    procs = {name: subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    stdin=subprocess.DEVNULL) for name, args in slow_runs.items()}  # fmt: skip
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert (proc.returncode, out) == (3, ""), (name, err)
        assert err.splitlines()[-1] == f"m3tui: {slow}: no answer within 6s (timed out)", (name, err)
    assert time.monotonic() - started < 20
    for view, regex in (("peek", ["main"]), ("list", ["main"]), ("traces", [])):
        r = run(*argv(view, f"{profile_site}/debug/pprof/heap", *regex, "--timeout", "0"))
        assert (r.returncode, r.stderr) == (2, "m3tui profile: --timeout 0: must be more than 0 seconds, at most a day\n")
        r = run(*argv(view, heap, *regex, "--timeout", "3"))
        assert (r.returncode, r.stderr) == (2, "m3tui profile: --seconds, --header and --timeout apply to a URL, not to a file\n")
        r = run(*argv(view, f"{profile_site}/debug/pprof/heap", *regex, "--timeout", "30"))
        assert r.returncode == 0 and r.stdout, (view, r.stderr)


def test_cli_nodefraction_alone_keeps_the_no_match_warnings(label_profiles, tmp_path):
    """--nodefraction without the pipeline's flags: the plain top, with pprof's Focus warning."""
    want, want_err, rc = go_pprof(None, ["-nodefraction=0.05", "-focus=nosuchfunc"], [label_profiles("cpu")])
    assert rc == 0
    r = m3tui(str(label_profiles("cpu")), "--nodefraction", "0.05", "--focus", "nosuchfunc", home=tmp_path)
    assert (r.returncode, r.stdout.splitlines(), r.stderr.splitlines()) == (0, want, want_err)
    assert want_err == ["Focus expression matched no samples"]
    want, want_err, rc = go_pprof(None, ["-nodefraction=0.2"], [label_profiles("heap")])
    r = m3tui(str(label_profiles("heap")), "--nodefraction", "0.2", home=tmp_path)
    assert (r.returncode, r.stdout.splitlines(), r.stderr) == (0, want, "")


def test_cli_a_bad_profile_is_one_line_on_the_flags_path(label_profiles, tmp_path):
    """What the plain top says of a file that is not a profile, the flags' path says too (exit 2)."""
    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

    junk = tmp_path / "junk.pb"
    junk.write_bytes(b"\x0a\xff\xff\xff\xff\xff\xff")
    legacy = tmp_path / "legacy.txt"
    legacy.write_text("heap profile: 1: 2 [3: 4] @ heap/1048576\n")
    pb = PbProfile(string_table=["", "samples", "count"])
    pb.sample_type.add(type=1, unit=2)
    pb.location.add(id=1).line.add(function_id=9)
    pb.sample.add(location_id=[1], value=[1])
    dangling = tmp_path / "dangling.pb"
    dangling.write_bytes(pb.SerializeToString())
    for path in (junk, legacy, dangling):
        plain = m3tui(str(path), home=tmp_path)
        flagged = m3tui(str(path), str(label_profiles("cpu")), "--granularity", "lines", home=tmp_path)
        assert plain.returncode == flagged.returncode == 2 and flagged.stdout == ""
        assert len(flagged.stderr.splitlines()) == 1 and f"profile {path}: " in flagged.stderr, flagged.stderr
        assert flagged.stderr.split(f"{path}: ")[1] == plain.stderr.split(f"{path}: ")[1], (plain.stderr, flagged.stderr)


def test_cli_export_takes_the_tag_and_show_filters_and_merges(label_profiles, tmp_path):
    """The collapsed stacks of merged, tag- and show-filtered profiles add up to what `go tool pprof
    -proto` with the same flags keeps (the filtered profile pprof would draw)."""
    from m3tui.profiles.pprof.decode import load_file

    lp = label_profiles
    files = [lp("heap", 0), lp("heap", 1)]
    flags = ["-tagfocus=bytes=1kb:", "-show_from=main\\.allocate", "-sample_index=alloc_space"]
    kept = tmp_path / "kept.pb.gz"
    r = subprocess.run([str(GO_BIN_DIR / "go"), "tool", "pprof", "-proto", *flags, "-output", str(kept), *map(str, files)],
                       env=go_env(), capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr
    want = load_file(kept)
    si = want.sample_index("alloc_space")
    out = subprocess.run([*M3TUI[:-1], "export", *map(str, files), "--tagfocus", "bytes=1kb:", "--show-from",
                          "main\\.allocate", "--sample-index", "alloc_space", "--format", "collapsed"],
                         env={**os.environ, "M3TUI_HOME": str(tmp_path)}, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines() == ["tagfocus:Interpreted '1kb:' as range, not regexp"]
    lines = out.stdout.splitlines()
    assert lines and all(line.startswith("main.allocate;") for line in lines)
    assert sum(int(line.rsplit(" ", 1)[1]) for line in lines) == sum(want.values[si]) > 0
