"""Running the doctor: every check at once, findings streamed as each finishes.

Local checks and network checks start together; the network ones have short
timeouts, so they tend to finish last without holding anything up. A check that
raises becomes one `crashed` finding: one broken probe never hides the others.

One deadline for the whole run, `DEADLINE` seconds: every go command and request gets
what is left of it as its timeout (`DoctorContext.time_left`), so commands that run one
after the other cannot add up beyond it; a check still running `GRACE` seconds after it
(which no check should be) is stopped and reported as such.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypedDict

from m3tui.doctor.checks_go import GO_CHECKS
from m3tui.doctor.checks_network import NETWORK_CHECKS
from m3tui.doctor.checks_shell import SHELL_CHECKS
from m3tui.doctor.checks_system import MAC_TOOL_CHECKS, SYSTEM_CHECKS
from m3tui.doctor.drift import DRIFT_CHECKS, save_baseline, snapshot
from m3tui.doctor.model import Check, DoctorContext, Finding, Group, Status

__all__ = [
    "ALL_CHECKS", "DEADLINE", "GRACE", "SCHEMA", "Check", "CheckJSON", "DoctorContext", "DoctorJSON", "Finding", "Group",
    "Status", "exit_status", "run_doctor", "save_baseline", "snapshot", "sort_findings", "to_json",
]  # fmt: skip

SCHEMA = 2  # 2: each check's `fixes` (what `doctor --fix` would change, and how it is undone)
#: Seconds the whole doctor may take (a hung `go` is stopped then, and said to be).
DEADLINE = 20.0
#: After the deadline, what a check gets to stop its commands before it is cancelled.
GRACE = 2.0
GROUP_ORDER = (Group.SYSTEM, Group.GO, Group.NETWORK, Group.DRIFT)
ALL_CHECKS: list[tuple[Group, Check]] = [
    *((Group.SYSTEM, c) for c in SYSTEM_CHECKS),
    *((Group.SYSTEM, c) for c in MAC_TOOL_CHECKS),
    *((Group.GO, c) for c in GO_CHECKS),
    *((Group.GO, c) for c in SHELL_CHECKS),
    *((Group.DRIFT, c) for c in DRIFT_CHECKS),
    *((Group.NETWORK, c) for c in NETWORK_CHECKS),
]


def _crashed(group: Group, check: Check, exc: BaseException) -> Finding:
    name = check.__name__.removeprefix("check_")
    message = str(exc).splitlines()[0] if str(exc) else ""
    summary = f"the {name} check crashed: {exc.__class__.__name__}" + (f": {message[:200]}" if message else "")
    return Finding(f"{group.value.lower()}.{name}", group, Status.CRASHED, summary, "", "please report this")


def _overdue(group: Group, check: Check, waited: float) -> Finding:
    name = check.__name__.removeprefix("check_")
    summary = f"the {name} check did not finish in {waited:.1f} s: stopped"
    return Finding(f"{group.value.lower()}.{name}", group, Status.ERROR, summary, "", "please report this")


async def run_doctor(
    ctx: DoctorContext,
    on_finding: Callable[[Finding], None] | None = None,
    checks: Sequence[tuple[Group, Check]] = ALL_CHECKS,
    *,
    deadline: float = DEADLINE,
) -> list[Finding]:
    """Run every check concurrently; call on_finding for each finding as soon as it is known.

    Takes ``deadline`` seconds at most (plus `GRACE` for a check that overruns it): see the module.
    """
    start = time.monotonic()
    if ctx.deadline is None:
        ctx.deadline = start + deadline
    findings: list[Finding] = []

    def report(results: Iterable[Finding]) -> None:
        for finding in results:
            finding = ctx.mask(finding)
            findings.append(finding)
            if on_finding is not None:
                on_finding(finding)

    async def one(group: Group, check: Check) -> None:
        try:
            results = await check(ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken check is reported, not fatal
            results = [_crashed(group, check, exc)]
        report(results)

    tasks = {asyncio.ensure_future(one(group, check)): (group, check) for group, check in checks}
    try:
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=max(0.0, ctx.deadline - time.monotonic()) + GRACE)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=GRACE)  # a check that ignores its cancellation is left
                waited = time.monotonic() - start
                report(_overdue(*tasks[task], waited) for task in pending)
    finally:  # cancelled from outside (the TUI quits): no check outlives the run
        for task in tasks:
            task.cancel()
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """By group (System, Go, Network, Drift), worst first within a group, then by id."""
    return sorted(findings, key=lambda f: (GROUP_ORDER.index(f.group), f.status.rank, f.id))


def problem_count(findings: Iterable[Finding]) -> int:
    return sum(1 for f in findings if f.is_problem)


def exit_status(findings: Iterable[Finding]) -> int:
    """1 when any check is an error (or crashed), else 0."""
    return 1 if any(f.status in (Status.ERROR, Status.CRASHED) for f in findings) else 0


class CheckJSON(TypedDict):
    """One finding in ``m3tui doctor --json``."""

    id: str
    group: str
    status: str
    summary: str
    detail: str
    fix: str
    data: dict[str, Any]
    fixes: list[dict[str, Any]]  # doctor/fixes.py: Fix.as_data() of each fix `doctor --fix` offers for it


class DoctorJSON(TypedDict):
    """The document ``m3tui doctor --json`` prints (``schema`` is :data:`SCHEMA`)."""

    schema: int
    m3tui: str
    offline: bool
    counts: dict[str, int]
    checks: list[CheckJSON]


def _fixes_data(finding: Finding, env: Mapping[str, str]) -> list[dict[str, Any]]:
    """The finding's fixes as data; one whose file turned unreadable since (a FIFO now) is left out, never a crash."""
    from m3tui.core.errors import M3tuiError
    from m3tui.doctor.fixes import fixes_for

    data = []
    for fix in fixes_for(finding, env):
        try:
            data.append(fix.as_data())
        except (M3tuiError, OSError):
            continue
    return data


def to_json(findings: Iterable[Finding], *, offline: bool, env: Mapping[str, str] | None = None) -> DoctorJSON:
    """The document; each problem's fixes made concrete for ``env`` (its PATH's go, its $SHELL's rc files) as --fix would."""
    from m3tui import __version__

    items = sort_findings(findings)
    env = os.environ if env is None else env
    fixes = {f.id: _fixes_data(f, env) for f in items if f.is_problem}
    counts = {s.value: sum(1 for f in items if f.status is s) for s in Status}
    return {
        "schema": SCHEMA,
        "m3tui": __version__,
        "offline": offline,
        "counts": counts,
        "checks": [
            {"id": f.id, "group": f.group.value, "status": f.status.value, "summary": f.summary,
             "detail": f.detail, "fix": f.fix, "data": dict(f.data), "fixes": fixes.get(f.id, [])}
            for f in items
        ],
    }
