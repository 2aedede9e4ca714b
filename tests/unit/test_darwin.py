"""core/darwin's parsers: kinfo_proc bytes and `DevToolsSecurity -status`.

kinfo_proc: no recording of a real process's sysctl(KERN_PROC_PID) bytes is published, so the bytes
here are CONSTRUCTED, from a ctypes mirror of the macOS SDK headers (<sys/sysctl.h> struct
kinfo_proc, <sys/proc.h> struct extern_proc and P_TRANSLATED, <sys/sysctl.h> struct eproc,
_pcred, _ucred, vmspace). ctypes lays a Structure out as the C compiler does on an LP64 machine,
which arm64 and x86_64 macOS both are: the mirror is an independent check of the offsets that
darwin.py writes down by hand.
"""

from __future__ import annotations

import ctypes

from m3tui.core.darwin import (
    KINFO_PROC_SIZE,
    P_TRANSLATED,
    parse_devtools_security,
    parse_kinfo_proc,
)
from tests.kinfoproc import eproc, extern_proc, kinfo_proc, constructed
from tests.macprobe import fixture


def test_mirror_matches_the_documented_layout() -> None:
    assert ctypes.sizeof(ctypes.c_void_p) == 8  # LP64, as arm64 and x86_64 macOS
    assert ctypes.sizeof(extern_proc) == 296 and ctypes.sizeof(eproc) == 352
    assert ctypes.sizeof(kinfo_proc) == KINFO_PROC_SIZE == 648
    assert extern_proc.p_flag.offset == 32
    assert extern_proc.p_pid.offset == 40
    assert extern_proc.p_comm.offset == 243
    assert kinfo_proc.kp_eproc.offset + eproc.e_ppid.offset == 560


def test_native_process() -> None:
    # P_EXEC (0x4000) | P_LP64 (0x4): a native 64-bit process that exec'd; no P_TRANSLATED.
    info = parse_kinfo_proc(constructed(812, 811, b"zsh", 0x4004))
    assert info is not None
    assert (info.pid, info.ppid, info.comm, info.translated) == (812, 811, "zsh", False)


def test_translated_process() -> None:
    info = parse_kinfo_proc(constructed(640, 1, b"Terminal", 0x4004 | P_TRANSLATED))
    assert info is not None
    assert (info.pid, info.ppid, info.comm, info.translated) == (640, 1, "Terminal", True)
    assert info.flags & 0x20000


def test_comm_at_its_full_16_characters() -> None:
    info = parse_kinfo_proc(constructed(9, 8, b"com.googlecode.i", 0))
    assert info is not None and info.comm == "com.googlecode.i"


def test_not_a_kinfo_proc() -> None:
    assert parse_kinfo_proc(b"") is None  # sysctl's answer for a pid that is gone: 0 bytes
    assert parse_kinfo_proc(constructed(5, 1, b"x", 0)[:647]) is None
    assert parse_kinfo_proc(bytes(648)) is None


def test_devtools_security_recorded() -> None:
    enabled = parse_devtools_security(fixture("devtoolssecurity-status.enabled.txt"))
    assert enabled.enabled is True and enabled.line == "Developer mode is currently enabled."
    disabled = parse_devtools_security(fixture("devtoolssecurity-status.disabled.txt"))
    assert disabled.enabled is False and disabled.line == "Developer mode is currently disabled."


def test_devtools_security_other_output() -> None:
    odd = parse_devtools_security("\nDevToolsSecurity: some other answer\n")
    assert odd.enabled is None and odd.line == "DevToolsSecurity: some other answer"


# --- the walk up to the terminal, and the doctor's Rosetta check, on CONSTRUCTED kinfo_proc bytes ---

from m3tui.core.system import gather_system_facts  # noqa: E402
from m3tui.doctor.checks_system import PROBE_KEY, check_rosetta  # noqa: E402
from m3tui.doctor.model import DoctorContext, Status  # noqa: E402
from tests.macprobe import m3max_probe  # noqa: E402

NATIVE = 0x4004  # P_EXEC | P_LP64


def chain(terminal_flag: int) -> dict[int, bytes]:
    """m3tui's parent zsh (300) <- login (200) <- Terminal (100) <- launchd (1); constructed bytes."""
    return {
        300: constructed(300, 200, b"zsh", NATIVE),
        200: constructed(200, 100, b"login", NATIVE),
        100: constructed(100, 1, b"Terminal", terminal_flag),
    }


async def _rosetta(procs: dict[int, bytes]):
    probe = m3max_probe(procs=procs, parent_pid=300)  # m3tui and the shell's child: proc_translated 0 (native)
    facts = await gather_system_facts(probe, {"PATH": "/usr/bin", "SHELL": "/bin/zsh"})
    ctx = DoctorContext(env={"PATH": "/usr/bin", "SHELL": "/bin/zsh"})
    ctx._memo[PROBE_KEY] = probe
    return facts, (await check_rosetta(ctx))[0], probe


async def test_rosetta_terminal_found_up_the_parent_chain() -> None:
    facts, finding, probe = await _rosetta(chain(NATIVE | P_TRANSLATED))
    assert facts.process_translated is False and facts.shell_translated is False
    assert facts.terminal_translated is True and facts.translated_ancestor == "Terminal (pid 100)"
    assert finding.status is Status.ERROR
    assert finding.summary == "the terminal runs under Rosetta: Terminal (pid 100) is translated"
    assert "Open using Rosetta" in finding.fix
    assert [c[1] for c in probe.calls if c[0] == "proc_info"] == [300, 200, 100] * 2  # gathered, then the check


async def test_native_terminal_walks_to_launchd() -> None:
    facts, finding, probe = await _rosetta(chain(NATIVE))
    assert facts.terminal_translated is False and facts.translated_ancestor is None
    assert finding.status is Status.OK
    assert "Terminal and parent processes translated (P_TRANSLATED): no" in finding.detail
    assert 1 not in [c[1] for c in probe.calls if c[0] == "proc_info"]  # launchd is not asked


async def test_unreadable_chain_is_unknown_not_native() -> None:
    procs = chain(NATIVE)
    del procs[200]  # login gone (or not readable): what lies above it is unknown
    facts, finding, _ = await _rosetta(procs)
    assert facts.terminal_translated is None
    assert finding.status is Status.OK
    facts, _, _ = await _rosetta({})
    assert facts.terminal_translated is None


async def test_parent_loop_stops() -> None:
    procs = {300: constructed(300, 200, b"a", NATIVE), 200: constructed(200, 300, b"b", NATIVE)}
    facts, _, probe = await _rosetta(procs)
    assert facts.terminal_translated is None
    assert [c[1] for c in probe.calls if c[0] == "proc_info"] == [300, 200] * 2


def test_kinfo_proc_bytes_off_macos_is_none() -> None:
    import os
    import sys

    from m3tui.core.darwin import kinfo_proc_bytes

    if sys.platform != "darwin":  # kern.proc.pid is a macOS sysctl: nothing to ask elsewhere
        assert kinfo_proc_bytes(os.getpid()) is None


# --- bash's startup file on macOS (issue 16 #4): files only, the platform given ---------------------

from pathlib import Path  # noqa: E402

from m3tui.core.darwin import bash_rc_path  # noqa: E402
from m3tui.doctor.checks_shell import hook_finding, rc_line  # noqa: E402
from m3tui.versions.switch import default_rc_path  # noqa: E402


def test_bash_rc_path_by_platform(tmp_path: Path) -> None:
    assert bash_rc_path(tmp_path, "linux") == tmp_path / ".bashrc"
    assert bash_rc_path(tmp_path, "darwin") == tmp_path / ".bash_profile"  # none yet: Homebrew's choice
    (tmp_path / ".profile").write_text("export A=1\n")
    assert bash_rc_path(tmp_path, "darwin") == tmp_path / ".profile"  # the one login bash reads
    (tmp_path / ".bash_login").write_text("")
    assert bash_rc_path(tmp_path, "darwin") == tmp_path / ".bash_login"
    (tmp_path / ".bash_profile").write_text("")
    assert bash_rc_path(tmp_path, "darwin") == tmp_path / ".bash_profile"
    assert bash_rc_path(tmp_path, "linux") == tmp_path / ".bashrc"
    env = {"HOME": str(tmp_path)}
    assert default_rc_path("bash", env, platform="darwin") == tmp_path / ".bash_profile"
    assert default_rc_path("bash", env, platform="linux") == tmp_path / ".bashrc"
    assert default_rc_path("zsh", env, platform="darwin") == tmp_path / ".zshrc"


def test_shell_hook_check_names_bash_profile_on_macos(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "SHELL": "/bin/bash", "PATH": "/usr/bin"}
    mac = hook_finding(env, platform="darwin")
    assert mac.status is Status.WARN
    assert mac.data["rc_files"] == [str(tmp_path / ".bash_profile"), str(tmp_path / ".bashrc")]
    assert f"Add the line to {tmp_path / '.bash_profile'}" in mac.detail
    linux = hook_finding(env, platform="linux")
    assert f"Add the line to {tmp_path / '.bashrc'}" in linux.detail
    (tmp_path / ".bash_profile").write_text(rc_line("bash") + "\n")
    assert hook_finding(env, platform="darwin").data["sourced_in"] == str(tmp_path / ".bash_profile")


# --- Delve on macOS (issue 16 #10): DevToolsSecurity recorded, debugserver's presence ----------------

from m3tui.core.darwin import DEBUGSERVER_PATHS  # noqa: E402
from m3tui.doctor.checks_system import check_delve  # noqa: E402

CLT_DEBUGSERVER = DEBUGSERVER_PATHS[0]
DLV = "/Users/dev/go/bin/dlv"


async def _delve(**kw):
    probe = m3max_probe(**kw)
    ctx = DoctorContext(env={"PATH": "/opt/homebrew/bin:/usr/bin:/bin:/Users/dev/go/bin", "SHELL": "/bin/zsh"})
    ctx._memo[PROBE_KEY] = probe
    return await check_delve(ctx), probe


async def test_delve_ok_with_developer_mode_and_debugserver() -> None:
    files = ["/opt/homebrew/bin/brew", CLT_DEBUGSERVER]
    (f,), _ = await _delve(tools={"dlv": DLV}, files=files, devtools=fixture("devtoolssecurity-status.enabled.txt"))
    assert f.id == "system.delve" and f.status is Status.OK
    assert f.data["debugserver"] == CLT_DEBUGSERVER and f.data["developer_mode"] is True


async def test_delve_developer_mode_off_is_a_warning_with_the_fix() -> None:
    files = [CLT_DEBUGSERVER]
    (f,), _ = await _delve(tools={"dlv": DLV}, files=files, devtools=fixture("devtoolssecurity-status.disabled.txt"))
    assert f.status is Status.WARN and f.fix == "sudo DevToolsSecurity -enable"
    assert "DevToolsSecurity -status: Developer mode is currently disabled." in f.detail


async def test_delve_without_debugserver_is_an_error() -> None:
    (f,), _ = await _delve(tools={"dlv": DLV}, files=[], devtools=fixture("devtoolssecurity-status.enabled.txt"))
    assert f.status is Status.ERROR and f.fix == "xcode-select --install"
    assert "no debugserver" in f.summary
    xcode = DEBUGSERVER_PATHS[1]
    (f,), _ = await _delve(tools={"dlv": DLV}, files=[xcode], devtools=fixture("devtoolssecurity-status.enabled.txt"))
    assert f.status is Status.OK and f.data["debugserver"] == xcode  # Xcode's copy does


async def test_delve_unknown_status_and_no_dlv() -> None:
    (f,), _ = await _delve(tools={"dlv": DLV}, files=[CLT_DEBUGSERVER], devtools=None)
    assert f.status is Status.WARN and f.data["developer_mode"] is None
    findings, probe = await _delve(files=[CLT_DEBUGSERVER], devtools=fixture("devtoolssecurity-status.enabled.txt"))
    assert findings == [] and not [c for c in probe.calls if c[0] == "devtools_security"]  # no dlv: not asked


async def test_delve_no_finding_off_macos() -> None:
    from m3tui.core.system import LinuxProbe

    ctx = DoctorContext(env={"PATH": "/usr/bin"})
    ctx._memo[PROBE_KEY] = LinuxProbe()
    assert await check_delve(ctx) == []
