"""Drift: record the environment once (`m3tui doctor --save-baseline`), list what changed since.

The snapshot holds what silently breaks builds when it changes: a subset of go env
(never GOGCCFLAGS, which holds a random temp dir), the go binaries on PATH with their
versions, and the host's architecture facts.

It holds no secret: values are kept as the doctor shows them, credentials masked
(``https://user:***@host``), so a changed password is not drift. The file is private state:
0600 in a 0700 directory, written all-or-nothing (core.files); one an earlier version wrote
0644 is tightened when it is read or saved. Reading it never blocks (a FIFO is refused) and
reads at most `BASELINE_LIMIT` bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from m3tui.core import files
from m3tui.core.config import state_root
from m3tui.core.errors import M3tuiError, UsageError, strerror
from m3tui.core.host import host_info
from m3tui.doctor import model
from m3tui.doctor.checks_go import active_go, go_env, gos_on_path, local_version
from m3tui.doctor.model import Check, DoctorContext, Finding, Group, Status

BASELINE_FILE = "doctor-baseline.json"
SNAPSHOT_ENV_KEYS = (
    "GOROOT", "GOPATH", "GOBIN", "GOOS", "GOARCH", "GOFLAGS", "GOPROXY", "GOSUMDB",
    "GOPRIVATE", "GONOSUMDB", "GOINSECURE", "GO111MODULE", "CGO_ENABLED",
)  # fmt: skip
#: A baseline is about 1 KB; a bigger file is not one.
BASELINE_LIMIT = 1 << 20


def baseline_path() -> Path:
    return state_root() / BASELINE_FILE


async def snapshot(ctx: DoctorContext) -> dict[str, Any]:
    """This environment, as the baseline keeps it (credentials masked)."""
    env = await go_env(ctx)
    version = await local_version(ctx)
    host = host_info()
    go = active_go(ctx)
    data: dict[str, Any] = ctx.redacted({
        "go_env": {k: env.get(k, "") for k in SNAPSHOT_ENV_KEYS},
        "GOTOOLCHAIN": ctx.env.get("GOTOOLCHAIN", ""),
        "go": {"path": str(go.path) if go else None, "version": version.version if version else None},
        "gos_on_path": [str(g.path) for g in gos_on_path(ctx)],
        "host": {"goos": host.goos, "goarch": host.goarch, "translated": host.translated},
    })  # fmt: skip
    return data


def _tighten(path: Path) -> None:
    with contextlib.suppress(OSError):  # not ours to chmod, a read-only file system: the write says why
        files.tighten(path, files.PRIVATE_FILE)


def save_baseline(data: dict[str, Any], path: Path | None = None) -> Path:
    """Write the baseline all-or-nothing, 0600 in a 0700 directory; return where it went.

    Raises M3tuiError (exit 3) naming the path and the cause when it cannot be written (a
    read-only or missing state root, one that is a file, a baseline that is a directory…).
    """
    path = path or baseline_path()
    text = json.dumps({"schema": 1, "snapshot": data}, indent=2, sort_keys=True, ensure_ascii=False)
    files.private_dir(path.parent)
    _tighten(path)  # one an earlier version wrote 0644: the new file keeps the old one's mode
    try:
        written = files.atomic_write(path, text, mode=files.PRIVATE_FILE)
    except UsageError as exc:  # the baseline is a directory, a FIFO…: broken state, not bad usage
        raise M3tuiError(str(exc)) from None
    _tighten(written)
    return written


def load_baseline(path: Path) -> dict[str, Any] | None:
    """The saved snapshot; None when there is none. Raises M3tuiError when it cannot be used."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise M3tuiError(f"cannot read {path}: {strerror(exc)}") from None
    _tighten(path)
    raw = files.read_input(path, limit=BASELINE_LIMIT, what="baseline")
    try:
        saved = json.loads(raw.decode("utf-8", "replace"))["snapshot"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise M3tuiError(f"baseline {path} is not a baseline ({type(exc).__name__})") from None
    if not isinstance(saved, dict):
        raise M3tuiError(f"baseline {path} is not a baseline (its snapshot is not an object)")
    return saved


def diff(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Human lines for every leaf that differs: 'go_env.GOPROXY: a -> b'."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in sorted(set(old) | set(new)):
            lines += diff(old.get(key), new.get(key), f"{prefix}{key}.")
        return lines
    if old != new:
        if isinstance(old, list) and isinstance(new, list):
            added = [x for x in new if x not in old]
            removed = [x for x in old if x not in new]
            parts = [f"+{x}" for x in added] + [f"-{x}" for x in removed] or ["order changed"]
            return [f"{prefix.rstrip('.')}: {', '.join(map(str, parts))}"]
        return [f"{prefix.rstrip('.')}: {old!r} -> {new!r}"]
    return []


async def check_drift(ctx: DoctorContext) -> list[Finding]:
    path = baseline_path()
    try:
        saved = load_baseline(path)
        if saved is not None:
            # One an earlier version saved may hold credentials: masked like the new snapshot's.
            saved_env = saved.get("go_env")
            if isinstance(saved_env, Mapping):
                ctx.add_secrets(str(v) for k, v in saved_env.items() if k in model.SECRET_SETTINGS)
            saved = ctx.redacted(saved)
            changes = diff(saved, await snapshot(ctx))
    except M3tuiError as exc:
        return [Finding("drift.baseline", Group.DRIFT, Status.WARN, f"the baseline is unreadable: {exc}",
                        "", "m3tui doctor --save-baseline")]  # fmt: skip
    except RecursionError:
        return [Finding("drift.baseline", Group.DRIFT, Status.WARN, f"the baseline is unreadable: {path} is nested too deep",
                        "", "m3tui doctor --save-baseline")]  # fmt: skip
    if saved is None:
        return [Finding("drift.baseline", Group.DRIFT, Status.SKIPPED, "no baseline saved",
                        "", "m3tui doctor --save-baseline")]  # fmt: skip
    data = {"baseline": str(path), "changes": changes}
    if changes:
        summary = f"{len(changes)} change{'s' if len(changes) != 1 else ''} since the baseline: {changes[0]}"
        return [Finding("drift.baseline", Group.DRIFT, Status.WARN, summary, "\n".join(changes),
                        "if intended: m3tui doctor --save-baseline", data)]  # fmt: skip
    return [Finding("drift.baseline", Group.DRIFT, Status.OK, "nothing changed since the baseline", str(path), "", data)]


DRIFT_CHECKS: list[Check] = [check_drift]
