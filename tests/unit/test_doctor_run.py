"""The doctor run as a whole: concurrency, streaming order, crashes contained (its offline imports,
in a fresh interpreter: tests/integration/test_doctor_run_process.py)."""

from __future__ import annotations

import asyncio

from m3tui.doctor import checks_network as network_checks
from m3tui.doctor.model import DoctorContext, Finding, Group, Status
from m3tui.doctor.run import exit_status, run_doctor, sort_findings, to_json


async def test_checks_run_concurrently_and_stream_as_they_finish(tmp_path) -> None:
    """Each check waits for the finding of the one before it to be streamed: only a run that
    starts every check at once and streams each finding as it comes can finish (a sequential
    run, or one that reports at the end, would wait forever). How soon findings arrive and how
    long a run takes against its slowest check: benchmarks/latency.py."""
    seen: list[str] = []
    arrived = {name: asyncio.Event() for name in ("fast", "mid", "slow")}

    def make(name: str, after: str | None):
        async def check(ctx: DoctorContext) -> list[Finding]:
            if after is not None:
                await arrived[after].wait()
            return [Finding(f"go.{name}", Group.GO, Status.OK, name)]

        check.__name__ = f"check_{name}"
        return check

    def on_finding(f: Finding) -> None:
        seen.append(f.id)
        arrived[f.id.removeprefix("go.")].set()

    # Listed slow first: a run that waited for each check in turn would never get past it.
    checks = [(Group.GO, make("slow", "mid")), (Group.GO, make("fast", None)), (Group.GO, make("mid", "fast"))]
    findings = await asyncio.wait_for(run_doctor(DoctorContext(cwd=tmp_path), on_finding, checks), timeout=30)
    assert seen == ["go.fast", "go.mid", "go.slow"]
    assert [f.id for f in findings] == ["go.fast", "go.mid", "go.slow"]


async def test_a_crashing_check_becomes_one_crashed_finding(tmp_path) -> None:
    async def check_boom(ctx: DoctorContext) -> list[Finding]:
        raise OSError(5, "Input/output error")

    async def check_fine(ctx: DoctorContext) -> list[Finding]:
        return [Finding("system.fine", Group.SYSTEM, Status.OK, "fine")]

    findings = await run_doctor(DoctorContext(cwd=tmp_path), None, [(Group.SYSTEM, check_boom), (Group.SYSTEM, check_fine)])
    crashed = next(f for f in findings if f.status is Status.CRASHED)
    assert crashed.id == "system.boom" and "OSError" in crashed.summary and "Input/output error" in crashed.summary
    assert exit_status(findings) == 1
    assert to_json(findings, offline=True)["counts"] == {"ok": 1, "warn": 0, "error": 0, "skipped": 0, "crashed": 1}


def test_sort_is_group_then_worst_first() -> None:
    f = [
        Finding("go.b", Group.GO, Status.OK, ""),
        Finding("system.a", Group.SYSTEM, Status.SKIPPED, ""),
        Finding("go.a", Group.GO, Status.ERROR, ""),
        Finding("system.b", Group.SYSTEM, Status.WARN, ""),
    ]
    assert [x.id for x in sort_findings(f)] == ["system.b", "system.a", "go.a", "go.b"]
    assert exit_status([Finding("x", Group.GO, Status.WARN, "")]) == 0


def test_default_fix_proxy_matches_proxyconf() -> None:
    from m3tui.doctor import proxyconf

    assert network_checks._DEFAULT_FIX_PROXY == proxyconf.DEFAULT_GOPROXY
