"""The doctor's System group: OS and cores, Rosetta, Homebrew, Xcode Command Line Tools.

Every check reads one shared :class:`~m3tui.core.system.SystemFacts`, gathered once
per doctor run. The probe behind it is injectable: a test (or a replay) puts a probe
under ``ctx._memo["system.probe"]``; otherwise the real one for this machine is used.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from m3tui.core.darwin import bash_rc_path
from m3tui.core.system import SystemFacts, SystemProbe, default_probe, gather_system_facts
from m3tui.core.system_parsers import BREW_ARM64_PREFIX, BREW_INTEL_PREFIX
from m3tui.doctor.model import Check, DoctorContext, Finding, Group, Offer, Status

__all__ = [
    "FACTS_KEY",
    "PROBE_KEY",
    "SYSTEM_CHECKS",
    "check_homebrew",
    "check_os",
    "check_rosetta",
    "check_xcode_clt",
    "probe_for",
    "shellenv_offer",
    "system_facts",
]

PROBE_KEY = "system.probe"
FACTS_KEY = "system.facts"

ROSETTA_FIX = "start your terminal natively: Finder > Get Info > uncheck 'Open using Rosetta', or run `arch -arm64 zsh`"
NATIVE_BREW_FIX = (
    'install Homebrew natively into /opt/homebrew from a native (arm64) shell: /bin/bash -c "$(curl -fsSL '
    'https://raw.githubusercontent.com/Homebrew/install/HEAD/install.sh)", then reinstall go there: '
    "/opt/homebrew/bin/brew install go"
)
SHELLENV_FIX = "put /opt/homebrew/bin first: add `eval \"$(/opt/homebrew/bin/brew shellenv)\"` at the end of ~/.zprofile"
CLT_FIX = "xcode-select --install"


def probe_for(ctx: DoctorContext) -> SystemProbe:
    """The probe under ``ctx._memo["system.probe"]`` if a caller put one there, else the real one."""
    probe = ctx._memo.get(PROBE_KEY)
    return probe if probe is not None else default_probe()


async def system_facts(ctx: DoctorContext) -> SystemFacts:
    """The facts, gathered once per context however many checks ask."""
    probe = probe_for(ctx)
    return await ctx.shared(FACTS_KEY, lambda: gather_system_facts(probe, ctx.env, verbose=ctx.verbose))


def _finding(
    id: str, status: Status, summary: str, detail: str = "", fix: str = "", data: dict[str, Any] | None = None,
    offers: tuple[Offer, ...] = (),
) -> Finding:
    return Finding(id=id, group=Group.SYSTEM, status=status, summary=summary, detail=detail, fix=fix, data=data or {}, offers=offers)


def _gib(n: int) -> str:
    gib = n / (1 << 30)
    return f"{gib:.0f} GiB" if gib >= 10 else f"{gib:.1f} GiB"


def _yn(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _cores_text(f: SystemFacts) -> str | None:
    if f.cores_total is None:
        return None
    text = f"{f.cores_total} cores"
    if f.perf_cores is not None and f.eff_cores is not None:
        text += f" ({f.perf_cores} P + {f.eff_cores} E)"
    return text


def _not_macos(id: str, f: SystemFacts, what: str) -> Finding:
    return _finding(
        id,
        Status.SKIPPED,
        f"not macOS: no {what} to check",
        detail=f"This machine runs {f.os_name or f.platform}.",
        data={"platform": f.platform},
    )


# --------------------------------------------------------------------------
# system.os
# --------------------------------------------------------------------------


async def check_os(ctx: DoctorContext) -> list[Finding]:
    f = await system_facts(ctx)
    os_text = " ".join(x for x in (f.os_name, f.os_version) if x) or None
    if os_text and f.os_build:
        os_text += f" ({f.os_build})"
    cores = _cores_text(f)
    cpu = f.cpu_model or ("Apple silicon" if f.is_macos and f.hardware_arm64 else None)
    summary_parts = [x for x in (os_text, cpu, cores) if x]

    lines = [f"OS: {os_text or 'unknown'}"]
    if f.kernel:
        lines.append(f"Kernel: {f.kernel}")
    lines.append(f"CPU: {f.cpu_model or 'unknown'}")
    if f.machine:
        source = " (hw.optional.arm64, true even under Rosetta)" if f.is_macos and f.hardware_arm64 is not None else ""
        lines.append(f"Hardware architecture: {f.machine}{source}")
    if f.cores_total is not None:
        line = f"Cores: {f.cores_total}"
        if f.perf_levels:
            line += ": " + " + ".join(f"{c} {name.lower()}" for name, c in f.perf_levels)
        elif f.perf_cores is not None and f.eff_cores is not None:
            line += f": {f.perf_cores} performance + {f.eff_cores} efficiency"
        lines.append(line)
    if f.clusters:
        kind = "one cluster" if len(f.clusters) == 1 else f"{len(f.clusters)} clusters"
        lines.append(f"Core clusters ({kind}): " + ", ".join(f"{c} × capacity {cap}" for cap, c in f.clusters))
    if f.cpu_parts and len(f.cpu_parts) > 1:
        lines.append("CPU parts: " + ", ".join(f"{c} × {p}" for p, c in f.cpu_parts))
    if f.memory_bytes:
        lines.append(f"Memory: {_gib(f.memory_bytes)}")
    if f.perf_cores is not None and f.eff_cores is not None:
        lines.append(
            "Benchmarks: GOMAXPROCS defaults to all cores, efficiency cores included. "
            f"-cpu={f.perf_cores} (the performance-core count) lets at most {f.perf_cores} threads run Go code at once; "
            "macOS has no CPU affinity, so it does not pin them: the scheduler usually gives busy threads the "
            f"performance cores, but may still use efficiency cores. Compare -cpu={f.perf_cores} against -cpu={f.cores_total}."
        )
    if f.probe_errors:
        lines.append("Probes that failed: " + "; ".join(f.probe_errors))

    data = {
        k: v
        for k, v in f.to_data().items()
        if k
        in (
            "platform",
            "os_name",
            "os_version",
            "os_build",
            "kernel",
            "machine",
            "cpu_model",
            "cores_total",
            "perf_cores",
            "eff_cores",
            "perf_levels",
            "clusters",
            "cpu_parts",
            "memory_bytes",
            "hardware_arm64",
            "probe_errors",
        )
    }
    if not summary_parts:
        return [_finding("system.os", Status.WARN, "could not read the OS or CPU", "\n".join(lines), data=data)]
    return [_finding("system.os", Status.OK, " · ".join(summary_parts), "\n".join(lines), data=data)]


# --------------------------------------------------------------------------
# system.rosetta
# --------------------------------------------------------------------------


async def check_rosetta(ctx: DoctorContext) -> list[Finding]:
    f = await system_facts(ctx)
    if not f.is_macos:
        return [_not_macos("system.rosetta", f, "Rosetta translation")]
    data = {
        "hardware_arm64": f.hardware_arm64,
        "process_translated": f.process_translated,
        "login_shell": f.login_shell,
        "shell_translated": f.shell_translated,
        "terminal_translated": f.terminal_translated,
        "translated_ancestor": f.translated_ancestor,
    }
    facts = (
        f"Hardware arm64 (hw.optional.arm64): {_yn(f.hardware_arm64)}\n"
        f"m3tui translated (sysctl.proc_translated): {_yn(f.process_translated)}\n"
        f"Login shell {f.login_shell or '(unknown)'} translated: {_yn(f.shell_translated)}\n"
        f"Terminal and parent processes translated (P_TRANSLATED): {_yn(f.terminal_translated)}"
        + (f", first: {f.translated_ancestor}" if f.translated_ancestor else "")
    )
    if f.process_translated:
        return [
            _finding(
                "system.rosetta",
                Status.ERROR,
                "m3tui runs under Rosetta (x86_64 on an arm64 Mac)",
                "Everything started from this terminal runs as x86_64: `go` builds amd64 binaries, "
                "Homebrew installs into /usr/local, benchmarks measure the translation.\n"
                "If the terminal is native, the Python running m3tui may be an x86_64-only build.\n" + facts,
                fix=ROSETTA_FIX,
                data=data,
            )
        ]
    if f.terminal_translated:
        return [
            _finding(
                "system.rosetta",
                Status.ERROR,
                f"the terminal runs under Rosetta: {f.translated_ancestor} is translated",
                "m3tui itself is native (an arm64-only Python), but a process it was started from is "
                "x86_64: commands typed in this terminal (go build, brew, make) run translated, as x86_64.\n"
                "Usually the terminal app has \"Open using Rosetta\" set in Finder's Get Info, or it is an "
                "Intel-only build.\n" + facts,
                fix=ROSETTA_FIX,
                data=data,
            )
        ]
    if f.shell_translated:
        return [
            _finding(
                "system.rosetta",
                Status.ERROR,
                f"the login shell {f.login_shell} runs under Rosetta",
                "m3tui itself is native, but a command run from the login shell is translated: "
                "the shell binary is probably x86_64-only (e.g. installed by an Intel Homebrew in /usr/local), "
                "or its startup files switch to x86_64 (`arch -x86_64`).\n" + facts,
                fix="use a native shell: `chsh -s /bin/zsh` (or reinstall your shell with the /opt/homebrew Homebrew); "
                + ROSETTA_FIX,
                data=data,
            )
        ]
    if f.hardware_arm64 is False:
        return [
            _finding(
                "system.rosetta",
                Status.SKIPPED,
                "Intel Mac: Rosetta does not apply",
                facts,
                data=data,
            )
        ]
    if f.hardware_arm64 is None and f.process_translated is None:
        return [
            _finding(
                "system.rosetta",
                Status.SKIPPED,
                "could not tell whether this Mac is Apple silicon",
                facts + ("\nProbes that failed: " + "; ".join(f.probe_errors) if f.probe_errors else ""),
                data=data,
            )
        ]
    shell_note = "" if f.shell_translated is not None else " (login shell not checked)"
    return [
        _finding(
            "system.rosetta",
            Status.OK,
            f"native arm64: m3tui and the login shell are not translated{shell_note}",
            facts,
            data=data,
        )
    ]


# --------------------------------------------------------------------------
# system.homebrew
# --------------------------------------------------------------------------


async def check_homebrew(ctx: DoctorContext) -> list[Finding]:
    f = await system_facts(ctx)
    if not f.is_macos:
        return [_not_macos("system.homebrew", f, "Homebrew prefix")]
    prefix = f.brew_prefix
    # The installation's architecture from a Mach-O header; brew config's "ran as" when only it answered.
    arch = "+".join(f.brew_archs) if f.brew_archs else (f.brew.arch if f.brew is not None else None)
    data: dict[str, Any] = {
        "prefix": prefix,
        "arch": arch,
        "brew_path": f.brew_path,
        "brew_installs": list(f.brew_installs),
        "rosetta": f.brew.rosetta if f.brew is not None else None,
        "path_order": {"/opt/homebrew/bin": f.path_order.opt_homebrew, "/usr/local/bin": f.path_order.usr_local},
        "hardware_arm64": f.hardware_arm64,
        "config": f.brew.to_data() if f.brew is not None else None,
        "arch_file": f.brew_arch_file,
    }
    if f.brew is None and f.brew_path is None:
        return [
            _finding(
                "system.homebrew",
                Status.SKIPPED,
                "Homebrew is not installed",
                "No `brew` on PATH, in /opt/homebrew/bin or in /usr/local/bin.",
                data=data,
            )
        ]

    lines = [
        f"brew: {f.brew_path or '(not on PATH)'}",
        f"HOMEBREW_PREFIX: {prefix or 'unknown'}",
        (f"Homebrew's architecture: {arch} (Mach-O header of {f.brew_arch_file})" if f.brew_arch_file else
         f"brew ran as: {arch or 'unknown'}" + (f" (brew config: CPU {f.brew.cpu})" if f.brew and f.brew.cpu else "")),
    ]
    if f.brew is not None and f.brew.rosetta is not None:
        lines.append(f"brew config 'Rosetta 2': {str(f.brew.rosetta).lower()}")
    if len(f.brew_installs) > 1:
        lines.append("Installed Homebrews: " + ", ".join(f.brew_installs))
    lines.append(
        f"PATH position: /opt/homebrew/bin {f.path_order.opt_homebrew if f.path_order.opt_homebrew is not None else 'absent'}, "
        f"/usr/local/bin {f.path_order.usr_local if f.path_order.usr_local is not None else 'absent'}"
    )
    if f.brew is None and not f.brew_prefix_said:
        lines.append("`brew --prefix` and `brew config` gave no answer; the prefix comes from where brew is.")

    if f.hardware_arm64 is not True:
        summary = f"Homebrew in {prefix or 'unknown prefix'}" + (f" ({arch})" if arch else "")
        if f.hardware_arm64 is None:
            lines.append("Could not tell whether this Mac is Apple silicon: the prefix was not judged.")
        return [_finding("system.homebrew", Status.OK, summary, "\n".join(lines), data=data)]

    problems: list[tuple[Status, str, str]] = []  # (status, one line, fix)
    if prefix == BREW_INTEL_PREFIX:
        problems.append(
            (
                Status.ERROR,
                "Homebrew in /usr/local on an arm64 Mac: it is the Intel (Rosetta) Homebrew, and `brew install go` gives an amd64 Go",
                NATIVE_BREW_FIX,
            )
        )
    elif arch == "x86_64" or (f.brew is not None and f.brew.rosetta):
        problems.append(
            (
                Status.ERROR,
                (f"Homebrew in {prefix} is x86_64 (Mach-O header of {f.brew_arch_file}): " if f.brew_arch_file else
                 f"brew runs under Rosetta (brew config: {(f.brew.macos or f.brew.cpu) if f.brew else 'x86_64'}): ")
                + "what it installs or builds is x86_64",
                ROSETTA_FIX,
            )
        )
    if prefix != BREW_INTEL_PREFIX and f"{BREW_INTEL_PREFIX}/bin/brew" in f.brew_installs:
        problems.append(
            (
                Status.WARN,
                "a second, Intel Homebrew is installed in /usr/local next to the native one",
                "remove the Intel one when nothing needs it (Homebrew's uninstall script with --path=/usr/local)",
            )
        )
    if f.path_order.usr_local_first:
        if f.path_order.opt_homebrew is None:
            line = "/opt/homebrew/bin is not on PATH, /usr/local/bin is: Intel tools are found instead of native ones"
        else:
            line = "/usr/local/bin comes before /opt/homebrew/bin in PATH: Intel tools shadow the native ones"
        problems.append((Status.WARN, line, SHELLENV_FIX))

    if not problems:
        return [
            _finding(
                "system.homebrew",
                Status.OK,
                f"Homebrew in {prefix} ({arch or 'arm64'}), native",
                "\n".join(lines),
                data=data,
            )
        ]
    worst = min((s for s, _, _ in problems), key=lambda s: s.rank)
    first = next(line for s, line, _ in problems if s == worst)
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    detail = "\n".join([*(f"- {line}" for _, line, _ in problems), "", *lines])
    fixes: list[str] = []
    for _, _, fix in problems:
        if fix not in fixes:
            fixes.append(fix)
    data["problems"] = [line for _, line, _ in problems]
    offers = (shellenv_offer(ctx.env),) if SHELLENV_FIX in fixes else ()
    return [_finding("system.homebrew", worst, first + more, detail, fix="\n".join(fixes), data=data, offers=offers)]


def shellenv_offer(env: Mapping[str, str], platform: str = sys.platform) -> Offer:
    """`brew shellenv` in the login file of $SHELL, where Homebrew's installer says to put it."""
    home = Path(env.get("HOME") or Path.home())
    shell = Path(env.get("SHELL", "")).name
    if shell == "fish":
        rc = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "fish" / "config.fish"
        return Offer("rc_line", (str(rc), f"{BREW_ARM64_PREFIX}/bin/brew shellenv | source"))
    rc = bash_rc_path(home, platform) if shell == "bash" else Path(env.get("ZDOTDIR") or home) / ".zprofile"
    return Offer("rc_line", (str(rc), f'eval "$({BREW_ARM64_PREFIX}/bin/brew shellenv)"'))


# --------------------------------------------------------------------------
# system.xcode_clt
# --------------------------------------------------------------------------


async def _cgo_setting(ctx: DoctorContext) -> tuple[str, str]:
    """CGO_ENABLED as the go here sees it (`go env`: the environment, then `go env -w`'s file),
    and where it came from; the process environment only when no go answers."""
    from m3tui.doctor.checks_go import go_env  # (lazy: the Go group's shared `go env` run)

    env = await go_env(ctx)
    if "CGO_ENABLED" in env:
        return env["CGO_ENABLED"], "go env"
    return ctx.env.get("CGO_ENABLED", ""), "the environment (no go answered)"


async def check_xcode_clt(ctx: DoctorContext) -> list[Finding]:
    f = await system_facts(ctx)
    if not f.is_macos:
        return [_not_macos("system.xcode_clt", f, "Xcode Command Line Tools")]
    cgo, cgo_from = await _cgo_setting(ctx)
    data = {"clt_checked": f.clt_checked, "clt_path": f.clt_path, "xcrun": f.clt_xcrun, "CGO_ENABLED": cgo or None,
            "CGO_ENABLED_from": cgo_from}  # fmt: skip
    if cgo == "0":
        return [
            _finding(
                "system.xcode_clt",
                Status.SKIPPED,
                "cgo is off (CGO_ENABLED=0): the Command Line Tools are not needed",
                f"CGO_ENABLED=0 from {cgo_from}\nxcode-select -p: {f.clt_path or '(none)'}",
                data=data,
            )
        ]
    if not f.clt_checked:
        return [
            _finding(
                "system.xcode_clt",
                Status.WARN,
                "could not run `xcode-select -p`: the Command Line Tools were not checked",
                "Probes that failed: " + ("; ".join(f.probe_errors) or "xcode-select gave no answer"),
                fix="xcode-select -p",
                data=data,
            )
        ]
    if f.clt_path is None:
        return [
            _finding(
                "system.xcode_clt",
                Status.ERROR,
                "no Xcode Command Line Tools: cgo builds will fail",
                "`xcode-select -p` names no developer directory. Packages that use cgo "
                "(net on some setups, sqlite drivers, anything with import \"C\") fail with "
                "`xcrun: error: invalid active developer path`.",
                fix=CLT_FIX,
                data=data,
            )
        ]
    if f.clt_xcrun is False:
        return [
            _finding(
                "system.xcode_clt",
                Status.ERROR,
                f"Command Line Tools broken: no xcrun in {f.clt_path}",
                f"xcode-select points at {f.clt_path}, but {f.clt_path}/usr/bin/xcrun is missing "
                "(typical after a macOS upgrade). cgo builds fail with:\n"
                f"xcrun: error: invalid active developer path ({f.clt_path}), missing xcrun at: "
                f"{f.clt_path}/usr/bin/xcrun",
                fix=CLT_FIX,
                data=data,
            )
        ]
    return [
        _finding(
            "system.xcode_clt",
            Status.OK,
            f"Command Line Tools at {f.clt_path}",
            f"xcode-select -p: {f.clt_path}\ncgo: on" + ("" if cgo else " (CGO_ENABLED not set: Go's default)"),
            data=data,
        )
    ]


# --------------------------------------------------------------------------
# system.delve (macOS, when dlv is installed)
# --------------------------------------------------------------------------

DEVTOOLS_FIX = "sudo DevToolsSecurity -enable"


async def check_delve(ctx: DoctorContext) -> list[Finding]:
    """Delve on macOS drives lldb's debugserver, and the system asks an administrator to allow it
    unless Developer mode (DevToolsSecurity) is on. No finding at all where dlv is not installed."""
    f = await system_facts(ctx)
    if not f.is_macos:
        return []
    from m3tui.core.darwin import DEBUGSERVER_PATHS, parse_devtools_security
    from m3tui.doctor.checks_go import go_env

    probe, env = probe_for(ctx), await go_env(ctx)
    search = [ctx.env.get("PATH", ""), env.get("GOBIN", ""), *(f"{p}/bin" for p in env.get("GOPATH", "").split(":") if p)]
    dlv = await probe.which("dlv", ":".join(p for p in search if p))
    if dlv is None:
        return []
    servers = [p for p in DEBUGSERVER_PATHS if await probe.exists(p)]
    text = await probe.devtools_security()
    status = parse_devtools_security(text) if text else None
    data = {"dlv": dlv, "debugserver": servers[0] if servers else None,
            "developer_mode": status.enabled if status else None, "devtools_security": status.line if status else None}  # fmt: skip
    facts = (f"dlv: {dlv}\ndebugserver: {servers[0] if servers else 'not found in ' + ', '.join(DEBUGSERVER_PATHS)}\n"
             f"DevToolsSecurity -status: {status.line if status else 'no answer'}")  # fmt: skip
    if not servers:
        summary = "dlv cannot debug: no debugserver (it comes with the Command Line Tools' LLDB)"
        return [_finding("system.delve", Status.ERROR, summary, facts, CLT_FIX, data)]
    if status is None or status.enabled is None:
        summary = "dlv: could not tell whether Developer mode is on (DevToolsSecurity -status)"
        return [_finding("system.delve", Status.WARN, summary, facts, "DevToolsSecurity -status", data)]
    if not status.enabled:
        summary = "Developer mode is off: dlv asks for an administrator password at every debug session"
        detail = "Over ssh, in an editor's terminal or in CI there is no dialog to answer, and dlv fails to attach.\n" + facts
        return [_finding("system.delve", Status.WARN, summary, detail, DEVTOOLS_FIX, data)]
    return [_finding("system.delve", Status.OK, "dlv: debugserver found, Developer mode on", facts, data=data)]


SYSTEM_CHECKS: list[Check] = [check_os, check_rosetta, check_homebrew, check_xcode_clt]
# One more System check, apart: it gives no finding at all where it does not apply (no dlv, not macOS).
MAC_TOOL_CHECKS: list[Check] = [check_delve]
