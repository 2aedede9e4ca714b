"""benchstat's -format csv (benchtab's ToCSV), Go's float printing, and how `bench compare`
names its inputs (benchfmt.Files: labels, stdin, a file given twice)."""

from __future__ import annotations

import pytest

from m3tui.bench.compare import build_tables, go_float, render_csv
from m3tui.bench.fmt import parse
from m3tui.cli.bench_compare import compare_inputs

from tests.testdata import BENCHSTAT, DATA


def test_csv_matches_benchstats_own_expected_output() -> None:
    """benchstat's testdata csvOldNew: `-format csv old.txt new.txt`."""
    columns = [(f, parse((BENCHSTAT / f).read_text()).results) for f in ("old.txt", "new.txt")]
    text, warnings = render_csv(build_tables(columns))
    assert text == (BENCHSTAT / "csvOldNew.stdout").read_text()
    assert warnings == []


def test_csv_warnings_name_their_cell() -> None:
    """Warnings go to stderr prefixed with the spreadsheet cell (benchtab's warn: row from 1,
    column letters by its own arithmetic)."""
    text = "BenchmarkA 1 10 ns/op\nBenchmarkA 1 11 ns/op\n"
    _, warnings = render_csv(build_tables([("x.txt", parse(text).results)]))
    # row 1: the column labels, 2: units, 3: BenchmarkA; its centre is in column B
    assert warnings == ["B3: need >= 6 samples for confidence interval at level 0.95"]


@pytest.mark.parametrize("value,want", [
    (2.9800000000000002e-08, "2.9800000000000002e-08"), (398.5, "398.5"), (123456.0, "123456"),
    (1234567.0, "1.234567e+06"), (2.530510859531825e09, "2.530510859531825e+09"), (0.0001, "0.0001"),
    (0.00001234, "1.234e-05"), (1e21, "1e+21"), (-3.5, "-3.5"), (0.0, "0"), (100.0, "100"),
])  # fmt: skip
def test_go_float_is_fmt_sprint(value: float, want: str) -> None:
    assert go_float(value) == want


def test_inputs_are_named_as_benchstat_names_them() -> None:
    assert compare_inputs(["old.txt", "new.txt"]) == [("old.txt", "old.txt"), ("new.txt", "new.txt")]
    assert compare_inputs(["a/old.txt", "./new.txt"]) == [("a/old.txt", "a/old.txt"), ("./new.txt", "./new.txt")]
    assert compare_inputs(["old.txt", "old.txt", "new.txt"]) == [("old.txt", "old.txt#0"), ("old.txt", "old.txt#1"), ("new.txt", "new.txt")]
    assert compare_inputs(["before=old.txt", "after=old.txt"]) == [("old.txt", "before"), ("old.txt", "after")]
    assert compare_inputs(["-"]) == [("-", "-")]
    # A labelled input does not count toward a path given twice (benchfmt.Files.init).
    assert compare_inputs(["x=old.txt", "old.txt"]) == [("old.txt", "x"), ("old.txt", "old.txt")]


def test_alpha_and_confidence_reach_the_statistics() -> None:
    more = DATA / "benchstat-more"
    columns = [(f, parse((more / f).read_text()).results) for f in ("sum-old.txt", "sum-new.txt")]
    strict = build_tables(columns, alpha=0.001)
    loose = build_tables(columns, confidence=0.8)
    cell = strict[0].rows[0][1]["sum-new.txt"]
    assert cell.comparison is not None and not cell.comparison.significant  # p=0.002 is not < 0.001
    default = build_tables(columns)[0].rows[0][1]["sum-old.txt"].summary
    narrow = loose[0].rows[0][1]["sum-old.txt"].summary
    assert narrow.confidence < default.confidence and narrow.hi - narrow.lo < default.hi - default.lo


def test_a_zero_keeps_its_unit_and_table() -> None:
    """benchfmt's reader keeps a value whose tidied value equals it (0 ns/op, 0 MB/s) in its
    original unit: such rows get their own ns/op and MB/s tables (benchfmt/reader.go)."""
    text = "BenchmarkA 1 5 ns/op 3 MB/s\nBenchmarkB 1 0 ns/op 0 MB/s\n"
    tables = build_tables([("x", parse(text).results)])
    assert [(t.unit, [name for name, _ in t.rows]) for t in tables] == [
        ("sec/op", ["A"]), ("B/s", ["A"]), ("ns/op", ["B"]), ("MB/s", ["B"])]


def test_unit_lines_first_one_wins_and_units_are_tidied() -> None:
    from m3tui.bench.compare import unit_assumptions

    found = unit_assumptions("Unit ns/op assume=exact better=lower\nUnit  x/op  assume=exact\nUnitx y/op assume=exact\n")
    found = unit_assumptions("Unit ns/op assume=nothing\n", found)
    assert found == {"sec/op": "exact", "x/op": "exact"}


def test_tables_sort_by_config_values_as_strings_then_unit() -> None:
    """benchproc gives .config's sub-fields no observation order (Projection.internRow updates
    only top-level fields): tables sort by the config values as strings, a missing key ("")
    first, whatever the order of the files; units keep their first appearance."""
    def result_text(cpu: str) -> str:
        return (f"cpu: {cpu}\n" if cpu else "") + "BenchmarkA 1 5 ns/op 3 B/op\nBenchmarkA 1 6 ns/op 3 B/op\n"

    columns = [(f"{cpu or 'none'}.txt", parse(result_text(cpu)).results) for cpu in ("Zen", "Apple", "", "AMD")]
    tables = build_tables(columns)
    assert [(t.config, t.unit) for t in tables] == [
        ({"cpu": cpu}, unit) for cpu in ("", "AMD", "Apple", "Zen") for unit in ("sec/op", "B/op")]
    from m3tui.bench.compare import render_text

    assert render_text(tables)[0] == "cpu: "  # benchstat's header for a key a table lacks


def test_csv_has_a_header_row_per_column_field() -> None:
    """-col /algo,.file: benchtab's ToCSV writes one row per field of the column projection, each
    column's value of that field in every column (not merged as the text header is)."""
    more = DATA / "benchstat-more"
    columns = [(f, parse((more / f).read_text()).results) for f in ("sum-old.txt", "sum-new.txt")]
    tables = build_tables(columns, col="/algo,.file", row="/size", filter="/algo:(crc OR xxh) .unit:sec/op")
    lines = render_csv(tables)[0].splitlines()
    assert lines[4:7] == [",crc,,crc,,,,xxh,,,,xxh,,,", ",sum-old.txt,,sum-new.txt,,,,sum-old.txt,,,,sum-new.txt,,,",
                          ",sec/op,CI,sec/op,CI,vs base,P,sec/op,CI,vs base,P,sec/op,CI,vs base,P"]  # fmt: skip
    assert [line.split(",")[0] for line in lines[7:]] == ["64", "1k", "16k", "geomean"]
