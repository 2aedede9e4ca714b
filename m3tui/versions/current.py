"""Which Go is *current*, defined once: for the Versions pane, the header, `m3tui versions list`
and `m3tui versions current`.

Two answers, often the same one:

- **runs here** (the pane's ●, the list's ``*``): the Go that `go` run in this directory really
  runs. That is the first go on PATH (through a version manager's shim: the version its pin
  selects, e.g. a .go-version), unless go.work/go.mod or GOTOOLCHAIN make go switch toolchains.
  `project.what_runs_here()` asks go itself (GOPROXY=off: looking never downloads), and
  `installed.discover()` says which listed installation the go on PATH is.
- **global**: m3tui's own choice, the store's `current` link (`m3tui versions use`). It runs only
  where <store>/current/bin comes first on PATH (the env file, sourced from the shell's rc).

When they differ, a note says why (the go PATH finds first, a shim and its pin, go.mod,
GOTOOLCHAIN); so does one for a `current` link that names a removed version, and for a pin that
names a Go that is not installed, each with the command that fixes it.

`resolve()` is pure (a ProjectView and the installs in, the answer out); `which_go()` gathers
both for a directory and resolves them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from m3tui.versions import names
from m3tui.versions.names import InstalledGo
from m3tui.versions.project import ProjectView

Reason = Literal["global", "path", "shim", "go.mod", "GOTOOLCHAIN", "none", "unknown"]
NoteKind = Literal["global-elsewhere", "global-off-path", "dangling", "not-a-link", "pin-missing", "pin-unread", "would-download"]
GlobalState = Literal["unknown", "none", "ok", "dangling", "not-a-link"]

#: Managers whose `go` on PATH is a shim that picks an install by a version file.
SHIM_MANAGERS = ("asdf", "goenv", "mise")


@dataclass(frozen=True)
class Note:
    """One thing the user should know about the current Go here, and the command that fixes it."""

    kind: NoteKind
    text: str
    fix: str = ""


@dataclass(frozen=True)
class Current:
    """The Go that runs in ``cwd`` and why; m3tui's global choice; what to know about both."""

    cwd: Path
    version: str | None  # runs here: "go1.22.10"; None when no go runs (none on PATH, go fails here)
    goroot: Path | None  # the listed installation that runs (the ● row); None: go runs one from
    #                      its module cache (a toolchain switch), or none
    reason: Reason
    why: str  # "the first go on PATH: /usr/local/go/bin/go", "go.mod toolchain go1.25.0 (/p/go.mod)", …
    would_download: bool = False  # go would download `version` before running anything here
    global_version: str | None = None  # m3tui's `current`, when it names a complete install
    global_goroot: Path | None = None
    global_state: GlobalState = "unknown"  # "unknown": not looked at
    global_link: Path | None = None
    notes: tuple[Note, ...] = ()

    @property
    def runs_global(self) -> bool:
        """m3tui's global choice is what runs here."""
        return self.goroot is not None and self.global_goroot is not None and _same(self.goroot, self.global_goroot)

    def runs(self, install: InstalledGo) -> bool:
        """Is ``install`` the Go that runs here (the ● row)?"""
        return self.goroot is not None and _same(install.goroot, self.goroot)

    def is_global(self, install: InstalledGo) -> bool:
        """Is ``install`` m3tui's global choice (tagged `global`)?"""
        return install.manager == "m3tui" and self.global_goroot is not None and _same(install.goroot, self.global_goroot)

    def summary(self) -> str:
        """One line: "go1.22.10 (m3tui's global choice: …/current/bin is first on PATH)"."""
        if self.version is None:
            return f"no go runs here ({self.why})"
        download = ", go would download it first" if self.would_download else ""
        return f"{self.version} ({self.why}{download})"

    def broken_line(self) -> str | None:
        """m3tui's global link is dangling or not a link: what is wrong and its fix, in one line
        (`versions current`/`list` and the Versions pane say it so); None when it is not broken."""
        if self.global_state not in ("dangling", "not-a-link"):
            return None
        broken = next((n for n in self.notes if n.kind == self.global_state), None)
        return f"{broken.text}: {broken.fix}" if broken is not None and broken.fix else f"{self.global_link}"

    def to_json(self) -> dict[str, object]:
        return {
            "cwd": str(self.cwd),
            "version": self.version,
            "goroot": str(self.goroot) if self.goroot else None,
            "reason": self.reason,
            "why": self.why,
            "would_download": self.would_download,
            "global": {
                "version": self.global_version,
                "goroot": str(self.global_goroot) if self.global_goroot else None,
                "state": self.global_state,
                "link": str(self.global_link) if self.global_link else None,
                "runs_here": self.runs_global,
            },
            "notes": [{"kind": n.kind, "text": n.text, "fix": n.fix} for n in self.notes],
        }


def repaired_line(repaired: str) -> str:
    """What `use` says when it replaced a dangling `current` link (SwitchResult.repaired: the
    version the link named, "" for none): the CLI and the Versions pane in the same words."""
    named = f"named {repaired}, which is not installed" if repaired else "named no version"
    return f"repaired m3tui's current link: it {named}"


def _same(a: Path, b: Path) -> bool:
    return os.path.normpath(a) == os.path.normpath(b)


def _inside(path: Path, root: Path) -> bool:
    return os.path.normpath(path).startswith(os.path.normpath(root) + os.sep)


def _bare(version: str) -> str:
    return version.removeprefix("go")


def _switch_why(view: ProjectView) -> tuple[Reason, str]:
    """Why go runs another toolchain here than the one on PATH: GOTOOLCHAIN, or a go.work/go.mod line."""
    value = view.gotoolchain or ""
    forced = value.split("+")[0]
    if forced.startswith("go"):
        return "GOTOOLCHAIN", f"GOTOOLCHAIN={value} ({view.gotoolchain_source})"
    local = view.local.version if view.local else "the go"
    for key in ("toolchain", "go"):
        for name in ("go.work", "go.mod"):
            lines = view.modules.get(name)
            if lines is None or key not in lines:
                continue
            if key == "toolchain" and _canonical(lines[key]) != view.effective:
                continue
            line = f"{name} {key} {lines[key]} ({lines['path']})"
            return "go.mod", line if key == "toolchain" else f"{line} asks for a newer Go than {local} on PATH"
    return "go.mod", f"go switches from {local} on PATH to {view.effective} here"


def _canonical(value: str) -> str | None:
    try:
        return names.canonical(value)
    except names.NotAGoVersion:
        return None


def _matches(spec: names.VersionSpec, version: str) -> bool:
    try:
        return spec.matches(version)
    except names.NotAGoVersion:
        return False


def _runs(view: ProjectView, path_install: InstalledGo | None) -> tuple[str | None, Path | None, Reason, str]:
    """(version, goroot, reason, why) of what runs in view.cwd."""
    go = view.go
    if go is None:
        return None, None, "none", "no go on PATH"
    if view.effective is None:
        return None, None, "unknown", view.error or "go does not say what it runs here"
    if view.switches or view.would_download:
        reason, why = _switch_why(view)
        return view.effective, None, reason, why
    goroot = path_install.goroot if path_install is not None else None
    chosen = view.global_choice
    link = chosen.link if chosen is not None else None
    if link is not None and link.state == "ok" and _same(go.path.parent, link.path / "bin"):
        return view.effective, link.goroot, "global", f"m3tui's global choice: {link.path}/bin is first on PATH"
    if path_install is not None and path_install.manager in SHIM_MANAGERS and not _inside(go.path, path_install.goroot):
        pin = view.pin.pinned
        picked = f"; {pin.kind} ({pin.path}) pins {pin.value}" if pin is not None and pin.version == view.effective else ""
        return view.effective, goroot, "shim", f"the {path_install.manager} shim {go.path} is first on PATH{picked}"
    where = str(go.path) if go.path == go.resolved else f"{go.path} -> {go.resolved}"
    return view.effective, goroot, "path", f"the first go on PATH: {where}"


def _global_notes(view: ProjectView, version: str | None, reason: Reason, runs_global: bool) -> list[Note]:
    chosen = view.global_choice
    if chosen is None:
        return []
    link = chosen.link
    if link.state == "dangling":
        named = link.target or "a version"
        again = f" (or install {_bare(link.target)} again: m3tui versions install {_bare(link.target)})" if link.target else ""
        return [Note("dangling", f"m3tui's global link {link.path} names {named}, which is not installed",
                     f"m3tui versions use VERSION{again}")]  # fmt: skip
    if link.state == "not-a-link":
        return [Note("not-a-link", f"{link.path} is not m3tui's link (a directory or file is in its place)",
                     "move it away, then m3tui versions use VERSION")]  # fmt: skip
    if link.state != "ok" or runs_global or link.version is None:
        return []
    wanted = link.version
    if reason in ("go.mod", "GOTOOLCHAIN"):
        return [Note("global-elsewhere", f"m3tui's global {wanted} does not run here: go switches to {version}")]
    if not chosen.on_path or view.go is None:
        return [Note("global-off-path", f"m3tui's global {wanted} does not run here: {link.path}/bin is not on PATH",
                     f"add to your shell's rc file: {chosen.rc_line}")]  # fmt: skip
    first = "a version manager's shim" if reason == "shim" else str(view.go.path)
    return [Note("global-elsewhere", f"m3tui's global {wanted} does not run here: {first} comes first on PATH",
                 f"put {link.path}/bin before it on PATH: {chosen.rc_line} at the end of your shell's rc file")]  # fmt: skip


def _pin_notes(view: ProjectView, installs: Sequence[InstalledGo], version: str | None, reason: Reason) -> list[Note]:
    pin = view.pin.pinned
    if pin is None or pin.version is None:
        return []
    try:
        spec = names.parse_spec(pin.value)
    except names.NotAGoVersion:
        return []
    have = names.pick(spec, [i.version for i in installs], include_unstable=True)
    if have is None:
        return [Note("pin-missing", f"{pin.kind} ({pin.path}) pins {pin.value}, which is not installed",
                     f"m3tui versions install {_bare(pin.value)}")]  # fmt: skip
    if version is None or reason in ("go.mod", "GOTOOLCHAIN") or _matches(spec, version):
        return []
    ours = any(i.manager == "m3tui" and i.version == have for i in installs)
    return [Note("pin-unread", f"{pin.kind} ({pin.path}) pins {pin.value}, but {version} runs here: nothing on PATH reads {pin.kind}",
                 f"m3tui versions use {_bare(have)} (for every shell), or a version manager that reads {pin.kind}" if ours else "")]  # fmt: skip


def resolve(view: ProjectView, installs: Sequence[InstalledGo] = ()) -> Current:
    """The one answer, from what go says (``view``) and the installations found (``installs``,
    whose ``current`` flag marks the one the go on PATH runs; may be empty, e.g. for a header)."""
    path_install = next((i for i in installs if i.current), None)
    version, goroot, reason, why = _runs(view, path_install)
    chosen = view.global_choice
    link = chosen.link if chosen is not None else None
    global_goroot = link.goroot if link is not None else None
    runs_global = goroot is not None and global_goroot is not None and _same(goroot, global_goroot)
    notes = _global_notes(view, version, reason, runs_global)
    if view.would_download and view.effective:
        bare = _bare(view.effective)
        notes.append(Note("would-download", f"go would download {view.effective} before it runs anything here",
                          f"m3tui versions install {bare} && m3tui versions use {bare}, or GOTOOLCHAIN=local"))  # fmt: skip
    notes += _pin_notes(view, installs, version, reason)
    return Current(
        cwd=view.cwd, version=version, goroot=goroot, reason=reason, why=why, would_download=view.would_download,
        global_version=link.version if link is not None else None, global_goroot=global_goroot,
        global_state=link.state if link is not None else "unknown", global_link=link.path if link is not None else None,
        notes=tuple(notes),
    )  # fmt: skip


async def which_go(cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Current:
    """What runs in ``cwd`` (default: here) with ``env`` (default: this process's), and why:
    go asked (three `go` runs with a timeout, GOPROXY=off) while the installations are listed
    (file reads only, in a thread). Never raises for a missing or broken go (the answer says it)."""
    from m3tui.versions import installed, project

    env = dict(os.environ if env is None else env)
    where = Path.cwd() if cwd is None else Path(cwd)
    view, found = await asyncio.gather(
        project.what_runs_here(where, env), asyncio.to_thread(installed.discover, env=env, cwd=where)
    )
    return resolve(view, found.installs)
