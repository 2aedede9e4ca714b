"""`m3tui versions …`: the headless front of the Versions services.

Exit status: 0 success, 1 the operation failed (download, checksum, not installed…),
2 bad usage (including a version string that is not one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from m3tui.core.text import human_size

if TYPE_CHECKING:
    from m3tui.cli.main import RunAsync
    from m3tui.versions.install import Progress

from m3tui.core.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    M3tuiError,
    UsageError,
)

#: An action: an exit status, or a coroutine that gives one (run through run_async).
Action: TypeAlias = "Callable[[argparse.Namespace], int | Coroutine[Any, Any, int]]"


def run(args: argparse.Namespace, run_async: RunAsync) -> int:
    actions: dict[str, Action] = {
        "list": _list,
        "install": _install,
        "use": _use,
        "remove": _remove,
        "prune": _prune,
        "current": _current,
        "env": _env,
        "project": _project,
    }
    result = actions[args.versions_command](args)
    return run_async(result) if isinstance(result, Coroutine) else result


def _out(args: argparse.Namespace, payload: object, lines: list[str]) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, default=str))
    else:
        for line in lines:
            print(line)


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop with an expected failure: main says it (and its JSON error object) and exits ``code``."""
    raise (UsageError if code == EXIT_USAGE else M3tuiError)(f"m3tui versions: {message}")


def _mirror(args: argparse.Namespace) -> str:
    from m3tui.core.config import load_config

    return (args.mirror or load_config().config.go_mirror).rstrip("/")


# --- list ------------------------------------------------------------------------------------


async def _list(args: argparse.Namespace) -> int:
    from m3tui.versions import index as release_index
    from m3tui.versions import installed

    if not args.remote:
        found = installed.discover(with_sizes=args.sizes)
        rows = [
            f"{'*' if i.current else ' '} {i.version:<14} {i.manager:<9} {i.goos or '?'}/{i.goarch or '?':<6} "
            f"{human_size(i.size_bytes):>10} {i.goroot}"
            for i in found.installs
        ]
        if not rows:
            rows = ["no Go installed (m3tui versions install latest)"]
        rows += [f"note: {p}" for p in found.problems]
        payload = {"installed": [asdict(i) for i in found.installs], "problems": found.problems}
        _out(args, payload, rows)
        return EXIT_OK

    try:
        index = await release_index.fetch_index(_mirror(args), offline=args.offline)
    except release_index.IndexUnavailable as exc:
        return _fail(str(exc))
    if index.warning:
        print(f"m3tui versions: {index.warning}", file=sys.stderr)
    installed_versions = {i.version for i in installed.discover().installs}
    releases = index.releases if args.all else release_index.stable_releases(index.releases)
    rows = []
    listed: list[dict[str, object]] = []
    for release in releases:
        archive = release_index.choose_archive(release)
        mark = "installed" if release.version in installed_versions else ""
        kind = "" if release.stable else "unstable"
        rows.append(f"{release.version:<14} {kind:<9} {human_size(archive.size) if archive else 'no archive':>10} {mark}")
        listed.append({"version": release.version, "stable": release.stable, "installed": bool(mark),
                       "archive": asdict(archive) if archive else None})  # fmt: skip
    _out(args, {"source": index.source, "releases": listed}, rows)
    return EXIT_OK


# --- install ---------------------------------------------------------------------------------


class _ProgressPrinter:
    """One updating line on a terminal; a line every few seconds (and per phase) otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tty = sys.stderr.isatty()
        self.last_phase = ""
        self.last_print = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if not self.tty and p.phase == self.last_phase and now - self.last_print < 3 and not p.note:
            return
        total = f"/{human_size(p.total_bytes)}" if p.total_bytes else ""
        eta = f"  ETA {p.eta_s:.0f}s" if p.eta_s is not None else ""
        rate = f"  {human_size(int(p.rate_bytes_per_s))}/s" if p.rate_bytes_per_s else ""
        line = f"{p.phase:<8} {self.name}  {human_size(p.done_bytes)}{total}{rate}{eta}"
        if p.note:
            line += f"  ({p.note})"
        if self.tty:
            print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr)
        self.last_phase, self.last_print = p.phase, now

    def done(self) -> None:
        if self.tty:
            print(file=sys.stderr)


async def _install(args: argparse.Namespace) -> int:
    from m3tui.versions import index as release_index
    from m3tui.versions import install, store

    mirror = _mirror(args)
    try:
        index = await release_index.fetch_index(mirror, offline=args.offline)
        release = release_index.resolve(index.releases, args.version, include_unstable=False)
    except M3tuiError as exc:  # no index (IndexUnavailable), no such version (VersionNotFound)
        return _fail(str(exc))
    archive = release_index.choose_archive(release, args.goos, args.arch)
    if archive is None:
        return _fail(f"{release.version} has no archive for {args.goos or 'this OS'}/{args.arch or 'this arch'}")
    printer = _ProgressPrinter(archive.filename)
    try:
        goroot = await install.install(archive, release_index.archive_url(mirror, archive.filename), on_progress=printer)
    except store.LockBusy as exc:
        return _fail(str(exc))
    except install.InstallError as exc:
        printer.done()
        return _fail(str(exc))
    printer.done()
    current = store.current_version()
    hint = "" if current == release.version else f" (make it current: m3tui versions use {release.version.removeprefix('go')})"
    _out(args, {"version": release.version, "goroot": str(goroot)}, [f"installed {release.version} in {goroot}{hint}"])
    return EXIT_OK


# --- use / remove / prune ----------------------------------------------------------------------


def _use(args: argparse.Namespace) -> int:
    from m3tui.versions import installed, switch
    from m3tui.versions.names import NotAGoVersion, parse_spec

    try:
        parse_spec(args.version)
    except NotAGoVersion as exc:
        return _fail(str(exc), EXIT_USAGE)
    try:
        result = switch.use(args.version, export_goroot=True if args.export_goroot else None)
    except switch.SwitchError as exc:
        # Installed by another manager? Say what that manager wants instead of fighting it.
        spec = parse_spec(args.version)
        others = [i for i in installed.discover().installs if i.manager != "m3tui" and spec.matches(i.version)]
        for other in others:
            hint = installed.switch_hint(other)
            if hint:
                return _fail(f"{other.version} is managed by {other.manager}: {hint}")
        return _fail(str(exc))
    lines = [f"now using {result.version}" + (f" (was {result.previous})" if result.previous else "")]
    if not result.on_path:
        hint = switch.rc_hint(result.rc_lines, os.environ)
        lines.append(f"add this line to your shell's rc file, then open a new shell: {hint}")
    if result.shadowed_by:
        lines.append(f"note: {result.shadowed_by} comes first on PATH and shadows it")
    _out(args, asdict(result), lines)
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    from m3tui.versions import install, store
    from m3tui.versions.names import NotAGoVersion, canonical

    try:
        version = canonical(args.version)
    except NotAGoVersion as exc:
        return _fail(str(exc), EXIT_USAGE)
    if version not in store.installed_versions():
        return _fail(f"{version} is not in m3tui's store")
    try:
        freed = install.remove(version, force=args.force)
    except M3tuiError as exc:  # InstallError, or LockBusy: another m3tui holds the version
        return _fail(str(exc))
    _out(args, {"removed": version, "freed_bytes": freed}, [f"removed {version}, freed {human_size(freed)}"])
    return EXIT_OK


def _prune(args: argparse.Namespace) -> int:
    from m3tui.versions import install

    if args.keep < 1:
        return _fail("--keep must be at least 1", EXIT_USAGE)
    removed = install.prune(args.keep)
    total = sum(freed for _, freed in removed)
    lines = [f"removed {v}, freed {human_size(f)}" for v, f in removed] or ["nothing to prune"]
    if removed:
        lines.append(f"freed {human_size(total)} in all")
    _out(args, {"removed": [{"version": v, "freed_bytes": f} for v, f in removed], "freed_bytes": total}, lines)
    return EXIT_OK


# --- current / env / project -------------------------------------------------------------------


async def _current(args: argparse.Namespace) -> int:
    from m3tui.versions import project

    view = await project.what_runs_here(Path.cwd(), dict(os.environ))
    lines = [
        f"go on PATH:  {view.go.path if view.go else 'none'}" + (f" ({view.local.version})" if view.local else ""),
        f"GOTOOLCHAIN: {view.gotoolchain} ({view.gotoolchain_source})" if view.gotoolchain else f"GOTOOLCHAIN: {view.gotoolchain_source}",
    ]
    for name, module in (view.modules or {}).items():
        lines.append(f"{name + ':':<12} " + ", ".join(f"{k} {v}" for k, v in module.items() if k != "path") + f" ({module['path']})")
    pinned = view.pin.pinned
    if pinned is not None:
        lines.append(f"pinned:      {pinned.value} ({pinned.path})")
    runs = view.effective or (view.local.version if view.local else "nothing")
    lines.append(f"runs here:   {runs}" + (" (go would download it first)" if view.would_download else ""))
    if view.error:
        lines.append(f"problem:     {view.error}")
    _out(args, asdict(view), lines)
    return EXIT_PROBLEMS if view.error else EXIT_OK


def _env(args: argparse.Namespace) -> int:
    from m3tui.versions import switch

    if not args.add_to_rc:
        print(switch.env_text(args.shell), end="")
        return EXIT_OK
    switch.write_env_files()
    rc = switch.default_rc_path(args.shell)
    try:
        changed = switch.install_rc(args.shell, rc)
    except OSError as exc:
        return _fail(f"cannot update {rc}: {exc.strerror or exc}")
    print(f"added to {rc}: {switch.rc_line(args.shell)}" if changed else f"{rc} already sources m3tui's env file")
    return EXIT_OK


def _project(args: argparse.Namespace) -> int:
    from m3tui.versions import project

    cwd = Path.cwd()
    if args.set_version:
        try:
            path = project.set_project_version(cwd, args.set_version, how=args.how)
        except M3tuiError as exc:  # NotAGoVersion, BadPin (usage: 2), NoGoMod (1)
            return _fail(str(exc), exc.exit_code)
        _out(args, {"written": str(path)}, [f"wrote {path}"])
        return EXIT_OK
    pin = project.read_project_version(cwd)
    lines = [f"{s.kind:<16} {s.value:<12} {s.path}" for s in pin.sources] or ["no Go version pinned here"]
    _out(args, asdict(pin), lines)
    return EXIT_OK
