"""System facts from real commands: Linux's sysctl, the macOS probe's plumbing through /bin/sh
and stand-in programs, and the services' imports in a fresh interpreter (the parsers on recorded
macOS output, and the probes that read /proc and /sys: tests/unit/test_system.py)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui.core import runner
from m3tui.core.system import MacProbe
from m3tui.core.system_parsers import parse_brew_config, parse_sysctl
from tests.testdata import MACOS

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="runs this Linux box's commands")


@linux_only
async def test_parse_sysctl_equals_format_real_linux_sysctl() -> None:
    """`name = value` as the real Linux sysctl prints it (run here, not recorded)."""
    # /sbin and /usr/sbin are not on every PATH (Debian users, `env -i`): find sysctl where it lives.
    sysctl = shutil.which("sysctl") or shutil.which("sysctl", path="/usr/sbin:/sbin")
    assert sysctl, "procps' sysctl is not installed"
    result = await runner.run([sysctl, "kernel.ostype", "kernel.osrelease"], timeout=10)
    assert result.returncode == 0, result.stderr_text
    parsed = parse_sysctl(result.stdout_text)
    assert parsed["kernel.ostype"] == "Linux"
    assert parsed["kernel.osrelease"] == platform.release()
    assert " = " in result.stdout_text


# --------------------------------------------------------------------------
# The real probes' plumbing (on Linux: the commands are missing or answer otherwise)
# --------------------------------------------------------------------------


@linux_only
async def test_mac_probe_returns_none_where_macos_commands_are_missing() -> None:
    probe = MacProbe()
    assert await probe.sw_vers() is None  # sw_vers: command not found
    assert await probe.xcode_select() is None
    assert await probe.sysctl(["hw"]) is None  # Linux's sysctl has no "hw" key
    assert await probe.brew_config("/nonexistent/bin/brew") is None
    assert await probe.self_sysctl_int("sysctl.proc_translated") is None
    # /bin/sh runs Linux's sysctl, which knows no sysctl.proc_translated.
    assert await probe.shell_sysctl("/bin/sh", "sysctl.proc_translated") is None


async def test_mac_probe_shell_and_brew_argv(tmp_path: Path) -> None:
    """The plumbing with stand-in programs: a `sysctl` on the shell's PATH, a `brew` that prints a recording."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sysctl").write_text('#!/bin/sh\n[ "$1" = "-n" ] && [ "$2" = "sysctl.proc_translated" ] && echo 1\n')
    (bin_dir / "sysctl").chmod(0o755)
    recorded = MACOS / "brew-config.m1-native.txt"
    (bin_dir / "brew").write_text(
        f'#!/bin/sh\n[ "$1" = config ] || exit 2\n[ "$HOMEBREW_NO_AUTO_UPDATE" = 1 ] || exit 3\n'
        f"sed '1,/^# ---$/d' '{recorded}'\n"
    )
    (bin_dir / "brew").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    probe = MacProbe()
    out = await probe.shell_sysctl("/bin/sh", "sysctl.proc_translated", env=env)
    assert out is not None and out.strip() == "1"
    text = await probe.brew_config(str(bin_dir / "brew"), env=env)
    assert text is not None
    assert parse_brew_config(text).prefix == "/opt/homebrew"


def test_services_do_not_import_textual() -> None:
    code = "import sys, m3tui.core.system, m3tui.doctor.checks_system; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
