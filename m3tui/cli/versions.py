"""`m3tui versions …`: the headless front of the Versions services.

Exit status (core.errors): 0 done; 1 `current` found a problem (go does not run here, or
what the directory pins is not what runs); 2 usage
or invalid input: a version string that is not one (checked before any network), a version the
index or the store does not have, a mirror that is not http(s), an rc file or pin file that is a
directory, FIFO or binary; 3 the operation failed: no index (network, a body that is not the
index), download, checksum, unpacking, permissions, a full disk, another m3tui holding the
version. `exec` ends as its command ends (m3tui becomes the command); before that, 2 for a version
not installed, 127 for a command not found, 126 for one that cannot run. Every URL said is
redacted; --json output is strict JSON.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from m3tui.core.text import human_size

if TYPE_CHECKING:
    from m3tui.cli.main import RunAsync
    from m3tui.versions.current import Current
    from m3tui.versions.defaultpkgs import PackageProgress, PackageResult
    from m3tui.versions.install import Progress
    from m3tui.versions.names import VersionSpec
    from m3tui.versions.pins import Pin
    from m3tui.versions.project import ProjectView
    from m3tui.versions.runs import Runs

from m3tui.core.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    M3tuiError,
    UsageError,
    strerror,
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
        "exec": _exec,
        "default-packages": _default_packages,
    }
    result = actions[args.versions_command](args)
    return run_async(result) if isinstance(result, Coroutine) else result


def _out(args: argparse.Namespace, payload: Mapping[str, object], lines: list[str]) -> None:
    """Text lines, or (--json) the payload as strict JSON; either redacted (a mirror's credentials)."""
    from m3tui.core.jsonout import dumps_doc
    from m3tui.core.redact import redact, redact_data

    if args.json:
        print(dumps_doc(f"versions {args.versions_command}", redact_data(payload)))
    else:
        for line in lines:
            print(redact(line))


def _warn(message: str) -> None:
    from m3tui.core.redact import redact

    print(redact(f"m3tui versions: {message}"), file=sys.stderr)


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop with an expected failure: main says it (and its JSON error object) and exits ``code``."""
    raise (UsageError if code == EXIT_USAGE else M3tuiError)(f"m3tui versions: {message}")


def _mirror(args: argparse.Namespace) -> str:
    """--mirror, else the config's: an http(s) URL (BadMirror, exit 2, for file://, ftp://, …)."""
    from m3tui.core.config import load_config
    from m3tui.versions.index import check_mirror

    if args.mirror is not None:
        return check_mirror(args.mirror, what="--mirror")
    return check_mirror(load_config().config.go_mirror, what="[versions] mirror")


def _cwd() -> Path:
    """The working directory; one clear line when it is gone (deleted under the shell)."""
    try:
        return Path.cwd()
    except OSError as exc:
        return _fail(f"cannot use the current directory: {strerror(exc)}")


# --- list ------------------------------------------------------------------------------------


def _here_lines(current: Current) -> list[str]:
    """What runs here and why, m3tui's global choice, and the notes: as `list` and `current` say it."""
    runs = current.version or "nothing"
    lines = [f"runs here:   {runs}" + (" (go would download it first)" if current.would_download else ""),
             f"why:         {current.why}"]  # fmt: skip
    if current.global_state == "ok":
        where = "runs here" if current.runs_global else "does not run here"
        lines.append(f"global:      {current.global_version} (m3tui's current link; {where})")
    elif current.global_state == "none":
        lines.append("global:      none (m3tui versions use VERSION makes one)")
    elif (broken := current.broken_line()) is not None:
        # One line: what is broken and the fix (the note of the same kind, said here, not again).
        lines.append(f"global:      broken: {broken}")
    lines += [f"note:        {n.text}" + (f": {n.fix}" if n.fix else "") for n in current.notes
              if n.kind not in ("would-download", "dangling", "not-a-link")]  # fmt: skip
    return lines


async def _list(args: argparse.Namespace) -> int:
    import asyncio

    from m3tui.versions import installed, project
    from m3tui.versions.current import resolve
    from m3tui.versions.listing import installed_rows

    if not args.remote:
        cwd = _cwd()
        # The installations (file reads) while go says what it runs here: one answer for `*`.
        found, view = await asyncio.gather(
            asyncio.to_thread(installed.discover, with_sizes=args.sizes, cwd=cwd), project.what_runs_here(cwd, dict(os.environ))
        )
        current = resolve(view, found.installs)
        shown = installed_rows(found.installs, current)
        rows = [
            f"{'*' if r.runs_here else ' '} {r.version:<14} {r.tag:<6} {r.manager:<9} {r.platform:<13} {r.size:>10} {r.where}"
            for r in shown
        ]
        if not rows:
            rows = ["no Go installed (m3tui versions install latest)"]
        rows += ["", *_here_lines(current)]
        rows += [f"note: {p}" for p in found.problems]
        payload = {
            "installed": [asdict(r.install) | {"runs_here": r.runs_here, "global": r.is_global} for r in shown],
            "problems": found.problems,
            "here": current.to_json(),
        }
        _out(args, payload, rows)
        return EXIT_OK

    from m3tui.versions import index as release_index  # httpx: only for the releases

    mirror = _mirror(args)
    try:
        index = await release_index.fetch_index(mirror, offline=args.offline)
    except release_index.IndexUnavailable as exc:
        return _fail(str(exc))
    if index.warning:
        _warn(index.warning)
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
    """A progress bar on a terminal (cli/progress.py); a line every few seconds (and per phase) otherwise."""

    def __init__(self, name: str) -> None:
        from m3tui.cli import progress

        self.name = name
        self.bar = progress.bar("bytes")
        self.last_phase = ""
        self.last_print = 0.0
        self.last_note = ""

    def __call__(self, p: Progress) -> None:
        if self.bar is not None:
            if p.note and p.note != self.last_note:
                self.bar.log(f"{p.phase} {self.name}: {p.note}")
            self.last_note = p.note
            self.bar.update(f"{p.phase:<8} {self.name}", p.done_bytes, p.total_bytes)
            return
        now = time.monotonic()
        if p.phase == self.last_phase and now - self.last_print < 3 and not p.note:
            return
        total = f"/{human_size(p.total_bytes)}" if p.total_bytes else ""
        eta = f"  ETA {p.eta_s:.0f}s" if p.eta_s is not None else ""
        rate = f"  {human_size(int(p.rate_bytes_per_s))}/s" if p.rate_bytes_per_s else ""
        line = f"{p.phase:<8} {self.name}  {human_size(p.done_bytes)}{total}{rate}{eta}"
        if p.note:
            line += f"  ({p.note})"
        print(line, file=sys.stderr)
        self.last_phase, self.last_print = p.phase, now

    def done(self) -> None:
        if self.bar is not None:
            self.bar.close()


async def _install(args: argparse.Namespace) -> int:
    from m3tui.versions import index as release_index
    from m3tui.versions import install, store
    from m3tui.versions.names import NotAGoVersion, parse_spec, shown

    pinned_by = ""
    if args.version is None:  # what this directory pins
        pin = _pinned_here()
        if pin.installed is not None:
            root = store.version_dir(pin.installed)
            _out(args, {"version": pin.installed, "goroot": str(root), "pinned_by": pin.where, "already_installed": True},
                 [f"{pin.installed} (pinned in {pin.where}) is already installed in {root}"])  # fmt: skip
            return EXIT_OK
        args.version, pinned_by = pin.value.strip().removeprefix("prefix:"), pin.where
    try:
        parse_spec(args.version)  # a bad version is bad usage before any network
    except NotAGoVersion as exc:
        return _fail(str(exc), EXIT_USAGE)
    mirror = _mirror(args)
    try:
        index = await release_index.fetch_index(mirror, offline=args.offline)
        release = release_index.resolve(index.releases, args.version, include_unstable=False)
    except M3tuiError as exc:  # no index (IndexUnavailable: 3), no such version (VersionNotFound: 2)
        return _fail(str(exc), exc.exit_code)
    if index.warning:
        _warn(index.warning)
    archive = release_index.choose_archive(release, args.goos, args.arch)
    if archive is None:
        where = f"{shown(args.goos) if args.goos else 'this OS'}/{shown(args.arch) if args.arch else 'this arch'}"
        if release.skipped:  # the mirror's entries are broken, not the user's platform wrong: 3
            return _fail(f"the index at {index.url} is not valid: no usable archive of {release.version} for {where} "
                         f"({release.skipped} of its file entries are malformed)")  # fmt: skip
        return _fail(f"{release.version} has no archive for {where}", EXIT_USAGE)
    printer = _ProgressPrinter(archive.filename)
    fresh = not store.is_complete(store.version_dir(release.version))  # the tools follow a new install only
    try:
        goroot = await install.install(archive, release_index.archive_url(mirror, archive.filename), on_progress=printer)
    except M3tuiError as exc:  # InstallError (and its kinds), LockBusy, the store's own paths: 3
        printer.done()
        return _fail(str(exc), exc.exit_code)
    printer.done()
    current = store.current_version()
    hint = f" (pinned in {pinned_by})" if pinned_by else "" if current == release.version else f" (make it current: m3tui versions use {release.version.removeprefix('go')})"
    payload: dict[str, object] = {"version": release.version, "goroot": str(goroot)}
    if not args.json:
        _out(args, payload, [f"installed {release.version} in {goroot}{hint}"])
    if fresh and not args.no_default_packages:
        # A tool that fails is warned about; the Go version is installed all the same (exit 0).
        results = await _run_default_packages(release.version)
        payload["default_packages"] = [asdict(r) for r in results]
        failed = [r for r in results if not r.ok]
        if failed:
            _warn(f"{len(failed)} of {len(results)} default packages failed; "
                  f"m3tui versions default-packages {release.version.removeprefix('go')} tries again")  # fmt: skip
    if args.json:
        _out(args, payload, [])
    return EXIT_OK


# --- default packages --------------------------------------------------------------------------


async def _run_default_packages(version: str) -> list[PackageResult]:
    """The file's tools installed into ``version``'s gobin: its warnings, then a line per package
    on stderr (go's latest line updating in place on a terminal)."""
    from m3tui.core.redact import redact
    from m3tui.versions import defaultpkgs

    parsed = defaultpkgs.load()
    for warning in parsed.warnings:
        _warn(warning)
    from m3tui.cli import progress

    bar = progress.bar("items") if parsed.specs else None

    def show(p: PackageProgress) -> None:
        if p.state == "installing":
            if bar is not None:  # otherwise (a log) one line per package, with its result
                bar.update(f"tools {p.spec}", p.index - 1, p.total, info=redact(p.text)[:_columns() // 2])
            return
        if bar is not None:
            bar.log(redact(p.line()))
            bar.update(f"tools {p.spec}", p.index, p.total)
        else:
            print(redact(p.line()), file=sys.stderr, flush=True)

    try:
        return await defaultpkgs.install_packages(version, parsed.specs, on_progress=show)
    finally:
        if bar is not None:
            bar.close()


def _columns() -> int:
    import shutil

    return shutil.get_terminal_size().columns


async def _default_packages(args: argparse.Namespace) -> int:
    """`versions default-packages [VERSION]`: install the file's tools again; 3 when one fails."""
    from m3tui.versions import defaultpkgs, store
    from m3tui.versions.names import NotAGoVersion, canonical, version_sort_key

    if args.version is None:
        pin = _pinned_here(fallback=True, command="default-packages")
        if pin.installed is None:
            return _fail(f"{pin.value or 'nothing'} ({pin.where}) is not installed: name an installed version", EXIT_USAGE)
        version = pin.installed
    else:
        try:
            version = canonical(args.version)
        except NotAGoVersion as exc:
            return _fail(str(exc), EXIT_USAGE)
        if version not in store.installed_versions():  # 1.22: the newest 1.22.x installed
            line = sorted((v for v in store.installed_versions() if v.startswith(f"{version}.")), key=version_sort_key)
            version = line[-1] if line else version
    path = defaultpkgs.file_path()
    if not os.path.lexists(path):
        _out(args, {"version": version, "file": str(path), "default_packages": []},
             [f"no default packages: {path} does not exist (one `go install` package a line)"])  # fmt: skip
        return EXIT_OK
    try:
        results = await _run_default_packages(version)
    except M3tuiError as exc:
        return _fail(str(exc), exc.exit_code)
    failed = [r for r in results if not r.ok]
    target = defaultpkgs.gobin(version)
    _out(args, {"version": version, "file": str(path), "gobin": str(target), "default_packages": [asdict(r) for r in results]},
         [f"{len(results) - len(failed)} of {len(results)} default packages installed in {target}"])  # fmt: skip
    return EXIT_FAILED if failed else EXIT_OK


def _pinned_here(*, fallback: bool = False, command: str = "install") -> Pin:
    """What the working directory pins (not the global choice): a usage error naming the files
    looked for when nothing does; the pin's warnings said on stderr."""
    from m3tui.versions import store
    from m3tui.versions.execute import looked_for
    from m3tui.versions.pins import resolve_pin

    cwd = _cwd()
    pin = resolve_pin(cwd, os.environ, store.store_dir())
    for warning in pin.warnings:
        _warn(warning)
    if not pin.pinned and not (fallback and pin.kind == "global"):
        return _fail(f"no Go version pinned in {cwd} ({looked_for()}): name one (m3tui versions {command} VERSION)", EXIT_USAGE)
    return pin


# --- use / remove / prune ----------------------------------------------------------------------


def _use(args: argparse.Namespace) -> int:
    from m3tui.versions import installed, switch
    from m3tui.versions.names import NotAGoVersion, parse_spec

    if args.version == "bundled":  # m3tui's [go] extra's go, linked into the store as its version
        from m3tui.versions import bundled

        try:
            args.version = bundled.adopt()
        except M3tuiError as exc:
            return _fail(str(exc), exc.exit_code)
    try:
        parse_spec(args.version)
    except NotAGoVersion as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.here:
        if args.export_goroot:
            return _fail("--export-goroot is about the global choice, not --here", EXIT_USAGE)
        return _use_here(args)
    try:
        result = switch.use(args.version, export_goroot=True if args.export_goroot else None)
    except switch.SwitchUsageError as exc:
        # Installed by another manager? Say what that manager wants instead of fighting it.
        spec = parse_spec(args.version)
        others = [i for i in installed.discover().installs if i.manager != "m3tui" and _matches(spec, i.version)]
        for other in others:
            hint = installed.switch_hint(other)
            if hint:
                return _fail(f"{other.version} is managed by {other.manager}: {hint}", EXIT_USAGE)
        return _fail(str(exc), EXIT_USAGE)
    except M3tuiError as exc:  # the store cannot be written, another m3tui holds the version: 3
        return _fail(str(exc), exc.exit_code)
    lines = [f"now using {result.version}" + (f" (was {result.previous})" if result.previous else "")]
    if result.repaired is not None:
        from m3tui.versions.current import repaired_line

        lines.append(repaired_line(result.repaired))
    if not result.on_path:
        hint = switch.rc_hint(result.rc_lines, os.environ)
        lines.append(f"add this line to your shell's rc file, then open a new shell: {hint}")
    if result.shadowed_by:
        lines.append(f"note: {result.shadowed_by} comes first on PATH and shadows it")
    _out(args, asdict(result), lines)
    return EXIT_OK


def _use_here(args: argparse.Namespace) -> int:
    """`use VERSION --here`: the pin `project --set VERSION` writes (.go-version), then whether it is installed."""
    from m3tui.versions import project, store
    from m3tui.versions.pins import resolve_pin

    cwd = _cwd()
    try:
        path = project.set_project_version(cwd, args.version, how="go-version")
    except M3tuiError as exc:  # BadPin, a dir/FIFO (2); cannot write (3)
        return _fail(str(exc), exc.exit_code)
    pin = resolve_pin(cwd, os.environ, store.store_dir())
    lines = [f"wrote {path}"]
    if pin.source != path:  # $M3TUI_GO_VERSION, or a .tool-versions/mise.toml here that comes first
        lines.append(f"note: {pin.where} comes first here ({pin.value})")
    elif pin.installed is None:
        lines.append(f"note: {pin.value} is not installed: m3tui versions install")
    _out(args, {"written": str(path), "pin": pin.to_json()}, lines)
    return EXIT_OK


def _matches(spec: VersionSpec, version: str) -> bool:
    """Does an install found on this machine (whatever its VERSION file says) match ``spec``?"""
    from m3tui.versions.names import NotAGoVersion

    try:
        return spec.matches(version)
    except NotAGoVersion:
        return False


async def _remove(args: argparse.Namespace) -> int:
    from m3tui.versions import install, store
    from m3tui.versions.current import which_go
    from m3tui.versions.names import NotAGoVersion, canonical

    try:
        version = canonical(args.version)
    except NotAGoVersion as exc:
        return _fail(str(exc), EXIT_USAGE)
    target = store.version_dir(version)
    # A broken install (no bin/go) can be removed too: its link, if `current` names it, goes with it.
    if version not in store.installed_versions() and (os.path.islink(target) or not os.path.isdir(target)):
        return _fail(f"{version} is not in m3tui's store", EXIT_USAGE)
    link = store.current_link_state()
    was_global = link.target == version and link.state in ("ok", "dangling")
    try:
        freed = install.remove(version, force=args.force)
    except M3tuiError as exc:  # current without --force (2); LockBusy, cannot rename (3)
        return _fail(str(exc), exc.exit_code)
    lines = [f"removed {version}, freed {human_size(freed)}"]
    payload: dict[str, object] = {"removed": version, "freed_bytes": freed, "global_cleared": was_global}
    if was_global:  # its `current` link went with it: say what runs now
        current = await which_go(_cwd())
        lines.append(f"it was m3tui's global Go (its current link is removed too); here runs {current.summary()}")
        payload["here"] = current.to_json()
    _out(args, payload, lines)
    return EXIT_OK


def _prune(args: argparse.Namespace) -> int:
    from m3tui.versions import install

    if args.keep < 1:
        return _fail("--keep must be at least 1", EXIT_USAGE)
    try:
        removed = install.prune(args.keep)
    except M3tuiError as exc:
        return _fail(str(exc), exc.exit_code)
    total = sum(freed for _, freed in removed)
    lines = [f"removed {v}, freed {human_size(f)}" for v, f in removed] or ["nothing to prune"]
    if removed:
        lines.append(f"freed {human_size(total)} in all")
    _out(args, {"removed": [{"version": v, "freed_bytes": f} for v, f in removed], "freed_bytes": total}, lines)
    return EXIT_OK


# --- current / env / project -------------------------------------------------------------------


async def _current(args: argparse.Namespace) -> int:
    import asyncio

    from m3tui.versions import installed, project
    from m3tui.versions.current import resolve

    cwd = _cwd()
    view, found = await asyncio.gather(
        project.what_runs_here(cwd, dict(os.environ)), asyncio.to_thread(installed.discover, cwd=cwd)
    )
    current = resolve(view, found.installs)
    chain = _chain(cwd, view)
    for warning in chain.pin.warnings:
        _warn(warning)
    lines = [
        f"{'' if chain.matches else 'problem: '}{chain.line()}",
        f"go on PATH:  {view.go.path if view.go else 'none'}" + (f" ({view.local.version})" if view.local else ""),
        f"GOTOOLCHAIN: {view.gotoolchain} ({view.gotoolchain_source})" if view.gotoolchain else f"GOTOOLCHAIN: {view.gotoolchain_source}",
    ]
    for name, module in (view.modules or {}).items():
        lines.append(f"{name + ':':<12} " + ", ".join(f"{k} {v}" for k, v in module.items() if k != "path") + f" ({module['path']})")
    pinned = view.pin.pinned
    if pinned is not None:
        lines.append(f"pinned:      {pinned.value} ({pinned.path})")
    lines += _here_lines(current)
    if view.error:
        lines.append(f"problem:     {view.error}")
    _out(args, asdict(view) | {"here": current.to_json(), "chain": chain.to_json()}, lines)
    return EXIT_PROBLEMS if view.error or not chain.matches else EXIT_OK


def _chain(cwd: Path, view: ProjectView) -> Runs:
    """The pin (pins.py's order) → the go on PATH → go.mod/GOTOOLCHAIN → what runs (files only)."""
    from m3tui.versions import store
    from m3tui.versions.pins import resolve_pin
    from m3tui.versions.runs import what_runs

    pin = resolve_pin(cwd, os.environ, store.store_dir())
    return what_runs(cwd, os.environ, pin, go_said=view.local.version if view.local else None)


def _env(args: argparse.Namespace) -> int:
    from m3tui.versions import switch

    if not args.add_to_rc:
        print(switch.env_text(args.shell), end="")
        return EXIT_OK
    rc = switch.default_rc_path(args.shell)
    try:
        switch.write_env_files()
        changed = switch.install_rc(args.shell, rc)
    except M3tuiError as exc:  # a directory/FIFO/binary rc (2); unreadable, read-only, a full disk (3)
        return _fail(str(exc), exc.exit_code)
    print(f"added to {rc}: {switch.rc_line(args.shell)}" if changed else f"{rc} already sources m3tui's env file")
    return EXIT_OK


def _project(args: argparse.Namespace) -> int:
    from m3tui.versions import project

    cwd = _cwd()
    if args.set_version is not None:
        try:
            path = project.set_project_version(cwd, args.set_version, how=args.how)
        except M3tuiError as exc:  # NotAGoVersion, BadPin, NoGoMod, a dir/FIFO (2); cannot write (3)
            return _fail(str(exc), exc.exit_code)
        _out(args, {"written": str(path)}, [f"wrote {path}"])
        return EXIT_OK
    pin = project.read_project_version(cwd)
    lines = [f"{s.kind:<16} {s.value:<12} {s.path}" for s in pin.sources] or ["no Go version pinned here"]
    _out(args, asdict(pin), lines)
    return EXIT_OK


# --- exec --------------------------------------------------------------------------------------


def _exec(args: argparse.Namespace) -> int:
    """`exec [VERSION] -- CMD…`: m3tui becomes CMD (os.execve, see versions/execute.py for why);
    only a failure before that returns here: one line, 2 (no such version), 127/126 (no such command)."""
    from m3tui.versions import execute, store

    if not args.exec_argv or args.stray:
        return _fail("put the command to run after --: m3tui versions exec [VERSION] -- CMD [ARG…]", EXIT_USAGE)
    try:
        chosen = execute.choose(args.version, _cwd(), os.environ, store.store_dir())
        for warning in chosen.warnings:
            _warn(warning)
        execute.exec_command(args.exec_argv, execute.command_env(chosen, os.environ))
    except M3tuiError as exc:  # the same class (its exit status), said as this command's line
        raise type(exc)(f"m3tui versions exec: {exc}") from None
