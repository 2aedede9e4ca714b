"""The bench feature against hostile input and faults, in-process (no child process).

Real things only: history files made by the code and then damaged page by page, files that are
not SQLite, a directory and a FIFO where the history should be, loose permissions left by an
earlier version, secrets in what a run stores, ids past SQLite's range; `m3tui bench …` called
in-process (main) with bad flags, hostile `compare` inputs (a FIFO, a directory, random bytes,
a file over the cap, non-UTF-8) and hostile export targets (a symlink, a FIFO, a device node
made here, a directory).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from m3tui.bench.fmt import BenchResult
from m3tui.bench.history import (
    DB_NAME,
    MAX_RUN_ID,
    History,
    HistoryError,
    RunMeta,
    RunNotFound,
    db_path,
    take_notices,
)
from m3tui.bench.run import (
    BadCpuList,
    BadFlag,
    check_benchtime,
    parse_go_duration,
    parse_gomaxprocs_list,
)
from m3tui.cli.bench_compare import COMPARE_LIMIT
from m3tui.cli.main import main

SECRET = "hunter2"
SECRET_URL = f"https://gopher:{SECRET}@proxy.example.com/mod?token=tok{SECRET}"


def meta(**kw: object) -> RunMeta:
    base: dict[str, object] = {
        "command": ("go", "test", "-run", "^$", "-bench", ".", "-count", "2", "."),
        "package": "example.com/a", "package_dir": "/src/a", "bench": ".", "cpu": (1, 8), "count": 2,
        "benchtime": None, "benchmem": True, "extra": (), "go_version": "go1.22.1", "goos": "linux",
        "goarch": "amd64", "cpu_model": "Some CPU", "commit": None, "dirty": None,
    }  # fmt: skip
    base.update(kw)
    return RunMeta(**base)  # type: ignore[arg-type]


def result(name: str = "Encode", procs: int = 8, ns: float = 1234.5) -> BenchResult:
    return BenchResult(name, procs, 1000, {"ns/op": ns, "B/op": 64.0}, {"goos": "linux", "pkg": "example.com/a"})


def make_history(path: Path | None = None, runs: int = 3) -> Path:
    """A real history of ``runs`` finished runs (enough rows for several pages), closed."""
    with History(path) as h:
        for _ in range(runs):
            run_id = h.start_run(meta())
            h.add_results(run_id, [result(f"Encode/size={i}") for i in range(200)])
            h.add_output(run_id, [f"BenchmarkEncode/size={i}-8  1000  1234 ns/op" for i in range(200)])
            h.finish_run(run_id, "done")
        return h.path


def damage_pages(path: Path) -> bytes:
    """Random bytes over every page but the first (the header stays: SQLite opens it, then finds the damage)."""
    size = path.stat().st_size
    page = 4096
    assert size >= 4 * page, "the history is too small to damage page by page"
    with open(path, "r+b") as f:
        for offset in range(page, size, page):
            f.seek(offset)
            f.write(os.urandom(page))
    return path.read_bytes()


def corrupt_files(home: Path) -> list[Path]:
    return sorted(home.glob(f"{DB_NAME}.corrupt-*"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _no_leftover_notices():
    take_notices()
    yield
    take_notices()


# --- a damaged history is moved aside, and a fresh one started ---------------------------------


def test_damaged_pages_are_detected_on_open_and_moved_aside(m3tui_home: Path) -> None:
    path = make_history()
    damaged = damage_pages(path)
    with History() as h:
        assert h.list_runs() == []  # a fresh history
        run_id = h.start_run(meta())
        assert h.notice is not None and "\n" not in h.notice
    aside = corrupt_files(m3tui_home)
    assert [p.name for p in aside if not p.name.endswith(("-wal", "-shm"))] == [aside[0].name]
    assert aside[0].read_bytes() == damaged  # kept as it was, for whoever wants to look
    assert str(path) in h.notice and aside[0].name in h.notice and "damaged" in h.notice
    assert take_notices() == [h.notice] and take_notices() == []  # said once
    assert mode(aside[0]) == 0o600
    with History() as again:
        assert [r.id for r in again.list_runs()] == [run_id] and again.notice is None


def test_damage_found_by_an_operation_is_a_history_error_then_moved_aside(m3tui_home: Path) -> None:
    """A file damaged while open: the operation says so (HistoryError), the next open moves it."""
    h = History()
    run_id = h.start_run(meta())
    for _ in range(20):
        h.add_results(run_id, [result(f"B{i}") for i in range(50)])
    other = sqlite3.connect(h.path)
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    other.close()
    damage_pages(h.path)
    with pytest.raises(HistoryError, match="damaged") as err:
        h.add_results(run_id, [result()])
    assert not isinstance(err.value, sqlite3.Error) and str(h.path) in str(err.value)
    h.close()
    with History() as fresh:
        assert fresh.notice is not None and fresh.list_runs() == []
    assert len([p for p in corrupt_files(m3tui_home) if not p.name.endswith(("-wal", "-shm"))]) == 1


@pytest.mark.parametrize("junk", [b"not sqlite\n" * 500, os.urandom(8192), b"SQLite format 3\x00" + os.urandom(4080)],
                         ids=["text", "random", "header-then-garbage"])  # fmt: skip
def test_a_file_that_is_not_a_history_is_moved_aside_with_its_side_files(m3tui_home: Path, junk: bytes) -> None:
    path = db_path()
    path.write_bytes(junk)
    Path(f"{path}-wal").write_bytes(b"stale wal")
    with History() as h:
        h.start_run(meta())
    aside = corrupt_files(m3tui_home)
    main_file = next(p for p in aside if not p.name.endswith(("-wal", "-shm")))
    assert main_file.read_bytes() == junk
    if not junk.startswith(b"SQLite"):  # never handed to SQLite: its side files go along as they were
        assert Path(f"{main_file}-wal").read_bytes() == b"stale wal"
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").read_bytes() != b"stale wal"


def test_a_zero_length_file_is_an_empty_history(m3tui_home: Path) -> None:
    path = db_path()
    path.touch(mode=0o644)
    with History() as h:
        assert h.notice is None and h.list_runs() == []
        h.start_run(meta())
    assert corrupt_files(m3tui_home) == [] and mode(path) == 0o600


def test_a_directory_or_fifo_at_the_path_is_refused_untouched(m3tui_home: Path) -> None:
    path = db_path()
    path.mkdir()
    (path / "mine.txt").write_text("keep")
    with pytest.raises(HistoryError, match="is a directory, not a database file") as err:
        History()
    assert err.value.exit_code == 3 and str(path) in str(err.value)
    assert (path / "mine.txt").read_text() == "keep" and corrupt_files(m3tui_home) == []
    path.joinpath("mine.txt").unlink()
    path.rmdir()
    os.mkfifo(path)
    with pytest.raises(HistoryError, match="is a FIFO, not a database file"):
        History()  # opened without blocking, then refused
    assert stat.S_ISFIFO(path.lstat().st_mode) and corrupt_files(m3tui_home) == []


def test_a_newer_schema_is_refused_not_moved(m3tui_home: Path) -> None:
    path = make_history(runs=1)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(HistoryError, match="newer m3tui"):
        History()
    assert corrupt_files(m3tui_home) == []


# --- private: 0600 files in a 0700 directory, tightened ------------------------------------------


def test_history_files_are_private_and_loose_ones_tightened(tmp_path: Path) -> None:
    home = tmp_path / "state"
    path = make_history(home / DB_NAME, runs=1)
    os.chmod(home, 0o755)
    os.chmod(path, 0o644)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").touch()
        os.chmod(f"{path}{suffix}", 0o644)
    Path(f"{path}-journal").unlink()  # a stale journal would be rolled back: only -wal/-shm
    Path(f"{path}-wal").unlink()
    with History(path) as h:
        h.start_run(meta())
        assert mode(home) == 0o700 and mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            assert mode(Path(f"{path}{suffix}")) == 0o600, suffix
    fresh = tmp_path / "new" / "deeper" / DB_NAME
    with History(fresh):
        assert mode(fresh) == 0o600 and mode(fresh.parent) == 0o700 and mode(fresh.parent.parent) == 0o700


# --- ids and limits past SQLite's range ------------------------------------------------------------


@pytest.mark.parametrize("run_id", [-1, MAX_RUN_ID + 1, 10**30])
def test_ids_out_of_range_are_not_found(m3tui_home: Path, run_id: int) -> None:
    with History() as h:
        for call in (lambda: h.get_run(run_id), lambda: h.add_results(run_id, [result()]),
                     lambda: h.add_output(run_id, ["x"]), lambda: h.finish_run(run_id, "done"),
                     lambda: h.set_noise(run_id, ["x"])):  # fmt: skip
            with pytest.raises(RunNotFound):
                call()
        assert h.delete_run(run_id) is False
        with pytest.raises(ValueError):
            h.list_runs(limit=-1)
        with pytest.raises(ValueError):
            h.list_runs(limit=MAX_RUN_ID + 1)


# --- secrets: redacted when stored, and when read (rows of earlier versions) -------------------


def test_what_a_run_stores_is_redacted(m3tui_home: Path) -> None:
    with History() as h:
        run_id = h.start_run(meta(command=("go", "test", f"-url={SECRET_URL}", "."), extra=(f"-url={SECRET_URL}",),
                                  package=f"{SECRET_URL}/pkg"))  # fmt: skip
        h.add_output(run_id, [f"GOFLAGS=-mod=mod GOPROXY={SECRET_URL}", "ok"])
        h.add_results(run_id, [BenchResult("X", 1, 1, {"ns/op": 1.0}, {"pkg": SECRET_URL})])
        h.set_noise(run_id, [f"proxy {SECRET_URL} is slow"])
        h.finish_run(run_id, "failed", f"go: parsing $GOFLAGS: non-flag {SECRET_URL!r}")
        stored = h.get_run(run_id)
    raw = b"".join(p.read_bytes() for p in m3tui_home.glob(f"{DB_NAME}*"))
    assert SECRET.encode() not in raw
    text = json.dumps([stored.info.meta.to_json(), stored.info.error, stored.raw_output, [dict(r.config) for r in stored.results]])
    assert SECRET not in text and "https://gopher:***@proxy.example.com" in text


def test_rows_of_earlier_versions_are_redacted_when_read(m3tui_home: Path) -> None:
    with History() as h:
        run_id = h.start_run(meta())
    conn = sqlite3.connect(db_path())
    conn.execute("UPDATE runs SET meta = ?, error = ? WHERE id = ?",
                 (json.dumps(meta(command=("go", f"-x={SECRET_URL}")).to_json()), SECRET_URL, run_id))  # fmt: skip
    conn.execute("INSERT INTO output (run_id, seq, text) VALUES (?, 0, ?)", (run_id, SECRET_URL))
    conn.commit()
    conn.close()
    with History() as h:
        stored = h.get_run(run_id)
        listed = h.list_runs()
    assert SECRET not in repr((stored.info, stored.raw_output, listed))


def test_rows_damaged_in_place_do_not_break_reading(m3tui_home: Path) -> None:
    """Sound pages, nonsense values (JSON that is not JSON, types that are wrong): read what stands."""
    with History() as h:
        run_id = h.start_run(meta())
        h.add_results(run_id, [result("Good"), result("Bad")])
    conn = sqlite3.connect(db_path())
    conn.execute("UPDATE runs SET meta = ? WHERE id = ?", (json.dumps({"command": "not a list", "cpu": ["x"], "count": "2"}), run_id))
    conn.execute("UPDATE results SET values_json = 'garbage{', config_json = '[1]' WHERE name = 'Bad'")
    conn.commit()
    conn.close()
    with History() as h:
        stored = h.get_run(run_id)
        assert h.list_runs()[0].meta.command == () and stored.info.meta.cpu == () and stored.info.meta.count == 0
    assert [(r.name, dict(r.values)) for r in stored.results] == [("Good", {"ns/op": 1234.5, "B/op": 64.0})]
    assert stored.info.damaged == ()  # the settings are JSON, of wrong types inside: tolerated
    assert stored.damaged == ("1 of 2 results are not readable (left out)",)


def _damage_rows(run_id: int, *, meta: str | None = None, values: str | None = None) -> None:
    conn = sqlite3.connect(db_path())
    if meta is not None:
        conn.execute("UPDATE runs SET meta = ? WHERE id = ?", (meta, run_id))
    if values is not None:
        conn.execute("UPDATE results SET values_json = ? WHERE run_id = ?", (values, run_id))
    conn.commit()
    conn.close()


def test_a_run_whose_rows_are_not_json_is_shown_as_far_as_it_goes_then_exit_3(capsys, m3tui_home: Path) -> None:
    with History() as h:
        run_id = h.start_run(meta())
        h.add_results(run_id, [result("Good"), result("Bad")])
        h.finish_run(run_id, "done")
    conn = sqlite3.connect(db_path())
    conn.execute("UPDATE runs SET meta = 'not json{' WHERE id = ?", (run_id,))
    conn.execute("UPDATE results SET values_json = '[[[' WHERE name = 'Bad'")
    conn.commit()
    conn.close()
    code, out, err = run_cli(capsys, "history", "show", str(run_id))
    assert code == 3 and "Good" in out and "Bad" not in out, (out, err)
    assert err.count("\n") == 1 and f"run {run_id} is damaged" in err and "settings" in err and "1 of 2 results" in err
    code, out, err = run_cli(capsys, "history", "show", str(run_id), "--json")
    shown = json.loads(out)
    assert code == 3 and len(shown["damaged"]) == 2 and [b["name"] for b in shown["benchmarks"]] == ["Good"]
    code, out, err = run_cli(capsys, "history", "list")
    assert code == 0 and "[damaged]" in out
    code, out, err = run_cli(capsys, "compare", str(run_id), str(run_id))
    assert code == 0 and "Good" in out and "is damaged" in err  # what stands is compared, the damage said


@pytest.mark.parametrize("values", ["garbage{", "", "null", '{"ns/op": "x"}', "[" * 100000])
def test_compare_of_a_run_with_no_readable_result_is_exit_2_like_an_empty_file(capsys, m3tui_home: Path, values: str) -> None:
    with History() as h:
        run_id = h.start_run(meta())
        h.add_results(run_id, [result("A"), result("B")])
        h.finish_run(run_id, "done")
    _damage_rows(run_id, values=values)
    code, out, err = run_cli(capsys, "compare", str(run_id), str(run_id))
    assert code == 2 and out == "" and f"run {run_id} has no benchmark results" in err and "internal error" not in err, err
    code, out, err = run_cli(capsys, "history", "show", str(run_id))
    assert code == 3 and "2 of 2 results are not readable" in err


def test_history_delete_json_is_a_json_document(capsys, m3tui_home: Path) -> None:
    make_history(runs=2)
    code, out, err = run_cli(capsys, "history", "delete", "2", "--json")
    assert code == 0 and json.loads(out) == {"schema": 1, "deleted": 2}, (out, err)
    code, out, err = run_cli(capsys, "history", "delete", "1")
    assert code == 0 and out == "deleted run 1\n"
    code, out, _ = run_cli(capsys, "history", "delete", "1", "--json")
    assert code == 2 and json.loads(out)["error"]["exit"] == 2


# --- flags in Go's own forms ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1s", "100ms", "1m30s", ".5s", "1.5h", "3µs", "250ns", "100x", "1x", "+7x"])
def test_benchtime_go_takes(text: str) -> None:
    assert check_benchtime(text) == text


@pytest.mark.parametrize("text", ["nonsense", "", "0", "0s", "0x", "-1s", "x", "1.5x", "1", "1e3s", "10 s", "5xs",
                                  "9223372036854775808x", "2562048h", "１s", "٣x"])  # fmt: skip
def test_benchtime_go_refuses(text: str) -> None:
    with pytest.raises(BadFlag, match="bad -benchtime"):
        check_benchtime(text)


def test_go_durations() -> None:
    assert parse_go_duration("1h2m3.5s") == 3_723_500_000_000
    assert parse_go_duration("2562047h47m16.854775807s") == 2**63 - 1
    assert parse_go_duration("2562047h47m16.854775808s") is None  # past Go's int64
    assert parse_go_duration("0") == 0 and parse_go_duration("-1m") == -60_000_000_000
    assert parse_go_duration("1.2.3s") is None and parse_go_duration("s") is None


@pytest.mark.parametrize("text", ["0", "-1", "a,b", "", ",", "1,,x", "1,,2", "2,", ",2", "99999999999", "²", "٣", "1_0", ",".join(["1"] * 257)])
def test_cpu_lists_go_refuses(text: str) -> None:
    with pytest.raises(BadCpuList):
        parse_gomaxprocs_list(text)
    assert parse_gomaxprocs_list(" 1, 2,4 ") == (1, 2, 4)


# --- the CLI, in-process: bad input is exit 2 with one line, nothing saved --------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["bench", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("args", [
    ["--benchtime", "nonsense"], ["--benchtime", "0s"], ["--count", "0"], ["--count", "99999999999999"],
    ["--cpu", "0"], ["--cpu", "1,two"], ["--cpu", "1,,2"], ["--cpu", "99999999999999999999"], ["--timeout", "soon"],
    ["--timeout", "1e3s"], ["--timeout", "99999999999h"], ["-q", "-test.bogus"], ["-q", ".", "-test.bogus"],
])  # fmt: skip
def test_bad_run_flags_are_usage_errors_before_anything_runs(capsys, m3tui_home: Path, args: list[str]) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and "internal error" not in err, err
    assert not db_path().exists()  # nothing saved: the history was not even opened
    code, out, _ = run_cli(capsys, "--json", *args)
    assert code == 2 and json.loads(out)["error"]["exit"] == 2


@pytest.mark.parametrize("args", [
    ["history", "show", "99999999999999999999"], ["history", "show", "-5"], ["history", "show", "0"],
    ["history", "delete", str(2**63)], ["history", "export", "-1"], ["history", "--limit", "99999999999999999999"],
    ["history", "--limit", "-1"], ["history", "show", "7"], ["compare", "99999999999999999999"], ["compare", "#12"],
    ["compare", "²"], ["compare", "/"],
])  # fmt: skip
def test_bad_ids_and_limits_are_usage_errors(capsys, m3tui_home: Path, args: list[str]) -> None:
    make_history(runs=1)
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and err.count("\n") == 1 and "internal error" not in err and "Traceback" not in err, err
    code, out, _ = run_cli(capsys, *args, "--json")
    assert code == 2 and json.loads(out)["error"]["code"] in ("usage", "invalid_input")


def write_bench_file(path: Path, ns: float = 100.0, extra: bytes = b"") -> Path:
    lines = b"goos: linux\ngoarch: amd64\n" + extra
    lines += b"".join(f"BenchmarkSum-8 \t 1000\t {ns + i} ns/op\n".encode() for i in range(6))
    path.write_bytes(lines)
    return path


def test_compare_refuses_what_is_not_a_regular_file_without_blocking(capsys, tmp_path: Path) -> None:
    good = write_bench_file(tmp_path / "good.txt")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # nobody writes to it: a blocking open would hang the test
    directory = tmp_path / "dir"
    directory.mkdir()
    for bad, kind in ((fifo, "a FIFO"), (directory, "a directory")):
        code, out, err = run_cli(capsys, "compare", str(good), str(bad))
        assert code == 2 and out == "" and kind in err and err.count("\n") == 1, err


def test_compare_random_bytes_non_utf8_and_oversized(capsys, tmp_path: Path) -> None:
    good = write_bench_file(tmp_path / "good.txt")
    noise = tmp_path / "random.bin"
    noise.write_bytes(os.urandom(64 * 1024))
    code, _, err = run_cli(capsys, "compare", str(good), str(noise))  # left out, as benchstat does (issue 13)
    assert code == 0 and "no benchmark results" in err and "internal error" not in err
    latin1 = write_bench_file(tmp_path / "latin1.txt", ns=90.0, extra=b"note: caf\xe9 cr\xe8me\n")
    code, out, err = run_cli(capsys, "compare", str(good), str(latin1))
    assert code == 0 and "Sum" in out, err  # the bytes that are not UTF-8 do not stop the comparison
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as f:  # sparse: a size over the cap without writing it
        f.truncate(COMPARE_LIMIT + 1)
    code, _, err = run_cli(capsys, "compare", str(good), str(huge))
    assert code == 2 and f"{COMPARE_LIMIT:,}-byte limit" in err


def test_compare_is_zero_even_when_slower_and_json_is_strict(capsys, tmp_path: Path) -> None:
    old = write_bench_file(tmp_path / "old.txt", ns=100.0)
    new = write_bench_file(tmp_path / "new.txt", ns=200.0)
    code, out, _ = run_cli(capsys, "compare", str(old), str(new))
    assert code == 0 and "+" in out
    code, out, _ = run_cli(capsys, "compare", "--json", str(old), str(new))
    assert code == 0
    json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_history_json_is_strict_with_infinite_and_nan_samples(capsys, m3tui_home: Path) -> None:
    with History() as h:
        run_id = h.start_run(meta())
        h.add_results(run_id, [BenchResult("Odd", 1, 1, {"ns/op": math.inf, "x/op": math.nan}, {})] * 6)
        h.finish_run(run_id, "done")
    for args in (["history", "show", str(run_id), "--json"], ["history", "--json"],
                 ["history", "export", str(run_id), "--format", "json"]):  # fmt: skip
        code, out, err = run_cli(capsys, *args)
        assert code == 0, err
        json.loads(out, parse_constant=lambda c, args=args: pytest.fail(f"non-standard JSON constant {c} in {args}"))


def test_a_damaged_history_is_said_once_on_stderr_and_the_command_goes_on(capsys, m3tui_home: Path) -> None:
    damage_pages(make_history())
    code, out, err = run_cli(capsys, "history", "--json")
    assert code == 0 and json.loads(out)["runs"] == []
    notices = [line for line in err.splitlines() if "damaged" in line]
    assert len(notices) == 1 and "moved it aside" in notices[0] and notices[0].startswith("m3tui: ")
    code, _, err = run_cli(capsys, "history")
    assert code == 0 and "damaged" not in err


def test_a_history_that_cannot_be_used_is_exit_3(capsys, m3tui_home: Path) -> None:
    db_path().mkdir()
    code, out, err = run_cli(capsys, "history", "--json")
    assert code == 3 and "is a directory" in json.loads(out)["error"]["message"] and err.count("\n") == 1


# --- export -o: through symlinks, never over a device, FIFO or directory -----------------------------


def test_export_writes_through_a_symlink(capsys, m3tui_home: Path, tmp_path: Path) -> None:
    make_history(runs=1)
    target = tmp_path / "real.txt"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    code, out, err = run_cli(capsys, "history", "export", "1", "-o", str(link))
    assert code == 0 and out == "", err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("goos: linux\n") and "BenchmarkEncode/size=0-8" in target.read_text()
    assert mode(target) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]  # no temporary file left


def test_export_to_stdout_with_dash(capsys, m3tui_home: Path) -> None:
    make_history(runs=1)
    code, out, _ = run_cli(capsys, "history", "export", "1", "-o", "-", "--format", "csv")
    assert code == 0 and out.startswith("run_id,name,procs,iters,unit,value\n")


def test_export_refuses_fifo_device_and_directory_untouched(capsys, m3tui_home: Path, tmp_path: Path) -> None:
    make_history(runs=1)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    device = tmp_path / "null-like"
    try:
        os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers, our own node
    except PermissionError:
        device = None  # not root: no mknod; the FIFO and the directory still stand for the class
    directory = tmp_path / "dir"
    directory.mkdir()
    (directory / "inside").write_text("keep")
    link_to_fifo = tmp_path / "link-to-fifo"
    link_to_fifo.symlink_to(fifo)
    targets = [(fifo, "a FIFO"), (directory, "a directory"), (link_to_fifo, "a FIFO")]
    if device is not None:
        targets.append((device, "a character device"))
    for target, kind in targets:
        before = target.lstat()
        code, _, err = run_cli(capsys, "history", "export", "1", "-o", str(target))
        assert code == 2 and kind in err and err.count("\n") == 1, (target, err)
        after = target.lstat()
        assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert (directory / "inside").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["fifo", "dir", "link-to-fifo", *(["null-like"] if device is not None else [])]
    )  # no temporary file left beside them


# --- output a benchmark prints without end: kept up to a budget, failures past it ------------------


def test_output_budget_keeps_lines_then_bytes_then_failures_only() -> None:
    from m3tui.bench.run import MAX_OUTPUT_BYTES, MAX_OUTPUT_LINES, OutputBudget

    by_lines = OutputBudget()
    assert all(by_lines.take("x") for _ in range(MAX_OUTPUT_LINES))
    assert not by_lines.take("chatter") and by_lines.take("panic: boom") and by_lines.take("--- FAIL: BenchmarkX")
    assert by_lines.dropped == 1
    by_bytes = OutputBudget()
    big = "y" * (1 << 20)  # the runner's longest line
    kept = sum(by_bytes.take(big) for _ in range(64))
    assert kept == MAX_OUTPUT_BYTES // len(big) and by_bytes.dropped == 64 - kept
    late = sum(by_bytes.take("fatal error: all goroutines are asleep") for _ in range(1000))
    assert late == 100 and by_bytes.dropped == 64 - kept + 900


def test_nan_samples_do_not_hang_the_u_test(capsys, tmp_path: Path) -> None:
    """NaN == NaN is false: grouping ties by == never got past a NaN (compare hung for ever)."""
    import threading

    from m3tui.bench.stats import mann_whitney_u

    answers: list[float] = []
    worker = threading.Thread(target=lambda: answers.extend([
        mann_whitney_u([1, 2, 3, math.nan, 5, 6], [2, 3, 4, 5, 6, 7]),
        mann_whitney_u([math.nan] * 6, [1, 2, 3, 4, 5, 6]),
    ]), daemon=True)  # fmt: skip
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "mann_whitney_u hangs on NaN"
    assert 0 < answers[0] <= 1 and answers[1] < 0.01  # NaNs rank above every number
    nan_file = tmp_path / "nan.txt"
    nan_file.write_text("".join(f"BenchmarkSum-8 \t 1000\t {v} ns/op\n" for v in ("NaN", 1, 2, 3, 4, 5)))
    code, out, _ = run_cli(capsys, "compare", "--json", str(write_bench_file(tmp_path / "good.txt")), str(nan_file))
    assert code == 0
    json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


# --- options before or after PKG, test binary flags after -- ---------------------------------------


@pytest.mark.parametrize("argv", [
    ["bench", ".", "--bench", "Sum", "--count", "2", "--", "-test.benchmem", "-test.benchtime", "1s"],
    ["bench", "--bench", "Sum", ".", "--count", "2", "--", "-test.benchmem", "-test.benchtime", "1s"],
    ["bench", "--bench", "Sum", "--count", "2", ".", "--", "-test.benchmem", "-test.benchtime", "1s"],
    ["bench", "run", "--count", "2", ".", "--bench", "Sum", "--", "-test.benchmem", "-test.benchtime", "1s"],
    ["bench", "run", ".", "--count=2", "--bench=Sum", "--", "-test.benchmem", "-test.benchtime", "1s"],
])  # fmt: skip
def test_options_anywhere_and_test_flags_after_dashes(argv: list[str]) -> None:
    from m3tui.cli.parser import build_parser, normalize_argv

    args = build_parser().parse_args(normalize_argv(argv))
    assert (args.bench_command, args.package, args.bench, args.count) == ("run", ".", "Sum", 2)
    assert args.extra == ["-test.benchmem", "-test.benchtime", "1s"] and args.stray == []


def test_dashes_alone_and_words_after_them_go_to_the_test_binary_verbatim() -> None:
    from m3tui.cli.parser import build_parser, normalize_argv

    args = build_parser().parse_args(normalize_argv(["bench", "--", "-test.benchmem", "--", "--count", "x"]))
    assert args.package == "." and args.count == 10 and args.extra == ["-test.benchmem", "--", "--count", "x"]
    compare = build_parser().parse_args(normalize_argv(["bench", "compare", "a", "--", "b"]))
    assert compare.files == ["a", "b"]  # only `run` rewrites what follows --


def test_a_second_package_is_named_in_a_usage_error(capsys, m3tui_home: Path) -> None:
    code, out, err = run_cli(capsys, "--count", "2", ".", "other/pkg", "--", "-test.benchmem")
    assert code == 2 and out == "" and "one package at a time: other/pkg" in err and err.count("\n") == 1
    assert not db_path().exists()


# --- terminal escapes in what was read are shown, not obeyed -------------------------------------

OSC = "\x1b]0;pwned\x07"
CSI = "\x1b[31m"


def _no_raw_controls(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text, repr(text)


def test_compare_escapes_names_config_values_and_units(capsys, tmp_path: Path) -> None:
    bad = tmp_path / f"w{CSI}.txt"
    bad.write_text("".join(f"pkg: a{CSI}b\nnote: x\x9b2J\nBenchmarkE{OSC}-2 1 {5 + i} ns/op 3 {CSI}u/op\n" for i in range(6)))
    code, out, err = run_cli(capsys, "compare", str(bad), str(bad))
    assert code == 0, err
    _no_raw_controls(out + err)
    assert "E\\x1b]0;pwned\\x07" in out and "pkg: a\\x1b[31mb" in out and "note: x\\u009b2J" in out and "\\x1b[31mu/op" in out
    code, out, _ = run_cli(capsys, "compare", "--json", str(bad))
    assert code == 0 and json.loads(out)["tables"][0]["rows"][0]["name"] == f"E{OSC}-2"  # JSON keeps the text, escaped by JSON


def test_history_show_list_and_export_escape_what_a_run_recorded(capsys, m3tui_home: Path, tmp_path: Path) -> None:
    with History() as h:
        run_id = h.start_run(meta(package=f"example.com/{OSC}", bench=f"E{CSI}", commit=f"abc{OSC}", noise=(f"n{CSI}",)))
        h.add_results(run_id, [BenchResult(f"E{OSC}", 2, 1, {f"{CSI}ns/op": 5.0 + i}, {"pkg": f"p{CSI}"}) for i in range(6)])
        h.finish_run(run_id, "failed", error=f"boom{OSC}")
    code, out, err = run_cli(capsys, "history", "show", str(run_id))
    assert code == 0, err
    _no_raw_controls(out + err)
    assert "E\\x1b]0;pwned\\x07" in out and "boom\\x1b]0;pwned\\x07" in out and "abc\\x1b]0;pwned\\x07" in out
    code, out, err = run_cli(capsys, "history", "list")
    assert code == 0 and "example.com/\\x1b]0;pwned\\x07" in out
    _no_raw_controls(out + err)
    target = tmp_path / f"out{OSC}.txt"
    code, out, err = run_cli(capsys, "history", "export", str(run_id), "-o", str(target))
    assert code == 0 and target.is_file() and "out\\x1b]0;pwned\\x07.txt" in err
    _no_raw_controls(out + err)


def test_a_cpu_list_with_an_empty_value_is_named(capsys, m3tui_home: Path) -> None:
    code, out, err = run_cli(capsys, ".", "--cpu", "1,,2", "--count", "1")
    assert code == 2 and out == "" and "bad --cpu '1,,2'" in err and not db_path().exists()
