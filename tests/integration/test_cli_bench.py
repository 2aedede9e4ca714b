"""`m3tui bench compare` on benchstat's own data, run as a user runs it."""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.testdata import BENCHSTAT, has_column
from tests.wait import wait_until

M3TUI = [sys.executable, "-m", "m3tui", "bench"]


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], check=False, capture_output=True, text=True, cwd=BENCHSTAT, timeout=60)


def test_compare_two_files_like_benchstat() -> None:
    done = bench("compare", "--ignore", "note", "crc-old.txt", "crc-new.txt")
    assert done.returncode == 0, done.stderr
    rows = [" ".join(line.split()) for line in done.stdout.splitlines()]
    assert "CRC32/poly=IEEE/size=15/align=0-8 46.55n ± 9% 44.40n ± 2% -4.62% (p=0.008 n=10)" in rows
    expected = [" ".join(line.split()) for line in (BENCHSTAT / "crcIgnore.stdout").read_text().splitlines()]
    assert [r for r in rows if r.startswith("geomean")] == [r for r in expected if r.startswith("geomean")]
    assert done.stdout == (BENCHSTAT / "crcIgnore.stdout").read_text()  # benchstat's layout, byte for byte


def test_compare_json() -> None:
    tables = json.loads(bench("compare", "--json", "--ignore", "note", "crc-old.txt", "crc-new.txt").stdout)["tables"]
    sec = next(t for t in tables if t["unit"] == "sec/op")
    assert sec["columns"] == ["crc-old.txt", "crc-new.txt"]
    row = sec["rows"][0]
    assert row["name"] == "CRC32/poly=IEEE/size=15/align=0-8"
    assert round(row["cells"]["crc-new.txt"]["vs_base"]["p"], 3) == 0.008


def test_unreadable_or_empty_input_is_one_line(tmp_path: Path) -> None:
    """A missing file or one without results is bad input: exit 2, one line."""
    done = bench("compare", str(tmp_path / "missing.txt"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    (tmp_path / "empty.txt").write_text("PASS\nok  example.com/x 0.1s\n")
    done = bench("compare", str(tmp_path / "empty.txt"))
    assert done.returncode == 2 and "no benchmark results" in done.stderr


# --- m3tui bench [PKG]: real runs of the test suite's Go package ---------------------------------



def run_in(pkg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], check=False, capture_output=True, text=True, cwd=pkg, timeout=180, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_run_streams_progress_and_prints_json_with_raw_samples(pkg: Path) -> None:
    done = run_in(pkg, "--bench", "^BenchmarkSum$", "--cpu", "1,2", "--count", "6", "--benchtime", "200x", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == "done" and isinstance(out["run_id"], int)
    rows = {(b["name"], b["procs"]): b for b in out["benchmarks"]}
    assert set(rows) == {("Sum", 1), ("Sum", 2)}
    ns = rows[("Sum", 2)]["units"]["ns/op"]
    assert len(ns["samples"]) == 6 and ns["median"] == statistics.median(ns["samples"])
    assert ns["lo"] <= ns["median"] <= ns["hi"] and ns["interval_pct"] is not None
    assert rows[("Sum", 2)]["full_name"] == "BenchmarkSum-2"
    assert [r["procs"] for r in out["scaling"][0]["rows"]] == [1, 2]
    # Progress went to stderr, one line per sample as it came.
    assert sum("Sum-2" in line and "/6" in line for line in done.stderr.splitlines()) == 6
    listed = json.loads(run_in(pkg, "history", "--json").stdout)["runs"]
    assert [r["id"] for r in listed] == [out["run_id"]] and listed[0]["n_results"] == 12


@pytest.mark.slow
def test_text_summary_export_and_compare_by_run_id(pkg: Path, tmp_path: Path) -> None:
    first = run_in(pkg, "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "6", "--benchtime", "100x", "--benchmem")
    assert first.returncode == 0, first.stderr
    assert has_column(first.stdout, "run 1", "sec/op") and "allocs/op" in first.stdout
    assert run_in(pkg, "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "6", "--benchtime", "100x").returncode == 0
    compared = run_in(pkg, "compare", "1", "2")
    assert compared.returncode == 0, compared.stderr
    assert has_column(compared.stdout, "run 1", "sec/op") and has_column(compared.stdout, "run 2", "sec/op") and "(p=" in compared.stdout
    # The text export is benchstat's input format: comparing the export gives the same table.
    exported = tmp_path / "run1.txt"
    assert run_in(pkg, "history", "export", "1", "-o", str(exported)).returncode == 0
    again = run_in(pkg, "compare", str(exported), "2")
    def rows(text: str) -> list[str]:
        return [" ".join(line.split()) for line in text.splitlines() if "│" not in line]

    assert rows(again.stdout) == rows(compared.stdout) and any(r.startswith("Sum ") for r in rows(again.stdout))
    csv_rows = run_in(pkg, "history", "export", "1", "--format", "csv").stdout.splitlines()
    assert csv_rows[0] == "run_id,name,procs,iters,unit,value" and len(csv_rows) == 1 + 6 * 3
    shown = run_in(pkg, "history", "show", "2")
    assert "go test -run ^$ -bench ^BenchmarkSum$ -cpu 1 -count 6" in shown.stdout
    assert run_in(pkg, "history", "delete", "1").returncode == 0
    gone = run_in(pkg, "history", "show", "1")
    assert gone.returncode == 2 and gone.stderr.count("\n") == 1


def test_no_save_leaves_no_history(pkg: Path) -> None:
    done = run_in(pkg, "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "1", "--benchtime", "10x", "--no-save", "-q")
    assert done.returncode == 0 and done.stderr == ""
    assert "no saved runs yet" in run_in(pkg, "history").stdout


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_ctrl_c_stops_keeps_samples_and_leaves_no_process(pkg: Path, m3tui_home: Path) -> None:
    proc = subprocess.Popen([*M3TUI, "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "200", "--benchtime", "200ms"],
                            cwd=pkg, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        seen = []
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if "Sum  2/200" in line:
                break
        binaries = [p for p in psutil.Process(proc.pid).children(recursive=True) if p.name() == "pkg.test"]
        assert binaries, seen
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert has_column(out, "run 1", "sec/op") and "stopped before the end" in out
    wait_until(lambda: not [b for b in binaries if _alive(b)], what="the benchmark binaries to end")
    listed = json.loads(run_in(pkg, "history", "--json").stdout)["runs"][0]
    assert listed["status"] == "cancelled" and listed["n_results"] >= 2


def test_a_bench_regexp_that_matches_nothing_says_so_and_saves_no_empty_run(pkg: Path) -> None:
    done = run_in(pkg, "--bench", "Fib", "--cpu", "1", "--count", "1", "--benchtime", "1x")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "m3tui bench: example.com/gobench: no benchmark matches -bench 'Fib' (go test -list . shows the names)")
    assert "no saved runs yet" in run_in(pkg, "history").stdout


def test_a_package_that_does_not_compile_shows_the_compiler(pkg: Path) -> None:
    (pkg / "broken_test.go").write_text("package gobench\n\nvar _ = undefinedThing\n")
    done = run_in(pkg, "--count", "1")
    assert done.returncode == 3  # the run failed (saved as such)
    assert "undefined: undefinedThing" in done.stderr
    listed = json.loads(run_in(pkg, "history", "--json").stdout)["runs"][0]
    assert listed["status"] == "failed" and "undefinedThing" in listed["error"]


@pytest.mark.parametrize("args", [["--cpu", "0"], ["--cpu", "a,b"], ["--timeout", "soon"], ["--count", "0"],
                                  ["--go", "1", "--go", "2", "--go", "3"], ["history", "show"]])  # fmt: skip
def test_bad_bench_usage_is_one_line(pkg: Path, args: list[str]) -> None:
    done = run_in(pkg, *args)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


def test_unknown_package_or_go_version_is_one_line(pkg: Path) -> None:
    for args in (["./nope"], ["--go", "1.3.1"], ["--go", "1.x"]):
        done = run_in(pkg, *args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


def test_two_go_versions_run_interleaved_and_compared(pkg: Path, real_go: Path, m3tui_home: Path) -> None:
    """--go A --go B: both toolchains from the store, A B A B …, one comparison table."""
    for version in ("go1.22.10", "go1.23.4"):
        root = m3tui_home / "go" / version
        (root / "bin").mkdir(parents=True)
        (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
        (root / "bin" / "go").symlink_to(real_go)
    done = run_in(pkg, "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "4", "--benchtime", "100x",
                  "--go", "1.22.10", "--go", "1.23.4", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out["sides"]) == ["go1.22.10", "go1.23.4"]
    assert all(len(side[0]["units"]["ns/op"]["samples"]) == 4 for side in out["sides"].values())
    sec = next(t for t in out["compare"] if t["unit"] == "sec/op")
    assert sec["columns"] == ["go1.22.10", "go1.23.4"]
    progress = [line.split()[0] for line in done.stderr.splitlines() if line.startswith("  go1.") and " Sum " in line]
    assert progress == ["go1.22.10", "go1.23.4"] * 4
    text = run_in(pkg, "history", "show", str(out["run_id"])).stdout
    assert has_column(text, "go1.22.10", "sec/op") and has_column(text, "go1.23.4", "sec/op")


@pytest.mark.slow
def test_rerun_repeats_the_recorded_settings(pkg: Path) -> None:
    first = run_in(pkg, "--bench", "^BenchmarkWidgets$", "--cpu", "2", "--count", "3", "--benchtime", "50x", "--json")
    assert first.returncode == 0, first.stderr
    again = run_in(pkg, "history", "rerun", str(json.loads(first.stdout)["run_id"]), "--json")
    assert again.returncode == 0, again.stderr
    out = json.loads(again.stdout)
    assert out["run_id"] == 2
    assert [(b["name"], b["procs"], len(b["units"]["ns/op"]["samples"])) for b in out["benchmarks"]] == [("Widgets", 2, 3)]


@pytest.mark.slow
def test_m3tui_killed_mid_run_leaves_a_sound_history_with_the_run_marked(pkg: Path, m3tui_home: Path) -> None:
    """SIGKILL: no handler runs. The database stays sound; the next look marks the run interrupted."""
    import sqlite3

    proc = subprocess.Popen([*M3TUI, "--bench", "^BenchmarkSum$", "--cpu", "1", "--count", "200", "--benchtime", "100ms"],
                            cwd=pkg, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Sum  30/200" in line:  # past two history flushes (every 2 s)
                break
        tree = psutil.Process(proc.pid).children(recursive=True)
        proc.kill()
        proc.wait(timeout=10)
    finally:
        proc.kill()
    for child in tree:  # the orphaned test binary: the runner had no chance to kill it
        with __import__("contextlib").suppress(psutil.NoSuchProcess):
            child.kill()
    db = m3tui_home / "bench-history.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    listed = json.loads(run_in(pkg, "history", "--json").stdout)["runs"][0]
    assert listed["status"] == "interrupted" and listed["n_results"] >= 10
    assert "stopped before the run finished" in listed["error"]


def test_options_after_the_package_then_test_flags_after_dashes(pkg: Path) -> None:
    done = run_in(pkg, ".", "--bench", "Sum", "--count", "2", "--benchtime", "10x", "--cpu", "1", "--no-save", "--json",
                  "--", "-test.benchmem")  # fmt: skip
    assert done.returncode == 0, done.stderr
    units = json.loads(done.stdout)["benchmarks"][0]["units"]
    assert {"ns/op", "B/op", "allocs/op"} <= set(units) and len(units["ns/op"]["samples"]) == 2
    assert "-test.benchmem" in done.stderr  # the command line it ran
