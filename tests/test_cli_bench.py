"""`m3tui bench compare` on benchstat's own data, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .shared import BENCHSTAT_ORACLES

M3TUI = [sys.executable, "-m", "m3tui", "bench"]


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], capture_output=True, text=True, cwd=BENCHSTAT_ORACLES, timeout=60)


def test_compare_two_files_like_benchstat() -> None:
    done = bench("compare", "--ignore", "note", "crc-old.txt", "crc-new.txt")
    assert done.returncode == 0, done.stderr
    rows = [" ".join(line.split()) for line in done.stdout.splitlines()]
    assert "CRC32/poly=IEEE/size=15/align=0-8 46.55n ± 9% 44.40n ± 2% -4.62% (p=0.008 n=10)" in rows
    expected = [" ".join(line.split()) for line in (BENCHSTAT_ORACLES / "crcIgnore.stdout").read_text().splitlines()]
    assert [r for r in rows if r.startswith("geomean")] == [r for r in expected if r.startswith("geomean")]


def test_compare_json() -> None:
    tables = json.loads(bench("compare", "--json", "--ignore", "note", "crc-old.txt", "crc-new.txt").stdout)
    sec = next(t for t in tables if t["unit"] == "sec/op")
    assert sec["columns"] == ["crc-old.txt", "crc-new.txt"]
    row = sec["rows"][0]
    assert row["name"] == "CRC32/poly=IEEE/size=15/align=0-8"
    assert round(row["cells"]["crc-new.txt"]["vs_base"]["p"], 3) == 0.008


def test_unreadable_or_empty_input_is_one_line(tmp_path: Path) -> None:
    done = bench("compare", str(tmp_path / "missing.txt"))
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    (tmp_path / "empty.txt").write_text("PASS\nok  example.com/x 0.1s\n")
    done = bench("compare", str(tmp_path / "empty.txt"))
    assert done.returncode == 1 and "no benchmark results" in done.stderr


def test_running_is_not_built_yet() -> None:
    done = bench("run")
    assert done.returncode == 2 and "not built yet" in done.stderr
