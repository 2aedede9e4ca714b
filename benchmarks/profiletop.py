"""m3tui's pprof top against a warm `go tool pprof -top` on the same files, alternately.

    python benchmarks/profiletop.py                  # ~1.3M-sample heap profile, 3 rounds (~3 min)
    python benchmarks/profiletop.py --paths 262144 --rounds 5 --small-rounds 15

A Go program (written to a temporary directory) allocates at the end of 4**depth different call
paths (four mutually recursive walkers, one of them also allocating half-way) with
MemProfileRate=1, so every path is its own sample: a large heap profile with very many distinct,
deep stacks. The same program makes a small profile (4,096 paths) and a 100,000-path one for the
flame graph.

Measured, alternately in each round:
  - pprof: `go tool pprof -top BINARY FILE` (warmed once first: since Go 1.25 it is compiled on
    first use);
  - m3tui: `python -m m3tui profile top FILE` when that works, else a `python -c` calling
    load_file/top/top_lines.
Also, in process: load_file and top on the big file, analysis.flame on the 100,000-sample one and
flame.layout of that tree at 200 columns (the first layout, which also builds the children it
shows: a tree's children are built lazily; the target applies to it).

The Profiles pane, headless (Textual's run_test, 200x60, the real LocalProfiles backend, in a
child process per round, alternating with `m3tui profile top` on the big file): the big profile
opened until its filled top table is painted ("open": the table's first line drawn once the
report is in; "open_idle", shown too, goes on until the process is idle, so it also holds the
flame tree the pane grows ahead in a thread, which the table does not wait for); from idle, `f`
until the flame graph is shown; then `i` (the next
sample type) and a focus filter, each until the views are filled again (the filter: `/`, then
walkC set as the focus input's value, timed from `enter` on: the filter's work, not the typing).

Targets: big file ≤ 0.1 x pprof; small file ≤ 1.0 x pprof (start-up dominates); flame layout of
100,000 samples ≤ 100 ms; in the pane, against `m3tui profile top` of the big file: the top table
≤ 1.3 x, the flame graph after `f` ≤ 0.2 x, a sample-type switch and a focus filter ≤ 0.2 x
each. Exit status 0 when all hold, 1 when one is missed, 2 when the measurement failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GO_PROGRAM = r"""package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

var sink [][]byte

//go:noinline
func leaf(x int) {
	b := make([]byte, 16+x%97)
	if x%64 == 0 {
		sink = append(sink, b)
	}
}

//go:noinline
func walkA(d, x, p int) { step(d, x, p) }

//go:noinline
func walkB(d, x, p int) { step(d, x, p) }

//go:noinline
func walkC(d, x, p int) {
	if d%3 == 0 {
		leaf(p + 1)
	}
	step(d, x, p)
}

//go:noinline
func walkD(d, x, p int) { walkA(d, x, p) }

func step(d, x, p int) {
	if d == 0 {
		leaf(p)
		return
	}
	switch x & 3 {
	case 0:
		walkA(d-1, x>>2, p)
	case 1:
		walkB(d-1, x>>2, p)
	case 2:
		walkC(d-1, x>>2, p)
	default:
		walkD(d-1, x>>2, p)
	}
}

func main() {
	runtime.MemProfileRate = 1
	n, _ := strconv.Atoi(os.Args[2])
	depth, _ := strconv.Atoi(os.Args[3])
	for i := 0; i < n; i++ {
		step(depth, i, i)
	}
	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		panic(err)
	}
	f.Close()
}
"""


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local")
    return env


def find_go() -> str:
    go = shutil.which("go")
    if go:
        return go
    try:
        from tests.realgo import GO_BIN_DIR
    except Exception:
        GO_BIN_DIR = None
    if GO_BIN_DIR is not None:
        return str(GO_BIN_DIR / "go")
    raise SystemExit("no go on PATH")


def depth_for(paths: int) -> int:
    d = 1
    while 4**d < paths:
        d += 1
    return d


def make_profile(go: str, work: Path, paths: int, name: str) -> Path:
    binary = work / "bigprof"
    if not binary.exists():
        (work / "go.mod").write_text("module example.com/bigprof\n\ngo 1.21\n")
        (work / "main.go").write_text(GO_PROGRAM)
        subprocess.run([go, "build", "-o", str(binary), "."], cwd=work, env=go_env(), check=True)
    out = work / name
    subprocess.run([str(binary), str(out), str(paths), str(depth_for(paths))], cwd=work, check=True)
    return out


def timed(cmd: list[str], env=None, cwd=None) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.decode()[-500:]}")
    return dt


PANE_PROGRAM = r"""
import asyncio, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from m3tui.profiles.backend import LocalProfiles
from m3tui.tui.panes.profiles import ProfilesPane
from textual.widgets import DataTable, Input
from tests.appkit import settle, snapshot_app

async def main():
    import gc
    gc.disable()  # as `m3tui` (cli.main.run_tui) starts: the app freezes what it made at its first paint
    app = snapshot_app(profiles=LocalProfiles())
    out = {}
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await pilot.pause()
        await app.workers.wait_for_complete()
        pane = app.main_screen.query_one(ProfilesPane)

        async def done():
            await app.workers.wait_for_complete()
            await pilot.pause()

        # "open": until the filled top table is painted (its first line drawn once the report is
        # in); "open_idle": until the process is idle, the flame tree grown ahead included.
        table = app.main_screen.query_one("#prof-top", DataTable)
        painted = asyncio.Event()
        draw = table.render_line

        def render_line(y):
            if pane.report is not None and pane.report.rows and table.row_count == len(pane.report.rows):
                painted.set()
            return draw(y)

        table.render_line = render_line
        t = time.perf_counter()
        pane.open_path(Path(sys.argv[1]))
        await asyncio.wait_for(painted.wait(), 120)
        out["open"] = time.perf_counter() - t
        await done()
        out["open_idle"] = time.perf_counter() - t
        assert pane.report is not None and pane.report.rows, "no top table"
        for name, keys in (("flame", ["f"]), ("sample", ["i"]), ("focus", ["enter"])):
            if name == "focus":  # the filter's work is timed, not typing: from enter on
                await pilot.press("slash")
                await done()
                app.main_screen.query_one("#prof-focus", Input).value = "walkC"
                await pilot.pause()
            t = time.perf_counter()
            for key in keys:
                await pilot.press(key)
            await done()
            out[name] = time.perf_counter() - t
        assert pane.view == "flame" and pane.filters.get("focus") == "walkC", (pane.view, pane.filters)
    print(json.dumps(out))

asyncio.run(main())
"""


def pane_rounds(file: Path, rounds: int, cli: list[str], env: dict[str, str]) -> dict:
    """The pane's times (a child process each round), alternating with the CLI's."""
    prog = [sys.executable, "-c", PANE_PROGRAM, str(file), str(ROOT)]
    panes: list[dict[str, float]] = []
    clis: list[float] = []
    for i in range(rounds):
        for who in (("pane", "cli") if i % 2 == 0 else ("cli", "pane")):
            if who == "cli":
                clis.append(timed(cli, env=env, cwd=ROOT))
                print(f"  pane round {i + 1}: m3tui profile top {clis[-1]:7.3f} s", flush=True)
                continue
            r = subprocess.run(prog, capture_output=True, text=True, cwd=ROOT, env=env)
            if r.returncode != 0:
                raise RuntimeError(f"pane run failed: {r.stderr[-800:]}")
            panes.append(json.loads(r.stdout.strip().splitlines()[-1]))
            print(f"  pane round {i + 1}: " + ", ".join(f"{k} {v:.3f} s" for k, v in panes[-1].items()),
                  flush=True)
    cli_s = statistics.median(clis)
    med = {k: statistics.median(p[k] for p in panes) for k in panes[0]}
    return {"cli_s": clis, "pane_s": panes, "median": med, "ratios": {k: v / cli_s for k, v in med.items()}}


API_SNIPPET = (
    "import sys\n"
    "from m3tui.profiles.pprof.decode import load_file\n"
    "from m3tui.profiles.pprof.analysis import top, top_lines\n"
    "p = load_file(sys.argv[1])\n"
    "print('\\n'.join(top_lines(top(p, p.sample_index(None)))))\n"
)


def m3tui_command(file: Path) -> tuple[list[str], str]:
    cli = [sys.executable, "-m", "m3tui", "profile", "top", str(file)]
    env = dict(os.environ, M3TUI_HOME=tempfile.mkdtemp(prefix="m3tui-home-"))
    r = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, env=env)
    if r.returncode == 0 and "flat" in r.stdout:
        return cli, "python -m m3tui profile top FILE"
    return [sys.executable, "-c", API_SNIPPET, str(file)], "python -c (load_file + top + top_lines)"


def compare(go: str, binary: Path, file: Path, rounds: int, label: str) -> dict:
    pprof_cmd = [go, "tool", "pprof", "-top", str(binary), str(file)]
    timed(pprof_cmd, env=go_env())  # warm: compiles pprof on first use, fills the page cache
    ours_cmd, how = m3tui_command(file)
    env = dict(os.environ, M3TUI_HOME=tempfile.mkdtemp(prefix="m3tui-home-"))
    timed(ours_cmd, env=env, cwd=ROOT)
    pp, us = [], []
    for i in range(rounds):
        pair = [("pprof", pprof_cmd, go_env()), ("m3tui", ours_cmd, env)]
        if i % 2:
            pair.reverse()
        for who, cmd, e in pair:
            dt = timed(cmd, env=e, cwd=ROOT)
            (pp if who == "pprof" else us).append(dt)
            print(f"  {label} round {i + 1}: {who:5} {dt:7.3f} s", flush=True)
    ratio = statistics.median(us) / statistics.median(pp)
    return {"file": str(file), "size": file.stat().st_size, "m3tui_cmd": how,
            "pprof_s": pp, "m3tui_s": us, "ratio": ratio}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paths", type=int, default=4**10, help="call paths in the big profile")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds on the big file")
    ap.add_argument("--small-rounds", type=int, default=10)
    ap.add_argument("--flame-paths", type=int, default=100_000)
    ap.add_argument("--pane-rounds", type=int, default=3, help="alternating pane/CLI rounds (0: none)")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and reuse its profiles")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from m3tui.profiles.pprof import analysis, flame
    from m3tui.profiles.pprof.decode import load_file

    go = find_go()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="profiletop-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        def profile(name: str, paths: int) -> Path:
            f = work / name
            if args.keep and f.exists():
                return f
            t = time.perf_counter()
            f = make_profile(go, work, paths, name)
            print(f"generated {name}: {paths} paths, {f.stat().st_size / 1e6:.1f} MB gzip'd "
                  f"({time.perf_counter() - t:.1f} s)", flush=True)
            return f

        big = profile("big.pb.gz", args.paths)
        small = profile("small.pb.gz", 4096)
        fl = profile("flame.pb.gz", args.flame_paths)
        binary = work / "bigprof"

        # in process, for the breakdown
        t = time.perf_counter()
        p = load_file(big)
        t_load = time.perf_counter() - t
        t = time.perf_counter()
        analysis.top_lines(analysis.top(p, p.sample_index(None)))
        t_top = time.perf_counter() - t
        raw = len(__import__("gzip").decompress(big.read_bytes()))
        print(f"big: {p.n_samples} samples, {len(p.site_stacks)} distinct stacks, "
              f"{big.stat().st_size / 1e6:.1f} MB gzip'd, {raw / 1e6:.1f} MB raw; "
              f"in process: load_file {t_load:.2f} s, top {t_top:.2f} s", flush=True)
        del p

        fp = load_file(fl)
        t = time.perf_counter()
        tree = analysis.flame(fp, fp.sample_index(None))
        t_build = time.perf_counter() - t
        t = time.perf_counter()
        rows = flame.layout(tree, 200)  # first layout: also builds the children it shows
        t_layout = time.perf_counter() - t
        warm = []
        for _ in range(5):
            t = time.perf_counter()
            flame.layout(tree, 200)
            warm.append(time.perf_counter() - t)
        print(f"flame: {fp.n_samples} samples; analysis.flame {t_build * 1e3:.0f} ms, "
              f"first layout at 200 columns {t_layout * 1e3:.1f} ms, again "
              f"{statistics.median(warm) * 1e3:.1f} ms ({sum(map(len, rows))} boxes)",
              flush=True)

        res_big = compare(go, binary, big, args.rounds, "big")
        res_small = compare(go, binary, small, args.small_rounds, "small")
        res_pane = None
        if args.pane_rounds > 0:
            cli, _how = m3tui_command(big)
            env = dict(os.environ, M3TUI_HOME=tempfile.mkdtemp(prefix="m3tui-home-"))
            res_pane = pane_rounds(big, args.pane_rounds, cli, env)
    except (subprocess.CalledProcessError, RuntimeError, OSError) as e:
        print(f"measurement failed: {e}", file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    checks = [
        ("big file, m3tui/pprof", res_big["ratio"], 0.1),
        ("small file, m3tui/pprof", res_small["ratio"], 1.0),
        ("flame layout 100k samples (s)", t_layout, 0.1),
    ]
    if res_pane is not None:
        for key, label, target in (("open", "pane: top table / CLI top", 1.3), ("flame", "pane: f flame / CLI top", 0.2),
                                   ("sample", "pane: i sample type / CLI top", 0.2),
                                   ("focus", "pane: focus filter / CLI top", 0.2)):
            checks.append((label, res_pane["ratios"][key], target))
    print()
    print(f"m3tui command: {res_big['m3tui_cmd']}")
    for label, res in (("big", res_big), ("small", res_small)):
        print(f"{label:5}: pprof median {statistics.median(res['pprof_s']):.3f} s, "
              f"m3tui median {statistics.median(res['m3tui_s']):.3f} s, "
              f"ratio {res['ratio']:.2f}x")
    if res_pane is not None:
        print(f"pane : CLI top median {statistics.median(res_pane['cli_s']):.3f} s; "
              + ", ".join(f"{k} {v:.3f} s ({res_pane['ratios'][k]:.2f}x)" for k, v in res_pane["median"].items()))
    ok = True
    for label, value, target in checks:
        good = value <= target
        ok &= good
        print(f"{label:32} {value:8.3f}  target <= {target:<5}  {'ok' if good else 'MISSED'}")
    print("verdict:", "all targets met" if ok else "a target was missed")
    if args.json:
        print(json.dumps({"big": res_big, "small": res_small, "pane": res_pane, "load_s": t_load, "top_s": t_top,
                          "flame_build_s": t_build, "flame_layout_s": t_layout, "ok": ok},
                         indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
