"""What m3tui ran, and m3tui's own log.

Every run of :func:`m3tui.core.runner.run` that finishes is recorded here
(the runner calls :func:`record_run`, swallowing any error): in an in-memory
ring of the last 200 commands and appended as one JSON line to
``state_root()/logs/commands.jsonl`` (rotated at 5 MB to ``commands.jsonl.1``,
one old file kept). Each stream keeps only its last 500 lines.

m3tui's own log is ``state_root()/logs/m3tui.log``; :func:`setup_logging`
attaches a rotating handler (1 MB × 3) to the ``m3tui`` logger.

This module is plain Python and must never import Textual.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from m3tui.core.files import open_private, private_dir
from m3tui.core.redact import redact, redact_args

if TYPE_CHECKING:
    from m3tui.core.runner import RunResult

__all__ = [
    "CommandRecord",
    "clear",
    "commands_path",
    "load_file",
    "logs_dir",
    "own_log_path",
    "recent",
    "record",
    "record_run",
    "setup_logging",
]

RING_SIZE = 200
TAIL_LINES = 500
ROTATE_BYTES = 5 * 1024 * 1024
OWN_LOG_BYTES = 1024 * 1024
OWN_LOG_BACKUPS = 3

_lock = threading.Lock()
_ring: deque[CommandRecord] = deque(maxlen=RING_SIZE)


@dataclass(frozen=True)
class CommandRecord:
    argv: list[str]
    cwd: str | None
    started: str  # ISO 8601, UTC
    duration_s: float
    returncode: int | None
    timed_out: bool = False
    cancelled: bool = False
    stdout_tail: list[str] = field(default_factory=list)
    stderr_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.cancelled

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CommandRecord:
        return cls(
            argv=[str(a) for a in d["argv"]],
            cwd=d.get("cwd"),
            started=str(d["started"]),
            duration_s=float(d.get("duration_s", 0.0)),
            returncode=d.get("returncode"),
            timed_out=bool(d.get("timed_out", False)),
            cancelled=bool(d.get("cancelled", False)),
            stdout_tail=[str(x) for x in d.get("stdout_tail", [])],
            stderr_tail=[str(x) for x in d.get("stderr_tail", [])],
        )


def logs_dir() -> Path:
    from m3tui.core.config import state_root

    return state_root() / "logs"


def commands_path() -> Path:
    return logs_dir() / "commands.jsonl"


def own_log_path() -> Path:
    return logs_dir() / "m3tui.log"


def _tail(lines: Iterable[str]) -> list[str]:
    if isinstance(lines, Sequence):
        return list(lines[-TAIL_LINES:])
    return list(deque(lines, maxlen=TAIL_LINES))


def record(rec: CommandRecord) -> None:
    """Add ``rec`` to the ring and append it to ``commands.jsonl`` (rotating at 5 MB)."""
    line = rec.to_json() + "\n"
    data = line.encode("utf-8", "surrogatepass")
    with _lock:
        _ring.append(rec)
        path = commands_path()
        private_dir(path.parent)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size and size + len(data) > ROTATE_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
        fd = open_private(path)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def record_run(
    argv: Sequence[str],
    cwd: str | os.PathLike[str] | None,
    started: float | datetime,
    duration: float,
    result: RunResult,
    *,
    tails: Mapping[str, Iterable[str]] | None = None,
) -> CommandRecord:
    """Record one finished runner run.

    ``started`` is a wall-clock time (epoch seconds or datetime). ``tails``
    holds the lines teed from ``on_batch`` when the run did not capture
    (``capture=False``), per stream; they are used when the result has none.
    """
    if isinstance(started, datetime):
        when = started.astimezone(UTC)
    else:
        when = datetime.fromtimestamp(started, UTC)
    out = list(result.stdout)
    err = list(result.stderr)
    if tails:
        out = out or list(tails.get("stdout", ()))
        err = err or list(tails.get("stderr", ()))
    rec = CommandRecord(  # redacted here: the ring, the file and the Commands view all show this
        argv=redact_args(str(a) for a in argv),
        cwd=None if cwd is None else redact(os.fspath(cwd)),
        started=when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        duration_s=round(float(duration), 6),
        returncode=result.returncode,
        timed_out=result.timed_out,
        cancelled=result.cancelled,
        stdout_tail=[redact(line) for line in _tail(out)],
        stderr_tail=[redact(line) for line in _tail(err)],
    )
    record(rec)
    return rec


def recent() -> list[CommandRecord]:
    """The last (up to 200) commands recorded by this process, oldest first."""
    with _lock:
        return list(_ring)


def clear() -> None:
    """Empty the in-memory ring (the file is kept)."""
    with _lock:
        _ring.clear()


def load_file(path: Path | None = None) -> list[CommandRecord]:
    """Records from ``commands.jsonl.1`` then ``commands.jsonl``; bad lines are skipped."""
    main = path or commands_path()
    out: list[CommandRecord] = []
    for p in (main.with_name(main.name + ".1"), main):
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        out.append(CommandRecord.from_dict(json.loads(line)))
                    except (ValueError, KeyError, TypeError):
                        continue
        except OSError:
            continue
    return out


class RedactingFormatter(logging.Formatter):
    """m3tui's own log lines, with URL credentials masked like everything else m3tui writes."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: int = logging.INFO) -> logging.Handler:
    """Send the ``m3tui`` logger to ``own_log_path()`` (rotating, 1 MB × 3). Idempotent."""
    import logging.handlers  # here, not at the top: only the TUI logs, every command records runs

    logger = logging.getLogger("m3tui")
    path = own_log_path()
    for h in logger.handlers:
        if isinstance(h, logging.handlers.RotatingFileHandler) and Path(h.baseFilename) == path:
            return h
    private_dir(path.parent)

    class PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
        """Each file it opens (the first, and each after a rollover) is 0600."""

        def _open(self) -> Any:
            os.close(open_private(Path(self.baseFilename)))
            return super()._open()

    handler = PrivateRotatingHandler(path, maxBytes=OWN_LOG_BYTES, backupCount=OWN_LOG_BACKUPS, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler
