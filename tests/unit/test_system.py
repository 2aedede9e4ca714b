"""System facts: the parsers on real recorded macOS outputs, and the probes for real on this Linux box.

The macOS fixtures (tests/data/macos) are outputs that people pasted publicly from
real Macs. Where no recording exists (an Apple-silicon `sw_vers`, `sysctl.proc_translated`,
an M3 `brew config`), the test says so in its docstring and uses the documented format.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import sys
from pathlib import Path

import pytest

from m3tui.core.system import (
    LinuxProbe,
    SystemFacts,
    SystemProbe,
    default_probe,
    gather_system_facts,
)
from m3tui.core.system_parsers import (
    BrewConfig,
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
    parse_xcrun_error,
    part_clusters,
    path_order,
)

from tests.macprobe import RecordedMacProbe, fixture, m3max_probe
from tests.testdata import MACOS

FIXTURES = MACOS

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads this Linux box's /proc and /sys")


# --------------------------------------------------------------------------
# sysctl
# --------------------------------------------------------------------------


def test_parse_sysctl_hw_m3max() -> None:
    body = fixture("sysctl-hw.m3max.txt")
    hw = parse_sysctl(body)
    assert len(hw) == len(body.splitlines())  # every line is a `name: value` line
    assert hw["hw.ncpu"] == "16"
    assert hw["hw.optional.arm64"] == "1"
    assert hw["hw.nperflevels"] == "2"
    assert hw["hw.perflevel0.name"] == "Performance"
    assert hw["hw.perflevel0.physicalcpu"] == "12"
    assert hw["hw.perflevel1.name"] == "Efficiency"
    assert hw["hw.perflevel1.physicalcpu"] == "4"
    assert hw["hw.memsize"] == str(128 << 30)
    assert hw["hw.cpufamily"] == "1912690738"
    assert hw["hw.targettype"] == "J516c"
    assert hw["hw.osenvironment"] == ""  # "hw.osenvironment: " (empty value) as recorded
    assert hw["hw.cacheconfig"] == "16 1 4 0 0 0 0 0 0 0"
    assert hw["hw.optional.arm.FEAT_SPECRES"] == "0"
    assert parse_perf_levels(hw) == [("Performance", 12), ("Efficiency", 4)]


def test_parse_sysctl_perflevels_m1pro_matches_system_profiler() -> None:
    """The truncated M1 Pro dump has no perflevel names and no hw.nperflevels: both are inferred.

    Cross-checked against a different real M1 Pro's `system_profiler` line.
    """
    hw = parse_sysctl(fixture("sysctl-a.perflevel.m1pro.TRUNCATED.txt"))
    assert hw["hw.ncpu"] == "10"
    assert "hw.nperflevels" not in hw and "hw.perflevel0.name" not in hw
    levels = parse_perf_levels(hw)
    assert levels == [("Performance", 8), ("Efficiency", 2)]

    profiler = fixture("system-profiler-hardware-mini.m1pro.txt")
    m = re.search(r"Total Number of Cores: (\d+) \((\d+) performance and (\d+) efficiency\)", profiler)
    assert m is not None
    assert (int(m[1]), int(m[2]), int(m[3])) == (int(hw["hw.ncpu"]), levels[0][1], levels[1][1])
    assert "Chip: Apple M1 Pro" in profiler


@pytest.mark.parametrize(
    ("name", "brand", "cores"),
    [
        ("sysctl-machdep-cpu.m1.txt", "Apple M1", "8"),
        ("sysctl-machdep-cpu.m1pro.txt", "Apple M1 Pro", "8"),
        ("sysctl-machdep-cpu.m1-bigsur-early.txt", "Apple processor", "8"),
        ("sysctl-machdep-cpu.m1.translated-likely.TRUNCATED.txt", "Apple M1", "8"),
    ],
)
def test_parse_sysctl_machdep_cpu(name: str, brand: str, cores: str) -> None:
    cpu = parse_sysctl(fixture(name))
    assert cpu["machdep.cpu.brand_string"] == brand
    assert cpu["machdep.cpu.core_count"] == cores


def test_parse_sysctl_translated_view_keeps_x86_fields() -> None:
    cpu = parse_sysctl(fixture("sysctl-machdep-cpu.m1.translated-likely.TRUNCATED.txt"))
    assert cpu["machdep.cpu.family"] == "6"
    assert cpu["machdep.cpu.feature_bits"] == "151121000215084031"


def test_parse_sysctl_ignores_other_lines() -> None:
    """Constructed: prompt lines, errors and blank lines are not `name: value` lines."""
    text = "% sysctl hw.ncpu\nhw.ncpu: 8\n\nsysctl: unknown oid 'hw.nope'\n"
    assert parse_sysctl(text) == {"hw.ncpu": "8"}


# --------------------------------------------------------------------------
# sw_vers, os-release
# --------------------------------------------------------------------------


def test_parse_sw_vers_catalina_recorded() -> None:
    assert parse_sw_vers(fixture("sw_vers.catalina-intel-format.txt")) == {
        "ProductName": "Mac OS X",
        "ProductVersion": "10.15.5",
        "BuildVersion": "19F101",
    }


def test_parse_sw_vers_big_sur_format_documented() -> None:
    """NOT a recording (none from Apple silicon exists in the fixtures): the documented
    Big Sur+ layout, `ProductName:` followed by two tabs, plus ProductVersionExtra (13+)."""
    text = "ProductName:\t\tmacOS\nProductVersion:\t\t14.4.1\nProductVersionExtra:\t(a)\nBuildVersion:\t\t23E224\n"
    assert parse_sw_vers(text) == {
        "ProductName": "macOS",
        "ProductVersion": "14.4.1",
        "ProductVersionExtra": "(a)",
        "BuildVersion": "23E224",
    }


@linux_only
def test_parse_os_release_real_file_matches_python() -> None:
    path = Path("/etc/os-release") if Path("/etc/os-release").exists() else Path("/usr/lib/os-release")
    ours = parse_os_release(path.read_text())
    theirs = platform.freedesktop_os_release()
    assert ours["NAME"] == theirs["NAME"]
    for key, value in theirs.items():
        assert ours.get(key, value) == value, key


def test_parse_os_release_quoting() -> None:
    """Constructed: the quoting rules of os-release(5)."""
    text = '# comment\nNAME="Fedora Linux"\nVERSION_ID=40\nPRETTY_NAME=\'Single "quoted"\'\nX="a \\"b\\" c"\nbad line\n'
    assert parse_os_release(text) == {
        "NAME": "Fedora Linux",
        "VERSION_ID": "40",
        "PRETTY_NAME": 'Single "quoted"',
        "X": 'a "b" c',
    }


# --------------------------------------------------------------------------
# brew config
# --------------------------------------------------------------------------


def test_parse_brew_config_m1_native() -> None:
    cfg = parse_brew_config(fixture("brew-config.m1-native.txt"))
    assert cfg.version == "2.7.0-2-g6994633"
    assert cfg.prefix == "/opt/homebrew"
    assert cfg.cpu == "octa-core 64-bit arm_firestorm_icestorm"
    assert cfg.cpu_arch == "arm64"
    assert cfg.macos == "11.1-arm64"
    assert (cfg.macos_version, cfg.macos_arch) == ("11.1", "arm64")
    assert cfg.arch == "arm64"
    assert cfg.rosetta is False
    assert cfg.clt == "12.3.0.0.1.1607026830"
    assert cfg.xcode == "12.3"


def test_parse_brew_config_rosetta_in_opt_prefix() -> None:
    cfg = parse_brew_config(fixture("brew-config.m1-rosetta-opt-prefix.txt"))
    assert cfg.prefix == "/opt/homebrew"
    assert cfg.cpu_arch == "x86_64"  # westmere: Rosetta's view
    assert (cfg.macos_version, cfg.macos_arch) == ("11.5.2", "x86_64")
    assert cfg.arch == "x86_64"
    assert cfg.rosetta is True


def test_parse_brew_config_rosetta_usr_local_truncated() -> None:
    cfg = parse_brew_config(fixture("brew-config.apple-silicon-rosetta-usrlocal.macos26.TRUNCATED.txt"))
    assert cfg.version == "6.0.20"
    assert cfg.prefix == "/usr/local"
    assert cfg.cpu == "octa-core 64-bit westmere"
    assert cfg.arch == "x86_64"
    assert cfg.macos_version == "26.4.1"
    assert cfg.rosetta is None  # the "Rosetta 2:" line was cut off in the recording
    assert cfg.raw["https_proxy"] == "http://127.0.0.1:6152"  # URL values keep their colons
    assert cfg.to_data()["prefix"] == "/usr/local"
    json.dumps(cfg.to_data())


def test_parse_brew_config_m3_documented_format() -> None:
    """NOT a recording (no M3 `brew config` was found): Homebrew prints
    `CPU: <cores_as_words>-core 64-bit <family>`, the words stopping at 12 ("dodeca"),
    and an arm family such as arm_palma (hw.cpufamily 0x72015832, the M3 Max's)."""
    cfg = parse_brew_config("HOMEBREW_PREFIX: /opt/homebrew\nCPU: 16-core 64-bit arm_palma\nmacOS: 14.4-arm64\nRosetta 2: false\n")
    assert (cfg.cpu_arch, cfg.macos_arch, cfg.rosetta) == ("arm64", "arm64", False)


def test_parse_brew_config_empty() -> None:
    assert parse_brew_config("") == BrewConfig()


# --------------------------------------------------------------------------
# xcode-select, xcrun
# --------------------------------------------------------------------------


def test_parse_xcode_select_recorded() -> None:
    assert parse_xcode_select(fixture("xcode-select-p.apple-silicon.clt.txt")) == "/Library/Developer/CommandLineTools"


def test_parse_xcode_select_failure_and_empty() -> None:
    """The error line is constructed from xcode-select's documented message (no recording)."""
    err = "xcode-select: error: unable to get active developer directory. Use `sudo xcode-select --switch path/to/Xcode.app` ..."
    assert parse_xcode_select(err) is None
    assert parse_xcode_select("") is None
    assert parse_xcode_select(None) is None
    assert parse_xcode_select("/Applications/Xcode.app/Contents/Developer/\n") == "/Applications/Xcode.app/Contents/Developer"


def test_parse_xcrun_error_recorded() -> None:
    err = parse_xcrun_error(fixture("xcrun-invalid-developer-path.cgo.darwin-arm64.m1.txt"))
    assert err is not None
    assert err.developer_path == "/Library/Developer/CommandLineTools"
    assert err.missing == "/Library/Developer/CommandLineTools/usr/bin/xcrun"


def test_parse_xcrun_error_absent_in_other_cgo_failure() -> None:
    """A real cgo *link* failure is not the broken-CLT error."""
    assert parse_xcrun_error(fixture("go-build.cgo-link-error.darwin-arm64.go1.21.txt")) is None


# --------------------------------------------------------------------------
# Linux CPUs
# --------------------------------------------------------------------------


def test_parse_cpu_list() -> None:
    assert parse_cpu_list("0-3,6,8-9\n") == [0, 1, 2, 3, 6, 8, 9]
    assert parse_cpu_list("0") == [0]
    assert parse_cpu_list("") == []
    assert parse_cpu_list("junk") == []


@linux_only
def test_real_cpu_list_cpuinfo_and_capacities() -> None:
    online = parse_cpu_list(Path("/sys/devices/system/cpu/online").read_text())
    assert len(online) == os.cpu_count()
    blocks = parse_cpuinfo(Path("/proc/cpuinfo").read_text())
    processors = [b for b in blocks if "processor" in b]
    assert len(processors) == os.cpu_count()
    model = cpuinfo_model(blocks)
    if platform.machine() in ("x86_64", "amd64"):
        assert model and model == processors[0]["model name"]
    capacities = {}
    for i in online:
        p = Path(f"/sys/devices/system/cpu/cpu{i}/cpu_capacity")
        if p.exists():
            capacities[i] = int(p.read_text())
    if capacities:
        clusters = cpu_clusters(capacities)
        assert sum(c for _, c in clusters) == len(capacities)


def test_cpu_clusters_big_little() -> None:
    """Constructed capacities (no big.LITTLE recording): a 4+4 phone-style layout."""
    caps = {0: 446, 1: 446, 2: 446, 3: 446, 4: 1024, 5: 1024, 6: 1024, 7: 1024}
    assert cpu_clusters(caps) == [(1024, 4), (446, 4)]
    assert cpu_clusters({0: 1024, 1: 1024}) == [(1024, 2)]
    assert cpu_clusters({}) == []


def test_cpuinfo_parts_big_little() -> None:
    """Constructed in /proc/cpuinfo's arm64 layout (no recording): 2 x Cortex-A76 (0xd0b) + 2 x A55 (0xd05)."""
    text = "".join(
        f"processor\t: {i}\nBogoMIPS\t: 48.00\nCPU implementer\t: 0x41\nCPU part\t: {part}\n\n"
        for i, part in enumerate(["0xd05", "0xd05", "0xd0b", "0xd0b"])
    )
    blocks = parse_cpuinfo(text)
    assert cpuinfo_parts(blocks) == {0: "0xd05", 1: "0xd05", 2: "0xd0b", 3: "0xd0b"}
    assert part_clusters(cpuinfo_parts(blocks)) == [("0xd0b", 2), ("0xd05", 2)]
    assert cpuinfo_model(blocks) is None


def test_parse_meminfo_total() -> None:
    assert parse_meminfo_total("MemTotal:       16318164 kB\nMemFree: 1 kB\n") == 16318164 * 1024
    assert parse_meminfo_total("") is None


def test_path_order() -> None:
    order = path_order("/usr/local/bin:/usr/bin:/opt/homebrew/bin/:/bin")
    assert (order.usr_local, order.opt_homebrew) == (0, 2)
    assert order.usr_local_first
    order = path_order("/opt/homebrew/bin:/opt/homebrew/sbin:/usr/local/bin")
    assert (order.opt_homebrew, order.usr_local) == (0, 2)
    assert not order.usr_local_first
    assert not path_order("").usr_local_first
    assert path_order("/usr/local/bin:/bin").usr_local_first  # /opt/homebrew/bin missing entirely


# --------------------------------------------------------------------------
# gather_system_facts
# --------------------------------------------------------------------------


@linux_only
async def test_gather_linux_for_real() -> None:
    probe = default_probe()
    assert isinstance(probe, LinuxProbe)
    assert isinstance(probe, SystemProbe)
    facts = await gather_system_facts(probe, os.environ)
    assert facts.platform == "linux"
    assert facts.cores_total == os.cpu_count()
    assert facts.os_name == platform.freedesktop_os_release()["NAME"]
    assert facts.kernel == platform.release()
    assert facts.machine == platform.machine()
    assert facts.memory_bytes and facts.memory_bytes > 0
    # The macOS-only questions are not asked on Linux.
    assert facts.hardware_arm64 is None and facts.process_translated is None
    assert facts.brew is None and facts.clt_path is None and not facts.clt_checked
    assert facts.probe_errors == ()
    json.dumps(facts.to_data())


async def test_gather_recorded_mac() -> None:
    """sysctl.proc_translated answers (0/1) follow the documented values: no recording exists."""
    probe = m3max_probe()
    env = {"PATH": "/opt/homebrew/bin:/usr/bin:/bin", "SHELL": "/bin/zsh"}
    facts = await gather_system_facts(probe, env)
    assert facts.platform == "darwin"
    assert (facts.cores_total, facts.perf_cores, facts.eff_cores) == (16, 12, 4)
    assert facts.perf_levels == (("Performance", 12), ("Efficiency", 4))
    assert facts.memory_bytes == 128 << 30
    assert facts.hardware_arm64 is True and facts.machine == "arm64"
    assert facts.cpu_model is None  # not in the recording
    assert facts.process_translated is False and facts.shell_translated is False
    assert facts.login_shell == "/bin/zsh"
    assert facts.brew is not None and facts.brew.prefix == "/opt/homebrew"
    assert facts.brew_path == "/opt/homebrew/bin/brew" and facts.brew_installs == ("/opt/homebrew/bin/brew",)
    assert facts.brew_prefix == "/opt/homebrew"
    assert facts.path_order.opt_homebrew == 0 and facts.path_order.usr_local is None
    assert facts.clt_path == "/Library/Developer/CommandLineTools" and facts.clt_xcrun is True
    assert facts.os_name is None  # no Apple-silicon sw_vers recording given
    assert ("shell_sysctl", "/bin/zsh", "sysctl.proc_translated") in probe.calls
    assert ("brew_config", "/opt/homebrew/bin/brew") in probe.calls
    json.dumps(facts.to_data())


async def test_gather_m1pro_composed_from_two_recordings() -> None:
    """Two real M1 Pro recordings from different posters: a hand-picked `sysctl -a` (no
    hw.optional.arm64 in it) and `sysctl machdep.cpu`. Two core clusters mean Apple silicon."""
    probe = RecordedMacProbe(
        sysctl={
            ("hw",): fixture("sysctl-a.perflevel.m1pro.TRUNCATED.txt"),
            ("machdep.cpu",): fixture("sysctl-machdep-cpu.m1pro.txt"),
        },
        sw_vers=fixture("sw_vers.catalina-intel-format.txt"),
    )
    facts = await gather_system_facts(probe, {"PATH": "/usr/bin"})
    assert facts.cpu_model == "Apple M1 Pro"
    assert (facts.cores_total, facts.perf_cores, facts.eff_cores) == (10, 8, 2)
    assert facts.hardware_arm64 is True
    assert facts.os_name == "Mac OS X" and facts.os_version == "10.15.5" and facts.os_build == "19F101"
    assert facts.brew is None and facts.brew_path is None
    assert facts.clt_checked is False  # this probe gave no xcode-select answer


async def test_gather_intel_without_arm64_key() -> None:
    """Constructed `sysctl hw` lines (no Intel recording): hw.optional.arm64 absent means Intel."""
    probe = RecordedMacProbe(sysctl={("hw",): "hw.ncpu: 8\nhw.physicalcpu: 4\n"})
    facts = await gather_system_facts(probe, {})
    assert facts.hardware_arm64 is False and facts.machine == "x86_64"
    assert facts.perf_cores is None and facts.eff_cores is None
    assert facts.cores_total == 8


async def test_gather_tolerates_every_probe_raising() -> None:
    probe = RecordedMacProbe(raises=["*"])
    facts = await gather_system_facts(probe, {"PATH": "/usr/local/bin", "SHELL": "/bin/zsh"})
    assert facts.platform == "darwin"
    assert facts.cores_total is None and facts.hardware_arm64 is None and facts.process_translated is None
    assert facts.brew is None and facts.brew_installs == () and facts.clt_path is None
    assert facts.path_order.usr_local == 0  # PATH is read from env, not from the probe
    assert any(e.startswith("sysctl hw: RuntimeError") for e in facts.probe_errors)
    assert any(e.startswith("brew") or e.startswith("which brew") for e in facts.probe_errors)


async def test_gather_tolerates_one_probe_raising() -> None:
    probe = m3max_probe(raises=["brew_config"])
    facts = await gather_system_facts(probe, {"PATH": "/opt/homebrew/bin"})
    assert facts.brew is None and facts.brew_path == "/opt/homebrew/bin/brew"
    assert facts.brew_prefix == "/opt/homebrew"  # from where brew is
    assert facts.cores_total == 16 and facts.clt_xcrun is True
    assert facts.probe_errors == ("brew config: RuntimeError: brew_config exploded",)


async def test_gather_runs_probes_concurrently() -> None:
    in_flight = 0
    peak = 0

    class Slow(RecordedMacProbe):
        async def _enter(self, name: str, *args: object) -> None:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1

    await gather_system_facts(Slow(), {"SHELL": "/bin/zsh"})
    assert peak >= 4


def test_facts_defaults_are_json_safe() -> None:
    json.dumps(SystemFacts(platform="darwin").to_data())
