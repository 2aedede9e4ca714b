"""`m3tui bench compare` against the real benchstat on generated inputs and arguments
(tests/data/benchstat-fuzz: projections, orders, filters, CSV), byte for byte."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.testdata import DATA

FUZZ = DATA / "benchstat-fuzz"
M3TUI = [sys.executable, "-m", "m3tui", "bench", "compare"]


def cases() -> list[tuple[str, list[str]]]:
    return [(name, args.split()) for name, args in (line.split("\t") for line in (FUZZ / "cases.tsv").read_text().splitlines())]


@pytest.mark.parametrize("name,args", [pytest.param(n, a, id=n) for n, a in cases()])
def test_generated_case_matches_benchstat(name: str, args: list[str]) -> None:
    done = subprocess.run([*M3TUI, *args], capture_output=True, cwd=FUZZ, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == (FUZZ / f"{name}.stdout").read_text()
    stderr = FUZZ / f"{name}.stderr"
    if stderr.exists():  # CSV warnings, with their cells
        got = [line for line in done.stderr.decode().splitlines() if not line.startswith("m3tui bench compare: ")]
        assert got == stderr.read_text().splitlines()
