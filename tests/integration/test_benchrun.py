"""benchrun: build the test binary once and stream benchmark results (real Go)."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import psutil
import pytest

from m3tui.bench import run as benchrun
from m3tui.bench.run import BenchSpec, BuildFailed, default_cpu_list, run_benchmarks

GOBENCH = Path(__file__).parents[1] / "data" / "gobench"


@pytest.fixture
def go_env(real_go, monkeypatch):
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    return real_go


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "gobench"
    shutil.copytree(GOBENCH, dst)
    return dst


def _package(tmp_path: Path, name: str, test_src: str) -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.21\n")
    (d / f"{name}_test.go").write_text(test_src)
    return d


SLEEPY = """package sleepy

import (
	"testing"
	"time"
)

func BenchmarkSleep(b *testing.B) {
	for i := 0; i < b.N; i++ {
		time.Sleep(%s)
	}
}
"""

PANICKY = """package panicky

import "testing"

var sink int

func BenchmarkAFine(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += i
	}
}

func BenchmarkBoom(b *testing.B) {
	panic("kaboom in benchmark")
}
"""


def _tmp_dirs_empty() -> bool:
    from m3tui.core.config import state_root

    base = state_root() / "tmp"
    return not base.exists() or not any(base.iterdir())


def test_default_cpu_list():
    assert default_cpu_list(11, 5) == (1, 2, 4, 5, 8, 11)
    assert default_cpu_list(8) == (1, 2, 4, 8)
    assert default_cpu_list(1) == (1,)
    assert default_cpu_list(10, 4) == (1, 2, 4, 8, 10)


def test_test_args():
    spec = BenchSpec(Path("."), bench="Sum", cpu=(1, 2), count=3, benchtime="10x",
                     extra=("-test.timeout", "1m"))
    assert spec.test_args() == [
        "-test.run", "^$", "-test.bench", "Sum", "-test.cpu", "1,2", "-test.count", "3",
        "-test.benchtime", "10x", "-test.benchmem", "-test.timeout", "1m",
    ]
    assert "-test.benchmem" not in BenchSpec(Path("."), benchmem=False).test_args()


async def test_gobench_cpu_and_count(go_env, tmp_path):
    pkg = _copy(tmp_path)
    seen = []
    lines = []
    spec = BenchSpec(pkg, bench="^BenchmarkSum$|^BenchmarkWidgets$", cpu=(1, 2), count=2,
                     benchtime="100x")
    run = await run_benchmarks(spec, on_result=seen.append, on_line=lines.append, timeout=120)
    assert run.returncode == 0 and run.error is None and not run.cancelled and run.ok
    assert seen == run.results
    names = sorted((r.name, r.procs) for r in run.results)
    assert names == sorted([("Sum", 1), ("Sum", 2), ("Widgets", 1), ("Widgets", 2)] * 2)
    assert all(r.iters == 100 for r in run.results)
    assert all("allocs/op" in r.values for r in run.results)  # benchmem
    assert any(r.values.get("widgets/op") == 3 for r in run.results)
    assert lines == run.raw_output and any(ln.startswith("PASS") for ln in lines)
    assert run.results[0].config.get("pkg") == "example.com/gobench"
    assert _tmp_dirs_empty()


async def test_results_stream_live(go_env, tmp_path):
    pkg = _package(tmp_path, "sleepy", SLEEPY % "20 * time.Millisecond")
    stamps = []
    spec = BenchSpec(pkg, cpu=(1,), count=4, benchtime="5x")
    run = await run_benchmarks(spec, on_result=lambda r: stamps.append(time.monotonic()))
    end = time.monotonic()
    assert run.ok and len(run.results) == 4 and len(stamps) == 4
    # each result takes ~100 ms, so the first one arrived well before the end
    assert stamps[0] < end - 0.15
    assert stamps == sorted(stamps)


async def test_build_failed(go_env, tmp_path):
    pkg = _copy(tmp_path)
    (pkg / "broken_test.go").write_text(
        "package gobench\n\nfunc broken() int {\n\treturn undefinedThing\n}\n"
    )
    with pytest.raises(BuildFailed) as ei:
        await run_benchmarks(BenchSpec(pkg))
    msg = str(ei.value)
    assert "undefinedThing" in msg and "broken_test.go:4" in msg
    assert len(msg.splitlines()) <= benchrun.MAX_ERROR_LINES
    assert _tmp_dirs_empty()


async def test_build_test_binary(go_env, tmp_path):
    pkg = _copy(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    binary = await benchrun.build_test_binary(BenchSpec(pkg), out)
    assert binary == out / "pkg.test" and os.access(binary, os.X_OK)


async def test_panic_keeps_earlier_results(go_env, tmp_path):
    pkg = _package(tmp_path, "panicky", PANICKY)
    run = await run_benchmarks(BenchSpec(pkg, count=1, benchtime="10x"), timeout=60)
    assert run.returncode != 0 and not run.cancelled and not run.ok
    assert run.error is not None and "kaboom in benchmark" in run.error
    assert [r.name for r in run.results] == ["AFine"]


def _leftover_test_procs(tmp_path: Path) -> list[psutil.Process]:
    left = []
    for p in psutil.process_iter(["name", "exe", "cwd"]):
        name = p.info["name"] or ""
        if not name.endswith(".test"):
            continue
        where = f"{p.info['exe'] or ''} {p.info['cwd'] or ''}"
        if str(tmp_path) in where or str(benchrun.state_root()) in where:
            left.append(p)
    return left


async def test_stop_keeps_partial_results(go_env, tmp_path):
    pkg = _package(tmp_path, "sleepy", SLEEPY % "50 * time.Millisecond")
    stop = asyncio.Event()
    got = []

    def on_result(r):
        got.append(r)
        stop.set()

    # 50 ms/op, 5 ops per sample, 40 samples: ~10 s if not stopped.
    spec = BenchSpec(pkg, count=40, benchtime="5x")
    t0 = time.monotonic()
    run = await run_benchmarks(spec, on_result=on_result, stop=stop, timeout=60)
    assert time.monotonic() - t0 < 8
    assert run.cancelled and not run.timed_out and run.error is None
    assert 1 <= len(run.results) < 40 and run.results[0] is got[0]
    assert run.results[0].name == "Sleep" and run.results[0].iters == 5
    assert _leftover_test_procs(tmp_path) == []
    assert _tmp_dirs_empty()


async def test_timeout(go_env, tmp_path):
    pkg = _package(tmp_path, "sleepy", SLEEPY % "50 * time.Millisecond")
    run = await run_benchmarks(BenchSpec(pkg, count=40, benchtime="5x"), timeout=0.6)
    assert run.timed_out and not run.cancelled and run.error
    assert _leftover_test_procs(tmp_path) == []


async def test_interleaved_sides_alternate_and_build_once(go_env, tmp_path):
    """A B A B …: each round runs every side once, so drift hits both sides alike."""
    pkg = _copy(tmp_path)
    order = []
    spec = BenchSpec(pkg, bench="^BenchmarkSum$", cpu=(1,), count=3, benchtime="50x", go=str(go_env))
    runs = await benchrun.run_interleaved(
        spec, [("old", str(go_env)), ("new", "go")], on_result=lambda label, r: order.append(label), timeout=60
    )
    assert order == ["old", "new"] * 3
    assert [len(runs[side].results) for side in ("old", "new")] == [3, 3]
    assert all(r.ok for r in runs.values())
    assert all(r.iters == 50 for run in runs.values() for r in run.results)
    assert _tmp_dirs_empty()


async def test_interleaved_build_error_names_the_side(go_env, tmp_path):
    pkg = _copy(tmp_path)
    (pkg / "broken_test.go").write_text("package gobench\n\nvar _ = undefinedThing\n")
    with pytest.raises(BuildFailed) as info:
        await benchrun.run_interleaved(BenchSpec(pkg, count=2), [("A", "go"), ("B", "go")])
    assert info.value.message.startswith("A: ") and "undefinedThing" in info.value.message
    with pytest.raises(ValueError):
        await benchrun.run_interleaved(BenchSpec(pkg), [("A", "go"), ("A", "go")])


async def test_list_packages_with_tests(go_env, tmp_path):
    pkg = _copy(tmp_path)
    (pkg / "notests").mkdir()
    (pkg / "notests" / "x.go").write_text("package notests\n")
    assert await benchrun.list_packages(pkg) == [("example.com/gobench", pkg)]
    assert await benchrun.list_packages(tmp_path) == []  # not a module
