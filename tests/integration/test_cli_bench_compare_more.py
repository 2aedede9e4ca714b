"""`m3tui bench compare` against the real benchstat's outputs (tests/data/benchstat-more, whose
cases.tsv gives each case's arguments, run in that folder), byte for byte, with benchstat's own
single-dash flags; and the geomean's exp against the real Go's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.testdata import DATA

MORE = DATA / "benchstat-more"
M3TUI = [sys.executable, "-m", "m3tui", "bench", "compare"]

#: Cases not matched yet, and why (issue 13): strict, so each turns into a failure once it passes.
NOT_YET: dict[str, str] = {}


def cases() -> list[tuple[str, list[str]]]:
    out = []
    for line in (MORE / "cases.tsv").read_text().splitlines():
        name, args = line.split("\t")
        out.append((name, ["-"] if name == "stdinOne" else args.split()))
    return out


@pytest.mark.parametrize("name,args", [pytest.param(n, a, id=n, marks=[pytest.mark.xfail(reason=NOT_YET[n], strict=True)] if n in NOT_YET else [])
                                       for n, a in cases()])  # fmt: skip
def test_case_matches_benchstat_byte_for_byte(name: str, args: list[str]) -> None:
    stdin = (MORE / "sum-old.txt").read_bytes() if name == "stdinOne" else b""
    done = subprocess.run([*M3TUI, *args], input=stdin, capture_output=True, cwd=MORE, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == (MORE / f"{name}.stdout").read_text()
    stderr = MORE / f"{name}.stderr"
    if stderr.exists():
        assert done.stderr.decode() == stderr.read_text()
    else:  # m3tui says what benchstat passes over in silence (an input with no results)
        assert all(line.startswith("m3tui bench compare: ") for line in done.stderr.decode().splitlines()), done.stderr


def test_double_dash_spellings_are_the_same_flags() -> None:
    single = subprocess.run([*M3TUI, "-alpha", "0.001", "-confidence", "0.8", "-ignore", "cpu,goos", "sum-old.txt", "sum-new.txt"],
                            capture_output=True, cwd=MORE, timeout=60, check=False)  # fmt: skip
    double = subprocess.run([*M3TUI, "--alpha", "0.001", "--confidence", "0.8", "--ignore", "cpu", "--ignore", "goos", "sum-old.txt", "sum-new.txt"],
                            capture_output=True, cwd=MORE, timeout=60, check=False)  # fmt: skip
    assert single.returncode == double.returncode == 0 and single.stdout == double.stdout and b"(p=" in single.stdout


@pytest.mark.parametrize("flag,value", [("--alpha", "1.5"), ("-confidence", "-0.1"), ("--alpha", "nan")])
def test_alpha_and_confidence_out_of_range_are_usage_errors(flag: str, value: str) -> None:
    done = subprocess.run([*M3TUI, flag, value, "sum-old.txt"], capture_output=True, text=True, cwd=MORE, timeout=60, check=False)
    assert done.returncode == 2 and flag.lstrip("-") in done.stderr and value in done.stderr and done.stdout == ""


def test_paths_are_shown_as_given(tmp_path: Path) -> None:
    old = tmp_path / "a" / "x.txt"
    old.parent.mkdir()
    old.write_bytes((MORE / "sum-old.txt").read_bytes())
    done = subprocess.run([*M3TUI, str(old), "sum-new.txt"], capture_output=True, text=True, cwd=MORE, timeout=60, check=False)
    assert done.returncode == 0 and f"│ {old} │" in done.stdout.splitlines()[4], done.stdout


@pytest.mark.go
def test_geomean_exp_is_gos_bit_for_bit(real_go: Path, tmp_path: Path) -> None:
    """goexp.go_exp against the real Go's math.Exp on this machine (benchstat's CSV prints geomeans
    in full, and C's exp differs from Go's amd64 one in the last bit now and then)."""
    import platform
    import random

    from m3tui.bench.goexp import go_exp

    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("go_exp follows Go's amd64 math.Exp")
    rng = random.Random(13)
    xs = [rng.uniform(-40, 40) for _ in range(3000)] + [rng.uniform(-745, 709) for _ in range(500)] + [0.0, -14.835596912494882]
    (tmp_path / "go.mod").write_text("module expcheck\n\ngo 1.21\n")
    (tmp_path / "main.go").write_text(
        'package main\n\nimport (\n\t"bufio"\n\t"fmt"\n\t"math"\n\t"os"\n\t"strconv"\n)\n\n'
        "func main() {\n\ts := bufio.NewScanner(os.Stdin)\n\tfor s.Scan() {\n"
        "\t\tx, _ := strconv.ParseFloat(s.Text(), 64)\n\t\tfmt.Println(strconv.FormatFloat(math.Exp(x), 'g', -1, 64))\n\t}\n}\n"
    )
    done = subprocess.run([str(real_go), "run", "."], input="".join(f"{x!r}\n" for x in xs), capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    want = [float(v) for v in done.stdout.split()]
    assert [go_exp(x) for x in xs] == want


#: benchstat's own testdata (tests/data/benchstat/README.md lists the arguments).
OWN = {
    "crcOldNew": ["crc-old.txt", "crc-new.txt"],
    "crcIgnore": ["-ignore", "note", "crc-old.txt", "crc-new.txt"],
    "crcSizeVsPoly": ["-filter", "/align:0", "-row", "/size", "-col", "/poly", "crc-new.txt"],
    "csvOldNew": ["-format", "csv", "old.txt", "new.txt"],
    "csvErrors": ["-format", "csv", "-row", ".name", "new.txt"],
    "units": ["-col", "note", "units.txt"],
    "zero": ["-col", "note", "zero.txt"],
    "smallSample": ["-col", "note", "smallSample.txt"],
    "issue19565": ["-col", "note", "issue19565.txt"],
    "issue19634": ["-col", "note", "issue19634.txt"],
}
OWN_NOT_YET: dict[str, str] = {}


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.xfail(reason=OWN_NOT_YET[n], strict=True)] if n in OWN_NOT_YET else [])
                                  for n in OWN])  # fmt: skip
def test_benchstats_own_testdata_from_the_command_line(name: str) -> None:
    """The whole of benchstat's testdata, run as a user runs it (-col KEY: a config key only, yet)."""
    from tests.testdata import BENCHSTAT

    done = subprocess.run([*M3TUI, *OWN[name]], capture_output=True, cwd=BENCHSTAT, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == (BENCHSTAT / f"{name}.stdout").read_text()
    stderr = BENCHSTAT / f"{name}.stderr"
    if stderr.exists():
        assert done.stderr.decode() == stderr.read_text()


@pytest.mark.parametrize("flag,text,cause", [
    ("-col", "/algo@sideways", 'parsing -col: syntax error: unknown order "sideways"'),
    ("-row", ".unit", "parsing -row: syntax error: .unit is only allowed in filters"),
    ("-table", ".config@(a b)", "parsing -table: syntax error: fixed order not allowed for .config"),
    ("-filter", "/size:", "parsing -filter: syntax error: expected key:value"),
    ("-filter", ".config:x", "parsing -filter: syntax error: .config is only allowed in projections"),
    ("-ignore", "a,,b", "parsing -ignore: syntax error: expected key"),
])  # fmt: skip
def test_bad_projections_and_filters_are_one_line_usage_errors(flag: str, text: str, cause: str) -> None:
    """benchstat's messages (benchstat/main.go: "parsing -col: " + benchproc's SyntaxError), on one line."""
    done = subprocess.run([*M3TUI, flag, text, "sum-new.txt"], capture_output=True, text=True, cwd=MORE, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"m3tui bench compare: {cause} (at character ") and repr(text).strip("'") in done.stderr


@pytest.mark.parametrize("words", [["-filter", "-/algo:sha"], ["-filter=-/algo:sha"], ["--filter", "-/algo:(sha)"]])
def test_a_filter_that_starts_with_a_dash_is_a_value(words: list[str]) -> None:
    """Go's flag package takes "-filter -/algo:sha" as -filter's value; so does m3tui (argparse would not)."""
    done = subprocess.run([*M3TUI, *words, "sum-new.txt"], capture_output=True, text=True, cwd=MORE, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "algo=sha" not in done.stdout and "Sum/size=64/algo=crc-11" in done.stdout
    assert subprocess.run([*M3TUI, "-filter", "-goos:darwin", "sum-new.txt"], capture_output=True, text=True, cwd=MORE,
                          timeout=60, check=False).stdout == ""  # fmt: skip
