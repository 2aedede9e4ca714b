"""The machine under the Go toolchain: OS, CPU and cores, Rosetta, Homebrew, Xcode CLT.

Three layers, so everything but the few macOS commands runs for real on Linux:

* pure parsers over the text the commands print (tested on real recorded outputs), in
  :mod:`m3tui.core.system_parsers`;
* a :class:`SystemProbe` that returns that raw text (or None): :class:`MacProbe` and
  :class:`LinuxProbe` run the commands through :mod:`runner` (argv lists, short
  timeouts), tests pass a probe that returns recorded texts;
* :func:`gather_system_facts`, which runs the probes concurrently and turns their text
  into one :class:`SystemFacts`, tolerating each probe failing (that field is None).

Rosetta facts never come from ``uname -m``, ``arch`` or ``platform.machine()``: those
report the translated view. ``hw.optional.arm64`` is 1 on Apple silicon even under
Rosetta; ``sysctl.proc_translated`` (1 translated, 0 native, absent on Intel) describes
the asking process, so m3tui asks it about itself through ``sysctlbyname`` and runs the
login shell to ask it about the shell binary. A child of native m3tui is native even in a Rosetta
terminal, so the terminal is asked about directly: each process up the parent chain has its
``P_TRANSLATED`` flag read from the kernel's kinfo_proc (``core/darwin.py``).

This module is plain asyncio and must never import Textual.

Long because: the probe Protocol, both real probes and the gathering of every fact stay together,
so a new fact is added in one file; the text parsers (``system_parsers``) and the macOS struct and
header readers (``darwin``) are already out.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypedDict, TypeVar, runtime_checkable

from m3tui.core import runner
from m3tui.core.system_parsers import (
    BREW_ARM64_PREFIX,
    BREW_INTEL_PREFIX,
    LITTLE_ARM_PARTS,
    BrewConfig,
    PathOrder,
    _flag,
    _int_or_none,
    cpu_clusters,
    cpuinfo_model,
    cpuinfo_parts,
    parse_brew_config,
    parse_cpu_list,
    parse_cpuinfo,
    parse_meminfo_total,
    parse_os_release,
    parse_perf_levels,
    parse_sw_vers,
    parse_sysctl,
    parse_xcode_select,
    part_clusters,
    path_order,
)

__all__ = [
    "LinuxProbe",
    "MacProbe",
    "SystemFacts",
    "SystemProbe",
    "default_probe",
    "gather_system_facts",
]

BREW_CANDIDATES: tuple[str, ...] = (f"{BREW_ARM64_PREFIX}/bin/brew", f"{BREW_INTEL_PREFIX}/bin/brew")

# Short: these are local commands; a hung one must not hold the doctor up.
SYSCTL_TIMEOUT = 3.0
SW_VERS_TIMEOUT = 3.0
XCODE_SELECT_TIMEOUT = 3.0
SHELL_TIMEOUT = 5.0  # the shell reads its rc file (.zshenv) first
BREW_TIMEOUT = 5.0  # Ruby start-up

# The sysctl subtrees read on macOS (the same commands as the recorded fixtures).
SYSCTL_HW: tuple[str, ...] = ("hw",)
SYSCTL_CPU: tuple[str, ...] = ("machdep.cpu",)


# --------------------------------------------------------------------------
# Probes
# --------------------------------------------------------------------------


@runtime_checkable
class SystemProbe(Protocol):
    """Raw answers from the machine. Each method returns text (or a value), None when unknown.

    Real probes never raise for a missing command or a non-zero exit; gather still
    tolerates a probe that does.
    """

    platform: str  # "darwin", "linux", or another sys.platform value

    async def sysctl(self, names: Sequence[str]) -> str | None:
        """Output of ``sysctl NAME…`` (macOS: ``name: value`` lines)."""
        ...

    async def self_sysctl_int(self, name: str) -> int | None:
        """``sysctlbyname`` asked by this very process (e.g. sysctl.proc_translated)."""
        ...

    async def sw_vers(self) -> str | None: ...

    async def brew_config(self, brew: str, env: Mapping[str, str] | None = None) -> str | None:
        """Output of ``BREW config``; None when brew is absent or fails."""
        ...

    async def xcode_select(self) -> str | None:
        """``xcode-select -p``: the path, or its error text, or None."""
        ...

    async def brew_prefix(self, brew: str, env: Mapping[str, str] | None = None) -> str | None:
        """``BREW --prefix`` (answered by brew's bash part: no Ruby start)."""
        ...

    async def read_head(self, path: str) -> bytes | None: ...  # a file's first 4 KiB (a header)

    async def devtools_security(self) -> str | None: ...  # `DevToolsSecurity -status` (stdout and stderr)

    async def read_text(self, path: str) -> str | None: ...

    async def exists(self, path: str) -> bool: ...

    async def which(self, name: str, path: str | None) -> str | None:
        """Where ``name`` is on a PATH value."""
        ...

    async def login_shell(self) -> str | None:
        """The user's login shell from the account database (when $SHELL is unset)."""
        ...

    async def shell_sysctl(self, shell: str, name: str, env: Mapping[str, str] | None = None) -> str | None:
        """Run ``SHELL -c 'sysctl -n NAME'``: the value as a child of that shell sees it."""
        ...

    async def proc_info(self, pid: int) -> bytes | None: ...  # kinfo_proc bytes (kern.proc.pid.PID)

    def parent_pid(self) -> int: ...  # where the walk up to the terminal starts: m3tui's parent


def _first_existing(*paths: str) -> str | None:
    for p in paths:
        if os.path.exists(p):
            return p
    return None


class _RunningProbe:
    """What both real probes share: files, PATH look-ups and running commands."""

    platform = sys.platform

    async def _run(
        self, argv: Sequence[str], *, timeout: float, env: Mapping[str, str] | None = None, need_ok: bool = False
    ) -> runner.RunResult | None:
        try:
            result = await runner.run(list(argv), env=dict(env) if env is not None else None, timeout=timeout)
        except (runner.RunnerError, OSError):
            return None
        if result.timed_out or (need_ok and result.returncode != 0):
            return None
        return result

    async def sysctl(self, names: Sequence[str]) -> str | None:
        return None

    async def self_sysctl_int(self, name: str) -> int | None:
        return None

    async def sw_vers(self) -> str | None:
        return None

    async def brew_config(self, brew: str, env: Mapping[str, str] | None = None) -> str | None:
        return None

    async def xcode_select(self) -> str | None:
        return None

    async def brew_prefix(self, brew: str, env: Mapping[str, str] | None = None) -> str | None:
        return None

    async def devtools_security(self) -> str | None:
        return None

    async def read_head(self, path: str) -> bytes | None:
        from m3tui.core.binfmt import HEAD_SIZE

        try:
            with open(path, "rb") as fh:
                return fh.read(HEAD_SIZE)
        except OSError:
            return None

    async def read_text(self, path: str) -> str | None:
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    async def exists(self, path: str) -> bool:
        return os.path.exists(path)

    async def which(self, name: str, path: str | None) -> str | None:
        return runner.which(name, path=path)

    async def login_shell(self) -> str | None:
        try:
            import pwd

            return pwd.getpwuid(os.getuid()).pw_shell or None
        except (ImportError, KeyError, OSError):
            return None

    async def shell_sysctl(self, shell: str, name: str, env: Mapping[str, str] | None = None) -> str | None:
        return None

    async def proc_info(self, pid: int) -> bytes | None:
        return None

    def parent_pid(self) -> int:
        return os.getppid()


class MacProbe(_RunningProbe):
    """The real macOS probe: sysctl, sw_vers, brew config, xcode-select, the login shell."""

    platform = "darwin"

    async def sysctl(self, names: Sequence[str]) -> str | None:
        exe = _first_existing("/usr/sbin/sysctl") or "sysctl"
        # No need_ok: sysctl stops with an error on an unknown name, after printing the rest.
        result = await self._run([exe, *names], timeout=SYSCTL_TIMEOUT)
        if result is None or not result.stdout_text.strip():
            return None
        return result.stdout_text

    async def self_sysctl_int(self, name: str) -> int | None:
        from m3tui.core.host import _sysctl_int

        try:
            return _sysctl_int(name)
        except (OSError, AttributeError):
            return None

    async def sw_vers(self) -> str | None:
        exe = _first_existing("/usr/bin/sw_vers") or "sw_vers"
        result = await self._run([exe], timeout=SW_VERS_TIMEOUT, need_ok=True)
        return result.stdout_text if result is not None else None

    async def brew_config(self, brew: str, env: Mapping[str, str] | None = None) -> str | None:
        run_env = dict(env) if env is not None else dict(os.environ)
        run_env.setdefault("HOMEBREW_NO_AUTO_UPDATE", "1")
        run_env.setdefault("HOMEBREW_NO_ANALYTICS", "1")
        run_env.setdefault("HOMEBREW_NO_ENV_HINTS", "1")
        result = await self._run([brew, "config"], timeout=BREW_TIMEOUT, env=run_env)
        if result is None or not result.stdout_text.strip():
            return None
        return result.stdout_text

    async def brew_prefix(self, brew: str, env: Mapping[str, str] | None = None) -> str | None:
        result = await self._run([brew, "--prefix"], timeout=BREW_TIMEOUT, env=env, need_ok=True)
        return result.stdout_text.strip() or None if result is not None else None

    async def devtools_security(self) -> str | None:
        exe = _first_existing("/usr/sbin/DevToolsSecurity") or "DevToolsSecurity"
        result = await self._run([exe, "-status"], timeout=SW_VERS_TIMEOUT)
        return None if result is None else (result.stdout_text + result.stderr_text) or None

    async def xcode_select(self) -> str | None:
        exe = _first_existing("/usr/bin/xcode-select") or "xcode-select"
        result = await self._run([exe, "-p"], timeout=XCODE_SELECT_TIMEOUT)
        if result is None:
            return None
        # The path on success; the error text ("xcode-select: error: unable to get
        # active developer directory…") otherwise, which parse_xcode_select maps to None.
        return result.stdout_text if result.returncode == 0 else (result.stderr_text or result.stdout_text)

    async def shell_sysctl(self, shell: str, name: str, env: Mapping[str, str] | None = None) -> str | None:
        # argv list: the shell gets exactly this one command string; `name` is ours, not user input.
        result = await self._run([shell, "-c", f"sysctl -n {shlex.quote(name)}"], timeout=SHELL_TIMEOUT, env=env)
        if result is None or result.returncode != 0:
            return None
        return result.stdout_text

    async def proc_info(self, pid: int) -> bytes | None:
        from m3tui.core.darwin import kinfo_proc_bytes

        return kinfo_proc_bytes(pid)  # None on failure; anything raised is the gather's note


class LinuxProbe(_RunningProbe):
    """The real Linux probe: /etc/os-release, /proc and /sys; the macOS questions answer None."""

    platform = "linux"


def default_probe() -> SystemProbe:
    """The real probe for this machine."""
    if sys.platform == "darwin":
        return MacProbe()
    probe = LinuxProbe()
    if not sys.platform.startswith("linux"):
        probe.platform = sys.platform
    return probe


# --------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemFacts:
    """What the doctor's System group reports on. None means "could not tell"."""

    platform: str  # "darwin" / "linux" / …
    os_name: str | None = None  # "macOS", "Mac OS X", "Debian GNU/Linux"
    os_version: str | None = None  # "14.4", "12"
    os_build: str | None = None  # "23E214" (macOS)
    kernel: str | None = None  # Linux kernel release
    machine: str | None = None  # hardware arch: "arm64" / "x86_64" / Linux's own name
    cpu_model: str | None = None  # "Apple M3 Max", "AMD EPYC"
    cores_total: int | None = None
    perf_cores: int | None = None
    eff_cores: int | None = None
    perf_levels: tuple[tuple[str, int], ...] = ()  # macOS: (("Performance", 12), ("Efficiency", 4))
    clusters: tuple[tuple[int, int], ...] = ()  # Linux: ((capacity, cpus), …), biggest first
    cpu_parts: tuple[tuple[str, int], ...] = ()  # Linux arm64: (("0xd0b", 4), ("0xd05", 4))
    memory_bytes: int | None = None
    hardware_arm64: bool | None = None  # hw.optional.arm64; True even under Rosetta
    process_translated: bool | None = None  # m3tui itself runs under Rosetta
    login_shell: str | None = None
    shell_translated: bool | None = None  # a child of the login shell runs under Rosetta
    # A process up m3tui's parent chain (shell, login, the terminal) has P_TRANSLATED: None = not read.
    terminal_translated: bool | None = None
    translated_ancestor: str | None = None  # "Terminal (pid 640)": the first translated one
    brew: BrewConfig | None = None
    brew_path: str | None = None  # the brew that PATH finds (or a standard location)
    brew_installs: tuple[str, ...] = ()  # which of /opt/homebrew/bin/brew, /usr/local/bin/brew exist
    brew_prefix_said: str | None = None  # `brew --prefix`
    brew_archs: tuple[str, ...] = ()  # from a Mach-O header: ("arm64",), ("arm64", "x86_64") universal
    brew_arch_file: str | None = None  # whose header that was (brew's portable Ruby)
    path_order: PathOrder = field(default_factory=lambda: PathOrder(None, None))
    clt_checked: bool = False  # xcode-select gave an answer (a path or its error)
    clt_path: str | None = None  # xcode-select -p
    clt_xcrun: bool | None = None  # CLT_PATH/usr/bin/xcrun exists
    probe_errors: tuple[str, ...] = ()  # "sysctl: RuntimeError: …" for probes that raised

    @property
    def is_macos(self) -> bool:
        return self.platform == "darwin"

    @property
    def brew_prefix(self) -> str | None:
        """HOMEBREW_PREFIX from brew config, else derived from the brew binary's location."""
        if self.brew_prefix_said:
            return self.brew_prefix_said
        if self.brew is not None and self.brew.prefix:
            return self.brew.prefix
        path = self.brew_path or (self.brew_installs[0] if self.brew_installs else None)
        if path and path.endswith("/bin/brew"):
            return path[: -len("/bin/brew")]
        return None

    def to_data(self) -> dict[str, Any]:
        """JSON-safe dict (lists, not tuples)."""
        return {
            "platform": self.platform,
            "os_name": self.os_name,
            "os_version": self.os_version,
            "os_build": self.os_build,
            "kernel": self.kernel,
            "machine": self.machine,
            "cpu_model": self.cpu_model,
            "cores_total": self.cores_total,
            "perf_cores": self.perf_cores,
            "eff_cores": self.eff_cores,
            "perf_levels": [[n, c] for n, c in self.perf_levels],
            "clusters": [[cap, c] for cap, c in self.clusters],
            "cpu_parts": [[p, c] for p, c in self.cpu_parts],
            "memory_bytes": self.memory_bytes,
            "hardware_arm64": self.hardware_arm64,
            "process_translated": self.process_translated,
            "login_shell": self.login_shell,
            "shell_translated": self.shell_translated,
            "terminal_translated": self.terminal_translated,
            "translated_ancestor": self.translated_ancestor,
            "brew": self.brew.to_data() if self.brew is not None else None,
            "brew_path": self.brew_path,
            "brew_prefix": self.brew_prefix,
            "brew_installs": list(self.brew_installs),
            "brew_archs": list(self.brew_archs),
            "brew_arch_file": self.brew_arch_file,
            "path_order": {"/opt/homebrew/bin": self.path_order.opt_homebrew, "/usr/local/bin": self.path_order.usr_local},
            "clt_checked": self.clt_checked,
            "clt_path": self.clt_path,
            "clt_xcrun": self.clt_xcrun,
            "probe_errors": list(self.probe_errors),
        }


class _FactFields(TypedDict, total=False):
    """The :class:`SystemFacts` fields that one probing step below fills in."""

    os_name: str | None
    os_version: str | None
    os_build: str | None
    kernel: str | None
    machine: str | None
    cpu_model: str | None
    cores_total: int | None
    perf_cores: int | None
    eff_cores: int | None
    perf_levels: tuple[tuple[str, int], ...]
    clusters: tuple[tuple[int, int], ...]
    cpu_parts: tuple[tuple[str, int], ...]
    memory_bytes: int | None
    hardware_arm64: bool | None
    process_translated: bool | None
    login_shell: str | None
    shell_translated: bool | None
    terminal_translated: bool | None
    translated_ancestor: str | None
    brew: BrewConfig | None
    brew_path: str | None
    brew_installs: tuple[str, ...]
    brew_prefix_said: str | None
    brew_archs: tuple[str, ...]
    brew_arch_file: str | None
    clt_checked: bool
    clt_path: str | None
    clt_xcrun: bool | None


T = TypeVar("T")


class _Tolerant:
    """Runs probe calls, turning an exception into None (or a default) and a note."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    async def __call__(self, what: str, aw: Awaitable[T], default: T | None = None) -> T | None:
        try:
            return await aw
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one broken probe must not hide the rest
            self.errors.append(f"{what}: {type(exc).__name__}: {exc}")
            return default


async def _mac_cpu(probe: SystemProbe, safe: _Tolerant) -> _FactFields:
    hw_text, cpu_text = await asyncio.gather(
        safe("sysctl hw", probe.sysctl(SYSCTL_HW)),
        safe("sysctl machdep.cpu", probe.sysctl(SYSCTL_CPU)),
    )
    hw = parse_sysctl(hw_text or "")
    cpu = parse_sysctl(cpu_text or "")
    both = {**cpu, **hw}
    out: _FactFields = {}
    out["cpu_model"] = cpu.get("machdep.cpu.brand_string") or None
    out["cores_total"] = (
        _int_or_none(hw.get("hw.ncpu"))
        or _int_or_none(hw.get("hw.logicalcpu"))
        or _int_or_none(cpu.get("machdep.cpu.thread_count"))
        or _int_or_none(cpu.get("machdep.cpu.core_count"))
    )
    levels = parse_perf_levels(both)
    out["perf_levels"] = tuple(levels)
    if levels:
        perf = [c for name, c in levels if name.lower().startswith("perf")]
        eff = [c for name, c in levels if name.lower().startswith("eff")]
        out["perf_cores"] = sum(perf) if perf else None
        out["eff_cores"] = sum(eff) if eff else None
    out["memory_bytes"] = _int_or_none(hw.get("hw.memsize"))
    # hw.optional.arm64 is absent on Intel Macs: a real `sysctl hw` answer without it means False.
    arm64 = _int_or_none(hw.get("hw.optional.arm64"))
    if arm64 is not None:
        out["hardware_arm64"] = arm64 == 1
    elif len(levels) >= 2:
        out["hardware_arm64"] = True  # no Mac with an Intel CPU has two core clusters
    else:
        value = await safe("sysctlbyname hw.optional.arm64", probe.self_sysctl_int("hw.optional.arm64"))
        if value is not None:
            out["hardware_arm64"] = value == 1
        else:
            # Absent on Intel Macs: a real `sysctl hw` answer without it means Intel.
            out["hardware_arm64"] = False if "hw.ncpu" in hw and "hw.optional.arm64" not in hw else None
    if out["hardware_arm64"] is True:
        out["machine"] = "arm64"
    elif out["hardware_arm64"] is False:
        out["machine"] = "x86_64"
    return out


async def _mac_os(probe: SystemProbe, safe: _Tolerant) -> _FactFields:
    text = await safe("sw_vers", probe.sw_vers())
    vers = parse_sw_vers(text or "")
    return {
        "os_name": vers.get("ProductName") or None,
        "os_version": vers.get("ProductVersion") or None,
        "os_build": vers.get("BuildVersion") or None,
    }


async def _process_translated(probe: SystemProbe, safe: _Tolerant) -> _FactFields:
    value = await safe("sysctlbyname sysctl.proc_translated", probe.self_sysctl_int("sysctl.proc_translated"))
    return {"process_translated": None if value is None else value == 1}


async def _shell(probe: SystemProbe, safe: _Tolerant, env: Mapping[str, str]) -> _FactFields:
    shell = env.get("SHELL") or await safe("login shell", probe.login_shell())
    if not shell:
        return {"login_shell": None, "shell_translated": None}
    text = await safe("shell sysctl", probe.shell_sysctl(shell, "sysctl.proc_translated", env=env))
    return {"login_shell": shell, "shell_translated": _flag(text)}


async def _ancestors(probe: SystemProbe, safe: _Tolerant, pid: int) -> _FactFields:
    from m3tui.core.darwin import translated_ancestor

    found, name = await translated_ancestor(lambda p: safe(f"kern.proc.pid.{p}", probe.proc_info(p)), pid)
    return {"terminal_translated": found, "translated_ancestor": name}


async def _brew(probe: SystemProbe, safe: _Tolerant, env: Mapping[str, str], verbose: bool) -> _FactFields:
    on_path, exist = await asyncio.gather(
        safe("which brew", probe.which("brew", env.get("PATH", ""))),
        asyncio.gather(*(safe(f"exists {p}", probe.exists(p), False) for p in BREW_CANDIDATES)),
    )
    installs = tuple(p for p, there in zip(BREW_CANDIDATES, exist, strict=True) if there)
    brew_path = on_path or (installs[0] if installs else None)
    out: _FactFields = {"brew": None, "brew_path": brew_path, "brew_installs": installs}
    if not brew_path:
        return out
    from m3tui.core.darwin import brew_arch

    prefix = out["brew_prefix_said"] = await safe("brew --prefix", probe.brew_prefix(brew_path, env=env))
    out["brew_archs"], out["brew_arch_file"] = await brew_arch(
        lambda path: safe(f"read {path}", probe.read_head(path)), brew_path, prefix
    )
    if verbose or prefix is None:  # `brew config` starts Ruby: for -v, or when --prefix gave nothing
        text = await safe("brew config", probe.brew_config(brew_path, env=env))
        out["brew"] = parse_brew_config(text) if text else None
    return out


async def _clt(probe: SystemProbe, safe: _Tolerant) -> _FactFields:
    text = await safe("xcode-select -p", probe.xcode_select())
    clt = parse_xcode_select(text)
    xcrun = None
    if clt:
        xcrun = bool(await safe("exists xcrun", probe.exists(f"{clt}/usr/bin/xcrun"), False))
    return {"clt_checked": text is not None, "clt_path": clt, "clt_xcrun": xcrun}


async def _linux_os(probe: SystemProbe, safe: _Tolerant) -> _FactFields:
    text = await safe("read /etc/os-release", probe.read_text("/etc/os-release"))
    if text is None:
        text = await safe("read /usr/lib/os-release", probe.read_text("/usr/lib/os-release"))
    rel = parse_os_release(text or "")
    kernel = await safe("read osrelease", probe.read_text("/proc/sys/kernel/osrelease"))
    arch = await safe("read arch", probe.read_text("/proc/sys/kernel/arch"))
    return {
        "os_name": rel.get("NAME") or rel.get("ID") or None,
        "os_version": rel.get("VERSION_ID") or rel.get("VERSION") or None,
        "kernel": kernel.strip() if kernel else None,
        "machine": arch.strip() if arch and arch.strip() else None,
    }


async def _linux_cpu(probe: SystemProbe, safe: _Tolerant) -> _FactFields:
    cpuinfo_text, online_text, meminfo = await asyncio.gather(
        safe("read /proc/cpuinfo", probe.read_text("/proc/cpuinfo")),
        safe("read cpu/online", probe.read_text("/sys/devices/system/cpu/online")),
        safe("read /proc/meminfo", probe.read_text("/proc/meminfo")),
    )
    blocks = parse_cpuinfo(cpuinfo_text or "")
    online = parse_cpu_list(online_text)
    processors = [b for b in blocks if "processor" in b]
    out: _FactFields = {
        "cpu_model": cpuinfo_model(blocks),
        "cores_total": len(online) or len(processors) or None,
        "memory_bytes": parse_meminfo_total(meminfo),
    }
    cpus = online or [i for i in (_int_or_none(b.get("processor")) for b in processors) if i is not None]
    caps_text = await asyncio.gather(
        *(safe(f"read cpu{i}/cpu_capacity", probe.read_text(f"/sys/devices/system/cpu/cpu{i}/cpu_capacity")) for i in cpus)
    )
    capacities = {i: v for i, t in zip(cpus, caps_text, strict=True) if (v := _int_or_none(t)) is not None}
    clusters = cpu_clusters(capacities)
    parts = part_clusters(cpuinfo_parts(blocks))
    out["clusters"] = tuple(clusters)
    out["cpu_parts"] = tuple(parts)
    if len(clusters) >= 2:
        # The smallest-capacity cluster is the efficiency one; everything above counts as performance.
        out["eff_cores"] = clusters[-1][1]
        out["perf_cores"] = sum(c for _, c in clusters[:-1])
    elif len(clusters) <= 1 and len(parts) >= 2 and any(p in LITTLE_ARM_PARTS for p, _ in parts):
        out["eff_cores"] = sum(c for p, c in parts if p in LITTLE_ARM_PARTS)
        out["perf_cores"] = sum(c for p, c in parts if p not in LITTLE_ARM_PARTS)
    return out


async def gather_system_facts(probe: SystemProbe, env: Mapping[str, str], *, verbose: bool = False) -> SystemFacts:
    """Ask ``probe`` everything, concurrently; a probe that fails leaves its fields None.
    ``verbose`` also runs `brew config` (Ruby: slow), which otherwise runs only when `brew --prefix` fails."""
    safe = _Tolerant()
    platform = probe.platform
    fields: _FactFields = {}
    if platform == "darwin":
        parts = await asyncio.gather(
            _mac_os(probe, safe),
            _mac_cpu(probe, safe),
            _process_translated(probe, safe),
            _shell(probe, safe, env),
            _ancestors(probe, safe, probe.parent_pid()),
            _brew(probe, safe, env, verbose),
            _clt(probe, safe),
        )
        for p in parts:
            fields.update(p)
    else:
        for p in await asyncio.gather(_linux_os(probe, safe), _linux_cpu(probe, safe)):
            fields.update(p)
    return SystemFacts(
        platform=platform,
        path_order=path_order(env.get("PATH")),
        probe_errors=tuple(safe.errors),
        **fields,
    )
