"""proftune: sweep the sampling rate of a real benchmark; fidelity, overhead, recommendation."""

from __future__ import annotations

import asyncio
import json

import pytest

from m3tui.core.config import state_root
from m3tui.profiles import tune as proftune
from m3tui.profiles.tune import TuneError, TunePoint, TuneResult, render_tune, tune, tune_json

from tests.goprofpkg import BROKEN_SRC, make_package


# --------------------------------------------------------------------------
# Pure parts
# --------------------------------------------------------------------------


def test_fidelity():
    ref = {"a": 60.0, "b": 30.0, "c": 10.0}
    assert proftune.fidelity(ref, ref) == 1.0
    assert proftune.fidelity({"a": 6.0, "b": 3.0, "c": 1.0}, ref) == pytest.approx(1.0)
    # Half the mass moved from a to b: TVD 0.3.
    assert proftune.fidelity({"a": 30.0, "b": 60.0, "c": 10.0}, ref) == pytest.approx(0.7)
    assert proftune.fidelity({}, ref) == 0.0
    assert proftune.fidelity(ref, {}) is None
    # Disjoint: nothing in common.
    assert proftune.fidelity({"z": 1.0}, ref) == pytest.approx(0.0)


def _pt(rate, overhead, fid):
    return TunePoint(rate=rate, ns_op=[1.0], overhead_pct=overhead, fidelity=fid, top=[])


def test_recommend():
    pts = [_pt(1, 200.0, 1.0), _pt(4096, 4.0, 0.95), _pt(65536, 1.0, 0.92), _pt(1 << 22, 0.0, 0.5)]
    assert proftune.recommend(pts) == 65536  # cheapest with fidelity >= .9 and overhead <= 5 %
    pts = [_pt(1, 200.0, 1.0), _pt(4096, 8.0, 0.8), _pt(65536, 9.0, 0.85), _pt(1 << 22, 30.0, 0.9)]
    assert proftune.recommend(pts) == 65536  # best fidelity under 10 %
    assert proftune.recommend([_pt(1, 50.0, 1.0)]) is None
    assert proftune.recommend([_pt(1, None, None)]) is None


def test_flags_for():
    assert proftune.flags_for("mem", 65536) == "-memprofile mem.out -memprofilerate 65536"
    assert proftune.flags_for("block", 10) == "-blockprofile block.out -blockprofilerate 10"
    assert proftune.flags_for("mutex", 5) == "-mutexprofile mutex.out -mutexprofilefraction 5"


def test_render_and_json_synthetic():
    res = TuneResult(
        kind="mutex",
        rates=[1, 10],
        baseline_ns_op=[100.0, 110.0],
        points=[
            TunePoint(1, [150.0, 160.0], 47.6, 1.0, [("sync.(*Mutex).Unlock", 0.99)]),
            TunePoint(10, [106.0, 104.0], 0.0, 0.95, [("sync.(*Mutex).Unlock", 0.98)]),
        ],
        reference_rate=1,
        recommendation=10,
        flags="-mutexprofile mutex.out -mutexprofilefraction 10",
        noinline_delta=None,
    )
    lines = render_tune(res)
    assert lines[0].split() == ["mutexfraction", "ns/op", "overhead", "fidelity"]
    row10 = next(ln for ln in lines if ln.startswith("10 "))
    assert "◀ recommended" in row10 and "+0.0%" in row10 and "0.950" in row10
    row1 = next(ln for ln in lines if ln.startswith("1 "))
    assert "(reference)" in row1 and "+47.6%" in row1 and "recommended" not in row1
    assert lines[-1] == "flags: -mutexprofile mutex.out -mutexprofilefraction 10"
    data = json.loads(json.dumps(tune_json(res)))
    assert data["recommendation"] == 10 and data["points"][1]["ns_op_median"] == 105.0


async def test_tune_rejects_cpu(tmp_path):
    with pytest.raises(ValueError, match="mem, block, mutex"):
        await tune(tmp_path, "X", "cpu")
    with pytest.raises(ValueError):
        await tune(tmp_path, "X", "mem", rates=[0, 10])


# --------------------------------------------------------------------------
# Real tunes
# --------------------------------------------------------------------------


async def test_real_mem_tune(go_env, tmp_path):
    pkg = make_package(tmp_path)
    progress: list[tuple[str, int, int]] = []
    res = await tune(
        pkg, "^BenchmarkAlloc$", "mem", rates=[65536, 1, 4194304], rounds=2,
        benchtime="20000x", on_progress=lambda t, d, n: progress.append((t, d, n)),
    )
    assert res.rates == [1, 65536, 4194304] and res.reference_rate == 1
    assert res.benchmarks == ("Alloc",) and res.sample_type == "alloc_space"
    assert len(res.baseline_ns_op) == 2 and all(v > 0 for v in res.baseline_ns_op)
    assert [p.rate for p in res.points] == [1, 65536, 4194304]
    for p in res.points:
        assert len(p.ns_op) == 2 and all(v > 0 for v in p.ns_op)
        assert p.overhead_pct is not None
    ref = res.point(1)
    assert ref.fidelity == 1.0
    assert ref.top[0][0] == "example.com/profpkg.allocBig"  # 4096 B vs 64 B per op
    assert "example.com/profpkg.allocSmall" in [n for n, _ in ref.top]
    assert all(p.fidelity is not None and 0.0 <= p.fidelity <= 1.0 for p in res.points)
    assert res.recommendation is None or res.recommendation in res.rates
    if res.recommendation is not None:
        assert res.flags == f"-memprofile mem.out -memprofilerate {res.recommendation}"
    else:
        assert res.flags == ""
    # Progress: build + 2 rounds × (baseline + 3 rates), then "done" at total.
    assert progress[0][0] == "building the test binary"
    assert progress[-1] == ("done", 9, 9)
    assert sum(1 for t, _, _ in progress if t.startswith("round 1/2")) == 4
    # Rotating order: round 1 starts with the baseline, round 2 with the first rate.
    rounds = [t for t, _, _ in progress if t.startswith("round")]
    assert rounds[0] == "round 1/2: baseline" and rounds[4] == "round 2/2: rate 1"

    lines = render_tune(res)
    text = "\n".join(lines)
    assert lines[0].split() == ["memprofilerate", "ns/op", "overhead", "fidelity"]
    assert "baseline" in text and "(reference)" in text and "(go default)" not in text
    for rate in (1, 65536, 4194304):
        assert any(ln.startswith(f"{rate} ") for ln in lines)
    if res.recommendation is not None:
        assert "◀ recommended" in text and f"flags: {res.flags}" in lines
    data = json.loads(json.dumps(tune_json(res)))
    assert data["points"][0]["fidelity"] == 1.0 and data["kind"] == "mem"
    # Nothing left behind in the temporary directory.
    tmp = state_root() / "tmp"
    assert not tmp.exists() or not any(tmp.iterdir())


async def test_real_mutex_tune_with_noinline(go_env, tmp_path):
    pkg = make_package(tmp_path)
    res = await tune(
        pkg, "^BenchmarkMutex$", "mutex", rates=[1, 100], rounds=1, benchtime="5000x",
        procs=2, noinline=True,
    )
    assert res.point(1).fidelity == 1.0
    assert any("sync.(*Mutex).Unlock" in n for n, _ in res.point(1).top)
    d = res.noinline_delta
    assert d is not None and d["rate"] == 1
    assert isinstance(d["appear"], list) and isinstance(d["disappear"], list)
    assert len(d["ns_op"]) == 1
    assert any(ln.startswith("-gcflags=-l at 1:") for ln in render_tune(res))
    json.dumps(tune_json(res))


async def test_tune_build_error_and_no_match(go_env, tmp_path):
    broken = make_package(tmp_path, "broken", BROKEN_SRC)
    with pytest.raises(TuneError, match="undefinedThing"):
        await tune(broken, ".", "mem", rates=[1], rounds=1)
    pkg = make_package(tmp_path)
    with pytest.raises(TuneError, match="no benchmark matched"):
        await tune(pkg, "NoSuchBench", "mem", rates=[1], rounds=1)


async def test_tune_stop(go_env, tmp_path):
    pkg = make_package(tmp_path)
    stop = asyncio.Event()

    def on_progress(text, done, total):
        if text.startswith("round 1/3: rate"):
            stop.set()

    with pytest.raises(TuneError, match="stopped"):
        await tune(pkg, "^BenchmarkSleep$", "mem", rates=[1], rounds=3, benchtime="100x",
                   on_progress=on_progress, stop=stop)
    tmp = state_root() / "tmp"
    assert not tmp.exists() or not any(tmp.iterdir())
