"""m3tui.bench.fmt on the output of a real `go test -bench` run (text and -json) of tests/data/gobench."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from m3tui.bench.fmt import Parser, parse

from tests.testdata import GOBENCH


def _run_go_bench(go: Path, tmp_path: Path, *extra: str) -> str:
    pkg = tmp_path / "gobench"
    if not pkg.exists():
        shutil.copytree(GOBENCH, pkg)
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off")
    cmd = [str(go), "test", *extra, "-run", "^$", "-bench", ".", "-benchtime", "100x",
           "-count", "2", "-cpu", "1,2", "-benchmem"]
    proc = subprocess.run(cmd, cwd=pkg, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _check_real(res, go_text_lines: int | None = None) -> None:
    assert res.unparsed == []
    names = {(r.name, r.procs) for r in res.results}
    expected_names = ["Sum", "Sizes/size=10", "Sizes/size=100", "Widgets", "Bytes", "Chatty"]
    assert names == {(n, p) for n in expected_names for p in (1, 2)}
    assert len(res.results) == len(expected_names) * 2 * 2  # -cpu 1,2 x -count 2
    for r in res.results:
        assert r.iters == 100
        assert {"ns/op", "B/op", "allocs/op"} <= set(r.values)
        assert r.config["pkg"] == "example.com/gobench"
        assert r.config["goos"] and r.config["goarch"]
    widgets = [r for r in res.results if r.base_name == "Widgets"]
    assert all(r.values["widgets/op"] == 3.0 for r in widgets)
    assert all(r.values["MB/s"] > 0 for r in res.results if r.base_name == "Bytes")
    sizes = [r for r in res.results if r.base_name == "Sizes"]
    assert {r.sub for r in sizes} == {("size=10",), ("size=100",)}
    assert all(r.values["allocs/op"] == 1 for r in sizes)


def test_real_go_bench_text(real_go, tmp_path):
    out = _run_go_bench(real_go, tmp_path)
    res = parse(out)
    _check_real(res)
    grep_count = sum(1 for line in out.splitlines() if line.startswith("Benchmark"))
    assert len(res.results) == grep_count
    goos = subprocess.run([str(real_go), "env", "GOOS"], capture_output=True, text=True,
                          env=dict(os.environ, GOTOOLCHAIN="local")).stdout.strip()
    assert res.results[0].config["goos"] == goos


def test_real_go_bench_json(real_go, tmp_path):
    out = _run_go_bench(real_go, tmp_path, "-json")
    assert out.lstrip().startswith("{")
    res = parse(out)
    _check_real(res)
    # streaming the same output line by line gives the same results
    p = Parser()
    streamed = []
    for line in out.splitlines(keepends=True):
        streamed += p.feed(line)
    streamed += p.finish()
    assert streamed == res.results
