"""The fixes `m3tui doctor --fix` (and the Environment pane's `f`) apply, and `--undo` reverts.

A finding names what can be done about it (`model.Offer`); `fixes_for` turns an offer into
`Fix` objects, each one change: `describe()` is the exact change, shown before asking;
`apply()` makes it and returns the `Change` that says how to revert it, recorded at once in
the journal (`<state>/doctor-fixes.json`, 0600: it holds rc file texts and go env values).
`undo_last()` reverts the last run's changes, newest first, and refuses (one line naming the
file) before touching anything when a file changed since: nothing is changed that cannot be
put back exactly.

- ``go env -w``/``-u``: run with the go on PATH (GOTOOLCHAIN=local); reverted with ``-w`` of
  the value the go env file had, or ``-u`` when it had none (and the file removed again when
  the fix created it).
- An rc line appended (the hook's `source` line, or the bundled go's directory at the end of PATH),
  or the lines setting a variable commented out: the file is rewritten
  all or nothing (through symlinks, its mode kept), a copy of it before is kept next to it
  (``<rc>.bak``, or ``.bak.N`` when that exists); reverted by writing the recorded bytes back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from m3tui.core import runner, toolchain
from m3tui.core.config import state_root
from m3tui.core.errors import M3tuiError
from m3tui.core.files import atomic_write, private_dir, read_text_to_edit
from m3tui.doctor.checks_shell import RC_LIMIT, SHELLS, rc_files
from m3tui.doctor.checks_shell import _quote as quote
from m3tui.doctor.model import Finding, Offer

__all__ = [
    "JOURNAL", "Change", "Fix", "GoEnvChange", "GoEnvFix", "Journal", "RcChange", "RcEditFix", "fixes_for",
    "journal_path", "load_journal", "offered", "path_line", "recheck", "undo_last",
]  # fmt: skip

JOURNAL = "doctor-fixes.json"
SCHEMA = 1
GO_TIMEOUT = 20.0


def journal_path() -> Path:
    return state_root() / JOURNAL


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes | None:
    """An rc file's bytes (None: it does not exist); refused when it is not a text file m3tui may edit."""
    if not os.path.lexists(path):
        return None
    return read_text_to_edit(path, limit=RC_LIMIT, what="rc file")


# --- changes: what was done, and how to revert it ------------------------------------------------


class Change(Protocol):
    def blocker(self) -> str: ...  # why it cannot be undone exactly ("" when it can)

    async def undo(self) -> None: ...

    def to_json(self) -> dict[str, Any]: ...

    def said(self) -> str: ...  # one line for "undone: …"


@dataclass(frozen=True)
class RcChange:
    path: str  # the real file (symlinks resolved)
    before: bytes | None  # None: the file did not exist
    after_sha256: str
    backup: str  # the copy of `before` kept next to it ("" when there was no file)
    what: str

    def blocker(self) -> str:
        try:
            return self.blocker_for(_read(Path(self.path)))
        except M3tuiError as exc:
            return str(exc)

    def blocker_for(self, now: bytes | None) -> str:
        """Why it cannot be undone when the file holds ``now`` (a later change of it undone first)."""
        if now is None or _sha(now) != self.after_sha256:
            return f"{self.path} changed since m3tui doctor --fix edited it: not undone (nothing was changed)"
        return ""

    async def undo(self) -> None:
        path = Path(self.path)
        if self.before is None:
            path.unlink()
        else:
            atomic_write(path, self.before)
        backup = Path(self.backup) if self.backup else None
        if backup is not None and self.before is not None and _read(backup) == self.before:
            backup.unlink()  # the copy this fix made, unchanged: the directory is as it was

    def to_json(self) -> dict[str, Any]:
        before = None if self.before is None else _b64(self.before)
        return {"kind": "rc", "path": self.path, "before": before, "after_sha256": self.after_sha256,
                "backup": self.backup, "what": self.what}  # fmt: skip

    def said(self) -> str:
        return f"{self.path}: {self.what} reverted"


def go_env_file_values(path: Path, keys: Sequence[str]) -> dict[str, str | None]:
    """The values a go env file sets for ``keys`` (None: not set), as go reads it (the first KEY= line)."""
    text = (_read(path) or b"").decode("utf-8", "replace")
    values: dict[str, str | None] = dict.fromkeys(keys)
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name in values and values[name] is None:
            values[name] = value.rstrip(" \t\r")
    return values


@dataclass(frozen=True)
class GoEnvChange:
    go: str
    file: str  # go env GOENV
    created: bool  # the file did not exist before
    values: tuple[tuple[str, str | None, str | None], ...]  # (KEY, before, after)
    before: bytes = b""  # the file's bytes before and after the fix
    after: bytes = b""

    def blocker(self) -> str:
        now = go_env_file_values(Path(self.file), [k for k, _, _ in self.values])
        for key, _, after in self.values:
            if now[key] != after:
                return f"{key} in {self.file} changed since m3tui doctor --fix set it: not undone (nothing was changed)"
        return ""

    async def undo(self) -> None:
        path = Path(self.file)
        untouched = _read(path) == self.after  # nothing else was set since: the bytes can be exact
        unset = [k for k, before, _ in self.values if before is None]
        if unset:
            await _go_env(self.go, ["-u", *unset], self.file)
        for key, before, _ in self.values:
            if before is not None:
                await _go_env(self.go, ["-w", f"{key}={before}"], self.file)
        if self.created and path.is_file() and path.stat().st_size == 0:
            path.unlink()
        elif untouched and not self.created and _read(path) != self.before:
            atomic_write(path, self.before)  # the same values; go put the lines back in another order

    def to_json(self) -> dict[str, Any]:
        return {"kind": "go_env", "go": self.go, "file": self.file, "created": self.created,
                "values": [list(v) for v in self.values], "before": _b64(self.before), "after": _b64(self.after)}  # fmt: skip

    def said(self) -> str:
        return f"{self.file}: " + ", ".join(f"{k}={b}" if b is not None else f"{k} unset" for k, b, _ in self.values)


def change_from_json(data: Mapping[str, Any]) -> Change:
    if data.get("kind") == "rc":
        before = data["before"]
        return RcChange(str(data["path"]), None if before is None else base64.b64decode(before),
                        str(data["after_sha256"]), str(data["backup"]), str(data["what"]))  # fmt: skip
    if data.get("kind") == "go_env":
        values = tuple((str(k), b, a) for k, b, a in data["values"])
        before, after = base64.b64decode(data["before"]), base64.b64decode(data["after"])
        return GoEnvChange(str(data["go"]), str(data["file"]), bool(data["created"]), values, before, after)
    raise ValueError(f"unknown change {data.get('kind')!r}")


async def _go_env(go: str, args: Sequence[str], goenv: str | None = None) -> str:
    """`go env ARGS` (GOTOOLCHAIN=local; GOENV pinned to the file a change was made in); its stdout."""
    env: dict[str, str | None] = {**toolchain.LOCAL_TOOLCHAIN_ENV}
    if goenv is not None:
        env["GOENV"] = goenv
    what = shlex.join(["go", "env", *args])
    try:
        result = await toolchain.run_go([go, "env", *args], what, env=env, cwd=None, timeout=GO_TIMEOUT)
    except runner.RunnerError as exc:
        raise M3tuiError(f"`{what}`: {exc}") from None
    toolchain._check(result, what)
    return result.stdout_text.strip()


# --- fixes: a change not made yet ------------------------------------------------------------------


class Fix(Protocol):
    @property
    def finding_id(self) -> str: ...  # the finding it fixes

    def describe(self) -> str: ...  # the exact change, shown before asking

    async def apply(self) -> Change: ...

    def env_after(self, env: Mapping[str, str]) -> dict[str, str]: ...  # a new shell's env, for the re-check

    def as_data(self) -> dict[str, Any]: ...  # the fix as `doctor --json` offers it


@dataclass(frozen=True)
class GoEnvFix:
    finding_id: str
    go: str
    args: tuple[str, ...]  # ("-w", "K=V") or ("-u", "K", …)

    def describe(self) -> str:
        return shlex.join(["go", "env", *self.args])

    def keys(self) -> list[str]:
        return [a.partition("=")[0] for a in self.args[1:]]

    async def apply(self) -> Change:
        file = await _go_env(self.go, ["GOENV"])
        if not file or file == "off":
            raise M3tuiError(f"{self.describe()}: GOENV is {file or 'empty'}: go has no file to write")
        path = Path(file)
        created = not path.exists()
        keys = self.keys()
        before, before_bytes = go_env_file_values(path, keys), _read(path) or b""
        await _go_env(self.go, self.args, file)
        after = go_env_file_values(path, keys)
        values = tuple((k, before[k], after[k]) for k in keys)
        return GoEnvChange(self.go, file, created, values, before_bytes, _read(path) or b"")

    def env_after(self, env: Mapping[str, str]) -> dict[str, str]:
        return dict(env)

    def as_data(self) -> dict[str, Any]:
        return {"kind": "go_env", "change": self.describe(), "command": ["go", "env", *self.args], "file": None,
                "undoable": True, "undo": "m3tui doctor --undo: go env -w of the value before, or -u when there was none"}  # fmt: skip


@dataclass(frozen=True)
class RcEditFix:
    """An rc file edited: ``line`` appended, or the lines numbered ``comment`` commented out."""

    finding_id: str
    path: Path
    line: str = ""
    comment: tuple[int, ...] = ()  # 1-based line numbers
    unset: str = ""  # the variable those lines set
    path_append: str = ""  # the directory ``line`` appends to PATH (for the re-check's env)

    def _edit(self, before: bytes | None) -> bytes:
        text = before or b""
        if self.line:
            sep = b"\n" if text and not text.endswith(b"\n") else b""
            return text + sep + os.fsencode(self.line) + b"\n"
        lines = text.splitlines(keepends=True)
        for n in self.comment:
            lines[n - 1] = b"# " + lines[n - 1]
        return b"".join(lines)

    def describe(self) -> str:
        if self.line:
            exists = self.path.exists()
            return (f"add to {self.path}{'' if exists else ' (a new file)'}:\n  + {self.line}"
                    + (f"\n(the file as it was is kept as {_backup_name(self.path)})" if exists else ""))  # fmt: skip
        lines = (_read(self.path) or b"").splitlines()
        shown = "\n".join(f"  {n}: - {lines[n - 1].decode('utf-8', 'replace')}\n  {n}: + # {lines[n - 1].decode('utf-8', 'replace')}"
                          for n in self.comment)  # fmt: skip
        return f"comment out {self.unset} in {self.path}:\n{shown}\n(the file as it was is kept as {_backup_name(self.path)})"

    async def apply(self) -> Change:
        before = _read(self.path)
        if before is None and not self.line:
            raise M3tuiError(f"{self.path}: no longer exists; not changed")
        if not self.path.parent.is_dir():
            raise M3tuiError(f"{self.path}: its directory {self.path.parent} does not exist; not created")
        after = self._edit(before)
        backup = ""
        if before is not None:
            backup = str(_backup_name(self.path))
            atomic_write(backup, before, mode=0o600)
        real = atomic_write(self.path, after)
        what = f"line {self.line!r} added" if self.line else f"{self.unset} lines {', '.join(map(str, self.comment))} commented out"
        return RcChange(str(real), before, _sha(after), backup, what)

    def env_after(self, env: Mapping[str, str]) -> dict[str, str]:
        after = {k: v for k, v in env.items() if k != self.unset}
        if self.path_append:
            after["PATH"] = os.pathsep.join(filter(None, [after.get("PATH", ""), self.path_append]))
        return after

    def as_data(self) -> dict[str, Any]:
        exists = os.path.lexists(self.path)
        return {"kind": "rc_append" if self.line else "rc_comment", "change": self.describe(), "file": str(self.path),
                "line": self.line or None, "comment_lines": list(self.comment), "backup": str(_backup_name(self.path)) if exists else None,
                "undoable": True, "undo": "m3tui doctor --undo writes the file's bytes back (or removes a file it created)"}  # fmt: skip


def path_line(shell: str, directory: str) -> str:
    """The rc line that appends ``directory`` to PATH (last: a go the user installs or m3tui switches to comes first)."""
    quoted = quote(directory, shell)
    if shell == "fish":
        return f"set -gx PATH $PATH {quoted}  # m3tui: the bundled go"
    return f'export PATH="${{PATH}}:{quoted[1:-1]}"  # m3tui: the bundled go'


def _backup_name(path: Path) -> Path:
    """``<rc>.bak``, or the first free ``<rc>.bak.N``: a backup the user has is never overwritten."""
    candidate, n = path.with_name(path.name + ".bak"), 0
    while os.path.lexists(candidate):
        n += 1
        candidate = path.with_name(f"{path.name}.bak.{n}")
    return candidate


def _setting_lines(text: bytes, var: str) -> tuple[int, ...]:
    """1-based numbers of the uncommented lines that set ``var`` (sh: [export ]VAR=…; fish: set [-flags] VAR …)."""
    name = re.escape(var.encode())
    sh = re.compile(rb"^\s*(?:export\s+)?" + name + rb"=")
    fish = re.compile(rb"^\s*set\s+(?:-[a-zA-Z-]+\s+)*" + name + rb"(?:\s|$)")
    return tuple(n for n, line in enumerate(text.splitlines(), 1) if sh.match(line) or fish.match(line))


def _startup_files(env: Mapping[str, str]) -> list[Path]:
    """$SHELL's rc files (checks_shell.rc_files) and its login files, where a GOROOT may be set."""
    shell = Path(env.get("SHELL", "")).name
    home = Path(env.get("HOME") or Path.home())
    files = rc_files(shell, env) if shell in SHELLS else []
    extra = {"zsh": [".zshenv", ".zprofile"], "bash": [".bash_profile", ".bash_login", ".profile"]}.get(shell, [])
    zdot = Path(env.get("ZDOTDIR") or home) if shell == "zsh" else home
    return list(dict.fromkeys([*files, *(zdot / n for n in extra)]))


def fixes_for(finding: Finding, env: Mapping[str, str]) -> list[Fix]:
    """The fixes ``finding`` offers, made concrete for ``env`` (its PATH's go, its $SHELL's rc files)."""
    fixes: list[Fix] = []
    for offer in finding.offers:
        fixes.extend(_fixes(finding.id, offer, env))
    return fixes


def offered(findings: Sequence[Finding], env: Mapping[str, str]) -> list[tuple[Finding, Fix]]:
    """Every problem's fixes, each change once (the hook line is offered by go.shell_hook and go.tools.* alike)."""
    seen: set[object] = set()
    pairs: list[tuple[Finding, Fix]] = []
    for finding in findings:
        if not finding.is_problem:
            continue
        for fix in fixes_for(finding, env):
            key = replace(fix, finding_id="")  # type: ignore[type-var]  # every Fix is a frozen dataclass
            if key not in seen:
                seen.add(key)
                pairs.append((finding, fix))
    return pairs


def _fixes(fid: str, offer: Offer, env: Mapping[str, str]) -> list[Fix]:
    if offer.kind in ("go_env_w", "go_env_u"):
        go = runner.which("go", path=env.get("PATH", ""))
        if go is None:
            return []
        args = ("-w", f"{offer.args[0]}={offer.args[1]}") if offer.kind == "go_env_w" else ("-u", *offer.args)
        return [GoEnvFix(fid, go, args)]
    if offer.kind == "rc_line":
        return [RcEditFix(fid, Path(offer.args[0]), line=offer.args[1])]
    if offer.kind == "path_append":
        shell = Path(env.get("SHELL", "")).name
        if shell not in SHELLS:
            return []  # no rc file m3tui knows to put it in: the finding's fix text says what to do
        return [RcEditFix(fid, rc_files(shell, env)[0], line=path_line(shell, offer.args[0]), path_append=offer.args[0])]
    fixes: list[Fix] = []
    for path in _startup_files(env):
        try:
            text = _read(path)
        except M3tuiError:
            continue  # not a file m3tui may edit
        if text and (lines := _setting_lines(text, offer.args[0])):
            fixes.append(RcEditFix(fid, path, comment=lines, unset=offer.args[0]))
    return fixes


# --- the journal ---------------------------------------------------------------------------------


class Journal:
    """The changes of one `--fix` run, written after each one (a run stopped half-way is undone too).

    Nothing is written until the first change: a run that changes nothing leaves the last one's."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or journal_path()
        self.changes: list[Change] = []

    def record(self, change: Change) -> None:
        self.changes.append(change)
        _write(self.path, self.changes)


def _write(path: Path, changes: Sequence[Change]) -> None:
    private_dir(path.parent)
    document = {"schema": SCHEMA, "changes": [c.to_json() for c in changes]}
    atomic_write(path, json.dumps(document, indent=1) + "\n", mode=0o600)
    os.chmod(path, 0o600)


def load_journal(path: Path | None = None) -> list[Change]:
    path = path or journal_path()
    if not path.exists():
        return []
    try:
        document = json.loads(path.read_bytes())
        return [change_from_json(c) for c in document["changes"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise M3tuiError(f"cannot read {path}: {exc}") from None


async def undo_last(path: Path | None = None) -> list[Change]:
    """Revert the last run's changes, newest first; refused before any change when one cannot be undone exactly."""
    path = path or journal_path()
    changes = load_journal(path)
    files: dict[str, bytes | None] = {}  # an rc file as it will be when the later changes are undone
    for change in reversed(changes):
        if isinstance(change, RcChange) and change.path in files:
            reason = change.blocker_for(files[change.path])
        else:
            reason = change.blocker()
        if reason:
            raise M3tuiError(reason)
        if isinstance(change, RcChange):
            files[change.path] = change.before
    done: list[Change] = []
    left = list(changes)
    while left:
        change = left[-1]
        await change.undo()
        done.append(left.pop())
        if left:
            _write(path, left)  # stopped half-way (go failed): what is left stays undoable
    path.unlink(missing_ok=True)
    return done



# --- the checks a fix affects, run again ------------------------------------------------------

#: Finding id (prefix) -> the check that makes it.
_CHECK_OF = {"go.path": "check_go_path", "go.env.": "check_go_env", "go.goroot": "check_goroot", "go.shell_hook": "check_shell_hook",
             "go.tools.": "check_tools", "system.homebrew": "check_homebrew",
             "network.mirrors": "check_mirrors"}  # fmt: skip


async def recheck(ids: Sequence[str], env: Mapping[str, str], *, offline: bool = False) -> list[Finding]:
    """The findings ``ids`` anew, from their checks alone, in ``env``."""
    from m3tui.doctor import run

    names = {name for prefix, name in _CHECK_OF.items() if any(i.startswith(prefix) for i in ids)}
    checks = [(g, c) for g, c in run.ALL_CHECKS if c.__name__ in names] or run.ALL_CHECKS
    ctx = run.DoctorContext(env=dict(env), offline=offline)
    return [f for f in await run.run_doctor(ctx, checks=checks) if f.id in ids]
