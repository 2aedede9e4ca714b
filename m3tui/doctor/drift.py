"""Drift: record the environment once (`m3tui doctor --save-baseline`), list what changed since.

The snapshot holds what silently breaks builds when it changes: a subset of go env
(never GOGCCFLAGS, which holds a random temp dir), the go binaries on PATH with their
versions, and the host's architecture facts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from m3tui.core.config import state_root
from m3tui.core.host import host_info
from m3tui.doctor.checks_go import active_go, go_env, gos_on_path, local_version
from m3tui.doctor.model import Check, DoctorContext, Finding, Group, Status

BASELINE_FILE = "doctor-baseline.json"
SNAPSHOT_ENV_KEYS = (
    "GOROOT", "GOPATH", "GOBIN", "GOOS", "GOARCH", "GOFLAGS", "GOPROXY", "GOSUMDB",
    "GOPRIVATE", "GONOSUMDB", "GOINSECURE", "GO111MODULE", "CGO_ENABLED",
)  # fmt: skip


def baseline_path() -> Path:
    return state_root() / BASELINE_FILE


async def snapshot(ctx: DoctorContext) -> dict[str, Any]:
    env = await go_env(ctx)
    version = await local_version(ctx)
    host = host_info()
    go = active_go(ctx)
    return {
        "go_env": {k: env.get(k, "") for k in SNAPSHOT_ENV_KEYS},
        "GOTOOLCHAIN": ctx.env.get("GOTOOLCHAIN", ""),
        "go": {"path": str(go.path) if go else None, "version": version.version if version else None},
        "gos_on_path": [str(g.path) for g in gos_on_path(ctx)],
        "host": {"goos": host.goos, "goarch": host.goarch, "translated": host.translated},
    }


def save_baseline(data: dict[str, Any], path: Path | None = None) -> Path:
    """Write atomically (temp file + rename): an interrupted save never leaves half a file."""
    import tempfile  # here, not at the top: only --save-baseline writes

    path = path or baseline_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".baseline-", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump({"schema": 1, "snapshot": data}, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)
    return path


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
        saved = json.loads(path.read_text())["snapshot"]
    except FileNotFoundError:
        return [Finding("drift.baseline", Group.DRIFT, Status.SKIPPED, "no baseline saved",
                        "", "m3tui doctor --save-baseline")]  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [Finding("drift.baseline", Group.DRIFT, Status.WARN, f"baseline {path} is unreadable ({exc.__class__.__name__})",
                        "", "m3tui doctor --save-baseline")]  # fmt: skip
    changes = diff(saved, await snapshot(ctx))
    data = {"baseline": str(path), "changes": changes}
    if changes:
        summary = f"{len(changes)} change{'s' if len(changes) != 1 else ''} since the baseline: {changes[0]}"
        return [Finding("drift.baseline", Group.DRIFT, Status.WARN, summary, "\n".join(changes),
                        "if intended: m3tui doctor --save-baseline", data)]  # fmt: skip
    return [Finding("drift.baseline", Group.DRIFT, Status.OK, "nothing changed since the baseline", str(path), "", data)]


DRIFT_CHECKS: list[Check] = [check_drift]
