"""issue 16 item 6: -cpu=<P-core count> is a GOMAXPROCS value, not an affinity: macOS has none.

On the recorded M3 Max `sysctl hw` (tests/data/macos, via tests/macprobe.py)."""

from __future__ import annotations

from m3tui.doctor.checks_system import PROBE_KEY, check_os
from m3tui.doctor.model import DoctorContext

from tests.macprobe import m3max_probe


async def test_the_cpu_advice_does_not_claim_performance_cores_only() -> None:
    ctx = DoctorContext(env={"PATH": "/usr/bin:/bin"})
    ctx._memo[PROBE_KEY] = m3max_probe()
    (f,) = await check_os(ctx)
    assert "performance cores only" not in f.detail
    assert "-cpu=12 (the performance-core count) lets at most 12 threads run Go code at once" in f.detail
    assert "macOS has no CPU affinity, so it does not pin them" in f.detail
    assert "may still use efficiency cores" in f.detail
    assert "Compare -cpu=12 against -cpu=16." in f.detail
