"""Exports of a stored benchmark run: Go benchmark format (for benchstat), CSV and JSON.

Split from :mod:`m3tui.bench.history`: the history stores runs, this module only writes them
out; a file is written all or nothing through :func:`m3tui.core.files.atomic_write` (a symlink
is written through, devices, FIFOs and directories are refused). JSON is strict (no NaN).
Plain stdlib; never imports Textual.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from m3tui.bench.fmt import format_result
from m3tui.core.errors import UsageError
from m3tui.core.files import atomic_write
from m3tui.core.jsonout import dumps

if TYPE_CHECKING:
    from m3tui.bench.history import StoredRun

__all__ = [
    "EXPORT_FORMATS",
    "UnknownExportFormat",
    "export",
    "export_csv",
    "export_json",
    "export_text",
    "write_export",
]


def _config_key_ok(key: str) -> bool:
    """Whether :mod:`m3tui.bench.fmt` (and Go's benchfmt) would read ``key: value`` back as this key."""
    return (
        bool(key)
        and key[0].islower()
        and ":" not in key
        and not any(ch.isspace() or ch.isupper() for ch in key)
        and key not in ("panic", "fatal")
    )


def export_text(run: StoredRun) -> str:
    """The run in Go benchmark format, for benchstat.

    Config lines (``goos: …``) are written whenever the results' config changes, as go test
    prints them (a key that goes away is cleared with ``key:``), then one line per result.
    """
    lines: list[str] = []
    current: dict[str, str] = {}
    for r in run.results:
        want = {
            k: " ".join(v.split())
            for k, v in r.config.items()
            if _config_key_ok(k) and v.strip()
        }
        if want != current:
            lines.extend(f"{k}:" for k in current if k not in want)
            lines.extend(f"{k}: {v}" for k, v in want.items() if current.get(k) != v)
            current = want
        lines.append(format_result(r))
    return "".join(line + "\n" for line in lines)


def _format_value(v: float) -> str:
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def export_csv(run: StoredRun) -> str:
    """One row per (result, unit): ``run_id,name,procs,iters,unit,value``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["run_id", "name", "procs", "iters", "unit", "value"])
    for r in run.results:
        for unit, value in r.values.items():
            w.writerow([run.info.id, r.name, r.procs, r.iters, unit, _format_value(value)])
    return buf.getvalue()


def export_json(run: StoredRun) -> dict[str, Any]:
    """The whole run as a json.dumps-able dict, raw output included."""
    info = run.info
    return {
        "id": info.id,
        "started_at": info.started_at,
        "finished_at": info.finished_at,
        "status": info.status,
        "error": info.error,
        "meta": info.meta.to_json(),
        "results": [
            {
                "name": r.name,
                "procs": r.procs,
                "iters": r.iters,
                "values": dict(r.values),
                "config": dict(r.config),
            }
            for r in run.results
        ],
        "raw_output": list(run.raw_output),
        "profiles": [{"kind": k, "benchmark": b, "procs": p, "path": path} for k, b, p, path in run.profiles],
    }


EXPORT_FORMATS = ("text", "csv", "json")


class UnknownExportFormat(UsageError, ValueError):
    """An export format other than text, csv or json."""


def export(run: StoredRun, fmt: str) -> str:
    """The run as benchmark-format text (feedable to benchstat), CSV or JSON (±inf/NaN as null)."""
    if fmt == "text":
        return export_text(run)
    if fmt == "csv":
        return export_csv(run)
    if fmt == "json":
        return dumps(export_json(run)) + "\n"
    raise UnknownExportFormat(f"export format is one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")


def write_export(run: StoredRun, fmt: str, target: Path) -> None:
    """Write an export all or nothing, through a symlink; M3tuiError naming the file on failure
    (UsageError for a device, FIFO or directory, which is left as it is)."""
    atomic_write(target, export(run, fmt))


