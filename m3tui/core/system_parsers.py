"""The pure parsers behind :mod:`m3tui.core.system`: the text that sysctl, sw_vers, brew config,
xcode-select, /etc/os-release and /proc print, turned into values (tested on real recorded outputs).

Nothing here runs a command or reads a file; the probes in :mod:`m3tui.core.system` do.
Plain Python; must never import Textual.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BREW_ARM64_PREFIX",
    "BREW_INTEL_PREFIX",
    "LITTLE_ARM_PARTS",
    "BrewConfig",
    "PathOrder",
    "XcrunError",
    "cpu_clusters",
    "cpuinfo_model",
    "cpuinfo_parts",
    "parse_brew_config",
    "parse_cpu_list",
    "parse_cpuinfo",
    "parse_meminfo_total",
    "parse_os_release",
    "parse_perf_levels",
    "parse_sw_vers",
    "parse_sysctl",
    "parse_xcode_select",
    "parse_xcrun_error",
    "part_clusters",
    "path_order",
]

BREW_ARM64_PREFIX = "/opt/homebrew"
BREW_INTEL_PREFIX = "/usr/local"

# "hw.ncpu: 16" (sysctl hw / sysctl -a), "hw.ncpu = 16" (sysctl -A on some versions,
# Linux sysctl -a). Names are dotted and have no spaces, so the first separator after the
# name splits; "sysctl: unknown oid …" (no dot) is not a value line.
_SYSCTL_LINE = re.compile(r"^(?P<name>[A-Za-z_][\w\-]*(?:\.[\w\-]+)+)\s*(?::|=)(?:\s(?P<value>.*))?$")


def parse_sysctl(text: str) -> dict[str, str]:
    """``name: value`` / ``name = value`` lines -> {name: value}; other lines are ignored.

    Values keep inner whitespace ("16 1 4 0 0 …") and may be empty
    ("hw.osenvironment: "). A name seen twice keeps its last value.
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _SYSCTL_LINE.match(line.rstrip("\r"))
        if m is None:
            continue
        out[m["name"]] = (m["value"] or "").strip()
    return out


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def parse_perf_levels(sysctl: Mapping[str, str]) -> list[tuple[str, int]]:
    """Apple silicon core clusters from ``hw.perflevelN.*``: [(name, physical cores)], N=0 first.

    N=0 is the performance cluster, the highest N the efficiency one. Where the names are
    missing (older macOS, or a partial dump) they are inferred from that order.
    """
    count = _int_or_none(sysctl.get("hw.nperflevels"))
    if count is None:
        count = 0
        while f"hw.perflevel{count}.physicalcpu" in sysctl or f"hw.perflevel{count}.logicalcpu" in sysctl:
            count += 1
    levels: list[tuple[str, int]] = []
    for n in range(count):
        cores = _int_or_none(sysctl.get(f"hw.perflevel{n}.physicalcpu"))
        if cores is None:
            cores = _int_or_none(sysctl.get(f"hw.perflevel{n}.logicalcpu"))
        if cores is None:
            continue
        name = sysctl.get(f"hw.perflevel{n}.name") or ""
        if not name:
            if count == 2:
                name = "Performance" if n == 0 else "Efficiency"
            else:
                name = f"perflevel{n}"
        levels.append((name, cores))
    return levels


def parse_sw_vers(text: str) -> dict[str, str]:
    """``sw_vers`` -> {"ProductName": "macOS", "ProductVersion": "14.4", "BuildVersion": …}.

    Accepts the pre-Big-Sur layout (``ProductName:\\tMac OS X``), the newer one with two
    tabs (``ProductName:\\t\\tmacOS``) and space-separated copies of either. Any other
    ``Key: value`` line (ProductVersionExtra on macOS 13+) is kept too.
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key or " " in key:
            continue
        out[key] = value.strip()
    return out


def parse_os_release(text: str) -> dict[str, str]:
    """Linux ``/etc/os-release``: ``KEY=value`` with shell quoting; comments and junk skipped."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, raw = line.partition("=")
        key = key.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            continue
        try:
            parts = shlex.split(raw, comments=False, posix=True)
            value = " ".join(parts)
        except ValueError:  # an unbalanced quote: keep the text, minus the stray quote
            value = raw.strip().strip("\"'")
        out[key] = value
    return out


# Homebrew's CPU families on Intel (Hardware::CPU.family), as printed in `brew config`.
_INTEL_FAMILIES = frozenset(
    {
        "core",
        "core2",
        "penryn",
        "nehalem",
        "westmere",
        "arrandale",
        "sandybridge",
        "ivybridge",
        "haswell",
        "broadwell",
        "skylake",
        "kabylake",
        "cometlake",
        "cannonlake",
        "icelake",
    }
)


def _arch_word(word: str) -> str | None:
    w = word.strip().lower()
    if not w:
        return None
    if w in ("arm64", "aarch64") or w.startswith("arm_"):
        return "arm64"
    if w in ("x86_64", "amd64", "intel", "i386") or w in _INTEL_FAMILIES:
        return "x86_64"
    return None


@dataclass(frozen=True)
class BrewConfig:
    """What `brew config` says about the Homebrew that ran it."""

    version: str | None = None
    prefix: str | None = None
    cpu: str | None = None  # "octa-core 64-bit arm_firestorm_icestorm"
    cpu_arch: str | None = None  # from the CPU family: "arm64" / "x86_64" / None
    macos: str | None = None  # "11.1-arm64"
    macos_version: str | None = None  # "11.1"
    macos_arch: str | None = None  # "arm64" / "x86_64"
    rosetta: bool | None = None  # the "Rosetta 2:" line; None when absent
    clt: str | None = None
    xcode: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def arch(self) -> str | None:
        """The arch brew itself ran as: the macOS line first, then the CPU family."""
        return self.macos_arch or self.cpu_arch

    def to_data(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "prefix": self.prefix,
            "cpu": self.cpu,
            "arch": self.arch,
            "macos": self.macos,
            "rosetta": self.rosetta,
            "clt": self.clt,
            "xcode": self.xcode,
        }


def _bool_word(value: str | None) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("true", "yes", "1"):
        return True
    if v in ("false", "no", "0"):
        return False
    return None


def parse_brew_config(text: str) -> BrewConfig:
    """``brew config`` -> :class:`BrewConfig` (missing lines are None)."""
    raw: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            continue
        raw.setdefault(key.strip(), value.strip())
    cpu = raw.get("CPU") or None
    cpu_arch = None
    if cpu:
        # "octa-core 64-bit arm_firestorm_icestorm": the family is the last word.
        words = cpu.split()
        cpu_arch = _arch_word(words[-1]) if words else None
    macos = raw.get("macOS") or None
    macos_version = macos_arch = None
    if macos:
        version, dash, arch = macos.rpartition("-")
        if dash and _arch_word(arch):
            macos_version, macos_arch = version, _arch_word(arch)
        else:
            macos_version = macos
    return BrewConfig(
        version=raw.get("HOMEBREW_VERSION") or None,
        prefix=raw.get("HOMEBREW_PREFIX") or None,
        cpu=cpu,
        cpu_arch=cpu_arch,
        macos=macos,
        macos_version=macos_version,
        macos_arch=macos_arch,
        rosetta=_bool_word(raw.get("Rosetta 2")),
        clt=raw.get("CLT") or None,
        xcode=raw.get("Xcode") or None,
        raw=raw,
    )


def parse_xcode_select(text: str | None) -> str | None:
    """``xcode-select -p`` -> the active developer directory, or None (error text, empty)."""
    if not text:
        return None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("/") and "error:" not in line:
            return line.rstrip("/") or "/"
        return None
    return None


@dataclass(frozen=True)
class XcrunError:
    """``xcrun: error: invalid active developer path (DIR), missing xcrun at: PATH``."""

    developer_path: str
    missing: str | None


_XCRUN_ERROR = re.compile(
    r"xcrun: error: invalid active developer path \((?P<dir>[^)]*)\)(?:, missing xcrun at: (?P<missing>\S+))?"
)


def parse_xcrun_error(text: str) -> XcrunError | None:
    """Find the broken-CLT error (as cgo builds print it) in any output; None if absent."""
    m = _XCRUN_ERROR.search(text)
    if m is None:
        return None
    return XcrunError(developer_path=m["dir"], missing=m["missing"])


def parse_cpu_list(text: str | None) -> list[int]:
    """Kernel CPU list syntax (``/sys/devices/system/cpu/online``): "0-3,6,8-9" -> [0,1,2,3,6,8,9]."""
    if not text:
        return []
    cpus: list[int] = []
    for part in text.strip().split(","):
        part = part.strip()
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            if dash:
                cpus.extend(range(int(lo), int(hi) + 1))
            else:
                cpus.append(int(lo))
        except ValueError:
            return []
    return sorted(set(cpus))


def parse_cpuinfo(text: str) -> list[dict[str, str]]:
    """``/proc/cpuinfo`` -> one dict per ``processor`` block (keys as printed, values stripped).

    Lines before the first ``processor`` line, and blocks without one (the trailing
    "Hardware"/"Serial" block on some arm boards), are returned as blocks too; a
    block's "processor" key tells which is which.
    """
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip()
        if key == "processor" and "processor" in current:
            blocks.append(current)
            current = {}
        current[key] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def cpuinfo_model(blocks: Sequence[Mapping[str, str]]) -> str | None:
    """The CPU's name from parsed cpuinfo: "model name" (x86, some arm), else "Model"/"Hardware"."""
    for key in ("model name", "Model", "Hardware", "cpu model", "cpu"):
        for b in blocks:
            if b.get(key):
                return b[key]
    return None


def cpuinfo_parts(blocks: Sequence[Mapping[str, str]]) -> dict[int, str]:
    """{processor index: "CPU part"} on arm64 (e.g. 0xd05 Cortex-A55, 0xd0b Cortex-A76)."""
    parts: dict[int, str] = {}
    for b in blocks:
        idx = _int_or_none(b.get("processor"))
        part = b.get("CPU part")
        if idx is not None and part:
            parts[idx] = part.lower()
    return parts


def cpu_clusters(capacities: Mapping[int, int]) -> list[tuple[int, int]]:
    """{cpu: cpu_capacity} -> [(capacity, how many cpus)], biggest cores first.

    A homogeneous machine gives one cluster; big.LITTLE gives two or more.
    """
    counts: dict[int, int] = {}
    for cap in capacities.values():
        counts[cap] = counts.get(cap, 0) + 1
    return sorted(counts.items(), key=lambda kv: kv[0], reverse=True)


# Arm "CPU part" ids of the in-order efficiency cores (Cortex-A32/A34/A35/A53/A55/A510/A520).
LITTLE_ARM_PARTS = frozenset({"0xd01", "0xd02", "0xd04", "0xd03", "0xd05", "0xd46", "0xd80"})


def part_clusters(parts: Mapping[int, str]) -> list[tuple[str, int]]:
    """{cpu: "CPU part"} -> [(part, how many cpus)], big cores first, then in cpu order."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for cpu in sorted(parts):
        p = parts[cpu]
        counts[p] = counts.get(p, 0) + 1
        first.setdefault(p, cpu)
    return sorted(counts.items(), key=lambda kv: (kv[0] in LITTLE_ARM_PARTS, first[kv[0]]))


def parse_meminfo_total(text: str | None) -> int | None:
    """``/proc/meminfo`` -> MemTotal in bytes."""
    if not text:
        return None
    m = re.search(r"^MemTotal:\s*(\d+)\s*kB", text, re.MULTILINE)
    return int(m.group(1)) * 1024 if m else None


@dataclass(frozen=True)
class PathOrder:
    """Where Homebrew's two bin directories sit in PATH (0-based), None when absent."""

    opt_homebrew: int | None
    usr_local: int | None

    @property
    def usr_local_first(self) -> bool:
        """True when /usr/local/bin shadows /opt/homebrew/bin (or is there without it)."""
        if self.usr_local is None:
            return False
        return self.opt_homebrew is None or self.usr_local < self.opt_homebrew


def path_order(path: str | None) -> PathOrder:
    """Index of /opt/homebrew/bin and /usr/local/bin in a PATH value."""
    entries = [os.path.normpath(p) for p in (path or "").split(os.pathsep) if p]

    def index(d: str) -> int | None:
        try:
            return entries.index(d)
        except ValueError:
            return None

    return PathOrder(opt_homebrew=index(f"{BREW_ARM64_PREFIX}/bin"), usr_local=index(f"{BREW_INTEL_PREFIX}/bin"))


def _flag(text: str | None) -> bool | None:
    """The last line of a ``sysctl -n`` answer: "1" -> True, "0" -> False, else None."""
    if not text:
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    return {"1": True, "0": False}.get(lines[-1])
