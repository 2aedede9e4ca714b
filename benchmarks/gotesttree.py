"""How fast go test -json output becomes the tests tree, against json.loads of the same lines.

    python benchmarks/gotesttree.py [--copies 1000] [--rounds 3]

The input is tests/data/gotestmod/recordings/go-test-json.txt (108 real events of 3 packages)
repeated ``--copies`` times under new package names (1000: 108,000 lines, 3,000 packages, 14,000
test runs). Per round: json.loads of every line (the floor: any reader decodes each event), then
GoTestTree fed every line, `logs --tests`' summary, and the Logs pane's tree model (its rows,
made in a thread). Prints the medians and the parse/json.loads ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from m3tui.logs.gotest import GoTestTree  # noqa: E402
from m3tui.logs.gotest_summary import summary_text  # noqa: E402
from m3tui.tui.panes.log_tests import make_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    src = (ROOT / "tests/data/gotestmod/recordings/go-test-json.txt").read_text().splitlines()
    lines = [line.replace("example.com/gotestmod/", f"example.com/m{k}/") for k in range(args.copies) for line in src]
    rows: dict[str, list[float]] = {"json.loads": [], "tree": [], "summary": [], "pane model": []}
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for line in lines:
            json.loads(line)
        t1 = time.perf_counter()
        tree = GoTestTree().feed_all(lines)
        t2 = time.perf_counter()
        summary_text(tree)
        t3 = time.perf_counter()
        make_model(tree)
        t4 = time.perf_counter()
        for key, value in zip(rows, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            rows[key].append(value)
    runs = sum(tree.counts().values())
    print(f"{len(lines):,} lines, {len(tree.packages):,} packages, {runs:,} test runs; medians of {args.rounds} rounds:")
    med = {k: statistics.median(v) for k, v in rows.items()}
    for key, value in med.items():
        print(f"  {key:11} {value:6.2f} s")
    print(f"tree / json.loads: {med['tree'] / med['json.loads']:.2f}x ({len(lines) / med['tree']:,.0f} lines/s)")


if __name__ == "__main__":
    main()
