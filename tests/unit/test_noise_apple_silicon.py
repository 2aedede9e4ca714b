"""issue 16 item 5: the noise guard on Apple silicon: Low Power Mode (`pmset -g`), the thermal
pressure level (`notifyutil -g com.apple.system.thermalpressurelevel`, readable without root),
and battery advice that fits M-series Macs.

`pmset -g`: tests/data/macos/pmset-g.macbook-air-ventura.lowpowermode0.txt is recorded (a
public README); pmset-g.lowpowermode1.CONSTRUCTED.txt is constructed from it (no recording with
Low Power Mode on was found). notifyutil's "<name> <level>" line has no recording here: the
texts below follow its documented `-g` output (the name, a space, the value) and say so."""

from __future__ import annotations

import os

from m3tui.bench.noise import NullNoiseProbe, parse_pmset_live, parse_thermal_pressure, sample_noise

from tests.unit.test_benchnoise import BATT_AC, ON_BATTERY, THERM_NO_DATA, FakeMacProbe, fixture

LIVE_OFF = "pmset-g.macbook-air-ventura.lowpowermode0.txt"  # recorded
LIVE_ON = "pmset-g.lowpowermode1.CONSTRUCTED.txt"  # constructed
NOMINAL = "com.apple.system.thermalpressurelevel 0\n"  # constructed (notifyutil -g's format)
HEAVY = "com.apple.system.thermalpressurelevel 2\n"  # constructed


def test_parse_low_power_mode() -> None:
    assert parse_pmset_live(fixture(LIVE_OFF)) is False
    assert parse_pmset_live(fixture(LIVE_ON)) is True
    assert parse_pmset_live("System-wide power settings:\nCurrently in use:\n sleep 1\n") is None  # a Mac without it
    assert parse_pmset_live("") is None


def test_parse_thermal_pressure() -> None:
    assert parse_thermal_pressure(NOMINAL) == 0
    assert parse_thermal_pressure(HEAVY) == 2
    assert parse_thermal_pressure("com.apple.system.thermalpressurelevel 4") == 4
    assert parse_thermal_pressure("") is None
    assert parse_thermal_pressure("notifyutil: unknown name\n") is None


async def sample(probe: FakeMacProbe):
    return await sample_noise(exclude_pids=[os.getpid()], interval=0.05, probe=probe, load_factor=1e6, busy_percent=1e9)


async def test_quiet_apple_silicon_on_battery_with_low_power_mode_off_is_not_noise() -> None:
    """Apple silicon keeps full speed on battery: no battery warning when Low Power Mode is known off."""
    probe = FakeMacProbe(ON_BATTERY, fixture(THERM_NO_DATA), fixture(LIVE_OFF), NOMINAL, apple_silicon=True)
    report = await sample(probe)
    assert report.on_battery is True and report.low_power is False and report.thermal_pressure == 0
    assert report.warnings == ()


async def test_low_power_mode_is_a_warning_on_any_power() -> None:
    probe = FakeMacProbe(fixture(BATT_AC), fixture(THERM_NO_DATA), fixture(LIVE_ON), NOMINAL, apple_silicon=True)
    report = await sample(probe)
    assert report.low_power is True
    assert report.warnings == (
        "Low Power Mode is on: macOS caps the CPU's clocks; turn it off (System Settings › Battery) for stable numbers",
    )


async def test_apple_silicon_on_battery_without_a_low_power_answer_says_what_to_check() -> None:
    probe = FakeMacProbe(ON_BATTERY, fixture(THERM_NO_DATA), None, None, apple_silicon=True)
    (warning,) = (await sample(probe)).warnings
    assert warning.startswith("on battery: Apple silicon keeps full speed on battery unless Low Power Mode is on")
    assert "macOS may slow the CPU" not in warning


async def test_intel_mac_on_battery_keeps_the_intel_advice() -> None:
    probe = FakeMacProbe(ON_BATTERY, fixture(THERM_NO_DATA), fixture(LIVE_OFF), NOMINAL, apple_silicon=False)
    assert (await sample(probe)).warnings == ("on battery: macOS may slow the CPU; plug in for stable numbers",)


async def test_thermal_pressure_where_pmset_therm_says_nothing() -> None:
    """The recorded M1 Pro `pmset -g therm` has no data; the pressure level still warns."""
    probe = FakeMacProbe(fixture(BATT_AC), fixture(THERM_NO_DATA), fixture(LIVE_OFF), HEAVY, apple_silicon=True)
    report = await sample(probe)
    assert report.thermal_pressure == 2
    assert report.warnings == ("thermal pressure is heavy (macOS level 2 of 4): the CPU is being throttled",)
    moderate = await sample(FakeMacProbe(fixture(BATT_AC), None, None, "com.apple.system.thermalpressurelevel 1"))
    assert moderate.warnings == ("thermal pressure is moderate (macOS level 1 of 4): clocks may drop during the run",)


async def test_off_macos_nothing_new_is_asked() -> None:
    probe = NullNoiseProbe()
    assert await probe.pmset_live() is None and await probe.thermal_pressure() is None and not probe.apple_silicon
