"""Comparison tables against benchstat's own expected outputs, byte for byte (layout, numbers,
marks, footnotes)."""

from __future__ import annotations

import re

import pytest

from m3tui.bench.compare import build_tables, render_text
from m3tui.bench.fmt import parse

from tests.testdata import BENCHSTAT

CASES = {
    "crcOldNew.stdout": (["crc-old.txt", "crc-new.txt"], None, ()),
    "crcIgnore.stdout": (["crc-old.txt", "crc-new.txt"], None, ("note",)),
    "units.stdout": (["units.txt"], "note", ()),
    "zero.stdout": (["zero.txt"], "note", ()),
    "smallSample.stdout": (["smallSample.txt"], "note", ()),
    "issue19565.stdout": (["issue19565.txt"], "note", ()),
    "issue19634.stdout": (["issue19634.txt"], "note", ()),
}


def assumptions(text: str) -> dict[str, str]:
    """`Unit <unit> assume=exact` lines (benchstat's unit metadata)."""
    from m3tui.bench.units import tidy_unit

    found = {}
    for m in re.finditer(r"^Unit (\S+) .*assume=(\S+)", text, re.M):
        found[tidy_unit(m[1])[0]] = m[2]
    return found


@pytest.mark.parametrize("oracle", sorted(CASES))
def test_tables_match_benchstat(oracle: str) -> None:
    files, col_key, ignore = CASES[oracle]
    texts = {f: (BENCHSTAT / f).read_text() for f in files}
    columns = [(f, parse(t).results) for f, t in texts.items()]
    assume = {k: v for t in texts.values() for k, v in assumptions(t).items()}
    tables = build_tables(columns, col_key=col_key, ignore=ignore, assume=assume)
    assert "\n".join(render_text(tables)) + "\n" == (BENCHSTAT / oracle).read_text()


def test_holm_option_adjusts_each_tables_p_values_together():
    columns = [(f, parse((BENCHSTAT / f).read_text()).results) for f in ("crc-old.txt", "crc-new.txt")]
    plain = build_tables(columns, ignore=["note"])
    holm = build_tables(columns, ignore=["note"], holm=True)
    sec_plain = next(t for t in plain if t.unit == "sec/op")
    sec_holm = next(t for t in holm if t.unit == "sec/op")
    raw = [row["crc-new.txt"].comparison.p for _, row in sec_plain.rows]
    adjusted = [row["crc-new.txt"].comparison.p for _, row in sec_holm.rows]
    assert sec_holm.adjusted == len(raw) > 10 and sec_plain.adjusted == 0
    assert all(a >= r for a, r in zip(adjusted, raw)) and adjusted != raw
    # Fewer rows stay significant once the family of comparisons is accounted for.
    significant = sum(row["crc-new.txt"].comparison.significant for _, row in sec_holm.rows)
    assert significant < sum(row["crc-new.txt"].comparison.significant for _, row in sec_plain.rows)
    text = render_text(holm)
    assert f"p-values Holm-Bonferroni adjusted over {len(raw)} comparisons" in text
