"""The host machine's OS and architecture, in Go's names.

On a Mac this asks the kernel (``hw.optional.arm64``) rather than trusting
``platform.machine()``: under Rosetta the latter says x86_64 on arm64 hardware,
which is exactly the situation m3tui exists to catch. The full system probe
(CPU model, core clusters, Homebrew…) belongs to the doctor.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import sys
from dataclasses import dataclass

# platform.machine() spellings -> GOARCH.
_MACHINE_TO_GOARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "386",
    "i686": "386",
    "armv7l": "arm",
    "armv6l": "arm",
    "riscv64": "riscv64",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
}


def goarch_for_machine(machine: str) -> str:
    """Map a uname-style machine name to Go's GOARCH name (unknown names pass through)."""
    return _MACHINE_TO_GOARCH.get(machine.lower(), machine.lower())


def goos_for_platform(platform_name: str) -> str:
    """Map sys.platform to GOOS."""
    if platform_name.startswith("linux"):
        return "linux"
    if platform_name.startswith("freebsd"):
        return "freebsd"
    if platform_name in ("win32", "cygwin"):
        return "windows"
    return platform_name


@dataclass(frozen=True)
class HostInfo:
    goos: str
    goarch: str
    # True when this very process runs under Rosetta; None where the question has no answer.
    translated: bool | None = None


def _sysctl_int(name: str) -> int | None:
    """sysctlbyname through ctypes: asks about this process, with no subprocess."""
    libc_path = ctypes.util.find_library("c")
    if not libc_path:
        return None
    libc = ctypes.CDLL(libc_path, use_errno=True)
    value = ctypes.c_int(0)
    size = ctypes.c_size_t(ctypes.sizeof(value))
    rc = libc.sysctlbyname(name.encode(), ctypes.byref(value), ctypes.byref(size), None, ctypes.c_size_t(0))
    return value.value if rc == 0 else None


def host_info() -> HostInfo:
    goos = goos_for_platform(sys.platform)
    goarch = goarch_for_machine(platform.machine())
    translated: bool | None = None
    if goos == "darwin":
        if _sysctl_int("hw.optional.arm64") == 1:
            goarch = "arm64"
        flag = _sysctl_int("sysctl.proc_translated")
        translated = None if flag is None else flag == 1
    return HostInfo(goos=goos, goarch=goarch, translated=translated)
