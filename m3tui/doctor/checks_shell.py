"""Is m3tui's shell hook active in the user's login shell (like mise doctor's "activated")?

The hook lives in m3tui's env file (`<state>/env.sh` for zsh and bash, `env.fish` for fish,
written by `m3tui versions use`); a shell runs it when its rc file sources that file. The check
reads the rc files of $SHELL (zsh: $ZDOTDIR/.zshrc, else ~/.zshrc; bash: ~/.bashrc and
~/.bash_profile; fish: $XDG_CONFIG_HOME/fish/config.fish, else ~/.config/fish/config.fish) for
an uncommented line naming the env file, the test `m3tui versions env --add-to-rc` uses, and
says the exact line to add when there is none. The env file exports no variable of its own;
what the doctor's own process shows is whether <store>/current/bin is on its PATH.

Files only (the doctor layer may not import versions): the paths and the quoting here are
switch.env_file's and switch.rc_line's (tests/unit/test_shell_check.py holds them equal).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from m3tui.core.config import state_root
from m3tui.core.errors import M3tuiError
from m3tui.core.files import open_input
from m3tui.doctor.model import Check, DoctorContext, Finding, Group, Status

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


def rc_files(shell: str, env: Mapping[str, str]) -> list[Path]:
    """The startup files of an interactive ``shell``, the first being where the line goes."""
    home = Path(env.get("HOME") or Path.home())
    if shell == "zsh":
        return [Path(env.get("ZDOTDIR") or home) / ".zshrc"]
    if shell == "bash":
        return [home / ".bashrc", home / ".bash_profile"]
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


def hook_finding(env: Mapping[str, str]) -> Finding:
    """The finding for ``env`` (its $SHELL, $HOME, $ZDOTDIR, $XDG_CONFIG_HOME and $PATH)."""
    shell = Path(env.get("SHELL", "")).name
    if shell not in SHELLS:
        what = f"$SHELL is {shell}" if shell else "$SHELL is not set"
        return Finding(ID, Group.GO, Status.SKIPPED, f"shell hook not checked: {what} (m3tui knows zsh, bash and fish)")
    target, line = env_file(shell), rc_line(shell)
    files = rc_files(shell, env)
    on_path = _on_path(env)
    data = {"shell": shell, "env_file": str(target), "rc_files": [str(p) for p in files], "rc_line": line,
            "this_process_path": on_path}  # fmt: skip
    found = [p for p in files if (text := _read(p)) is not None and sources(text, target, line)]
    if found:
        data["sourced_in"] = str(found[0])
        if not target.exists():
            summary = f"{found[0]} sources {target}, which does not exist"
            fix = "m3tui versions use <version> (writes the env file)"
            return Finding(ID, Group.GO, Status.WARN, summary, "", fix, data)
        detail = "" if on_path else "This process's PATH does not have m3tui's Go: open a new shell."
        return Finding(ID, Group.GO, Status.OK, f"m3tui's shell hook is active in {shell} ({found[0]})", detail, "", data)
    summary = f"m3tui's shell hook is not active in {shell}: {' nor '.join(str(p) for p in files)} does not source {target.name}"
    detail = ("Without it, cd does not switch to the Go a directory pins (.go-version, .tool-versions, mise.toml).\n"
              f"Add the line to {files[0]} (or run m3tui versions env --shell {shell} --add-to-rc), then open a new shell.")  # fmt: skip
    if not target.exists():
        detail += "\nThe env file does not exist yet: m3tui versions use <version> writes it."
    return Finding(ID, Group.GO, Status.WARN, summary, detail, line, data)


async def check_shell_hook(ctx: DoctorContext) -> list[Finding]:
    return [hook_finding(ctx.env)]


SHELL_CHECKS: list[Check] = [check_shell_hook]
