"""The doctor's vocabulary: what a check returns, and what every check may read.

A check is an async function ``(ctx: DoctorContext) -> list[Finding]``. It returns its
findings (usually one); raising is allowed and becomes a `crashed` finding, so one
broken probe never hides the others.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    ERROR = "error"
    SKIPPED = "skipped"
    CRASHED = "crashed"

    @property
    def rank(self) -> int:
        """Worst first: error, crashed, warn, then ok, then skipped (nothing was learnt)."""
        return _RANK[self]


_RANK = {Status.ERROR: 0, Status.CRASHED: 1, Status.WARN: 2, Status.OK: 3, Status.SKIPPED: 4}


class Group(StrEnum):
    SYSTEM = "System"
    GO = "Go"
    NETWORK = "Network"
    DRIFT = "Drift"


@dataclass(frozen=True)
class Finding:
    """One check's result: a one-line summary, the detail, and how to fix it."""

    id: str  # stable, dotted: "go.path", "system.rosetta", "network.proxy"
    group: Group
    status: Status
    summary: str
    detail: str = ""
    fix: str = ""  # a command or an instruction; empty when nothing is to be done
    data: Mapping[str, Any] = field(default_factory=dict)  # machine-readable facts (JSON-safe)

    @property
    def is_problem(self) -> bool:
        return self.status in (Status.WARN, Status.ERROR, Status.CRASHED)


@dataclass
class DoctorContext:
    """What checks read: the environment, the directory, and whether the network is off-limits."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)
    offline: bool = False
    # Memo for probes that several checks share (e.g. `go env`), keyed by name.
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    async def shared(self, key: str, factory: Callable[[], Awaitable[T]]) -> T:
        """Run ``factory`` once per context, even when several checks ask at the same time."""
        import asyncio

        task: asyncio.Future[T] | None = self._memo.get(key)
        if task is None:
            task = asyncio.ensure_future(factory())
            self._memo[key] = task
        return await asyncio.shield(task)


Check = Callable[[DoctorContext], Awaitable[list[Finding]]]
