"""Comparison tables against benchstat's own expected outputs (numbers, marks, footnotes)."""

from __future__ import annotations

import re

import pytest

from m3tui.services.benchcompare import build_tables, render_text
from m3tui.services.benchfmt import parse

from .shared import BENCHSTAT_ORACLES

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
    from m3tui.services.benchstats import tidy_unit

    found = {}
    for m in re.finditer(r"^Unit (\S+) .*assume=(\S+)", text, re.M):
        found[tidy_unit(m[1])[0]] = m[2]
    return found


def collapsed(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines if line.strip() and "│" not in line]


@pytest.mark.parametrize("oracle", sorted(CASES))
def test_tables_match_benchstat(oracle: str) -> None:
    files, col_key, ignore = CASES[oracle]
    texts = {f: (BENCHSTAT_ORACLES / f).read_text() for f in files}
    columns = [(f, parse(t).results) for f, t in texts.items()]
    assume = {k: v for t in texts.values() for k, v in assumptions(t).items()}
    tables = build_tables(columns, col_key=col_key, ignore=ignore, assume=assume)
    assert collapsed(render_text(tables)) == collapsed((BENCHSTAT_ORACLES / oracle).read_text().splitlines())
