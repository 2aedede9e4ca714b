"""benchscaling on a real `go test -bench -cpu 1,2` sweep of tests/data/gobench."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from m3tui.bench import fmt as benchfmt
from m3tui.bench.scaling import render_scaling, scaling_tables

from tests.testdata import GOBENCH


def test_real_go_cpu_sweep(real_go, tmp_path):
    pkg = tmp_path / "gobench"
    shutil.copytree(GOBENCH, pkg)
    env = {
        **os.environ,
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "PATH": f"{real_go.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    proc = subprocess.run(
        [str(real_go), "test", "-run", "^$", "-bench", "^BenchmarkSum$", "-benchtime", "2000x",
         "-count", "2", "-cpu", "1,2"],
        cwd=pkg, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    parsed = benchfmt.parse(proc.stdout)
    [t] = scaling_tables(parsed.results)
    assert t.name == "Sum" and t.config.get("pkg") == "example.com/gobench"
    assert [r.procs for r in t.rows] == [1, 2] and t.baseline_procs == 1
    assert [r.n for r in t.rows] == [2, 2]
    assert all(r.speedup is not None and r.speedup > 0 for r in t.rows)
    assert t.rows[0].speedup == pytest.approx(1.0)
    lines = render_scaling([t])
    assert lines[0].startswith("Sum  (pkg: example.com/gobench)") and len(lines) == 4
