"""Serial and contended benchmarks on a real `go test -bench -cpu 1,2` sweep (issue 13: scaling).

tests/data/gobench's benchmarks all loop on one goroutine; the test adds a RunParallel
benchmark whose every iteration takes one mutex, so more GOMAXPROCS cannot make it faster.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui.bench import fmt as benchfmt
from m3tui.bench.gosource import read_benchmark_kinds
from m3tui.bench.scaling import render_scaling, scaling_tables

LOCK = """package gobench

import (
	"sync"
	"testing"
)

var (
	mu     sync.Mutex
	shared int
)

// BenchmarkLock: every goroutine RunParallel starts queues on one mutex.
func BenchmarkLock(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			shared++
			mu.Unlock()
		}
	})
}
"""

BENCH = "^Benchmark(Sum|Sizes|Lock)$"


def with_lock(pkg: Path) -> Path:
    (pkg / "lock_test.go").write_text(LOCK)
    return pkg


def test_serial_and_mutex_benchmarks_from_a_real_sweep(pkg: Path, real_go: Path) -> None:
    pkg = with_lock(pkg)
    proc = subprocess.run(
        [str(real_go), "test", "-run", "^$", "-bench", BENCH, "-benchtime", "2000x", "-count", "2", "-cpu", "1,2"],
        cwd=pkg, env={**os.environ, "GOTOOLCHAIN": "local"}, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kinds = read_benchmark_kinds(pkg)
    assert kinds["Sum"] == "serial" and kinds["Sizes"] == "serial" and kinds["Lock"] == "parallel"
    tables = {t.name: t for t in scaling_tables(benchfmt.parse(proc.stdout).results, kinds=kinds)}
    assert set(tables) == {"Sum", "Sizes/size=10", "Sizes/size=100", "Lock"}
    assert {tables[n].kind for n in ("Sum", "Sizes/size=10", "Sizes/size=100")} == {"serial"}
    assert tables["Lock"].kind in ("contended", "parallel")  # one mutex: flat, unless the machine surprises
    lines = render_scaling(list(tables.values()))
    assert "Sum  (pkg: example.com/gobench)  serial: GOMAXPROCS does not apply" in lines
    if tables["Lock"].kind == "contended":
        lock = "Lock  (pkg: example.com/gobench)  contended: RunParallel, but sec/op is flat or worse"
        assert any(line.startswith(lock) for line in lines)


@pytest.mark.slow
def test_m3tui_bench_labels_them_in_text_and_json(pkg: Path) -> None:
    pkg = with_lock(pkg)
    args = [sys.executable, "-m", "m3tui", "bench", "--bench", BENCH, "--cpu", "1,2", "--count", "2",
            "--benchtime", "2000x", "--no-save"]
    done = subprocess.run(args, cwd=pkg, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    sum_at = lines.index("Sum  (pkg: example.com/gobench)  serial: GOMAXPROCS does not apply")
    assert lines[sum_at + 1].split() == ["GOMAXPROCS", "sec/op", "speed-up"]  # no efficiency column
    lock = [line for line in lines if line.startswith("Lock  (pkg: example.com/gobench)")]
    assert len(lock) == 1 and "serial" not in lock[0]
    done = subprocess.run([*args, "--json"], cwd=pkg, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    scaling = {t["name"]: t for t in json.loads(done.stdout)["scaling"]}
    assert scaling["Sum"]["kind"] == "serial" and scaling["Sum"]["note"] == "serial: GOMAXPROCS does not apply"
    assert scaling["Sizes/size=10"]["kind"] == "serial"
    assert scaling["Lock"]["kind"] in ("contended", "parallel")
    assert all(r["efficiency"] is not None for r in scaling["Sum"]["rows"])  # the data keeps the number
