"""Issue 16's macOS-correctness items that need a real process: `go env -w CGO_ENABLED=0` read
through the real go (the CLT check), Mach-O files cross-compiled by the real go (brew's architecture),
the bash rc choice. The macOS probes answer with recorded texts (tests/macprobe.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from m3tui.core import runner
from m3tui.doctor.checks_system import PROBE_KEY, check_xcode_clt
from m3tui.doctor.model import DoctorContext, Status
from tests.macprobe import m3max_probe

pytestmark = pytest.mark.go


def _go_env_ctx(go: Path, home: Path, probe: object) -> DoctorContext:
    env = {"PATH": f"{go.parent}{os.pathsep}/usr/bin:/bin", "HOME": str(home), "SHELL": "/bin/zsh",
           "XDG_CONFIG_HOME": str(home / ".config"), "GOCACHE": os.environ["GOCACHE"]}  # fmt: skip
    ctx = DoctorContext(env=env)
    ctx._memo[PROBE_KEY] = probe
    return ctx


async def test_clt_check_honours_go_env_w_cgo_enabled_0(real_go: Path, tmp_path: Path) -> None:
    """No CLT (xcode-select answers nothing): an error while cgo is on; after a real
    `go env -w CGO_ENABLED=0` (the GOENV file under this test's home) the check is skipped,
    with the process environment saying nothing about CGO_ENABLED either time."""
    home = tmp_path / "home"
    home.mkdir()
    no_clt = m3max_probe(xcode_select="xcode-select: error: unable to get active developer directory")

    before = await check_xcode_clt(_go_env_ctx(real_go, home, no_clt))
    assert before[0].status is Status.ERROR, before[0]
    assert before[0].data["CGO_ENABLED_from"] == "go env"

    ctx = _go_env_ctx(real_go, home, no_clt)
    result = await runner.run([str(real_go), "env", "-w", "CGO_ENABLED=0"], env=dict(ctx.env), timeout=60)
    assert result.returncode == 0, result.stderr_text
    goenv = home / ".config" / "go" / "env"
    assert goenv.read_text().strip() == "CGO_ENABLED=0"  # the real file go env -w wrote
    assert "CGO_ENABLED" not in ctx.env

    after = await check_xcode_clt(ctx)
    assert after[0].status is Status.SKIPPED, after[0]
    assert after[0].data["CGO_ENABLED"] == "0" and after[0].data["CGO_ENABLED_from"] == "go env"
    assert "CGO_ENABLED=0 from go env" in after[0].detail
