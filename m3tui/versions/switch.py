"""Switching the Go that shells run: the `current` link, the env files, and the rc line.

`use` points ``<store>/current`` at a version with one atomic rename: a new symlink is made
under a temporary name in the store and ``os.replace``d over ``current``. A shell that has
``<store>/current/bin`` on PATH therefore runs the new Go from its next command on, and a
reader never sees ``current`` missing, even mid-switch.

The shells learn that directory from env files under the state root, which ``use``
(re)writes: ``env.sh`` (zsh, bash) and ``env.fish``. They put it first on PATH, guarded so
sourcing twice adds it once, and export GOROOT only when asked (go finds its own root, and
a stale GOROOT is a classic source of trouble). m3tui never edits an rc file by itself:
`rc_line` gives the line to add, and `install_rc` adds it only when called explicitly.

No Textual here; nothing runs a subprocess.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from m3tui.versions import names, store
from m3tui.core.config import state_root
from m3tui.core.toolchain import go_on_path
from m3tui.core.errors import M3tuiError, UsageError

SHELLS: tuple[str, ...] = ("zsh", "bash", "fish")
ENV_SH = "env.sh"
ENV_FISH = "env.fish"
# The temporary link's name; not store.TMP_PREFIX, whose entries are unpack directories.
_LINK_TMP_PREFIX = ".current-new-"
_RC_COMMENT = "# m3tui: Go from m3tui's store first on PATH (remove this line to stop)"


class SwitchError(M3tuiError):
    """A switch that cannot happen, in one line for the user."""


class UnknownShell(UsageError, ValueError):
    """A shell m3tui writes no env file for (it knows zsh, bash and fish)."""


@dataclass(frozen=True)
class SwitchResult:
    version: str  # "go1.22.10", now current
    previous: str | None  # what current pointed at before (None: nothing, or a broken link)
    link: Path  # <store>/current
    env_files: tuple[Path, ...]  # env.sh, env.fish
    rc_lines: Mapping[str, str]  # shell -> the line for its rc file
    on_path: bool  # <store>/current/bin is on the PATH that was given
    # The go that PATH finds first, when it is not m3tui's (another go shadows the switch).
    shadowed_by: Path | None = None
    env_changed: tuple[Path, ...] = field(default=())  # env files whose content changed


# --- paths ------------------------------------------------------------------------------


def bin_dir() -> Path:
    """The one directory shells need on PATH: <store>/current/bin."""
    return store.current_link() / "bin"


def _check_shell(shell: str) -> str:
    if shell not in SHELLS:
        raise UnknownShell(f"unknown shell {shell!r} (expected one of: {', '.join(SHELLS)})")
    return shell


def env_file(shell: str) -> Path:
    """The env file a shell sources: env.sh for zsh and bash, env.fish for fish."""
    return state_root() / (ENV_FISH if _check_shell(shell) == "fish" else ENV_SH)


def env_files() -> tuple[Path, ...]:
    return (state_root() / ENV_SH, state_root() / ENV_FISH)


def default_rc_path(shell: str, env: Mapping[str, str] | None = None) -> Path:
    """Where a shell's interactive startup file usually is (for the UI to suggest)."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    if _check_shell(shell) == "zsh":
        return Path(env.get("ZDOTDIR") or home) / ".zshrc"
    if shell == "bash":
        return home / ".bashrc"
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "fish" / "config.fish"


def detect_shell(env: Mapping[str, str] | None = None) -> str | None:
    """The user's login shell from $SHELL, if it is one m3tui writes an env file for."""
    env = os.environ if env is None else env
    name = Path(env.get("SHELL", "")).name
    return name if name in SHELLS else None


def on_path(path_env: str | None = None) -> bool:
    """Is <store>/current/bin an entry of PATH (default: this process's PATH)?"""
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    wanted = os.path.normpath(bin_dir())
    return any(entry and os.path.normpath(entry) == wanted for entry in path_env.split(os.pathsep))


def _shadowing_go(path_env: str | None) -> Path | None:
    """The first go on PATH, when it is not the one under <store>/current/bin."""
    gos = go_on_path(path_env)
    if not gos:
        return None
    first = gos[0].path
    return None if os.path.normpath(first.parent) == os.path.normpath(bin_dir()) else first


# --- quoting ----------------------------------------------------------------------------


def _sh_quote(text: str) -> str:
    """A double-quoted word for sh/bash/zsh: only \\ " $ ` are special inside."""
    for char in ("\\", '"', "$", "`"):
        text = text.replace(char, "\\" + char)
    return f'"{text}"'


def _fish_quote(text: str) -> str:
    """A double-quoted word for fish: only \\ " $ are special inside."""
    for char in ("\\", '"', "$"):
        text = text.replace(char, "\\" + char)
    return f'"{text}"'


# --- env files --------------------------------------------------------------------------


def _goroot_exported() -> bool:
    """Does the env.sh on disk export GOROOT (so a later `use` keeps the user's choice)?"""
    try:
        return any(line.startswith("export GOROOT=") for line in (state_root() / ENV_SH).read_text().splitlines())
    except OSError:
        return False


def env_text(shell: str, *, export_goroot: bool | None = None) -> str:
    """What the env file for ``shell`` contains (`m3tui versions env --shell …` prints this).

    export_goroot=None keeps what the env files on disk do (no GOROOT if there are none).
    """
    _check_shell(shell)
    if export_goroot is None:
        export_goroot = _goroot_exported()
    directory = str(bin_dir())
    goroot = str(store.current_link())
    header = "# Written by m3tui (`m3tui versions use` rewrites it): Go from m3tui's store first on PATH.\n"
    if shell == "fish":
        text = header + (
            f"if not contains -- {_fish_quote(directory)} $PATH\n"
            f"    set -gx PATH {_fish_quote(directory)} $PATH\n"
            "end\n"
        )
        if export_goroot:
            text += f"set -gx GOROOT {_fish_quote(goroot)}\n"
        return text
    quoted_entry = _sh_quote(f":{directory}:")
    text = header + (
        f'case ":${{PATH}}:" in\n'
        f"    *{quoted_entry}*) ;;\n"
        f'    *) export PATH={_sh_quote(directory)[:-1]}:${{PATH}}" ;;\n'
        "esac\n"
    )
    if export_goroot:
        text += f"export GOROOT={_sh_quote(goroot)}\n"
    return text


def write_atomic(path: Path, data: bytes, *, fsync: bool = False, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` in one rename: readers see the old file or the new one.

    A symlinked path (a dotfiles repo's ~/.zshrc) is written through: the link stays.
    """
    target = Path(os.path.realpath(path))
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    tmp = target.with_name(f".{target.name}.m3tui-{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)  # the umask may have narrowed it
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_env_files(*, export_goroot: bool | None = None) -> tuple[Path, ...]:
    """(Re)write env.sh and env.fish; returns the files whose content changed."""
    if export_goroot is None:
        export_goroot = _goroot_exported()
    root = state_root()
    root.mkdir(parents=True, exist_ok=True)
    changed = []
    for shell, path in (("zsh", root / ENV_SH), ("fish", root / ENV_FISH)):
        data = env_text(shell, export_goroot=export_goroot).encode()
        try:
            if path.read_bytes() == data:
                continue
        except OSError:
            pass
        write_atomic(path, data)
        changed.append(path)
    return tuple(changed)


# --- rc files ---------------------------------------------------------------------------


def rc_line(shell: str) -> str:
    """The one line to add to ~/.zshrc, ~/.bashrc or config.fish."""
    path = env_file(shell)
    return f"source {_fish_quote(str(path)) if shell == 'fish' else _sh_quote(str(path))}"


def rc_hint(rc_lines: Mapping[str, str], env: Mapping[str, str] | None = None) -> str:
    """The rc line for the user's shell; the sh line (zsh and bash both read it) if $SHELL is unknown.

    Unknown happens in CI, cron and `env -i`: no SHELL, or a shell m3tui writes no env file for.
    """
    shell = detect_shell(env)
    return rc_lines.get(shell or "zsh") or next(iter(rc_lines.values()))


def _sources_env_file(text: str, shell: str, line: str) -> bool:
    """Does the rc text already have our line, or another (uncommented) line naming the env file?"""
    path = str(env_file(shell))
    for existing in text.splitlines():
        stripped = existing.strip()
        if stripped == line or (not stripped.startswith("#") and path in stripped):
            return True
    return False


def _backup_path(rc_path: Path) -> Path:
    """<rc>.bak, or <rc>.bak.N when the user already keeps a <rc>.bak of their own."""
    candidate = rc_path.with_name(rc_path.name + ".bak")
    n = 1
    while candidate.exists() or candidate.is_symlink():
        candidate = rc_path.with_name(f"{rc_path.name}.bak.{n}")
        n += 1
    return candidate


def install_rc(shell: str, rc_path: str | os.PathLike[str], *, confirm: bool = True) -> bool:
    """Append `rc_line(shell)` to ``rc_path`` unless a line already says it; True if it (would) change.

    A copy of the file is kept first (<rc>.bak, or .bak.N if that name is taken) and the new
    file replaces the old in one rename. confirm=False only reports whether it would change.
    """
    line = rc_line(shell)
    rc_path = Path(rc_path).expanduser()
    try:
        text = rc_path.read_text()
    except FileNotFoundError:
        text = None
    except OSError as exc:
        raise SwitchError(f"cannot read {rc_path}: {exc.strerror or exc}") from None
    if text is not None and _sources_env_file(text, shell, line):
        return False
    if not confirm:
        return True
    try:
        if text is not None:
            shutil.copy2(os.path.realpath(rc_path), _backup_path(rc_path))
        else:
            Path(os.path.realpath(rc_path)).parent.mkdir(parents=True, exist_ok=True)
        prefix = text or ""
        if prefix and not prefix.endswith("\n"):
            prefix += "\n"
        write_atomic(rc_path, f"{prefix}{_RC_COMMENT}\n{line}\n".encode(), fsync=True)
    except OSError as exc:
        raise SwitchError(f"cannot update {rc_path}: {exc.strerror or exc}") from None
    return True


# --- use --------------------------------------------------------------------------------


def _resolve_installed(version: str) -> str:
    """The installed version that ``version`` names: exact, a minor line ("1.22") or "latest"."""
    try:
        spec = names.parse_spec(version)
    except names.NotAGoVersion as exc:
        raise SwitchError(str(exc)) from None
    if spec.exact is not None:
        # A direct look at one directory: no listing of the store on the fast path.
        path = store.version_dir(spec.exact)
        if not path.is_symlink() and (path / "bin" / "go").is_file():
            return spec.exact
        missing = spec.exact
    else:
        found = names.pick(spec, store.installed_versions())
        if found is not None:
            return found
        what = "Go" if spec.latest else f"go{spec.line[0]}.{spec.line[1]}.x"  # type: ignore[index]
        hint = "latest" if spec.latest else f"{spec.line[0]}.{spec.line[1]}"  # type: ignore[index]
        raise SwitchError(f"no {what} is installed in m3tui's store (m3tui versions install {hint})")
    raise SwitchError(f"{missing} is not installed in m3tui's store (m3tui versions install {missing.removeprefix('go')})")


def _swap_link(version: str) -> None:
    """Point <store>/current at ``version`` with one rename (never a moment without a link)."""
    link = store.current_link()
    if link.is_dir() and not link.is_symlink():
        raise SwitchError(f"{link} is a directory, not m3tui's link: move it away, then switch again")
    tmp = link.with_name(f"{_LINK_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        os.symlink(version, tmp)  # relative: the store can move with M3TUI_HOME
        os.replace(tmp, link)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise SwitchError(f"cannot switch {link} to {version}: {exc.strerror or exc}") from None


def use(version: str, *, path_env: str | None = None, export_goroot: bool | None = None) -> SwitchResult:
    """Make ``version`` (complete in m3tui's store) the Go behind <store>/current, atomically.

    Then (re)write the env files. path_env (default: this process's PATH) is the PATH to
    judge `on_path` by. export_goroot=None keeps the env files' current choice.
    """
    resolved = _resolve_installed(version)
    try:
        # Not while another m3tui removes (or reinstalls) this very version.
        with store.version_lock(resolved, wait=False):
            if not (store.version_dir(resolved) / "bin" / "go").is_file():
                raise SwitchError(f"{resolved} was just removed from m3tui's store")
            previous = store.current_version()
            _swap_link(resolved)
    except store.LockBusy:
        raise SwitchError(f"{resolved} is being installed or removed by another m3tui; try again when it is done") from None
    try:
        changed = write_env_files(export_goroot=export_goroot)
    except OSError as exc:
        raise SwitchError(f"switched to {resolved}, but cannot write the env files: {exc.strerror or exc}") from None
    return SwitchResult(
        version=resolved,
        previous=previous,
        link=store.current_link(),
        env_files=env_files(),
        rc_lines={shell: rc_line(shell) for shell in SHELLS},
        on_path=on_path(path_env),
        shadowed_by=_shadowing_go(path_env),
        env_changed=changed,
    )
