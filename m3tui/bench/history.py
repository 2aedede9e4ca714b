"""The benchmark run history: every run m3tui makes, kept in one SQLite file.

Users browse, delete, re-run and export past runs, so the history has to survive m3tui
dying at any moment (a crash, a closed terminal, SIGKILL) without corruption and without
losing more than the batch being written. The choices that buy that:

* stdlib :mod:`sqlite3` in WAL mode with ``synchronous=FULL``: a commit is on disk when it
  returns, and a half-written transaction is rolled back by the next open. WAL also lets
  another m3tui (or the CLI) read while a run is being written.
* every write is one short explicit transaction (``BEGIN IMMEDIATE`` … ``COMMIT``): a run's
  row is committed before the benchmark starts, then each batch of results or output lines
  is its own transaction, so a crash loses at most the batch in flight.
* a run records the pid (and start time) of the process writing it. Opening the history
  runs :meth:`History.recover`: a ``running`` run whose process is gone (or whose pid was
  reused by another process, or is our own pid but not one of our open runs) can never
  finish, so it is marked ``interrupted``, keeping the samples it got.
* ``busy_timeout`` of 5 s so two m3tui processes wait for each other instead of failing.
* a file that is not a database, or a schema newer than this code, raises
  :class:`HistoryError` naming the file; the file is never overwritten or deleted.

Exports of a stored run (benchmark format, CSV, JSON) are in :mod:`m3tui.bench.export`.

Long because: what is left is one store, the :class:`History` class (about 300 lines) with the
records it reads and writes and the process checks its recovery needs. Its crash-safety rules
above hold only if every transaction follows them, so they are kept where they can be read
against each other rather than spread over modules.

Plain stdlib (plus psutil for process checks); never imports Textual.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self

from m3tui.core import runner
from m3tui.bench.fmt import BenchResult
from m3tui.core.config import state_root
from m3tui.core.errors import M3tuiError

if TYPE_CHECKING:
    from m3tui.bench.run import BenchSpec

__all__ = [
    "DB_NAME",
    "FINAL_STATUSES",
    "INTERRUPTED_ERROR",
    "SCHEMA_VERSION",
    "STATUSES",
    "History",
    "HistoryError",
    "RunNotFound",
    "RunInfo",
    "RunMeta",
    "StoredRun",
    "db_path",
    "module_commit",
]

DB_NAME = "bench-history.sqlite3"
#: ``PRAGMA user_version`` of the schema this code writes; a newer file is refused.
SCHEMA_VERSION = 1
STATUSES = ("running", "done", "failed", "cancelled", "interrupted")
#: The statuses :meth:`History.finish_run` accepts.
FINAL_STATUSES = ("done", "failed", "cancelled")
INTERRUPTED_ERROR = "m3tui stopped before the run finished"
BUSY_TIMEOUT_MS = 5000
#: Seconds a live process's start time may differ from the recorded one (clock slew).
_START_TIME_SLACK = 2.0
GIT_TIMEOUT = 5.0

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ({", ".join(f"'{s}'" for s in STATUSES)})),
    pid         INTEGER,
    pid_started REAL,
    meta        TEXT NOT NULL,
    error       TEXT
);
CREATE TABLE IF NOT EXISTS results (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    procs       INTEGER NOT NULL,
    iters       INTEGER NOT NULL,
    values_json TEXT NOT NULL,
    config_json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS results_run_seq ON results(run_id, seq);
CREATE TABLE IF NOT EXISTS output (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    text        TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS output_run_seq ON output(run_id, seq);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status);
CREATE TABLE IF NOT EXISTS profiles (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    benchmark   TEXT NOT NULL,
    procs       INTEGER NOT NULL,
    path        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS profiles_run ON profiles(run_id);
"""

_RUN_COLUMNS = (
    "r.id, r.started_at, r.finished_at, r.status, r.meta, r.error,"
    " (SELECT COUNT(*) FROM results WHERE run_id = r.id),"
    " (SELECT COUNT(DISTINCT name || char(0) || procs) FROM results WHERE run_id = r.id)"
)


class HistoryError(M3tuiError):
    """The history file cannot be used (not a database, too new, unreadable)."""


class RunNotFound(HistoryError, KeyError):
    """No run of that id in the history (never made, or deleted). A KeyError too, for lookups."""

    def __str__(self) -> str:  # a KeyError's str() is its key's repr(); this is a message
        return str(self.args[0]) if self.args else ""


def db_path() -> Path:
    """Where the history lives: ``state_root()/bench-history.sqlite3``."""
    return state_root() / DB_NAME


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class RunMeta:
    """What was run, where, and on what: everything needed to show or re-run a run."""

    command: tuple[str, ...]  # the go test command as the user would type it
    package: str  # import path (or the directory when unknown)
    package_dir: str
    bench: str
    cpu: tuple[int, ...]
    count: int
    benchtime: str | None
    benchmem: bool
    extra: tuple[str, ...]
    go_version: str | None
    goos: str | None
    goarch: str | None
    cpu_model: str | None
    commit: str | None
    dirty: bool | None
    label: str | None = None  # e.g. the Go version of one side of an A/B run
    noise: tuple[str, ...] = ()  # noise-guard warnings

    @classmethod
    def from_spec(
        cls,
        spec: BenchSpec,
        *,
        command: Sequence[str],
        package: str,
        go_version: str | None = None,
        goos: str | None = None,
        goarch: str | None = None,
        cpu_model: str | None = None,
        commit: str | None = None,
        dirty: bool | None = None,
        label: str | None = None,
        noise: Sequence[str] = (),
    ) -> RunMeta:
        """A RunMeta with the spec's settings; the machine, checkout, label and noise as given."""
        return cls(
            command=tuple(command),
            package=package,
            package_dir=str(spec.package_dir),
            bench=spec.bench,
            cpu=tuple(spec.cpu),
            count=spec.count,
            benchtime=spec.benchtime,
            benchmem=spec.benchmem,
            extra=tuple(spec.extra),
            go_version=go_version,
            goos=goos,
            goarch=goarch,
            cpu_model=cpu_model,
            commit=commit,
            dirty=dirty,
            label=label,
            noise=tuple(noise),
        )

    def to_json(self) -> dict[str, Any]:
        """A json.dumps-able dict (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunMeta:
        """Inverse of :meth:`to_json`; tolerates missing or unknown keys."""
        fallback: dict[str, Any] = {
            "command": (), "package": "", "package_dir": "", "bench": "", "cpu": (),
            "count": 0, "benchmem": False, "extra": (), "noise": (),
        }  # fmt: skip
        kw: dict[str, Any] = {}
        for f in fields(cls):
            v = data.get(f.name, fallback.get(f.name))
            if isinstance(v, list):
                v = tuple(v)
            kw[f.name] = v
        return cls(**kw)


@dataclass(frozen=True)
class RunInfo:
    """One row of the run list (without the samples)."""

    id: int
    started_at: str  # ISO-8601, UTC
    finished_at: str | None
    status: str  # one of STATUSES
    meta: RunMeta
    error: str | None
    n_results: int
    benchmarks: int  # distinct (name, procs)


@dataclass
class StoredRun:
    """A run with its results (arrival order, configs restored) and raw output lines."""

    info: RunInfo
    results: list[BenchResult] = field(default_factory=list)
    raw_output: list[str] = field(default_factory=list)
    profiles: list[tuple[str, str, int, str]] = field(default_factory=list)  # (kind, benchmark, procs, path)


# Runs being written by History objects of this process, per database file: a second
# History on the same file must not take them for leftovers of a dead process.
_OPEN_RUNS: dict[str, set[int]] = {}
_OPEN_RUNS_LOCK = threading.Lock()


def _own_start_time() -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        return psutil.Process().create_time()
    except psutil.Error:  # no access: the pid alone has to do
        return None


def _process_alive(pid: int, started: float | None) -> bool:
    """Whether ``pid`` is a live (non-zombie) process, the one that started at ``started``."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, belongs to someone else
    except OSError:
        return False
    try:
        import psutil
    except ImportError:
        return True
    try:
        p = psutil.Process(pid)
        if p.status() == psutil.STATUS_ZOMBIE:
            return False
        if started is not None and abs(p.create_time() - started) > _START_TIME_SLACK:
            return False  # the pid was reused by another process
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        pass  # access denied: os.kill said it exists
    return True


def _config_json(r: BenchResult) -> str:
    return json.dumps(dict(r.config))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class History:
    """The run history database. Use as a context manager, or call :meth:`close`.

    Safe to share between threads (calls are serialised); each method is one transaction.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else db_path()
        self._key = os.path.abspath(self.path)
        self._lock = threading.RLock()
        self._own: set[int] = set()
        self._conn = self._open()
        try:
            #: Ids of the runs :meth:`recover` marked interrupted when this History opened.
            self.recovered: list[int] = self.recover()
        except BaseException:
            self._conn.close()
            raise

    # -- opening ----------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"bench history {self.path} cannot be created: {_one_line(exc)}"
            ) from exc
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise HistoryError(
                f"bench history {self.path} cannot be opened: {_one_line(exc)}"
            ) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Reading the header first: a non-database fails here, before anything is written.
            self._check_version(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._check_version(conn.execute("PRAGMA user_version").fetchone()[0])
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        conn.execute(stmt)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            conn.close()
            raise HistoryError(
                f"bench history {self.path} cannot be opened: {_one_line(exc)}"
            ) from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise HistoryError(
                f"bench history {self.path} is not a readable database: {_one_line(exc)}"
            ) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"bench history {self.path} was written by a newer m3tui"
                f" (schema {version}, this one knows {SCHEMA_VERSION})"
            )

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (no lock upgrade deadlocks)."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the database (idempotent). Runs left running are recovered by a later open."""
        with self._lock:
            with _OPEN_RUNS_LOCK:
                mine = _OPEN_RUNS.get(self._key)
                if mine is not None:
                    mine -= self._own
                    if not mine:
                        del _OPEN_RUNS[self._key]
            self._own.clear()
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------

    def recover(self) -> list[int]:
        """Mark runs whose writer is gone as interrupted; return their ids."""
        me = os.getpid()
        with self._write() as conn:
            # Inside the write lock: a run another History here is starting is registered by now.
            with _OPEN_RUNS_LOCK:
                open_here = set(_OPEN_RUNS.get(self._key, ())) | self._own
            rows = conn.execute(
                "SELECT id, pid, pid_started FROM runs WHERE status = 'running'"
            ).fetchall()
            dead = [
                run_id
                for run_id, pid, started in rows
                if (run_id not in open_here if pid == me else not _process_alive(pid or 0, started))
            ]
            now = _now()
            conn.executemany(
                "UPDATE runs SET status = 'interrupted', finished_at = ?, error = ?"
                " WHERE id = ? AND status = 'running'",
                [(now, INTERRUPTED_ERROR, run_id) for run_id in dead],
            )
        return dead

    def start_run(self, meta: RunMeta) -> int:
        """Record a new run as ``running`` (committed before the benchmark starts)."""
        started = _own_start_time()
        run_id: int | None = None
        try:
            with self._write() as conn:
                cur = conn.execute(
                    "INSERT INTO runs (started_at, status, pid, pid_started, meta)"
                    " VALUES (?, 'running', ?, ?, ?)",
                    (_now(), os.getpid(), started, json.dumps(meta.to_json())),
                )
                run_id = cur.lastrowid
                assert run_id is not None
                # Registered before the commit, so no recover() here can see it unregistered.
                self._own.add(run_id)
                with _OPEN_RUNS_LOCK:
                    _OPEN_RUNS.setdefault(self._key, set()).add(run_id)
        except BaseException:
            if run_id is not None:
                self._forget(run_id)
            raise
        return run_id

    def _next_seq(self, conn: sqlite3.Connection, table: str, run_id: int) -> int:
        if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
            raise RunNotFound(f"no run {run_id} in the bench history")
        (seq,) = conn.execute(
            f"SELECT COALESCE(MAX(seq), -1) + 1 FROM {table} WHERE run_id = ?", (run_id,)
        ).fetchone()
        return int(seq)

    def add_results(self, run_id: int, results: Sequence[BenchResult]) -> None:
        """Append results to a run, in one transaction. RunNotFound for an unknown run."""
        with self._write() as conn:
            seq = self._next_seq(conn, "results", run_id)
            conn.executemany(
                "INSERT INTO results (run_id, seq, name, procs, iters, values_json, config_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (run_id, i, r.name, r.procs, r.iters, json.dumps(r.values), _config_json(r))
                    for i, r in enumerate(results, start=seq)
                ),
            )

    def add_output(self, run_id: int, lines: Sequence[str]) -> None:
        """Append raw output lines to a run, in one transaction. RunNotFound for an unknown run."""
        with self._write() as conn:
            seq = self._next_seq(conn, "output", run_id)
            conn.executemany(
                "INSERT INTO output (run_id, seq, text) VALUES (?, ?, ?)",
                ((run_id, i, line) for i, line in enumerate(lines, start=seq)),
            )

    def set_noise(self, run_id: int, warnings: Sequence[str]) -> None:
        """Record the noise guard's warnings (known only once the run is over) with the run."""
        with self._write() as conn:
            row = conn.execute("SELECT meta FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise RunNotFound(f"no run {run_id} in the bench history")
            meta = json.loads(row[0])
            meta["noise"] = list(warnings)
            conn.execute("UPDATE runs SET meta = ? WHERE id = ?", (json.dumps(meta), run_id))

    def finish_run(self, run_id: int, status: str, error: str | None = None) -> bool:
        """End a run as done/failed/cancelled (ValueError otherwise).

        Returns False, changing nothing, when the run no longer exists or is not running.
        """
        if status not in FINAL_STATUSES:
            allowed = ", ".join(FINAL_STATUSES)
            raise ValueError(f"finish_run: status must be one of {allowed}, not {status!r}")
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, error = ?"
                " WHERE id = ? AND status = 'running'",
                (status, _now(), error, run_id),
            )
        self._forget(run_id)
        return cur.rowcount > 0

    def delete_run(self, run_id: int) -> bool:
        """Delete a run with its results and output; False if there was no such run."""
        with self._write() as conn:
            cur = conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        self._forget(run_id)
        return cur.rowcount > 0

    def _forget(self, run_id: int) -> None:
        self._own.discard(run_id)
        with _OPEN_RUNS_LOCK:
            _OPEN_RUNS.get(self._key, set()).discard(run_id)

    # -- reading ----------------------------------------------------------------------------

    @staticmethod
    def _info(row: tuple[Any, ...]) -> RunInfo:
        run_id, started, finished, status, meta, error, n_results, benchmarks = row
        try:
            data = json.loads(meta)
        except ValueError:
            data = {}
        return RunInfo(
            id=run_id,
            started_at=started,
            finished_at=finished,
            status=status,
            meta=RunMeta.from_json(data if isinstance(data, dict) else {}),
            error=error,
            n_results=n_results,
            benchmarks=benchmarks,
        )

    def list_runs(self, limit: int | None = None) -> list[RunInfo]:
        """Runs, newest first (at most ``limit``)."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs r ORDER BY r.id DESC LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [self._info(row) for row in rows]

    def get_run(self, run_id: int) -> StoredRun:
        """A run with its results and output; RunNotFound if there is no such run."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN")  # one consistent snapshot
            try:
                row = conn.execute(
                    f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.id = ?", (run_id,)
                ).fetchone()
                if row is None:
                    raise RunNotFound(f"no run {run_id} in the bench history")
                res_rows = conn.execute(
                    "SELECT name, procs, iters, values_json, config_json FROM results"
                    " WHERE run_id = ? ORDER BY seq",
                    (run_id,),
                ).fetchall()
                out_rows = conn.execute(
                    "SELECT text FROM output WHERE run_id = ? ORDER BY seq", (run_id,)
                ).fetchall()
                prof_rows = conn.execute(
                    "SELECT kind, benchmark, procs, path FROM profiles WHERE run_id = ? ORDER BY rowid", (run_id,)
                ).fetchall()
            finally:
                conn.execute("COMMIT")
        configs: dict[str, Mapping[str, str]] = {}
        results: list[BenchResult] = []
        for name, procs, iters, values_json, config_json in res_rows:
            cfg = configs.get(config_json)
            if cfg is None:
                cfg = configs[config_json] = MappingProxyType(json.loads(config_json))
            results.append(BenchResult(name, procs, iters, json.loads(values_json), cfg))
        return StoredRun(self._info(row), results, [text for (text,) in out_rows], [tuple(r) for r in prof_rows])

    def add_profile(self, run_id: int, kind: str, benchmark: str, procs: int, path: str) -> None:
        """Keep a profile captured from one of the run's results with the run (deleted with it)."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise RunNotFound(f"no run {run_id} in the bench history")
            conn.execute("INSERT INTO profiles (run_id, kind, benchmark, procs, path) VALUES (?, ?, ?, ?, ?)",
                         (run_id, kind, benchmark, procs, path))  # fmt: skip


# -- git -------------------------------------------------------------------------------------

# git status would otherwise refresh the index and take its lock behind the user's back.
_GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}


async def module_commit(package_dir: Path) -> tuple[str | None, bool | None]:
    """(HEAD commit, tree dirty) of the repo holding ``package_dir``; (None, None) if unknown.

    Dirty means tracked files differ from HEAD (untracked files do not count). Never raises.
    """
    try:
        head = await runner.run(
            ["git", "rev-parse", "HEAD"], cwd=package_dir, env=_GIT_ENV, timeout=GIT_TIMEOUT
        )
        sha = head.stdout[0].strip() if head.ok and head.stdout else ""
        if not sha or any(c not in "0123456789abcdef" for c in sha):
            return None, None
        status = await runner.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=package_dir,
            env=_GIT_ENV,
            timeout=GIT_TIMEOUT,
        )
    except (runner.RunnerError, OSError):
        return None, None
    if not status.ok:
        return sha, None
    return sha, any(line.strip() for line in status.stdout)
