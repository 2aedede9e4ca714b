"""benchnoise: pmset parsers on recorded macOS output, and real psutil sampling in this process
(against a real child process that burns a core: tests/integration/test_benchnoise_process.py)."""

from __future__ import annotations

import os
import sys

import psutil
import pytest

from m3tui.bench import noise as benchnoise
from m3tui.bench.noise import (
    BusyProcess,
    NoiseReport,
    NullNoiseProbe,
    PowerSource,
    Thermal,
    busy_during,
    default_probe,
    parse_pmset_batt,
    parse_pmset_therm,
    sample_noise,
)
from tests.testdata import MACOS


def fixture(name: str) -> str:
    """A recorded output without its ``#`` header (everything up to and including ``# ---``)."""
    lines = (MACOS / name).read_text().splitlines(keepends=True)
    sep = next(i for i, line in enumerate(lines) if line.rstrip() == "# ---")
    return "".join(lines[sep + 1:])


BATT_AC = "pmset-batt.m1.ac-not-charging.txt"
THERM_NOTIFY = "pmset-therm.cpu-power-notify.mac-unknown.txt"
THERM_NO_DATA = "pmset-therm.m1pro.no-data.txt"

ON_BATTERY = """Now drawing from 'Battery Power'
 -InternalBattery-0 (id=4653155)\t63%; discharging; 4:12 remaining present: true
"""

THROTTLED = """Note: No thermal warning level has been recorded
Note: No performance warning level has been recorded
2024-03-01 10:00:00 +0100 CPU Power notify
\tCPU_Scheduler_Limit \t= 100
\tCPU_Available_CPUs \t= 8
\tCPU_Speed_Limit \t= 70
"""


# --------------------------------------------------------------------------
# Parsers


def test_batt_fixture_ac_not_charging():
    assert parse_pmset_batt(fixture(BATT_AC)) == PowerSource(on_battery=False, percent=80, charging=False)


def test_batt_on_battery_discharging():
    assert parse_pmset_batt(ON_BATTERY) == PowerSource(on_battery=True, percent=63, charging=False)


def test_batt_charging_and_desktop():
    text = "Now drawing from 'AC Power'\n -InternalBattery-0 (id=1)\t41%; charging; 1:10 remaining present: true\n"
    assert parse_pmset_batt(text) == PowerSource(False, 41, True)
    # A Mac mini has no battery line at all.
    assert parse_pmset_batt("Now drawing from 'AC Power'\n") == PowerSource(False, None, None)
    assert parse_pmset_batt("") == PowerSource(None, None, None)


def test_therm_fixture_cpu_power_notify():
    assert parse_pmset_therm(fixture(THERM_NOTIFY)) == Thermal(
        speed_limit=100, scheduler_limit=100, available_cpus=12,
        thermal_warning=False, performance_warning=False,
    )


def test_therm_fixture_apple_silicon_no_data():
    assert parse_pmset_therm(fixture(THERM_NO_DATA)) == Thermal(
        speed_limit=None, scheduler_limit=None, available_cpus=None,
        thermal_warning=False, performance_warning=False,
    )


def test_therm_throttled_and_warning_levels():
    t = parse_pmset_therm(THROTTLED)
    assert (t.speed_limit, t.scheduler_limit, t.available_cpus) == (70, 100, 8)
    raised = "Thermal warning level set to 2.\nPerformance warning level set to 0.\n"
    t = parse_pmset_therm(raised)
    assert t.thermal_warning is True and t.performance_warning is False
    # A timestamped notify header must not be read as a level.
    t = parse_pmset_therm("2024-03-01 10:00:00 +0100 Thermal Warning Level notify\n")
    assert t.thermal_warning is None
    assert parse_pmset_therm("") == Thermal(None, None, None, None, None)


# --------------------------------------------------------------------------
# Sampling for real


class FakeMacProbe:
    """The macOS probe interface, answering with recorded/synthetic pmset text."""

    def __init__(self, batt: str | None, therm: str | None, live: str | None = None, pressure: str | None = None,
                 apple_silicon: bool = False) -> None:  # fmt: skip
        self.batt, self.therm, self.live, self.pressure = batt, therm, live, pressure
        self.apple_silicon = apple_silicon
        self.calls = 0  # pmset -g batt / therm

    async def pmset_batt(self) -> str | None:
        self.calls += 1
        return self.batt

    async def pmset_therm(self) -> str | None:
        self.calls += 1
        return self.therm

    async def pmset_live(self) -> str | None:
        return self.live

    async def thermal_pressure(self) -> str | None:
        return self.pressure


async def test_fake_probe_on_battery_and_throttled():
    probe = FakeMacProbe(ON_BATTERY, THROTTLED)
    report = await sample_noise(exclude_pids=[os.getpid()], interval=0.05, probe=probe)
    assert probe.calls == 2
    assert report.on_battery is True
    assert report.thermal is not None and report.thermal.speed_limit == 70
    assert "on battery: macOS may slow the CPU; plug in for stable numbers" in report.warnings
    assert "CPU speed limited to 70% (thermal throttling)" in report.warnings
    assert not report.ok


async def test_fake_probe_recorded_quiet_mac():
    probe = FakeMacProbe(fixture(BATT_AC), fixture(THERM_NO_DATA))
    report = await sample_noise(exclude_pids=[os.getpid()], interval=0.05, probe=probe)
    assert report.on_battery is False
    assert report.thermal == parse_pmset_therm(fixture(THERM_NO_DATA))
    assert not any("battery" in w or "thermal" in w or "limited" in w for w in report.warnings)


async def test_null_probe_on_this_box():
    report = await sample_noise(interval=0.05, probe=NullNoiseProbe())
    batt = psutil.sensors_battery() if hasattr(psutil, "sensors_battery") else None
    expected = None if batt is None or batt.power_plugged is None else not batt.power_plugged
    assert report.on_battery is expected
    assert report.thermal is None
    assert isinstance(report.busy, tuple) and isinstance(report.warnings, tuple)


async def test_load_threshold_is_load_factor_times_cores():
    kw = dict(exclude_pids=[os.getpid()], interval=0.05, probe=NullNoiseProbe(), busy_percent=1e9)
    busy = await sample_noise(load_factor=0.0, **kw)  # any load at all is "busy"
    if busy.load1 is None:
        pytest.skip("no load average on this platform")
    if busy.load1 > 0:
        assert busy.warnings[0] == f"load average {busy.load1:.1f} on {busy.cores} cores: the machine is busy"
    quiet = await sample_noise(load_factor=1e6, **kw)
    assert not any(w.startswith("load average") for w in quiet.warnings)


def test_default_probe_by_platform():
    probe = default_probe()
    expected = benchnoise.MacNoiseProbe if sys.platform == "darwin" else NullNoiseProbe
    assert isinstance(probe, expected)


async def test_mac_probe_without_pmset_returns_none(monkeypatch):
    if sys.platform == "darwin":
        pytest.skip("pmset exists here")
    probe = benchnoise.MacNoiseProbe()
    assert await probe.pmset_batt() is None
    assert await probe.pmset_therm() is None


# --------------------------------------------------------------------------
# busy_during


def _report(*warnings: str) -> NoiseReport:
    return NoiseReport(1.0, 8, (), False, None, tuple(warnings))


def test_busy_during_reports_only_new_warnings():
    before = _report("load average 4.2 on 8 cores: the machine is busy", "chrome (pid 123) is using 87% CPU")
    after = _report(
        "load average 4.6 on 8 cores: the machine is busy",  # same warning, other number
        "chrome (pid 123) is using 91% CPU",  # same process
        "chrome (pid 124) is using 50% CPU",  # another process
        "on battery: macOS may slow the CPU; plug in for stable numbers",
    )
    assert busy_during(before, after) == (
        "chrome (pid 124) is using 50% CPU",
        "on battery: macOS may slow the CPU; plug in for stable numbers",
    )
    assert busy_during(after, before) == ()
    assert busy_during(_report(), _report()) == ()


def test_report_ok_and_frozen():
    r = NoiseReport(0.1, 2, (BusyProcess(1, "x", 30.0),), None, None, ())
    assert r.ok
    with pytest.raises(AttributeError):
        r.cores = 4  # type: ignore[misc]
