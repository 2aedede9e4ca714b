"""`m3tui versions exec [VERSION] -- CMD…`: one command run with a Go of m3tui's store first on
PATH, like `mise x`: the way for make, IDEs, CI and scripts, which never run the prompt hook.

The version: VERSION when given (1.22.10, or a line 1.22 = its newest installed patch), else
what the directory pins (`pins.resolve_pin`: $M3TUI_GO_VERSION, the nearest pin file, then
m3tui's global choice). The command's environment is m3tui's, with that version's `bin` first
on PATH (then its `gobin`, where default-go-packages go), GOROOT set to its root and M3TUI_GO_VERSION set to it (so a shell started this way,
with the directory hook, and a nested `m3tui versions current` keep the same Go); GOTOOLCHAIN
is left as it is (go.mod's toolchain line still decides what `go` finally runs).

Why os.execve and not core/runner.py: the rule that every subprocess goes through the one
async runner is about m3tui's own children, which m3tui waits for, logs and kills. Here m3tui
is done once the command is found: it *becomes* the command (the process is replaced), so
there is no child to babysit and none to orphan, stdin/stdout/stderr (the terminal) are the
command's as they were m3tui's, and the exit status a caller sees is the command's own, a
signal included (a shell shows 128+N). Python's fds are not inheritable (PEP 446), so nothing
m3tui opened leaks; SIGPIPE and SIGXFSZ, which Python ignores, are set back to the default as
subprocess does, or the command would inherit them ignored.

Failures before the exec are one line: a version not installed names the install command
(exit 2); a command not found on that PATH exits 127 and one that cannot be executed 126,
as a shell does, so `m3tui versions exec -- CMD` can stand in for CMD in a script.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, NoReturn

from m3tui.core.errors import M3tuiError, UsageError, strerror
from m3tui.versions import names
from m3tui.versions.pins import ENV_VAR, PIN_FILES, Pin, resolve_pin, store_versions

EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127


class CommandNotFound(M3tuiError):
    """The command is on no PATH directory (a shell's 127)."""

    exit_code: ClassVar[int] = EXIT_NOT_FOUND
    code: ClassVar[str] = "command_not_found"


class CommandNotExecutable(M3tuiError):
    """The command exists but cannot be executed (a shell's 126)."""

    exit_code: ClassVar[int] = EXIT_NOT_EXECUTABLE
    code: ClassVar[str] = "command_not_executable"


@dataclass(frozen=True)
class Chosen:
    """The store's install a command runs with, and why it is that one."""

    version: str  # "go1.22.10"
    goroot: Path
    why: str  # "1.22.10 given", "pinned in /p/.go-version", "m3tui's global choice"
    warnings: tuple[str, ...] = ()


def looked_for() -> str:
    """The places a pin is looked for, as said in a usage line."""
    return f"${ENV_VAR}, then {', '.join(PIN_FILES)} in this directory or above"


def _install_hint(value: str) -> str:
    """The install command for a value already parsed as a version (safe to show as it is)."""
    return f"m3tui versions install {value.strip().removeprefix('prefix:').removeprefix('go')}"


def choose(version: str | None, cwd: Path, env: Mapping[str, str], store_dir: Path) -> Chosen:
    """The install of ``store_dir`` that ``version`` names (None: what ``cwd`` pins, else the
    global choice). UsageError (exit 2, one line) when it is not a version, nothing is chosen,
    or it is not installed (the line names the install command)."""
    if version is not None:
        spec = names.parse_spec(version)  # NotAGoVersion: a UsageError
        if spec.latest:
            raise UsageError(f"name a version to run with (e.g. 1.22.10 or 1.22), not {names.shown(version)}")
        selected = names.pick(spec, store_versions(store_dir))
        if selected is None:
            raise UsageError(f"go {version.strip().removeprefix('go')} is not installed in m3tui's store: {_install_hint(version)}")
        return Chosen(selected, store_dir / selected, f"{names.shown(version)} given")
    pin = resolve_pin(cwd, env, store_dir)
    return _from_pin(pin, cwd, store_dir)


def _from_pin(pin: Pin, cwd: Path, store_dir: Path) -> Chosen:
    if pin.kind == "none":
        raise UsageError(f"no Go pinned in {cwd} ({looked_for()}) and no global choice: "
                         "name one (m3tui versions exec VERSION -- CMD) or set one (m3tui versions use VERSION)")  # fmt: skip
    if pin.installed is None:
        if pin.kind == "global":
            raise UsageError(f"m3tui's global choice {names.shown(pin.value)} is not installed: "
                             f"{_install_hint(pin.value)} or m3tui versions use VERSION")  # fmt: skip
        raise UsageError(f"go {pin.value.strip().removeprefix('go')} is pinned here ({pin.where}) but not installed: "
                         f"{_install_hint(pin.value)}")  # fmt: skip
    why = "m3tui's global choice" if pin.kind == "global" else f"pinned in {pin.where}"
    return Chosen(pin.installed, store_dir / pin.installed, why, pin.warnings)


def command_env(chosen: Chosen, env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the version's bin then gobin first on PATH (once each, as the hook puts them),
    GOROOT and $M3TUI_GO_VERSION set to it."""
    first = [str(chosen.goroot / "bin"), str(chosen.goroot / "gobin")]
    rest = [p for p in env.get("PATH", os.defpath).split(os.pathsep) if p and p not in first]
    out = dict(env)
    out["PATH"] = os.pathsep.join([*first, *rest])
    out["GOROOT"] = str(chosen.goroot)
    out[ENV_VAR] = chosen.version.removeprefix("go")
    return out


def find_command(name: str, env: Mapping[str, str]) -> str:
    """The file ``name`` runs, searched on ``env``'s PATH as a shell does (a name with a slash as is).

    CommandNotFound (127) or CommandNotExecutable (126), one line each."""
    if not name:
        raise UsageError("the command after -- is empty")
    if os.sep in name:
        if not os.path.exists(name):
            raise CommandNotFound(f"{name}: no such file")
        if os.path.isdir(name) or not os.access(name, os.X_OK):
            raise CommandNotExecutable(f"{name}: not an executable file")
        return name
    found = shutil.which(name, path=env.get("PATH", os.defpath))
    if found is None:
        first = env.get("PATH", "").split(os.pathsep)[0]
        raise CommandNotFound(f"{names.shown(name)}: command not found (PATH searched with {first} first)")
    return found


def exec_command(argv: Sequence[str], env: Mapping[str, str]) -> NoReturn:
    """Replace this process with ``argv`` (its first word already found: `find_command`).

    Python's own buffers are flushed first; ignored signals that Python set are restored."""
    path = find_command(argv[0], env)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    try:
        os.execve(path, list(argv), dict(env))
    except OSError as exc:  # ENOEXEC (no #! line, wrong arch), EACCES, ETXTBSY, E2BIG …
        raise CommandNotExecutable(f"cannot run {path}: {strerror(exc)}") from None
