"""The doctor's System checks: on recorded Mac outputs through a RecordedMacProbe, and for real here on Linux.

Recorded texts come from tests/data/macos (real outputs from real Macs). The
`sysctl.proc_translated` answers (0 native, 1 translated) have no recording and follow the
documented values; each test that relies on them says so.
"""

from __future__ import annotations

import json
import os
import platform
import sys

import pytest

from m3tui.doctor.model import DoctorContext, Finding, Group, Status
from m3tui.doctor.checks_system import (
    PROBE_KEY,
    SYSTEM_CHECKS,
    check_homebrew,
    check_os,
    check_rosetta,
    check_xcode_clt,
    probe_for,
)
from m3tui.core.system import LinuxProbe, MacProbe
from m3tui.core.system_parsers import parse_xcrun_error

from tests.macprobe import RecordedMacProbe, fixture, m3max_probe

NATIVE_ENV = {"PATH": "/opt/homebrew/bin:/opt/homebrew/sbin:/usr/bin:/bin", "SHELL": "/bin/zsh"}
CLT = "/Library/Developer/CommandLineTools"


def ctx_for(probe, env: dict[str, str] | None = None) -> DoctorContext:
    ctx = DoctorContext(env=dict(NATIVE_ENV if env is None else env))
    ctx._memo[PROBE_KEY] = probe
    return ctx


async def run_all(ctx: DoctorContext) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for check in SYSTEM_CHECKS:
        findings = await check(ctx)
        assert len(findings) == 1
        f = findings[0]
        assert f.group is Group.SYSTEM
        assert f.summary and "\n" not in f.summary
        json.dumps(dict(f.data))  # JSON-safe
        out[f.id] = f
    assert set(out) == {"system.os", "system.rosetta", "system.homebrew", "system.xcode_clt"}
    return out


def test_probe_for_default_and_injected() -> None:
    ctx = DoctorContext()
    expected = MacProbe if sys.platform == "darwin" else LinuxProbe
    assert isinstance(probe_for(ctx), expected)
    probe = RecordedMacProbe()
    ctx._memo[PROBE_KEY] = probe
    assert probe_for(ctx) is probe


async def test_healthy_apple_silicon_mac() -> None:
    """M3 Max `sysctl hw`, a native /opt/homebrew `brew config` (M1) and `xcode-select -p` from
    an Apple-silicon Mac: all recorded. proc_translated = 0 for m3tui and the shell: documented."""
    probe = m3max_probe()
    ctx = ctx_for(probe)
    f = await run_all(ctx)

    os_f = f["system.os"]
    assert os_f.status is Status.OK
    assert "16 cores (12 P + 4 E)" in os_f.summary
    assert os_f.data["perf_cores"] == 12 and os_f.data["eff_cores"] == 4 and os_f.data["cores_total"] == 16
    assert os_f.data["hardware_arm64"] is True
    assert "12 performance + 4 efficiency" in os_f.detail
    assert "128 GiB" in os_f.detail
    assert "-cpu=12" in os_f.detail

    ros = f["system.rosetta"]
    assert ros.status is Status.OK, ros
    assert ros.data == {
        "hardware_arm64": True,
        "process_translated": False,
        "login_shell": "/bin/zsh",
        "shell_translated": False,
        "terminal_translated": None,  # no parent chain given (tests/unit/test_darwin.py walks one)
        "translated_ancestor": None,
    }

    brew = f["system.homebrew"]
    assert brew.status is Status.OK, brew
    assert brew.data["prefix"] == "/opt/homebrew" and brew.data["arch"] == "arm64"
    assert "/opt/homebrew" in brew.summary

    clt = f["system.xcode_clt"]
    assert clt.status is Status.OK
    assert clt.data["clt_path"] == CLT
    assert not any(x.is_problem for x in f.values())

    # The facts were gathered once for the four checks.
    assert sum(1 for c in probe.calls if c[0] == "xcode_select") == 1
    assert sum(1 for c in probe.calls if c == ("sysctl", ("hw",))) == 1


async def test_healthy_m1pro_names_the_chip() -> None:
    """Two real M1 Pro recordings (hand-picked `sysctl -a`, `sysctl machdep.cpu`) and a real
    Catalina-format `sw_vers` (from an Intel Mac: only its format matters here)."""
    probe = m3max_probe(
        sysctl={
            ("hw",): fixture("sysctl-a.perflevel.m1pro.TRUNCATED.txt"),
            ("machdep.cpu",): fixture("sysctl-machdep-cpu.m1pro.txt"),
        },
        sw_vers=fixture("sw_vers.catalina-intel-format.txt"),
    )
    [os_f] = await check_os(ctx_for(probe))
    assert os_f.status is Status.OK
    assert os_f.summary == "Mac OS X 10.15.5 (19F101) · Apple M1 Pro · 10 cores (8 P + 2 E)"
    assert os_f.data["cpu_model"] == "Apple M1 Pro"


async def test_rosetta_homebrew_in_usr_local_on_arm64_is_error() -> None:
    """The real `brew config` of an Intel Homebrew in /usr/local on an Apple-silicon Mac, with the
    M3 Max's real `sysctl hw` (hw.optional.arm64: 1). m3tui itself native (documented 0)."""
    probe = m3max_probe(
        brew_config=fixture("brew-config.apple-silicon-rosetta-usrlocal.macos26.TRUNCATED.txt"),
        path_brew="/usr/local/bin/brew",
        files=["/usr/local/bin/brew", f"{CLT}/usr/bin/xcrun"],
    )
    ctx = ctx_for(probe, {"PATH": "/usr/local/bin:/usr/bin:/bin", "SHELL": "/bin/zsh"})
    f = await run_all(ctx)
    brew = f["system.homebrew"]
    assert brew.status is Status.ERROR
    assert "/usr/local" in brew.summary
    assert "/opt/homebrew" in brew.fix and "brew install go" in brew.fix
    assert brew.data["prefix"] == "/usr/local" and brew.data["arch"] == "x86_64"
    assert brew.data["hardware_arm64"] is True
    # PATH has /usr/local/bin and no /opt/homebrew/bin: reported as well.
    assert len(brew.data["problems"]) == 2
    assert "(+1 more)" in brew.summary
    assert "brew shellenv" in brew.fix
    # m3tui itself is native here.
    assert f["system.rosetta"].status is Status.OK


async def test_brew_under_rosetta_in_opt_homebrew_is_error() -> None:
    """Real `brew config` of an x86_64 brew run in the ARM prefix (Rosetta 2: true)."""
    probe = m3max_probe(brew_config=fixture("brew-config.m1-rosetta-opt-prefix.txt"))
    [brew] = await check_homebrew(ctx_for(probe))
    assert brew.status is Status.ERROR
    assert "Rosetta" in brew.summary
    assert brew.data["rosetta"] is True and brew.data["arch"] == "x86_64"
    assert "arch -arm64 zsh" in brew.fix


async def test_usr_local_before_opt_homebrew_in_path_warns() -> None:
    probe = m3max_probe()
    [brew] = await check_homebrew(ctx_for(probe, {"PATH": "/usr/local/bin:/opt/homebrew/bin:/usr/bin"}))
    assert brew.status is Status.WARN
    assert "/usr/local/bin comes before /opt/homebrew/bin" in brew.summary
    assert brew.data["path_order"] == {"/opt/homebrew/bin": 1, "/usr/local/bin": 0}


async def test_two_homebrews_warn() -> None:
    probe = m3max_probe(files=["/opt/homebrew/bin/brew", "/usr/local/bin/brew", f"{CLT}/usr/bin/xcrun"])
    [brew] = await check_homebrew(ctx_for(probe))
    assert brew.status is Status.WARN
    assert "second" in brew.summary
    assert brew.data["brew_installs"] == ["/opt/homebrew/bin/brew", "/usr/local/bin/brew"]


async def test_brew_absent_is_skipped() -> None:
    probe = m3max_probe(brew_config=None, path_brew=None, files=[f"{CLT}/usr/bin/xcrun"])
    [brew] = await check_homebrew(ctx_for(probe))
    assert brew.status is Status.SKIPPED
    assert "not installed" in brew.summary


async def test_m3tui_translated_is_error() -> None:
    """The probably-translated M1 `machdep.cpu` recording; proc_translated = 1 is the documented
    value for a translated process (no recording of it exists)."""
    probe = m3max_probe(
        sysctl={
            ("hw",): fixture("sysctl-hw.m3max.txt"),
            ("machdep.cpu",): fixture("sysctl-machdep-cpu.m1.translated-likely.TRUNCATED.txt"),
        },
        self_sysctl={"sysctl.proc_translated": 1},
        shell={"sysctl.proc_translated": "1\n"},
    )
    [ros] = await check_rosetta(ctx_for(probe))
    assert ros.status is Status.ERROR
    assert "m3tui runs under Rosetta" in ros.summary
    assert "arch -arm64 zsh" in ros.fix and "Open using Rosetta" in ros.fix
    assert ros.data["process_translated"] is True and ros.data["hardware_arm64"] is True


async def test_login_shell_translated_is_error() -> None:
    """The shell answers the documented `1` for a translated child; m3tui itself native (0)."""
    probe = m3max_probe(shell={"sysctl.proc_translated": "1\n"})
    [ros] = await check_rosetta(ctx_for(probe, {**NATIVE_ENV, "SHELL": "/usr/local/bin/bash"}))
    assert ros.status is Status.ERROR
    assert "/usr/local/bin/bash" in ros.summary
    assert "chsh -s /bin/zsh" in ros.fix
    assert ros.data["shell_translated"] is True and ros.data["process_translated"] is False
    assert ("shell_sysctl", "/usr/local/bin/bash", "sysctl.proc_translated") in probe.calls


async def test_login_shell_from_account_when_shell_unset() -> None:
    probe = m3max_probe(login_shell="/bin/bash")
    [ros] = await check_rosetta(ctx_for(probe, {"PATH": "/opt/homebrew/bin"}))
    assert ros.status is Status.OK
    assert ros.data["login_shell"] == "/bin/bash"


async def test_intel_mac_rosetta_skipped() -> None:
    """Real Catalina `sw_vers` (Intel); the `sysctl hw` lines are constructed (no Intel recording)."""
    probe = RecordedMacProbe(
        sysctl={("hw",): "hw.ncpu: 8\nhw.physicalcpu: 4\n"},
        sw_vers=fixture("sw_vers.catalina-intel-format.txt"),
        brew_config=None,
        path_brew="/usr/local/bin/brew",
        files=["/usr/local/bin/brew"],
        xcode_select=fixture("xcode-select-p.apple-silicon.clt.txt"),
    )
    f = await run_all(ctx_for(probe, {"PATH": "/usr/local/bin:/usr/bin"}))
    assert f["system.rosetta"].status is Status.SKIPPED
    assert "Intel" in f["system.rosetta"].summary
    assert f["system.homebrew"].status is Status.OK  # /usr/local is right on Intel
    assert f["system.homebrew"].data["prefix"] == "/usr/local"
    assert f["system.os"].summary.startswith("Mac OS X 10.15.5")


async def test_clt_broken_developer_path_is_error() -> None:
    """From the real xcrun error of a cgo build on an M1: xcode-select still names
    /Library/Developer/CommandLineTools (as the real xcode-select recording prints), but the
    xcrun inside is missing."""
    err = parse_xcrun_error(fixture("xcrun-invalid-developer-path.cgo.darwin-arm64.m1.txt"))
    assert err is not None and err.missing
    recorded_path = fixture("xcode-select-p.apple-silicon.clt.txt")
    assert recorded_path.strip() == err.developer_path
    probe = m3max_probe(xcode_select=recorded_path, files=["/opt/homebrew/bin/brew"])  # no xcrun file
    [clt] = await check_xcode_clt(ctx_for(probe))
    assert clt.status is Status.ERROR
    assert clt.fix == "xcode-select --install"
    assert "xcrun" in clt.summary
    assert clt.data["xcrun"] is False and clt.data["clt_path"] == err.developer_path
    assert ("exists", err.missing) in probe.calls
    # The detail shows the very error a cgo build prints.
    assert fixture("xcrun-invalid-developer-path.cgo.darwin-arm64.m1.txt").splitlines()[1] in clt.detail


async def test_clt_missing_xcode_select_fails_is_error() -> None:
    """xcode-select's failure text is constructed from its documented message (no recording)."""
    probe = m3max_probe(xcode_select="xcode-select: error: unable to get active developer directory. ...")
    [clt] = await check_xcode_clt(ctx_for(probe))
    assert clt.status is Status.ERROR
    assert clt.fix == "xcode-select --install"
    assert clt.data["clt_path"] is None


async def test_clt_skipped_when_cgo_off() -> None:
    probe = m3max_probe(xcode_select="xcode-select: error: unable to get active developer directory. ...")
    [clt] = await check_xcode_clt(ctx_for(probe, {**NATIVE_ENV, "CGO_ENABLED": "0"}))
    assert clt.status is Status.SKIPPED
    assert "CGO_ENABLED=0" in clt.summary


async def test_clt_unknown_when_xcode_select_cannot_run() -> None:
    probe = m3max_probe(xcode_select=None)
    [clt] = await check_xcode_clt(ctx_for(probe))
    assert clt.status is Status.WARN


async def test_probe_that_raises_does_not_crash_the_checks() -> None:
    probe = RecordedMacProbe(raises=["*"])
    f = await run_all(ctx_for(probe))
    assert f["system.os"].status is Status.WARN
    assert "Probes that failed" in f["system.os"].detail
    assert f["system.rosetta"].status is Status.SKIPPED
    assert f["system.homebrew"].status is Status.SKIPPED
    assert f["system.xcode_clt"].status is Status.WARN  # unknown, not a false "missing"


async def test_one_probe_raising_keeps_the_others() -> None:
    probe = m3max_probe(raises=["sysctl"])
    f = await run_all(ctx_for(probe))
    assert f["system.xcode_clt"].status is Status.OK
    assert f["system.homebrew"].data["prefix"] == "/opt/homebrew"
    # No hw answer, and this probe has no sysctlbyname value for hw.optional.arm64, but
    # m3tui's own proc_translated = 0 still says it runs natively on Apple silicon.
    assert f["system.rosetta"].status is Status.OK


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="runs the real Linux probe")
async def test_real_linux_box() -> None:
    ctx = DoctorContext()  # no injected probe: the real default one
    f = await run_all(ctx)
    os_f = f["system.os"]
    assert os_f.status is Status.OK
    assert os_f.data["cores_total"] == os.cpu_count()
    assert f"{os.cpu_count()} cores" in os_f.summary
    assert os_f.data["platform"] == "linux"
    assert os_f.data["os_name"] == platform.freedesktop_os_release()["NAME"]
    assert os_f.data["machine"] == platform.machine()
    for cid in ("system.rosetta", "system.homebrew", "system.xcode_clt"):
        assert f[cid].status is Status.SKIPPED, f[cid]
        assert "not macOS" in f[cid].summary
