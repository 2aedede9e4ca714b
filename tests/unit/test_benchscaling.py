"""benchscaling: per-benchmark GOMAXPROCS scaling tables from a -cpu sweep."""

from __future__ import annotations

import json

import pytest

from m3tui.bench.fmt import BenchResult
from m3tui.bench.scaling import ScalingRow, ScalingTable, render_scaling, scaling_json, scaling_tables


def _results(name: str, procs: int, values: list[float], config: dict[str, str] | None = None,
             unit: str = "ns/op") -> list[BenchResult]:
    cfg = config if config is not None else {"pkg": "example.com/x"}
    return [BenchResult(name, procs, 1000, {unit: v}, cfg) for v in values]


def _sweep(name: str = "Encode", config: dict[str, str] | None = None) -> list[BenchResult]:
    return [
        *_results(name, 1, [100, 101, 99, 100, 100, 100], config),
        *_results(name, 2, [50] * 6, config),
        *_results(name, 4, [30] * 6, config),
    ]


def test_known_medians_give_speedup_and_efficiency():
    [t] = scaling_tables(_sweep())
    assert t.name == "Encode" and t.unit == "sec/op" and t.baseline_procs == 1
    assert t.config == {"pkg": "example.com/x"}
    assert [r.procs for r in t.rows] == [1, 2, 4]
    assert [r.n for r in t.rows] == [6, 6, 6]
    assert [r.center for r in t.rows] == pytest.approx([100e-9, 50e-9, 30e-9])
    assert [r.speedup for r in t.rows] == pytest.approx([1.0, 2.0, 10 / 3])
    assert [r.efficiency for r in t.rows] == pytest.approx([1.0, 1.0, 0.8333333])
    assert t.rows[0].interval_pct == pytest.approx(1.0)
    assert t.rows[1].interval_pct == 0.0


def test_rows_are_sorted_by_procs_whatever_the_input_order():
    rs = _sweep()
    [t] = scaling_tables(list(reversed(rs)))
    assert [r.procs for r in t.rows] == [1, 2, 4]


def test_benchmark_at_one_procs_is_not_a_table():
    rs = [*_sweep("Encode"), *_results("Decode", 4, [10] * 6)]
    assert [t.name for t in scaling_tables(rs)] == ["Encode"]
    assert scaling_tables(_results("Decode", 8, [10] * 6)) == []
    assert scaling_tables([]) == []


def test_missing_procs_1_uses_smallest_as_baseline():
    rs = [*_results("Encode", 2, [80] * 6), *_results("Encode", 8, [40] * 6), *_results("Encode", 4, [50] * 6)]
    [t] = scaling_tables(rs)
    assert t.baseline_procs == 2
    assert [r.procs for r in t.rows] == [2, 4, 8]
    assert [r.speedup for r in t.rows] == pytest.approx([1.0, 1.6, 2.0])
    assert [r.efficiency for r in t.rows] == pytest.approx([1.0, 0.8, 0.5])
    assert "[baseline GOMAXPROCS=2]" in render_scaling([t])[0]


def test_sub_benchmarks_are_separate_tables_in_first_seen_order():
    rs = [
        *_results("Sizes/size=100", 1, [200] * 6),
        *_results("Sizes/size=10", 1, [20] * 6),
        *_results("Sizes/size=100", 2, [100] * 6),
        *_results("Sizes/size=10", 2, [10] * 6),
    ]
    tables = scaling_tables(rs)
    assert [t.name for t in tables] == ["Sizes/size=100", "Sizes/size=10"]
    assert all(t.rows[1].speedup == pytest.approx(2.0) for t in tables)


def test_two_configs_give_two_tables():
    a = {"pkg": "example.com/a"}
    b = {"pkg": "example.com/b"}
    rs = [*_sweep("Encode", a), *_results("Encode", 1, [10] * 6, b), *_results("Encode", 2, [10] * 6, b)]
    tables = scaling_tables(rs)
    assert [(t.name, t.config["pkg"]) for t in tables] == [("Encode", "example.com/a"), ("Encode", "example.com/b")]
    assert tables[1].rows[1].speedup == pytest.approx(1.0)
    lines = render_scaling(tables)
    assert lines[0] == "Encode  (pkg: example.com/a)"
    assert "Encode  (pkg: example.com/b)" in lines


def test_results_without_the_unit_are_ignored():
    rs = [*_sweep(), *_results("Other", 1, [5] * 3, unit="B/op"), *_results("Other", 2, [5] * 3, unit="B/op")]
    assert [t.name for t in scaling_tables(rs)] == ["Encode"]
    [t] = scaling_tables(rs, unit="B/op")
    assert t.name == "Other" and t.unit == "B/op" and t.rows[0].center == 5


def test_render_exact():
    rs = [*_sweep(), *_results("Sum", 1, [1203] * 3, {}), *_results("Sum", 2, [640.1] * 3, {})]
    assert render_scaling(scaling_tables(rs)) == [
        "Encode  (pkg: example.com/x)",
        "GOMAXPROCS   sec/op        speed-up   efficiency",
        "1            100.0n ± 1%      1.00x         100%",
        "2            50.00n ± 0%      2.00x         100%",
        "4            30.00n ± 0%      3.33x          83%",
        "",
        "Sum",
        "GOMAXPROCS   sec/op       speed-up   efficiency",
        "1            1.203µ ± ∞      1.00x         100%",
        "2            640.1n ± ∞      1.88x          94%",
    ]


def test_render_empty():
    assert render_scaling([]) == []


def test_json_is_serialisable():
    rs = [*_results("Sum", 1, [100] * 3), *_results("Sum", 2, [50] * 3)]
    data = scaling_json(scaling_tables(rs))
    text = json.dumps(data, allow_nan=False)  # an infinite interval must not leak out as Infinity
    [t] = json.loads(text)
    assert t["name"] == "Sum" and t["unit"] == "sec/op" and t["baseline_procs"] == 1
    assert t["rows"][1] == {"procs": 2, "center": pytest.approx(50e-9), "interval_pct": None,
                            "interval": "± ∞", "n": 3, "speedup": pytest.approx(2.0),
                            "efficiency": pytest.approx(1.0)}


def test_dataclasses_are_frozen():
    row = ScalingRow(1, 1.0, 0.0, 1, 1.0, 1.0)
    t = ScalingTable("X", {}, "sec/op", (row,), 1)
    with pytest.raises(AttributeError):
        t.name = "Y"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        row.procs = 2  # type: ignore[misc]


# --- kinds: what the Go source says, against how the time per op moved ------------------------


def _flat(name: str = "Lock") -> list[BenchResult]:
    return [*_results(name, 1, [100] * 6), *_results(name, 2, [95] * 6), *_results(name, 4, [110] * 6)]


def test_serial_benchmark_is_labelled_and_shows_no_efficiency():
    [t] = scaling_tables(_flat("Sum"), kinds={"Sum": "serial"})
    assert t.kind == "serial" and t.note == "serial: GOMAXPROCS does not apply"
    lines = render_scaling([t])
    assert lines[0] == "Sum  (pkg: example.com/x)  serial: GOMAXPROCS does not apply"
    assert lines[1].split() == ["GOMAXPROCS", "sec/op", "speed-up"]
    assert [len(line.split()) for line in lines[2:]] == [5, 5, 5]  # P, centre ± x%, speed-up: no efficiency
    assert [line.split()[-1] for line in lines[2:]] == ["1.00x", "1.05x", "0.91x"]


def test_serial_loop_clearly_faster_keeps_its_efficiency():
    [t] = scaling_tables(_sweep(), kinds={"Encode": "serial"})  # 100 → 30 ns/op, intervals apart
    assert t.kind == "serial-scales" and "yet faster" in (t.note or "")
    assert render_scaling([t])[1].split()[-1] == "efficiency"
    few = [*_results("Encode", 1, [100, 101]), *_results("Encode", 2, [50, 51])]  # n=2: interval ± ∞
    [t] = scaling_tables(few, kinds={"Encode": "serial"})
    assert t.kind == "serial"  # faster by the medians, but not provably: the source's word stands


def test_parallel_benchmark_flat_is_contended_with_its_efficiency():
    [t] = scaling_tables(_flat(), kinds={"Lock": "parallel"})
    assert t.kind == "contended"
    assert t.note == ("contended: RunParallel, but sec/op is flat or worse with more GOMAXPROCS"
                      " (efficiency 23% at GOMAXPROCS=4)")
    assert render_scaling([t])[0].endswith(t.note)
    assert render_scaling([t])[-1].split()[-1] == "23%"
    [t] = scaling_tables(_sweep(), kinds={"Encode": "parallel"})
    assert t.kind == "parallel" and t.note is None
    narrow = [*_results("Lock", 4, [100] * 6), *_results("Lock", 6, [95] * 6)]  # 4 → 6 procs: too close to say
    assert scaling_tables(narrow, kinds={"Lock": "parallel"})[0].kind == "parallel"


def test_unknown_or_absent_kind_is_today_s_table():
    plain = render_scaling(scaling_tables(_flat()))
    assert render_scaling(scaling_tables(_flat(), kinds={"Lock": "unknown"})) == plain
    assert render_scaling(scaling_tables(_flat(), kinds={"Other": "serial"})) == plain
    assert scaling_tables(_flat())[0].kind == "unknown"


def test_sub_benchmarks_take_their_top_level_kind():
    rs = [*_flat("Map/size=10"), *_flat("Map/size=100"), *_flat("Mapper")]
    got = {t.name: t.kind for t in scaling_tables(rs, kinds={"Map": "serial"})}
    assert got == {"Map/size=10": "serial", "Map/size=100": "serial", "Mapper": "unknown"}


def test_json_has_kind_and_note():
    data = scaling_json(scaling_tables([*_flat("Sum"), *_flat()], kinds={"Sum": "serial", "Lock": "parallel"}))
    assert [(t["kind"], t["note"] is not None) for t in data] == [("serial", True), ("contended", True)]
    assert data[0]["rows"][1]["efficiency"] == pytest.approx(0.526, abs=0.001)  # the number stays in the data
    assert scaling_json(scaling_tables(_sweep()))[0]["kind"] == "unknown"
    json.dumps(data, allow_nan=False)
