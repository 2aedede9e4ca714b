"""Interleaving overhead of a revision A/B run: ≤ 1.05x running the two prebuilt binaries by hand.

A temporary git repository (tests/gitrepo.py, as the revision tests use) holds a module whose
BenchmarkSlow does N steps per op: commit A has N = 100, the working tree (B) N = 300. Per
measurement round, in alternating order:

* hand: the two test binaries, built beforehand from the two revisions (`git worktree add`,
  `go test -c`), run alternately A B A B … ``--count`` times with `subprocess.run`, each with
  `-test.run ^$ -test.bench . -test.count 1 -test.benchtime <iterations>x -test.cpu 1`: the
  baseline, nothing but the runs themselves;
* m3tui: a real revision A/B session (`BenchSession` with `resolve_revisions(dir, ["main"])`:
  snapshot, two worktrees, two builds, then the rounds, the history saved, the noise guard on),
  timed from the first output line of the first binary to the end of the session: the rounds
  and everything m3tui does around them (streaming, parsing, callbacks, history flushes, the
  noise check after the run, removing the worktrees). The checkouts and builds before the first
  line are not interleaving and are left out (they are cached builds the baseline also had).

The figure is the median over rounds of m3tui/hand (each round's two runs see the same load).
Target: ≤ 1.05x. Every session gets a fresh M3TUI_HOME.

    python benchmarks/revab.py [--rounds 5] [--count 10] [--iterations 3000000]

Exit status: 0 within the target, 1 not, 2 the measurement failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.gitrepo: the same repository as the tests
from tests.gitrepo import git, make_revab_repo  # noqa: E402

TARGET = 1.05
EXIT_OK, EXIT_MISSED, EXIT_ERROR = 0, 1, 2
def build_by_hand(repo: Path, root: Path) -> list[Path]:
    """The two binaries, A (main) and B (the working tree), built outside m3tui."""
    a_src = root / "a"
    git(repo, "worktree", "add", "--detach", "-q", str(a_src), "main")
    binaries = []
    for name, src in (("a", a_src), ("b", repo)):
        out = root / f"{name}.test"
        subprocess.run(["go", "test", "-c", "-o", str(out), "."], cwd=src, check=True, env={**os.environ, "GOTOOLCHAIN": "local"})
        binaries.append(out)
    git(repo, "worktree", "remove", "--force", str(a_src))
    return binaries


def run_by_hand(binaries: list[Path], count: int, iterations: int, cwd: Path) -> float:
    args = ["-test.run", "^$", "-test.bench", ".", "-test.count", "1", "-test.benchtime", f"{iterations}x",
            "-test.cpu", "1", "-test.benchmem"]  # fmt: skip
    start = time.perf_counter()
    for _ in range(count):
        for binary in binaries:
            subprocess.run([str(binary), *args], cwd=cwd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - start


async def run_m3tui(repo: Path, count: int, iterations: int, home: Path) -> float:
    os.environ["M3TUI_HOME"] = str(home)
    from m3tui.bench.run import BenchSpec
    from m3tui.bench.session import BenchSession, Toolchain, resolve_revisions

    revisions = await resolve_revisions(repo, ["main"])
    spec = BenchSpec(repo, bench=".", cpu=(1,), count=count, benchtime=f"{iterations}x", benchmem=True)
    first: list[float] = []

    def on_line(_label: str, _line: str) -> None:
        if not first:
            first.append(time.perf_counter())

    session = BenchSession(spec, [Toolchain("go", "go")], package="example.com/revab", on_line=on_line, revisions=revisions)
    result = await session.run()
    end = time.perf_counter()
    if result.status != "done" or not first:
        raise RuntimeError(f"the m3tui session did not finish: {result.status} {result.error}")
    return end - first[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=10, help="rounds of A B per run (default 10)")
    parser.add_argument("--iterations", type=int, default=3_000_000, help="-benchtime Nx of each binary run (default: about 0.3 s for A, 1 s for B)")
    args = parser.parse_args()
    if shutil.which("go") is None or shutil.which("git") is None:
        print("revab: needs go and git on PATH", file=sys.stderr)
        return EXIT_ERROR
    with tempfile.TemporaryDirectory(prefix="m3tui-revab-") as tmp:
        root = Path(tmp)
        repo = make_revab_repo(root, main_n=100, tree_n=300)
        try:
            binaries = build_by_hand(repo, root)
            ratios, hands, m3tuis = [], [], []
            for i in range(args.rounds):
                order = ("hand", "m3tui") if i % 2 == 0 else ("m3tui", "hand")
                times = {}
                for mode in order:
                    if mode == "hand":
                        times[mode] = run_by_hand(binaries, args.count, args.iterations, repo)
                    else:
                        times[mode] = asyncio.run(run_m3tui(repo, args.count, args.iterations, root / f"home{i}"))
                hands.append(times["hand"])
                m3tuis.append(times["m3tui"])
                ratios.append(times["m3tui"] / times["hand"])
                print(f"round {i + 1}: hand {times['hand']:.3f}s  m3tui {times['m3tui']:.3f}s  ratio {ratios[-1]:.3f}x", flush=True)
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            print(f"revab: the measurement failed: {exc}", file=sys.stderr)
            return EXIT_ERROR
    ratio = statistics.median(ratios)
    print(f"median hand {statistics.median(hands):.3f}s  m3tui {statistics.median(m3tuis):.3f}s")
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print(f"interleaving overhead: {ratio:.3f}x (target <= {TARGET}x) {verdict}")
    return EXIT_OK if ratio <= TARGET else EXIT_MISSED


if __name__ == "__main__":
    sys.exit(main())
