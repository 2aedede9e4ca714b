"""Grouping into benchstat's tables (bench/benchtab.py) on generated inputs, each case checked
against the rule in golang.org/x/perf's source that its docstring names; and the fast pass
against the exact per-value pass on random inputs (they must never differ)."""

from __future__ import annotations

import random

import pytest

from m3tui.bench.benchtab import Group, _Build, _NeedExact, group
from m3tui.bench.compare import build_tables, render_text
from m3tui.bench.fmt import BenchResult, parse
from m3tui.core.errors import UsageError


def results(text: str) -> list[BenchResult]:
    return parse(text).results


def summary(groups: list[Group]) -> list[tuple[object, ...]]:
    """What a group shows, cell values as sorted lists (order within a cell is not shown)."""
    return [(g.header, g.unit, g.cols, g.col_levels, g.rows, {k: sorted(v) for k, v in g.cells.items()}, g.vary) for g in groups]


SUM = """goos: linux
pkg: example.com/sum
BenchmarkSum/size=64/algo=crc-8 1 10 ns/op 6400 MB/s
BenchmarkSum/size=64/algo=xxh-8 1 5 ns/op 12800 MB/s
BenchmarkSum/size=1k/algo=crc-8 1 100 ns/op 10000 MB/s
BenchmarkSum/size=1k/algo=xxh-8 1 50 ns/op 20000 MB/s
BenchmarkSum/size=16k/algo=sha-8 1 900 ns/op 17 MB/s
"""


def test_sub_name_keys_as_rows_and_columns() -> None:
    """-row /size -col /algo: extractNamePart; rows and columns in first-appearance order
    (ProjectionParser.makeProjection: "first"), a missing cell left out."""
    (g, g2) = group([("f", results(SUM))], row="/size", col="/algo")
    assert (g.unit, g.rows, g.cols) == ("sec/op", ["64", "1k", "16k"], ["crc", "xxh", "sha"])
    assert sorted(g.cells) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2)] and g2.unit == "B/s"
    assert g.header == [("goos", "linux"), ("pkg", "example.com/sum")]


@pytest.mark.parametrize("order,want", [("@alpha", ["16k", "1k", "64"]), ("@num", ["64", "1k", "16k"]), ("@(1k 64)", ["1k", "64"])])
def test_named_and_fixed_orders(order: str, want: list[str]) -> None:
    """sort.go's builtinOrders (num reads 1k as 1000) and a fixed order, which also drops the
    values it does not list (makeProjection's fixed filter)."""
    shuffled = "\n".join(reversed(SUM.splitlines()[2:]))
    (g, _) = group([("f", results(shuffled))], row="/size" + order, col="/algo")
    assert g.rows == want


def test_fullname_leaves_out_the_keys_projected_elsewhere() -> None:
    """-table /algo: the rows' .fullname has no /algo part (newExtractorFullName), and the
    tables split by /algo, then by unit (ParseWithUnit)."""
    gs = group([("f", results(SUM))], table="/algo")
    assert [(g.header, g.unit) for g in gs][:2] == [([("/algo", "crc")], "sec/op"), ([("/algo", "crc")], "B/s")]
    assert gs[0].rows == ["Sum/size=64-8", "Sum/size=1k-8"]


def test_ignore_merges_what_it_takes_out_and_the_residue_warns_of_the_rest() -> None:
    """-ignore /algo merges crc and xxh into one row (configKeys/fullnameKeys exclusion); -row
    .name leaves the rest of the name in the residue: "benchmarks vary in .fullname"
    (benchtab's summarizeCell, NonSingularFields)."""
    (g, _) = group([("f", results(SUM))], ignore="/algo")
    assert g.rows == ["Sum/size=64-8", "Sum/size=1k-8", "Sum/size=16k-8"] and sorted(g.cells[(0, 0)]) == [5e-9, 1e-8]
    assert g.vary == {}
    (g, _) = group([("f", results(SUM))], row=".name")
    assert g.rows == ["Sum"] and g.vary == {(0, 0): "benchmarks vary in .fullname"}
    lines = render_text(build_tables([("f", results(SUM))], row=".name"))
    assert "¹ benchmarks vary in .fullname" in lines


def test_config_fields_sort_by_value_and_headers_list_every_key() -> None:
    """.config's fields never get a first-appearance order (Projection.internRow updates only
    top-level fields): tables sort by the values as strings; a key missing from a table is
    shown empty (printTables)."""
    text = "goos: zos\nBenchmarkA 1 1 ns/op\ngoos: aix\nnote: x\nBenchmarkA 1 2 ns/op\n"
    gs = group([("f", results(text))])
    assert [g.header for g in gs] == [[("goos", "aix"), ("note", "x")], [("goos", "zos"), ("note", "")]]


def test_a_zero_value_keeps_its_unit_and_its_own_table_in_first_appearance_order() -> None:
    """benchfmt's parseBenchmarkLine: tidyVal == val keeps the value in its unit (ns/op), so in a
    table of its own, ordered by .unit's first appearance."""
    text = "BenchmarkA 1 0 ns/op 5 B/op\nBenchmarkA 1 3 ns/op 5 B/op\n"
    gs = group([("f", results(text))])
    assert [(g.unit, sorted(g.cells[(0, 0)])) for g in gs] == [("ns/op", [0.0]), ("B/op", [5.0, 5.0]), ("sec/op", [3 * 1e-9])]


def test_a_unit_filter_keeps_only_those_measurements() -> None:
    """filter.go: a .unit match masks values (Match.Apply); a result left with none is not
    added, so its names take no place in the orders."""
    text = "BenchmarkB 1 9 x/op\nBenchmarkA 1 3 ns/op 5 B/op\nBenchmarkB 1 2 ns/op\n"
    gs = group([("f", results(text))], filter=".unit:(B/op OR ns/op)")
    assert [(g.unit, g.rows) for g in gs] == [("sec/op", ["A", "B"]), ("B/op", ["A"])]
    assert [g.unit for g in group([("f", results(text))], filter="-.unit:sec/op")] == ["x/op", "B/op"]


def test_filter_terms() -> None:
    """The filter language on names, sub-name keys, config and .file (filter.go, extract.go)."""
    cols = [("old", results(SUM)), ("new", results(SUM.replace("goos: linux", "goos: darwin")))]
    assert group(cols, filter="/size:(64 OR 16k) -/algo:sha")[0].rows == ["Sum/size=64/algo=crc-8", "Sum/size=64/algo=xxh-8"]
    assert group(cols, filter="goos:darwin .file:new")[0].header[0] == ("goos", "darwin")
    assert group(cols, filter=".fullname:/crc/ AND .name:Sum")[0].rows == ["Sum/size=64/algo=crc-8", "Sum/size=1k/algo=crc-8"]
    assert group(cols, filter="-*") == []


def test_gomaxprocs_and_multi_level_column_headers() -> None:
    """-col /size,/gomaxprocs: extractNamePart reads the -P suffix; NewKeyHeader merges equal
    neighbours of a level within their parent's span."""
    text = "".join(f"BenchmarkX/size={s}-{p} 1 {s * p} ns/op\n" for s in (1, 2) for p in (1, 4))
    (g,) = group([("f", results(text))], col="/size,/gomaxprocs", row=".name")
    assert g.cols == ["1 1", "1 4", "2 1", "2 4"]
    assert g.col_levels == [[("1", 0, 2), ("2", 2, 2)], [("1", 0, 1), ("4", 1, 1), ("1", 2, 1), ("4", 3, 1)]]
    lines = render_text(build_tables([("f", results(text))], col="/size,/gomaxprocs", row=".name"))
    assert lines[0].count("│") == 3 and lines[1].count("│") == 5, lines


def test_bad_projections_say_which_flag_and_why() -> None:
    """benchstat's main: "parsing -col: " and benchproc's SyntaxError; all parsed, first fault said."""
    for kwargs, start in [({"col": "a@x"}, 'parsing -col: syntax error: unknown order "x"'),
                          ({"filter": "a:(b c)"}, "parsing -filter: syntax error: value list must be separated by OR"),
                          ({"row": ".config@(a)", "ignore": ".unit"}, "parsing -row: syntax error: fixed order not allowed")]:  # fmt: skip
        with pytest.raises(UsageError) as e:
            group([], **kwargs)
        assert str(e.value).startswith(start) and "\n" not in str(e.value)


def random_results(rng: random.Random, zeros: bool, shapes: bool) -> list[tuple[str, list[BenchResult]]]:
    names = ["A", "A-1", "A-4", "B/size=1k-2", "B/size=64-2", "C/x=1/y=2", "C/x=2/y=1"]
    units = ["ns/op", "B/op", "MB/s", "allocs/op", "widgets/op"]
    cols = []
    for label in ("old", "new", "x=y"):
        lines = []
        for i in range(rng.randint(0, 60)):
            if rng.random() < 0.1:
                lines.append(rng.choice(["goos: linux", "goos: darwin", "note: a", "note:", "cpu: z"]))
            us = rng.sample(units, rng.randint(1, 3)) if shapes and rng.random() < 0.2 else ["ns/op", "B/op"]
            vals = " ".join(f"{0 if zeros and rng.random() < 0.05 else rng.choice([1, 2.5, 1e3, 7])} {u}" for u in us)
            lines.append(f"Benchmark{rng.choice(names)} 1 {vals}")
        cols.append((label, results("\n".join(lines))))
    return cols


@pytest.mark.parametrize("seed", range(40))
def test_the_fast_pass_equals_the_exact_one(seed: int) -> None:
    """On random inputs (unit sets that change, zeros, config changes, projections and filters),
    the per-slot fast pass and the per-value exact pass give the same tables in the same order."""
    rng = random.Random(seed)
    cols = random_results(rng, zeros=seed % 3 == 0, shapes=seed % 4 == 0)
    opts = rng.choice([{}, {"row": ".name"}, {"col": "/size", "table": ""}, {"ignore": "note"}, {"filter": "-/x:2"},
                       {"table": ".config,/y@num", "col": ".file@(new old)"}, {"row": "/gomaxprocs@num,.fullname"}])  # fmt: skip
    args = (opts.get("table", ".config"), opts.get("row", ".fullname"), opts.get("col", ".file"), opts.get("ignore", ""), opts.get("filter", "*"))
    try:
        fast = summary(_Build(*args).run(cols, exact=False))
    except _NeedExact:  # then group() runs the exact pass
        assert seed % 3 == 0 or seed % 4 == 0, "only zeros and changing unit sets need the exact pass"
        fast = summary(group(cols, **opts))
    assert fast == summary(_Build(*args).run(cols, exact=True))


def test_a_written_minus_one_is_gomaxprocs_1_only_to_gomaxprocs() -> None:
    """benchfmt's Name.Parts: "Parse-1" has the part "-1" (/gomaxprocs 1), "Parse" none (/gomaxprocs
    empty); excluding /gomaxprocs from .fullname makes both "Parse" (extractFullExcluded)."""
    text = "BenchmarkParse-1 1 5 ns/op\nBenchmarkParse 1 6 ns/op\nBenchmarkParse-1 1 7 ns/op\n"
    (g,) = group([("f", results(text))])
    assert g.rows == ["Parse-1", "Parse"]
    (g,) = group([("f", results(text))], col="/gomaxprocs")
    assert (g.rows, g.cols) == (["Parse"], ["1", ""]) and sorted(g.cells[(0, 0)]) == [5 * 1e-9, 7 * 1e-9]
    assert group([("f", results(text))], row=".name")[0].rows == ["Parse"]


def test_a_unit_filter_sees_a_zero_value_under_its_own_unit_only() -> None:
    """filter.go matches Value.Unit or Value.OrigUnit; benchfmt leaves a 0 as Unit ns/op with no
    OrigUnit, and makes a 3 Unit sec/op, OrigUnit ns/op: .unit:sec/op drops the 0, .unit:ns/op
    keeps both (each in its own table)."""
    text = "BenchmarkA 1 0 ns/op\nBenchmarkA 1 3 ns/op\n"
    assert [(g.unit, g.cells[(0, 0)]) for g in group([("f", results(text))], filter=".unit:sec/op")] == [("sec/op", [3 * 1e-9])]
    assert [g.unit for g in group([("f", results(text))], filter=".unit:ns/op")] == ["ns/op", "sec/op"]
