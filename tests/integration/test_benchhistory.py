"""benchhistory: the SQLite run history (real files, real child processes, real git)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from m3tui.bench import fmt as benchfmt
from m3tui.bench.export import export_csv, export_json, export_text
from m3tui.bench.fmt import BenchResult
from m3tui.bench.history import (
    DB_NAME,
    INTERRUPTED_ERROR,
    SCHEMA_VERSION,
    History,
    HistoryError,
    RunMeta,
    db_path,
    module_commit,
)
from m3tui.bench.run import BenchSpec

REPO_ROOT = Path(__file__).resolve().parents[2]

CFG_A = {"goos": "linux", "goarch": "amd64", "pkg": "example.com/a", "cpu": "Some CPU @ 3GHz"}
CFG_B = {"goos": "linux", "goarch": "amd64", "pkg": "example.com/b", "note": "second"}

SAMPLE = """\
goos: linux
goarch: amd64
pkg: example.com/a
cpu: Some CPU @ 3GHz
BenchmarkEncode/size=1k-8   \t 1000\t  1234.5 ns/op\t  829.45 MB/s\t 512 B/op\t 3 allocs/op
BenchmarkEncode/size=1k-8   \t 1000\t  1240 ns/op\t  825.8 MB/s\t 512 B/op\t 3 allocs/op
BenchmarkEncode/size=1M/fast \t 7\t  1.5e+06 ns/op\t 17.25 widgets/op
BenchmarkPlain              \t 5000000\t 0.25 ns/op
ok  \texample.com/a\t1.2s
goos: linux
goarch: amd64
pkg: example.com/b
cpu:
note: second
BenchmarkOther-16 \t 300\t 4000001 ns/op\t 3.3333333333333335 widgets/op
PASS
"""


def meta(**kw) -> RunMeta:
    base = {
        "command": ("go", "test", "-run", "^$", "-bench", ".", "-count", "2"),
        "package": "example.com/a",
        "package_dir": "/src/a",
        "bench": ".",
        "cpu": (1, 8),
        "count": 2,
        "benchtime": None,
        "benchmem": True,
        "extra": ("-test.timeout", "10m"),
        "go_version": "go1.22.1",
        "goos": "linux",
        "goarch": "amd64",
        "cpu_model": "Some CPU @ 3GHz",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "dirty": False,
    }
    base.update(kw)
    return RunMeta(**base)


def res(name: str, procs: int, ns: float, cfg: dict[str, str] | None = None) -> BenchResult:
    return BenchResult(name, procs, 100, {"ns/op": ns, "B/op": 8.0}, cfg or CFG_A)


def child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ, M3TUI_HOME=str(home))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    return env


CHILD_PRELUDE = """\
import os, signal, sys, time
from m3tui.bench.fmt import BenchResult
from m3tui.bench.history import History, RunMeta
meta = RunMeta(command=("go", "test"), package="p", package_dir="/p", bench=".", cpu=(1,),
               count=1, benchtime=None, benchmem=False, extra=(), go_version=None, goos=None,
               goarch=None, cpu_model=None, commit=None, dirty=None)
h = History()
rid = h.start_run(meta)
"""


def raw_counts(path: Path, run_id: int) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        counts = [
            conn.execute(f"SELECT COUNT(*) FROM {table} WHERE run_id = ?", (run_id,)).fetchone()[0]
            for table in ("results", "output")
        ]
    conn.close()
    return counts[0], counts[1]


# -- 1. round trip ----------------------------------------------------------------------------


def test_roundtrip_newest_first_and_counts(m3tui_home):
    assert db_path() == m3tui_home / DB_NAME
    first = [res("Encode/size=1k", 8, 1234.5), res("Encode/size=1k", 8, 1240.0)]
    second = [res("Encode/size=1k", 1, 2000.0), res("Decode", 8, 17.25, CFG_B)]
    with History() as h:
        assert h.path == m3tui_home / DB_NAME and h.path.exists()
        a = h.start_run(meta())
        h.add_results(a, first)
        h.add_output(a, ["goos: linux", "BenchmarkEncode/size=1k-8 100 1234.5 ns/op"])
        h.add_results(a, second)
        h.add_output(a, ["PASS"])
        assert h.finish_run(a, "done")
        b = h.start_run(meta(label="go1.21.0", noise=("on battery",)))
        h.add_results(b, [res("Plain", 1, 0.25)])
        assert h.finish_run(b, "failed", "exit status 2")
        c = h.start_run(meta(dirty=None, commit=None))
        assert [r.status for r in h.list_runs()] == ["running", "failed", "done"]
        h.finish_run(c, "cancelled")

    with History() as h:  # reopened: everything persisted
        runs = h.list_runs()
        assert [r.id for r in runs] == [c, b, a]
        assert [r.id for r in h.list_runs(limit=2)] == [c, b]
        info_c, info_b, info_a = runs
        assert info_a.status == "done" and info_a.error is None
        assert info_a.n_results == 4 and info_a.benchmarks == 3  # Encode/size=1k at -1 and -8
        assert info_b.status == "failed" and info_b.error == "exit status 2"
        assert info_b.n_results == 1 and info_b.benchmarks == 1
        assert info_b.meta == meta(label="go1.21.0", noise=("on battery",))
        assert info_c.status == "cancelled" and info_c.n_results == 0 and info_c.benchmarks == 0
        assert info_c.meta.dirty is None and info_c.meta.commit is None

        started = datetime.fromisoformat(info_a.started_at)
        finished = datetime.fromisoformat(info_a.finished_at)
        assert started.utcoffset() == timedelta(0)
        assert timedelta(0) <= finished - started < timedelta(minutes=1)

        run = h.get_run(a)
        assert run.info == info_a
        assert run.results == first + second
        assert [dict(r.config) for r in run.results] == [CFG_A, CFG_A, CFG_A, CFG_B]
        assert [list(r.values) for r in run.results] == [["ns/op", "B/op"]] * 4
        assert run.raw_output == [
            "goos: linux",
            "BenchmarkEncode/size=1k-8 100 1234.5 ns/op",
            "PASS",
        ]
        assert run.info.meta == meta()
        assert isinstance(run.info.meta.cpu, tuple) and isinstance(run.info.meta.command, tuple)


def test_pragmas_and_schema(m3tui_home):
    with History() as h:
        conn = h._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(results)")}
        indexes |= {row[1] for row in conn.execute("PRAGMA index_list(output)")}
        assert {"results_run_seq", "output_run_seq"} <= indexes


def test_meta_from_spec():
    spec = BenchSpec(Path("/src/a"), bench="Encode", cpu=(1, 8), count=2, benchtime="100x")
    m = RunMeta.from_spec(spec, command=["go", "test", "-bench", "Encode"], package="example.com/a")
    assert m.package_dir == "/src/a" and m.cpu == (1, 8) and m.benchtime == "100x"
    assert m.command == ("go", "test", "-bench", "Encode") and m.go_version is None


# -- 2. crash mid-run ---------------------------------------------------------------------


def test_crash_mid_run_is_interrupted_and_keeps_samples(m3tui_home):
    script = CHILD_PRELUDE + textwrap.dedent("""\
        h.add_results(rid, [BenchResult("A", 8, 100, {"ns/op": 1.5}, {"goos": "linux"})] * 3)
        h.add_output(rid, ["goos: linux", "BenchmarkA-8 100 1.5 ns/op"])
        h.add_results(rid, [BenchResult("B", 1, 10, {"ns/op": 2.0})])

        class Bomb(list):
            # A batch whose writer dies half-way through its transaction.
            def __iter__(self):
                yield from list.__iter__(self[:2])
                os.kill(os.getpid(), signal.SIGKILL)

        print(rid, flush=True)
        h.add_results(rid, Bomb([BenchResult("C", 1, 10, {"ns/op": 3.0})] * 4))
        print("not reached", flush=True)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=child_env(m3tui_home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    rid = int(proc.stdout.split()[0])
    assert "not reached" not in proc.stdout

    with History() as h:
        assert h.recovered == [rid]
        with sqlite3.connect(db_path()) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.close()
        run = h.get_run(rid)
        assert run.info.status == "interrupted"
        assert run.info.error == INTERRUPTED_ERROR
        assert run.info.finished_at is not None
        # The committed batches are kept; the batch in flight is gone entirely.
        assert [r.name for r in run.results] == ["A", "A", "A", "B"]
        assert dict(run.results[0].config) == {"goos": "linux"}
        assert run.raw_output == ["goos: linux", "BenchmarkA-8 100 1.5 ns/op"]

    with History() as h:  # a second open leaves it alone
        assert h.recovered == []
        again = h.get_run(rid)
        assert again.info == run.info


# -- 3. a live run in another process -----------------------------------------------------


def test_live_run_in_other_process_is_not_interrupted(m3tui_home):
    script = CHILD_PRELUDE + "print(rid, flush=True)\ntime.sleep(120)\n"
    child = subprocess.Popen(
        [sys.executable, "-c", script], env=child_env(m3tui_home),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip().isdigit(), child.stderr.read() if child.poll() is not None else line
        rid = int(line)
        deadline = time.monotonic() + 30
        with History() as h:
            while not any(r.id == rid for r in h.list_runs()):
                assert time.monotonic() < deadline, "the child's run never showed up"
                time.sleep(0.05)
            assert h.recovered == []
            assert h.get_run(rid).info.status == "running"
        with History() as h:
            assert h.recovered == []
            assert h.get_run(rid).info.status == "running"
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
        child.stderr.close()

    with History() as h:
        assert h.recovered == [rid]
        info = h.get_run(rid).info
        assert info.status == "interrupted" and info.error == INTERRUPTED_ERROR


def test_own_pid_runs(m3tui_home):
    with History() as h1:
        rid = h1.start_run(meta())
        with History() as h2:  # another History in this process: h1's run is alive
            assert h2.recovered == []
            assert h2.get_run(rid).info.status == "running"
        # A leftover row carrying our pid (pid reuse, e.g. pid 1 in a container) is dead.
        with sqlite3.connect(db_path()) as conn:
            stale = conn.execute(
                "INSERT INTO runs (started_at, status, pid, meta) VALUES (?, 'running', ?, '{}')",
                ("2020-01-01T00:00:00.000+00:00", os.getpid()),
            ).lastrowid
            # A live pid whose start time does not match was reused by another process.
            reused = conn.execute(
                "INSERT INTO runs (started_at, status, pid, pid_started, meta)"
                " VALUES (?, 'running', ?, 1.0, '{}')",
                ("2020-01-01T00:00:00.000+00:00", os.getppid()),
            ).lastrowid
        conn.close()
        with History() as h3:
            assert sorted(h3.recovered) == sorted([stale, reused])
            assert h3.get_run(rid).info.status == "running"
            assert h3.get_run(stale).info.meta.command == ()
    # h1 closed without finishing its run: nobody can finish it now.
    with History() as h4:
        assert h4.recovered == [rid]
        assert h4.get_run(rid).info.status == "interrupted"


# -- 4. delete ------------------------------------------------------------------------------


def test_delete_cascades(m3tui_home):
    with History() as h:
        keep = h.start_run(meta())
        h.add_results(keep, [res("A", 1, 1.0)])
        h.add_output(keep, ["x"])
        gone = h.start_run(meta())
        h.add_results(gone, [res("A", 1, 1.0), res("B", 1, 2.0)])
        h.add_output(gone, ["a", "b", "c"])
        h.finish_run(gone, "done")
        assert raw_counts(h.path, gone) == (2, 3)

        assert h.delete_run(gone) is True
        assert raw_counts(h.path, gone) == (0, 0)
        assert raw_counts(h.path, keep) == (1, 1)
        assert [r.id for r in h.list_runs()] == [keep]
        assert h.delete_run(gone) is False
        with pytest.raises(KeyError):
            h.get_run(gone)
        with pytest.raises(KeyError):
            h.add_results(gone, [res("A", 1, 1.0)])
        assert h.finish_run(gone, "done") is False


# -- 5. exports -----------------------------------------------------------------------------


def stored_sample(h: History) -> int:
    parsed = benchfmt.parse(SAMPLE)
    assert not parsed.unparsed
    rid = h.start_run(meta())
    h.add_results(rid, parsed.results[:2])
    h.add_results(rid, parsed.results[2:])
    h.add_output(rid, SAMPLE.splitlines())
    h.finish_run(rid, "done")
    return rid


def test_export_text_round_trip(m3tui_home):
    with History() as h:
        run = h.get_run(stored_sample(h))
    original = benchfmt.parse(SAMPLE).results
    assert len(run.results) == 5
    assert {r.procs for r in run.results} == {1, 8, 16}

    text = export_text(run)
    assert text.endswith("\n") and not text.endswith("\n\n")
    back = benchfmt.parse(text)
    assert not back.unparsed and back.other_lines == 0
    assert back.results == run.results == original
    assert [dict(r.config) for r in back.results] == [dict(r.config) for r in original]
    assert [list(r.values.items()) for r in back.results] == [
        list(r.values.items()) for r in original
    ]
    assert back.configs == [CFG_A, CFG_B]
    lines = text.splitlines()
    assert lines[:4] == [f"{k}: {v}" for k, v in CFG_A.items()]
    # The second config: only what changed, and cpu cleared.
    assert lines[8:11] == ["cpu:", "pkg: example.com/b", "note: second"]
    assert lines[4].startswith("BenchmarkEncode/size=1k-8\t1000\t1234.5 ns/op\t829.45 MB/s")


def test_export_csv_and_json(m3tui_home):
    with History() as h:
        rid = stored_sample(h)
        run = h.get_run(rid)

    out = export_csv(run)
    assert "\r" not in out
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["run_id", "name", "procs", "iters", "unit", "value"]
    assert len(rows) == 1 + sum(len(r.values) for r in run.results) == 1 + 4 + 4 + 2 + 1 + 2
    assert rows[1] == [str(rid), "Encode/size=1k", "8", "1000", "ns/op", "1234.5"]
    assert [str(rid), "Encode/size=1M/fast", "1", "7", "widgets/op", "17.25"] in rows
    assert [str(rid), "Other", "16", "300", "widgets/op", "3.3333333333333335"] in rows

    data = json.loads(json.dumps(export_json(run)))
    assert data["id"] == rid and data["status"] == "done" and data["error"] is None
    assert data["started_at"] == run.info.started_at and data["finished_at"]
    assert data["meta"]["cpu"] == [1, 8] and data["meta"]["go_version"] == "go1.22.1"
    assert data["raw_output"] == SAMPLE.splitlines()
    assert len(data["results"]) == 5
    first = data["results"][0]
    assert first["name"] == "Encode/size=1k" and first["procs"] == 8 and first["iters"] == 1000
    assert list(first["values"]) == ["ns/op", "MB/s", "B/op", "allocs/op"]
    assert first["values"]["MB/s"] == 829.45
    assert first["config"] == CFG_A
    assert data["results"][-1]["config"] == CFG_B


# -- 6. files that are not ours -------------------------------------------------------------


@pytest.mark.parametrize(
    "junk", [b"not sqlite\n" * 100, b"tiny", os.urandom(4096)], ids=["text", "tiny", "random"]
)
def test_garbage_file_is_moved_aside_untouched(m3tui_home, junk):
    """Not SQLite at all: kept, byte for byte, beside a fresh history; the notice names both."""
    from m3tui.bench.history import take_notices

    path = db_path()
    path.write_bytes(junk)
    take_notices()
    with History() as h:
        assert h.list_runs() == [] and h.notice is not None
        h.start_run(meta())
    aside = list(m3tui_home.glob(f"{DB_NAME}.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [junk]
    assert take_notices() == [h.notice] and "\n" not in h.notice
    assert str(path) in h.notice and aside[0].name in h.notice
    with History() as again:  # the fresh one is sound: nothing more is moved
        assert len(again.list_runs()) == 1 and again.notice is None


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "sub" / "h.sqlite3"
    with History(path) as h:
        h.start_run(meta())
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="newer") as err:
        History(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert path.read_bytes() == before


# -- 7. misuse ------------------------------------------------------------------------------


def test_bad_status_and_missing_run(m3tui_home):
    with History() as h:
        rid = h.start_run(meta())
        for bad in ("running", "interrupted", "ok", ""):
            with pytest.raises(ValueError, match="status"):
                h.finish_run(rid, bad)
        assert h.get_run(rid).info.status == "running"
        with pytest.raises(KeyError, match="no run 4242") as err:
            h.get_run(4242)
        assert isinstance(err.value, HistoryError)  # RunNotFound: an M3tuiError, and its line as str()
        assert str(err.value) == "no run 4242 in the bench history"
        assert h.finish_run(rid, "done") is True
        assert h.finish_run(rid, "failed") is False  # already finished: unchanged
        assert h.get_run(rid).info.status == "done"


# -- module_commit (real git) ---------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.email=t@example.com", "-c", "user.name=T"]
    cmd += ["-c", "commit.gpgsign=false"]
    return subprocess.run(
        [*cmd, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


async def test_module_commit(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "repo"
    pkg = repo / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "a.go").write_text("package pkg\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    sha = git(repo, "rev-parse", "HEAD")

    assert await module_commit(pkg) == (sha, False)
    (pkg / "new.go").write_text("package pkg\n")  # untracked: not dirty
    assert await module_commit(pkg) == (sha, False)
    (pkg / "a.go").write_text("package pkg\n\nvar X = 1\n")
    assert await module_commit(pkg) == (sha, True)

    plain = tmp_path / "plain"
    plain.mkdir()
    assert await module_commit(plain) == (None, None)
    assert await module_commit(tmp_path / "missing") == (None, None)


async def test_module_commit_without_git(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert await module_commit(tmp_path) == (None, None)


def test_set_noise_is_kept_with_the_run(m3tui_home) -> None:
    from m3tui.bench.history import History, RunMeta

    meta = RunMeta(command=("go", "test"), package="p", package_dir="/p", bench=".", cpu=(1,), count=1,
                   benchtime=None, benchmem=False, extra=(), go_version=None, goos=None, goarch=None,
                   cpu_model=None, commit=None, dirty=None)  # fmt: skip
    with History() as history:
        run_id = history.start_run(meta)
        history.set_noise(run_id, ["load average 3.0 on 2 cores"])
        history.finish_run(run_id, "done")
    with History() as history:
        assert history.get_run(run_id).info.meta.noise == ("load average 3.0 on 2 cores",)
        with pytest.raises(KeyError):
            history.set_noise(run_id + 1, [])
