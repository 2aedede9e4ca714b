"""Is m3tui's shell hook active in the user's login shell (like mise doctor's "activated")?

The hook lives in m3tui's env file (`<state>/env.sh` for zsh and bash, `env.fish` for fish,
written by `m3tui versions use`); a shell runs it when its rc file sources that file. The check
reads the rc files of $SHELL (zsh: $ZDOTDIR/.zshrc, else ~/.zshrc; bash: ~/.bashrc and
~/.bash_profile, on macOS the login file that bash reads first; fish: $XDG_CONFIG_HOME/fish/config.fish, else ~/.config/fish/config.fish) for
an uncommented line naming the env file, the test `m3tui versions env --add-to-rc` uses, and
says the exact line to add when there is none. The env file exports no variable of its own;
what the doctor's own process shows is whether <store>/current/bin is on its PATH.

Files only (the doctor layer may not import versions): the paths and the quoting here are
switch.env_file's and switch.rc_line's (tests/unit/test_shell_check.py holds them equal).

"The pinned Go is what runs here": the pin of the doctor's directory (core/pins.py, the order
the hook and `versions current` use), then what really runs (doctor/runs.py: the go on PATH,
go.mod's go/toolchain lines, GOTOOLCHAIN); a pin that is not installed, or not what runs, is a
warning whose fix says which step to change.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from m3tui.core.config import state_root
from m3tui.core.darwin import bash_rc_path
from m3tui.core.errors import M3tuiError
from m3tui.core.files import open_input
from m3tui.core.layout import legacy_env_stub
from m3tui.core.pins import Pin, resolve_pin
from m3tui.doctor.checks_go import local_version
from m3tui.doctor.model import Check, DoctorContext, Finding, Group, Offer, Status
from m3tui.doctor.runs import Runs, what_runs

SHELLS = ("zsh", "bash", "fish")
#: An rc file is a few KB; reading stops after this much.
RC_LIMIT = 4 * 1024 * 1024
ID = "go.shell_hook"


def env_file(shell: str) -> Path:
    """The env file ``shell`` sources (switch.env_file)."""
    return state_root() / ("env.fish" if shell == "fish" else "env.sh")


def _quote(text: str, shell: str) -> str:
    """A double-quoted word: \\ " $ (and ` outside fish) escaped, as switch.rc_line writes it."""
    for char in ("\\", '"', "$") if shell == "fish" else ("\\", '"', "$", "`"):
        text = text.replace(char, "\\" + char)
    return f'"{text}"'


def rc_line(shell: str) -> str:
    """The line that sources the env file (`m3tui versions env --add-to-rc` adds it)."""
    return f"source {_quote(str(env_file(shell)), shell)}"


def rc_files(shell: str, env: Mapping[str, str], platform: str = sys.platform) -> list[Path]:
    """The startup files of an interactive ``shell``, the first being where the line goes (bash on
    macOS: its login file, as `--add-to-rc` picks it: core.darwin.bash_rc_path)."""
    home = Path(env.get("HOME") or Path.home())
    if shell == "zsh":
        return [Path(env.get("ZDOTDIR") or home) / ".zshrc"]
    if shell == "bash":
        first = bash_rc_path(home, platform)
        return [first, *(p for p in (home / ".bashrc", home / ".bash_profile") if p != first)]
    return [Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "fish" / "config.fish"]


def _read(path: Path) -> bytes | None:
    """The rc file's first `RC_LIMIT` bytes; None when it is missing or not a readable regular file."""
    try:
        with open_input(path) as f:
            return f.read(RC_LIMIT)
    except (M3tuiError, OSError):  # a missing, unreadable or odd rc file sources nothing
        return None


def sources(text: bytes, env_path: Path, line: str) -> bool:
    """Does an rc text have our line, or another uncommented line naming the env file?"""
    path, ours = os.fsencode(env_path), os.fsencode(line)
    for existing in text.splitlines():
        stripped = existing.strip()
        if stripped == ours or (not stripped.startswith(b"#") and path in stripped):
            return True
    return False


def _on_path(env: Mapping[str, str]) -> bool:
    wanted = os.path.normpath(state_root() / "go" / "current" / "bin")
    return any(e and os.path.normpath(e) == wanted for e in env.get("PATH", "").split(os.pathsep))


def hook_finding(env: Mapping[str, str], platform: str = sys.platform) -> Finding:
    """The finding for ``env`` (its $SHELL, $HOME, $ZDOTDIR, $XDG_CONFIG_HOME and $PATH) on ``platform``."""
    shell = Path(env.get("SHELL", "")).name
    if shell not in SHELLS:
        what = f"$SHELL is {shell}" if shell else "$SHELL is not set"
        return Finding(ID, Group.GO, Status.SKIPPED, f"shell hook not checked: {what} (m3tui knows zsh, bash and fish)")
    target, line = env_file(shell), rc_line(shell)
    files = rc_files(shell, env, platform)
    on_path = _on_path(env)
    data = {"shell": shell, "env_file": str(target), "rc_files": [str(p) for p in files], "rc_line": line,
            "this_process_path": on_path}  # fmt: skip
    stub = legacy_env_stub(target.name)  # an older layout's path, sourcing this one
    stub_line = f"source {_quote(str(stub), shell)}" if stub is not None else ""

    def names_env(text: bytes) -> bool:
        return sources(text, target, line) or (stub is not None and sources(text, stub, stub_line))

    found = [p for p in files if (text := _read(p)) is not None and names_env(text)]
    if found:
        data["sourced_in"] = str(found[0])
        if not target.exists():
            summary = f"{found[0]} sources {target}, which does not exist"
            fix = "m3tui versions use <version> (writes the env file)"
            return Finding(ID, Group.GO, Status.WARN, summary, "", fix, data)
        detail = "" if on_path else "This process's PATH does not have m3tui's Go: open a new shell."
        return Finding(ID, Group.GO, Status.OK, f"m3tui's shell hook is active in {shell} ({found[0]})", detail, "", data)
    named = f"neither {' nor '.join(str(p) for p in files)} sources" if len(files) > 1 else f"{files[0]} does not source"
    summary = f"m3tui's shell hook is not active in {shell}: {named} {target.name}"
    detail = ("Without it, cd does not switch to the Go a directory pins (.go-version, .tool-versions, mise.toml).\n"
              f"Add the line to {files[0]} (or run m3tui versions env --shell {shell} --add-to-rc), then open a new shell.")  # fmt: skip
    if not target.exists():
        detail += "\nThe env file does not exist yet: m3tui versions use <version> writes it."
    return Finding(ID, Group.GO, Status.WARN, summary, detail, line, data, offers=(Offer("rc_line", (str(files[0]), line)),))


def missing_tool(fid: str, tool: str, package: str, goroot: str | None, env: Mapping[str, str]) -> Finding:
    """checks_go's gopls/dlv not found on PATH: in the running Go's ``<GOROOT>/gobin`` (where m3tui's
    default-go-packages go, versions/defaultpkgs.py), a warning whose fix is the rc line; else not installed."""
    kept = Path(goroot) / "gobin" / tool if goroot else None
    if kept is None or not (kept.is_file() and os.access(kept, os.X_OK)):
        return Finding(fid, Group.GO, Status.SKIPPED, f"{tool} not installed", "", f"go install {package}")
    shell = os.path.basename(env.get("SHELL", ""))
    summary = f"{tool} is in {kept.parent} (m3tui's default packages), which is not on PATH"
    detail = "m3tui's env file puts it on PATH right after the version's bin: editors and shells find it then."
    offers = (Offer("rc_line", (str(rc_files(shell, env)[0]), rc_line(shell))),) if shell in SHELLS else ()
    return Finding(fid, Group.GO, Status.WARN, summary, detail, rc_line(shell if shell in SHELLS else "bash"), {"path": str(kept)}, offers=offers)


async def check_shell_hook(ctx: DoctorContext) -> list[Finding]:
    return [hook_finding(ctx.env)]


PIN_ID = "go.pinned"


def pin_finding(pin: Pin, runs: Runs | None, env: Mapping[str, str]) -> Finding:
    """The finding for a directory's ``pin`` and what runs there (None: not asked, the pin is not installed)."""
    data: dict[str, object] = {"pin": pin.to_json(), "runs": runs.to_json() if runs else None}
    warned = "\n".join(pin.warnings)
    if not pin.pinned:
        status = Status.WARN if pin.warnings else Status.OK
        return Finding(PIN_ID, Group.GO, status, "no Go version is pinned here" + (" (a pin file was skipped)" if warned else ""), warned, "", data)
    shown = pin.value.removeprefix("prefix:").removeprefix("go")
    where = pin.where
    if pin.installed is None:
        summary = f"go {shown} is pinned here ({where}) but m3tui has not installed it"
        detail = "The shell hook leaves PATH alone in this directory: another Go runs." + (f"\n{warned}" if warned else "")
        return Finding(PIN_ID, Group.GO, Status.WARN, summary, detail, f"m3tui versions install {shown}", data)
    assert runs is not None
    if runs.matches:
        return Finding(PIN_ID, Group.GO, Status.WARN if warned else Status.OK, f"the pinned Go is what runs here: {runs.line()}", warned, "", data)
    summary = f"the pinned Go is not what runs here: {runs.line()}"
    if runs.asks is not None:
        detail = (f"{runs.asks_why} makes go switch to {runs.asks}, newer than the pin: Go 1.21+ runs at least what go.mod\n"
                  f"(or go.work) asks for, with GOTOOLCHAIN={runs.gotoolchain} ({runs.gotoolchain_source}).")  # fmt: skip
        fix = (f"pin {runs.asks} here (m3tui versions use {runs.asks.removeprefix('go')} --here), or lower go.mod's go/toolchain line;\n"
               "GOTOOLCHAIN=local makes go run the pinned one (and refuse a module that needs a newer Go)")  # fmt: skip
    else:
        shell = Path(env.get("SHELL", "")).name
        detail = "The go on PATH is not the pinned one: the shell hook did not put it first (not sourced, or no prompt since cd)."
        fix = (f"{rc_line(shell if shell in SHELLS else 'bash')} in your rc file, then open a new shell;\n"
               "in scripts, make and IDEs: m3tui versions exec -- CMD")  # fmt: skip
    return Finding(PIN_ID, Group.GO, Status.WARN, summary, detail + (f"\n{warned}" if warned else ""), fix, data)


async def check_pinned_go(ctx: DoctorContext) -> list[Finding]:
    pin = resolve_pin(ctx.cwd, ctx.env, state_root() / "go")  # store.store_dir()
    if not pin.pinned or pin.installed is None:
        return [pin_finding(pin, None, ctx.env)]
    said = await local_version(ctx)  # only used when the go on PATH has no VERSION file
    return [pin_finding(pin, what_runs(ctx.cwd, ctx.env, pin, go_said=said.version if said else None), ctx.env)]


SHELL_CHECKS: list[Check] = [check_shell_hook, check_pinned_go]
