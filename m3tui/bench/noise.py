"""The noise guard: is this machine quiet enough for benchmark numbers to mean anything?

A benchmark taken while a browser compiles shaders, on battery, or with the CPU thermally
throttled measures the machine's mood, not the code. Before and during a run m3tui samples:

* load average against the core count (psutil),
* processes using CPU over a short interval (psutil), except m3tui itself, the benchmark
  binary and their descendants,
* the power source (``pmset -g batt`` on macOS, psutil's battery sensor elsewhere),
* Low Power Mode (``pmset -g``: ``lowpowermode 1``), which caps the clocks on any Mac,
* thermal limits where the OS reports them: ``pmset -g therm`` (Intel Macs; Apple silicon
  prints only "No … has been recorded"), and on every Mac the thermal pressure level that
  ``notifyutil -g com.apple.system.thermalpressurelevel`` reads without root (0 nominal,
  1 moderate, 2 heavy, 3 trapping, 4 sleeping: OSThermalNotification.h's levels, the ones
  ``powermetrics -s thermal`` shows as root). No sysctl exposes it.

On battery an Intel Mac slows its CPU; Apple silicon runs at full speed on battery unless Low
Power Mode is on (System Settings › Battery › Low Power Mode: "Only on Battery" turns it on as
the charger is pulled), so there the warning is Low Power Mode's, not the battery's.

The parsers are pure functions over text so they can be tested on recorded macOS output;
the commands go through a small :class:`NoiseProbe` protocol, run by
:func:`m3tui.core.runner.run`. psutil is imported lazily to keep CLI start-up fast.
This module is plain asyncio and must never import Textual.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import psutil

__all__ = [
    "BusyProcess",
    "MacNoiseProbe",
    "NoiseProbe",
    "NoiseReport",
    "NullNoiseProbe",
    "PowerSource",
    "Thermal",
    "busy_during",
    "default_probe",
    "parse_pmset_batt",
    "parse_pmset_live",
    "parse_pmset_therm",
    "parse_thermal_pressure",
    "sample_noise",
]


# --------------------------------------------------------------------------
# Parsers (pure)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerSource:
    """What ``pmset -g batt`` says about power; None where it does not say."""

    on_battery: bool | None
    percent: int | None
    charging: bool | None


@dataclass(frozen=True)
class Thermal:
    """What ``pmset -g therm`` says; None where it reports nothing."""

    speed_limit: int | None  # CPU_Speed_Limit, percent (100 = not throttled)
    scheduler_limit: int | None  # CPU_Scheduler_Limit, percent
    available_cpus: int | None  # CPU_Available_CPUs
    thermal_warning: bool | None
    performance_warning: bool | None


_DRAWING_RE = re.compile(r"drawing from '([^']*)'", re.IGNORECASE)
_PERCENT_RE = re.compile(r"(\d{1,3})%")
_THERM_KV_RE = re.compile(r"^\s*(CPU_[A-Za-z_]+)\s*=\s*(-?\d+)")
_LEVEL_RE = re.compile(r"warning level\D*?(\d+)", re.IGNORECASE)


def parse_pmset_batt(text: str) -> PowerSource:
    """Parse ``pmset -g batt``: the power source, and the internal battery's charge state."""
    on_battery: bool | None = None
    percent: int | None = None
    charging: bool | None = None
    for line in text.splitlines():
        m = _DRAWING_RE.search(line)
        if m:
            source = m.group(1).strip().lower()
            if source == "ac power":
                on_battery = False
            elif source == "battery power":
                on_battery = True
            continue
        if "InternalBattery" not in line:
            continue
        pm = _PERCENT_RE.search(line)
        if pm and percent is None:
            percent = int(pm.group(1))
        # "80%; charging; 1:02 remaining", "discharging", "charged", "AC attached; not charging",
        # "finishing charge"
        state = line.lower()
        if "discharging" in state or "not charging" in state or "charged" in state:
            charging = False
        elif "charging" in state or "finishing charge" in state:
            charging = True
    return PowerSource(on_battery, percent, charging)


_LOW_POWER_RE = re.compile(r"^\s*lowpowermode\s+(\d+)\s*$", re.MULTILINE)
THERMAL_PRESSURE_NAME = "com.apple.system.thermalpressurelevel"
PRESSURE_LEVELS = ("nominal", "moderate", "heavy", "trapping", "sleeping")


def parse_pmset_live(text: str) -> bool | None:
    """``pmset -g`` (the settings in use) -> Low Power Mode on (True), off (False), not listed (None)."""
    m = _LOW_POWER_RE.search(text)
    return None if m is None else m.group(1) != "0"


def parse_thermal_pressure(text: str) -> int | None:
    """``notifyutil -g com.apple.system.thermalpressurelevel`` ("<name> <level>") -> the level."""
    words = text.split()
    if len(words) >= 2 and words[-2] == THERMAL_PRESSURE_NAME and words[-1].isdigit():
        return int(words[-1])
    return None


def _warning_level(line: str) -> bool | None:
    """A "… warning level …" line -> recorded-and-raised (True), none (False), unclear (None)."""
    low = line.lower()
    if "no " in low and "has been recorded" in low:
        return False
    m = _LEVEL_RE.search(line)  # "Thermal warning level set to 2", "… level = 2"
    if m:
        return int(m.group(1)) > 0
    return None


def parse_pmset_therm(text: str) -> Thermal:
    """Parse ``pmset -g therm`` (the CPU Power notify block and the warning-level notes)."""
    values: dict[str, int] = {}
    thermal: bool | None = None
    performance: bool | None = None
    for line in text.splitlines():
        m = _THERM_KV_RE.match(line)
        if m:
            values[m.group(1)] = int(m.group(2))
            continue
        low = line.lower()
        level = _warning_level(line) if "warning level" in low else None
        if level is None:  # not a warning line, or one without a level ("… notify")
            continue
        if "thermal warning level" in low:
            thermal = level
        elif "performance warning level" in low:
            performance = level
    return Thermal(
        speed_limit=values.get("CPU_Speed_Limit"),
        scheduler_limit=values.get("CPU_Scheduler_Limit"),
        available_cpus=values.get("CPU_Available_CPUs"),
        thermal_warning=thermal,
        performance_warning=performance,
    )


# --------------------------------------------------------------------------
# Probes (the OS commands)
# --------------------------------------------------------------------------


class NoiseProbe(Protocol):
    """Where the OS-specific text comes from; None means "not available"."""

    async def pmset_batt(self) -> str | None: ...

    async def pmset_therm(self) -> str | None: ...

    async def pmset_live(self) -> str | None: ...

    async def thermal_pressure(self) -> str | None: ...

    @property
    def apple_silicon(self) -> bool: ...


class MacNoiseProbe:
    """Runs ``pmset -g batt|therm``, ``pmset -g`` and ``notifyutil -g …`` through the runner."""

    async def _run(self, argv: list[str]) -> str | None:
        from m3tui.core.runner import RunnerError, run

        try:
            res = await run(argv, timeout=5)
        except (RunnerError, OSError):
            return None
        return res.stdout_text if res.ok else None

    async def pmset_batt(self) -> str | None:
        return await self._run(["pmset", "-g", "batt"])

    async def pmset_therm(self) -> str | None:
        return await self._run(["pmset", "-g", "therm"])

    async def pmset_live(self) -> str | None:
        return await self._run(["pmset", "-g"])

    async def thermal_pressure(self) -> str | None:
        return await self._run(["notifyutil", "-g", THERMAL_PRESSURE_NAME])

    @property
    def apple_silicon(self) -> bool:
        from m3tui.core.host import host_info

        return host_info().goarch == "arm64"  # the hardware's, also under Rosetta


class NullNoiseProbe:
    """No OS commands (off macOS): battery falls back to psutil, thermal is unknown."""

    async def pmset_batt(self) -> str | None:
        return None

    async def pmset_therm(self) -> str | None:
        return None

    async def pmset_live(self) -> str | None:
        return None

    async def thermal_pressure(self) -> str | None:
        return None

    @property
    def apple_silicon(self) -> bool:
        return False


def default_probe() -> NoiseProbe:
    """The probe for this platform."""
    return MacNoiseProbe() if sys.platform == "darwin" else NullNoiseProbe()


# --------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BusyProcess:
    pid: int
    name: str
    cpu_percent: float  # of one core (psutil's convention: 200 = two cores busy)


@dataclass(frozen=True)
class NoiseReport:
    """One look at the machine; ``warnings`` are human one-liners, empty when quiet."""

    load1: float | None
    cores: int
    busy: tuple[BusyProcess, ...]
    on_battery: bool | None
    thermal: Thermal | None
    warnings: tuple[str, ...]
    low_power: bool | None = None  # Low Power Mode (pmset -g); None: not known
    thermal_pressure: int | None = None  # 0 nominal … 4 sleeping (notifyutil); None: not known

    @property
    def ok(self) -> bool:
        return not self.warnings


def _excluded(pids: Iterable[int]) -> set[int]:
    """The given pids and all their (current) descendants."""
    import psutil

    out: set[int] = set()
    for pid in pids:
        out.add(pid)
        try:
            out.update(c.pid for c in psutil.Process(pid).children(recursive=True))
        except psutil.Error:
            pass
    return out


def _prime(exclude: tuple[int, ...]) -> list[psutil.Process]:
    """Start the CPU measurement of every process (the first cpu_percent call returns 0)."""
    import psutil

    skip = _excluded(exclude)
    procs: list[psutil.Process] = []
    for p in psutil.process_iter(["name"]):
        if p.pid == 0 or p.pid in skip:
            continue
        try:
            p.cpu_percent(None)
        except psutil.Error:
            continue
        procs.append(p)
    return procs


def _measure(procs: list[psutil.Process], exclude: tuple[int, ...],
             busy_percent: float, started: float | None = None) -> list[BusyProcess]:
    """Read the CPU used since :func:`_prime`; keep those at or above ``busy_percent``. With
    ``started`` (when the priming was), a process started since is read over its own life."""
    import time

    import psutil

    skip = _excluded(exclude)  # again: the excluded trees may have grown meanwhile
    busy: list[BusyProcess] = []
    primed = {p.pid for p in procs}
    candidates: list[tuple[psutil.Process, bool]] = [(p, False) for p in procs]
    if started is not None:
        candidates += [(p, True) for p in psutil.process_iter(["name"]) if p.pid not in primed and p.pid != 0]
    now = time.time()
    for p, new in candidates:
        if p.pid in skip:
            continue
        try:
            if new:
                age = now - max(p.create_time(), started or 0.0)
                if age < 0.2:  # too young to say
                    continue
                times = p.cpu_times()
                pct = 100.0 * (times.user + times.system) / max(now - p.create_time(), age)
            else:
                pct = p.cpu_percent(None)
            if pct < busy_percent:
                continue
            name = p.info.get("name") or p.name()
        except psutil.Error:  # NoSuchProcess, AccessDenied, ZombieProcess: gone or not ours
            continue
        if name.lower() in ("idle", "system idle process"):
            continue
        busy.append(BusyProcess(p.pid, name, float(pct)))
    busy.sort(key=lambda b: (-b.cpu_percent, b.pid))
    return busy


def _load_and_cores() -> tuple[float | None, int]:
    import psutil

    cores = psutil.cpu_count() or os.cpu_count() or 1
    try:
        load1: float | None = float(psutil.getloadavg()[0])
    except (OSError, AttributeError):
        load1 = None
    return load1, cores


def _psutil_on_battery() -> bool | None:
    import psutil

    sensors = getattr(psutil, "sensors_battery", None)
    if sensors is None:
        return None
    try:
        batt = sensors()
    except Exception:  # noqa: BLE001 - sensor back-ends fail in odd ways; the answer is "unknown"
        return None
    if batt is None or batt.power_plugged is None:
        return None
    return not batt.power_plugged


@dataclass
class NoiseWatch:
    """A look at the machine begun (every process's CPU measurement primed), to be read later."""

    procs: list[psutil.Process]
    exclude: tuple[int, ...]
    started: float  # time.time() when primed
    probe: NoiseProbe


async def start_watch(*, exclude_pids: Iterable[int] = (), probe: NoiseProbe | None = None) -> NoiseWatch:
    """Prime the CPU measurement of every process now; :func:`finish_watch` reads what they used since."""
    import time

    exclude = tuple(exclude_pids)
    procs = await asyncio.to_thread(_prime, exclude)
    return NoiseWatch(procs, exclude, time.time(), probe if probe is not None else default_probe())


async def sample_noise(
    *,
    exclude_pids: Iterable[int] = (),
    interval: float = 0.5,
    probe: NoiseProbe | None = None,
    busy_percent: float = 25.0,
    load_factor: float = 0.5,
) -> NoiseReport:
    """Look at the machine for ``interval`` seconds and say what would disturb a benchmark.

    ``exclude_pids`` (and their descendants) are not reported as busy: pass m3tui's own pid
    and the benchmark binary's. A process is busy at ``busy_percent`` % of one core or more;
    the load is high above ``load_factor`` × cores.
    """
    watch = await start_watch(exclude_pids=exclude_pids, probe=probe)
    await asyncio.sleep(interval)
    return await finish_watch(watch, busy_percent=busy_percent, load_factor=load_factor)


async def finish_watch(watch: NoiseWatch, *, busy_percent: float = 25.0, load_factor: float = 0.5) -> NoiseReport:
    """What disturbed the machine since :func:`start_watch`, without waiting: a run's own length is
    the interval (a process busy through the run averages high; one started meanwhile is read
    over its own life), so the look after a run costs no extra half second."""
    probe = watch.probe
    tasks = [asyncio.ensure_future(c) for c in (probe.pmset_batt(), probe.pmset_therm(), probe.pmset_live(), probe.thermal_pressure())]
    try:
        busy = await asyncio.to_thread(_measure, watch.procs, watch.exclude, busy_percent, watch.started)
        batt_text, therm_text, live_text, pressure_text = await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
    load1, cores = _load_and_cores()

    on_battery: bool | None = None
    if batt_text:
        on_battery = parse_pmset_batt(batt_text).on_battery
    if on_battery is None:
        on_battery = _psutil_on_battery()
    thermal = parse_pmset_therm(therm_text) if therm_text else None
    low_power = parse_pmset_live(live_text) if live_text else None
    pressure = parse_thermal_pressure(pressure_text) if pressure_text else None

    warnings: list[str] = []
    if load1 is not None and load1 > load_factor * cores:
        warnings.append(f"load average {load1:.1f} on {cores} cores: the machine is busy")
    for b in busy:
        warnings.append(f"{b.name} (pid {b.pid}) is using {b.cpu_percent:.0f}% CPU")
    if low_power:
        warnings.append("Low Power Mode is on: macOS caps the CPU's clocks; turn it off (System Settings › Battery) "
                        "for stable numbers")  # fmt: skip
    if on_battery and not probe.apple_silicon:
        warnings.append("on battery: macOS may slow the CPU; plug in for stable numbers")
    elif on_battery and low_power is None:  # Apple silicon: full speed on battery, unless Low Power Mode
        warnings.append("on battery: Apple silicon keeps full speed on battery unless Low Power Mode is on "
                        "(System Settings › Battery: 'Only on Battery' turns it on now); m3tui could not read it")  # fmt: skip
    if pressure is not None and pressure > 0:
        name = PRESSURE_LEVELS[pressure] if pressure < len(PRESSURE_LEVELS) else f"level {pressure}"
        effect = "clocks may drop during the run" if pressure == 1 else "the CPU is being throttled"
        warnings.append(f"thermal pressure is {name} (macOS level {pressure} of 4): {effect}")
    if thermal is not None:
        warnings.extend(_thermal_warnings(thermal, cores))
    return NoiseReport(load1, cores, tuple(busy), on_battery, thermal, tuple(warnings), low_power, pressure)


def _thermal_warnings(t: Thermal, cores: int) -> list[str]:
    out: list[str] = []
    if t.speed_limit is not None and t.speed_limit < 100:
        out.append(f"CPU speed limited to {t.speed_limit}% (thermal throttling)")
    if t.scheduler_limit is not None and t.scheduler_limit < 100:
        out.append(f"CPU scheduler limited to {t.scheduler_limit}% (thermal throttling)")
    if t.available_cpus is not None and 0 < t.available_cpus < cores:
        out.append(f"only {t.available_cpus} of {cores} CPUs available (thermal throttling)")
    if t.thermal_warning:
        out.append("macOS has recorded a thermal warning: the CPU may be throttled")
    if t.performance_warning:
        out.append("macOS has recorded a performance warning: the CPU may be throttled")
    return out


_NUMBER_RE = re.compile(r"(?<!pid )\b\d+(?:\.\d+)?")


def _warning_key(w: str) -> str:
    """A warning with its numbers blanked (except pids): "load 3.4" and "load 3.6" are one."""
    return _NUMBER_RE.sub("#", w)


def busy_during(before: NoiseReport, after: NoiseReport) -> tuple[str, ...]:
    """Warnings in ``after`` that ``before`` did not already have (what the run suffered).

    Warnings that differ only in their numbers (a load of 3.4 then 3.6, a process at 87%
    then 90%) count as the same warning; a pid is part of the warning, not a number.
    """
    seen = {_warning_key(w) for w in before.warnings}
    return tuple(w for w in after.warnings if _warning_key(w) not in seen)
