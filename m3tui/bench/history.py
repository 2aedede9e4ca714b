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
* a damaged file (``PRAGMA quick_check`` fails, damaged pages, or not SQLite at all) is moved
  aside on open, as ``bench-history.sqlite3.corrupt-<time>`` (with its -wal and -shm), never
  deleted; a one-line notice says so (`take_notices`, shown by both fronts) and a fresh history
  starts. A schema newer than this code, a directory or FIFO at the path, or a file m3tui may
  not write raise :class:`HistoryError` naming the file, which is left as it is.
* every SQLite error of an operation is a :class:`HistoryError` naming the file (never a bare
  ``sqlite3.Error``); run ids out of SQLite's range are simply not found.
* private: the file (and its -wal, -shm, -journal) is 0600 in a 0700 directory, tightened when
  an earlier version made it looser; what it keeps that can hold command lines, environment or
  output (the run's command and flags, errors, raw output, configs) is redacted
  (:mod:`m3tui.core.redact`) when stored and again when read (rows of earlier versions).

Exports of a stored run (benchmark format, CSV, JSON) are in :mod:`m3tui.bench.export`.

Long because: what is left is one store, the :class:`History` class (about 400 lines) with the
records it reads and writes, the process checks its recovery needs, and the checks on open
(damage, permissions). Its crash-safety rules above hold only if every transaction and every
open follows them, so they are kept where they can be read against each other rather than
spread over modules.

Plain stdlib (plus psutil for process checks); never imports Textual.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self

from m3tui.bench.fmt import BenchResult
from m3tui.core import runner
from m3tui.core.config import state_root
from m3tui.core.errors import M3tuiError, strerror
from m3tui.core.files import PRIVATE_DIR, PRIVATE_FILE, kind_of, private_dir, tighten
from m3tui.core.redact import redact, redact_data

if TYPE_CHECKING:
    from m3tui.bench.run import BenchSpec

__all__ = [
    "DB_NAME",
    "FINAL_STATUSES",
    "INTERRUPTED_ERROR",
    "MAX_RUN_ID",
    "SCHEMA_VERSION",
    "STATUSES",
    "History",
    "HistoryError",
    "RunInfo",
    "RunMeta",
    "RunNotFound",
    "StoredRun",
    "db_path",
    "module_commit",
    "take_notices",
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
#: The largest run id (SQLite's INTEGER is 64-bit signed); larger ones are simply not found.
MAX_RUN_ID = 2**63 - 1
#: SQLite's primary result codes for a damaged file (sqlite3.h): SQLITE_CORRUPT, SQLITE_NOTADB.
_DAMAGED_CODES = frozenset({11, 26})
#: The files SQLite keeps beside the database.
_SIDE_FILES = ("-wal", "-shm", "-journal")
_SQLITE_HEADER = b"SQLite format 3\x00"

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


# Notices for the user (a damaged history moved aside), kept until a front shows them.
_NOTICES: list[str] = []
_NOTICES_LOCK = threading.Lock()


def take_notices() -> list[str]:
    """The one-line notices of this process's history opens not shown yet (and forget them)."""
    with _NOTICES_LOCK:
        out = list(_NOTICES)
        _NOTICES.clear()
    return out


def _notice(text: str) -> None:
    with _NOTICES_LOCK:
        _NOTICES.append(text)


class _Damaged(Exception):
    """The file at the history's path is damaged (or not SQLite): move it aside, start again."""

    def __init__(self, why: str, identity: tuple[int, int] | None) -> None:
        super().__init__(why)
        self.why = why
        self.identity = identity  # (st_dev, st_ino) of the damaged file


def _is_damaged(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _DAMAGED_CODES
    text = str(exc)
    return "malformed" in text or "not a database" in text


def _check_id(run_id: int) -> None:
    """RunNotFound for an id no SQLite row can have (negative, or past 64 bits: OverflowError)."""
    if isinstance(run_id, bool) or not isinstance(run_id, int) or not 0 <= run_id <= MAX_RUN_ID:
        raise RunNotFound(f"no run {run_id} in the bench history")


# Files whose quick_check passed in this process, by (path, device, inode, size, mtime): a file
# is checked again once anything (a checkpoint, another program) has written to it.
_CHECKED: set[tuple[str, int, int, int, int]] = set()


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
    # (version, go binary) of each toolchain run, side A first: what a re-run runs (bench.toolchains)
    toolchains: tuple[tuple[str, str], ...] = ()
    # (label, commit, dirty) of each revision compared, side A first (bench.revisions); a
    # working-tree snapshot's commit is kept under refs/m3tui/snapshots/, so a re-run repeats it
    revisions: tuple[tuple[str, str, bool], ...] = ()

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
        toolchains: Sequence[tuple[str, str]] = (),
        revisions: Sequence[tuple[str, str, bool]] = (),
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
            toolchains=tuple((str(v), str(g)) for v, g in toolchains),
            revisions=tuple((str(label), str(commit), bool(dirty)) for label, commit, dirty in revisions),
        )

    def to_json(self) -> dict[str, Any]:
        """A json.dumps-able dict (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = [list(x) if isinstance(x, tuple) else x for x in v] if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunMeta:
        """Inverse of :meth:`to_json`; tolerates missing or unknown keys, and values of the wrong type."""
        text: Any = data.get
        return cls(
            command=_strs(text("command")),
            package=_str(text("package")) or "",
            package_dir=_str(text("package_dir")) or "",
            bench=_str(text("bench")) or "",
            cpu=tuple(v for v in _list(text("cpu")) if isinstance(v, int) and not isinstance(v, bool)),
            count=_int(text("count")),
            benchtime=_str(text("benchtime")),
            benchmem=text("benchmem") is True,
            extra=_strs(text("extra")),
            go_version=_str(text("go_version")),
            goos=_str(text("goos")),
            goarch=_str(text("goarch")),
            cpu_model=_str(text("cpu_model")),
            commit=_str(text("commit")),
            dirty=v if isinstance(v := text("dirty"), bool) else None,
            label=_str(text("label")),
            noise=_strs(text("noise")),
            toolchains=tuple((p[0], p[1]) for p in _list(text("toolchains"))
                             if isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)),
            revisions=tuple((p[0], p[1], p[2]) for p in _list(text("revisions"))
                            if isinstance(p, list) and len(p) == 3 and isinstance(p[0], str)
                            and isinstance(p[1], str) and isinstance(p[2], bool)),
        )


def _str(v: object) -> str | None:
    return v if isinstance(v, str) else None


def _list(v: object) -> list[Any]:
    return v if isinstance(v, list) else []


def _strs(v: object) -> tuple[str, ...]:
    return tuple(x for x in _list(v) if isinstance(x, str))


def _int(v: object) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


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
    damaged: tuple[str, ...] = ()  # what of the row could not be read (damaged in place): "its settings", …


@dataclass
class StoredRun:
    """A run with its results (arrival order, configs restored) and raw output lines."""

    info: RunInfo
    results: list[BenchResult] = field(default_factory=list)
    raw_output: list[str] = field(default_factory=list)
    profiles: list[tuple[str, str, int, str]] = field(default_factory=list)  # (kind, benchmark, procs, path)
    damaged: tuple[str, ...] = ()  # what could not be read: the run's settings, results (shown without them)


# Runs being written by History objects of this process, per database file: a second
# History on the same file must not take them for leftovers of a dead process.
_OPEN_RUNS: dict[str, set[int]] = {}
_OPEN_RUNS_LOCK = threading.Lock()


def _loads_dict(text: object) -> dict[str, Any]:
    """A JSON object stored by this module; {} for anything else (a row damaged in place)."""
    data = _loads_obj(text)
    return {} if data is None else data


def _loads_obj(text: object) -> dict[str, Any] | None:
    """A JSON object stored by this module; None for anything else (a row damaged in place)."""
    try:
        data = json.loads(text) if isinstance(text, (str, bytes)) else None
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


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
    return json.dumps({k: redact(v) for k, v in r.config.items()})


def _one_line(exc: BaseException | str, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class History:
    """The run history database. Use as a context manager, or call :meth:`close`.

    Safe to share between threads (calls are serialised); each method is one transaction.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else db_path()
        self._key = os.path.abspath(self.path)
        self._lock = threading.RLock()
        self._own: set[int] = set()
        #: The one-line notice when this open found the file damaged and moved it aside.
        self.notice: str | None = None
        self._conn = self._open_checked()
        try:
            #: Ids of the runs :meth:`recover` marked interrupted when this History opened.
            self.recovered: list[int] = self.recover()
        except BaseException:
            self._conn.close()
            raise

    # -- opening ----------------------------------------------------------------------------

    def _open_checked(self) -> sqlite3.Connection:
        """Open; a damaged file is moved aside (with a notice) and a fresh history started."""
        try:
            return self._open()
        except _Damaged as damaged:
            why, moved = damaged.why, self._move_aside(damaged)
        if moved is None:  # another m3tui moved it first (and perhaps started the new one)
            self.notice = f"bench history {self.path} was damaged ({why}): it was moved aside meanwhile"
        else:
            self.notice = f"bench history {self.path} was damaged ({why}): moved it aside to {moved.name} and started a new one"
        _notice(self.notice)
        try:
            return self._open()
        except _Damaged as again:
            raise HistoryError(f"bench history {self.path} is damaged again after starting anew: {again.why}") from None

    def _prepare_file(self) -> tuple[int, int, int, int]:
        """The file made (0600) or checked: a regular file we may write, tightened if loose.

        Returns its (device, inode, size, mtime); raises _Damaged when it is not SQLite at all.
        """
        parent = self.path.parent
        try:
            if not parent.is_dir():
                private_dir(parent)  # made 0700 (parents too)
            elif parent.stat().st_uid == os.geteuid():
                tighten(parent, PRIVATE_DIR)  # someone else's directory is not ours to change
            if not os.access(parent, os.W_OK | os.X_OK):  # SQLite makes its -wal and -shm there
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        except M3tuiError as exc:
            raise HistoryError(f"cannot use the bench history {self.path}: {exc}") from None
        except OSError as exc:
            raise HistoryError(f"cannot use the bench history {self.path}: cannot write to {parent}: {strerror(exc)}") from None
        flags = os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, PRIVATE_FILE)
        except OSError as exc:
            with contextlib.suppress(OSError):
                mode = os.stat(self.path).st_mode
                if not stat.S_ISREG(mode):
                    raise HistoryError(f"bench history {self.path} is {kind_of(mode)}, not a database file") from None
            if exc.errno == errno.EISDIR:
                raise HistoryError(f"bench history {self.path} is a directory, not a database file") from None
            raise HistoryError(f"cannot open the bench history {self.path}: {strerror(exc)}") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise HistoryError(f"bench history {self.path} is {kind_of(st.st_mode)}, not a database file")
            if stat.S_IMODE(st.st_mode) & 0o077:
                with contextlib.suppress(OSError):  # not ours to change: leave it
                    os.fchmod(fd, stat.S_IMODE(st.st_mode) & PRIVATE_FILE)
            header = os.pread(fd, len(_SQLITE_HEADER), 0)
        except OSError as exc:
            raise HistoryError(f"cannot read the bench history {self.path}: {strerror(exc)}") from None
        finally:
            os.close(fd)
        identity = (st.st_dev, st.st_ino)
        for suffix in _SIDE_FILES:
            with contextlib.suppress(OSError):
                tighten(Path(f"{self.path}{suffix}"))
        if header and header != _SQLITE_HEADER:
            raise _Damaged("not an SQLite database", identity)
        return (*identity, st.st_size, st.st_mtime_ns)

    def _open(self) -> sqlite3.Connection:
        stamp = self._prepare_file()
        identity, checked = stamp[:2], (self._key, *stamp)
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open the bench history {self.path}: {_one_line(exc)}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Reading the header first: a non-database fails here, before anything is written.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            self._check_version(version)
            if checked not in _CHECKED:
                problems = [row[0] for row in conn.execute("PRAGMA quick_check(1)").fetchall()]
                if problems != ["ok"]:
                    raise _Damaged(_one_line("; ".join(map(str, problems))), identity)
                _CHECKED.add(checked)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if version == SCHEMA_VERSION:
                return conn  # the schema is there: opening writes nothing
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
        except sqlite3.Error as exc:
            conn.close()
            _CHECKED.discard(checked)
            if _is_damaged(exc):
                raise _Damaged(_one_line(exc), identity) from None
            raise HistoryError(f"cannot open the bench history {self.path}: {_one_line(exc)}") from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _move_aside(self, damaged: _Damaged) -> Path | None:
        """Rename the damaged file (and its -wal, -shm, -journal) to ``<name>.corrupt-<time>``.

        None when the file at the path is no longer the damaged one (another m3tui moved it).
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while any(os.path.lexists(f"{target}{suffix}") for suffix in ("", *_SIDE_FILES)):
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None  # another m3tui moved it first
        except OSError as exc:
            raise HistoryError(f"bench history {self.path} is damaged ({damaged.why}) and cannot be moved aside: {strerror(exc)}") from None
        if damaged.identity is not None and (st.st_dev, st.st_ino) != damaged.identity:
            return None  # already replaced by another m3tui: that one is not ours to move
        try:
            os.rename(self.path, target)
        except OSError as exc:
            raise HistoryError(f"bench history {self.path} is damaged ({damaged.why}) and cannot be moved aside: {strerror(exc)}") from None
        for suffix in _SIDE_FILES:
            with contextlib.suppress(FileNotFoundError):
                os.rename(f"{self.path}{suffix}", f"{target}{suffix}")
        return target

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"bench history {self.path} was written by a newer m3tui"
                f" (schema {version}, this one knows {SCHEMA_VERSION})"
            )

    @contextlib.contextmanager
    def _errors(self, verb: str) -> Iterator[None]:
        """SQLite's errors as HistoryError lines naming the file (a damaged one is rechecked at the next open)."""
        try:
            yield
        except sqlite3.Error as exc:
            if _is_damaged(exc):
                _CHECKED.difference_update([c for c in _CHECKED if c[0] == self._key])
                raise HistoryError(
                    f"bench history {self.path} is damaged ({_one_line(exc)}): the next m3tui that opens it moves it aside"
                ) from None
            raise HistoryError(f"cannot {verb} the bench history {self.path}: {_one_line(exc)}") from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (no lock upgrade deadlocks)."""
        with self._lock, self._errors("write"):
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
                    (_now(), os.getpid(), started, json.dumps(redact_data(meta.to_json()))),
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
        _check_id(run_id)
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
        _check_id(run_id)
        with self._write() as conn:
            seq = self._next_seq(conn, "output", run_id)
            conn.executemany(
                "INSERT INTO output (run_id, seq, text) VALUES (?, ?, ?)",
                ((run_id, i, redact(line)) for i, line in enumerate(lines, start=seq)),
            )

    def set_noise(self, run_id: int, warnings: Sequence[str]) -> None:
        """Record the noise guard's warnings (known only once the run is over) with the run."""
        _check_id(run_id)
        with self._write() as conn:
            row = conn.execute("SELECT meta FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise RunNotFound(f"no run {run_id} in the bench history")
            meta = _loads_dict(row[0])
            meta["noise"] = [redact(w) for w in warnings]
            conn.execute("UPDATE runs SET meta = ? WHERE id = ?", (json.dumps(meta), run_id))

    def finish_run(self, run_id: int, status: str, error: str | None = None) -> bool:
        """End a run as done/failed/cancelled (ValueError otherwise).

        Returns False, changing nothing, when the run no longer exists or is not running.
        """
        if status not in FINAL_STATUSES:
            allowed = ", ".join(FINAL_STATUSES)
            raise ValueError(f"finish_run: status must be one of {allowed}, not {status!r}")
        _check_id(run_id)
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, error = ?"
                " WHERE id = ? AND status = 'running'",
                (status, _now(), None if error is None else redact(error), run_id),
            )
        self._forget(run_id)
        return cur.rowcount > 0

    def delete_run(self, run_id: int) -> bool:
        """Delete a run with its results and output; False if there was no such run."""
        try:
            _check_id(run_id)
        except RunNotFound:
            return False
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
        """A run row as read; its text redacted (rows of earlier versions were stored as they came)."""
        run_id, started, finished, status, meta, error, n_results, benchmarks = row
        meta_data = _loads_obj(meta)
        return RunInfo(
            id=int(run_id),
            started_at=str(started),
            finished_at=None if finished is None else str(finished),
            status=str(status),
            meta=RunMeta.from_json(redact_data(meta_data or {})),
            error=None if error is None else redact(str(error)),
            n_results=int(n_results),
            benchmarks=int(benchmarks),
            damaged=() if meta_data is not None else ("its settings (command, package) are not readable",),
        )

    def list_runs(self, limit: int | None = None) -> list[RunInfo]:
        """Runs, newest first (at most ``limit``, 0 to MAX_RUN_ID; ValueError otherwise)."""
        if limit is not None and not 0 <= limit <= MAX_RUN_ID:
            raise ValueError(f"list_runs: limit must be from 0 to {MAX_RUN_ID}, not {limit}")
        with self._lock, self._errors("read"):
            rows = self._conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs r ORDER BY r.id DESC LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [self._info(row) for row in rows]

    def get_run(self, run_id: int) -> StoredRun:
        """A run with its results and output; RunNotFound if there is no such run."""
        _check_id(run_id)
        with self._lock, self._errors("read"):
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
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("COMMIT")
        configs: dict[object, Mapping[str, str] | None] = {}
        results: list[BenchResult] = []
        unreadable = bad_configs = 0
        for name, procs, iters, values_json, config_json in res_rows:
            values = {str(k): float(v) for k, v in (_loads_obj(values_json) or {}).items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool)}  # fmt: skip
            if not values or not isinstance(name, str) or not isinstance(procs, int) or not isinstance(iters, int):
                unreadable += 1  # a row damaged past reading: the others still stand
                continue
            if config_json not in configs:
                data = _loads_obj(config_json)
                configs[config_json] = None if data is None else MappingProxyType({str(k): redact(str(v)) for k, v in data.items()})
            cfg = configs[config_json]
            if cfg is None:  # the result stands, without its configuration
                bad_configs += 1
                cfg = MappingProxyType({})
            results.append(BenchResult(name, procs, iters, values, cfg))
        info = self._info(row)
        damaged = list(info.damaged)
        if unreadable:
            damaged.append(f"{unreadable} of {len(res_rows)} results are not readable (left out)")
        if bad_configs:
            damaged.append(f"the configuration of {bad_configs} results is not readable")
        return StoredRun(
            info,
            results,
            [redact(str(text)) for (text,) in out_rows],
            [(str(k), str(b), int(p), str(path)) for k, b, p, path in prof_rows],
            damaged=tuple(damaged),
        )

    def add_profile(self, run_id: int, kind: str, benchmark: str, procs: int, path: str) -> None:
        """Keep a profile captured from one of the run's results with the run (deleted with it)."""
        _check_id(run_id)
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
