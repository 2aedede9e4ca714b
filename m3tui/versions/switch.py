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

The env files are private state (0600; an earlier version's 0644 is tightened). An rc file is
the user's: it is read only if it is a regular file (a directory or FIFO is refused, exit 2,
never opened for a blocking read), handled as bytes (a Latin-1 comment is kept byte for byte;
a file with NUL bytes is refused as not a shell script), left alone when it is read-only (exit
3, "Permission denied"), and written all-or-nothing through `core.files.atomic_write`: through a
symlink (a dotfiles repo's link stays a link), with the file's own mode, after a .bak copy.

No Textual here; nothing runs a subprocess.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from m3tui.core.config import state_root
from m3tui.core.errors import M3tuiError, UsageError, os_error, strerror
from m3tui.core.files import (
    PRIVATE_FILE,
    atomic_write,
    open_input,
    read_text_to_edit,
    tighten,
)
from m3tui.core.layout import legacy_env_stub
from m3tui.core.toolchain import go_on_path
from m3tui.versions import hook, names, store
from m3tui.versions.shims import is_file

SHELLS: tuple[str, ...] = ("zsh", "bash", "fish")
ENV_SH = "env.sh"
ENV_FISH = "env.fish"
# The temporary link's name (".current-new-p<pid>-<hex>"); not store.TMP_PREFIX, whose entries
# are unpack directories. A killed `use` leaves one behind: swept once its pid is gone.
_LINK_TMP_PREFIX = ".current-new-"
_LINK_TMP = re.compile(r"\.current-new-p(\d+)-[0-9a-f]+")
_RC_COMMENT = "# m3tui: Go from m3tui's store first on PATH (remove this line to stop)"
#: The largest rc file `install_rc` reads (a shell rc is a few KB; a 10 MB one is not one).
MAX_RC_BYTES = 4 * 1024 * 1024


class SwitchError(M3tuiError):
    """A switch that cannot happen, in one line for the user."""


class SwitchUsageError(UsageError, SwitchError):
    """A switch asked wrongly (exit 2): not a version, or a version m3tui's store does not have."""


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
    # The link was dangling before (its version removed behind m3tui's back): what it named
    # ("" when that was no version name). The switch repaired it.
    repaired: str | None = None


# --- paths ------------------------------------------------------------------------------


def bin_dir() -> Path:
    """The one directory shells need on PATH: <store>/current/bin."""
    return store.current_link() / "bin"


def gobin_dir() -> Path:
    """Where the current version's tools go (default-go-packages): <store>/current/gobin, after bin on PATH."""
    return store.current_link() / "gobin"


def _check_shell(shell: str) -> str:
    if shell not in SHELLS:
        raise UnknownShell(f"unknown shell {shell!r} (expected one of: {', '.join(SHELLS)})")
    return shell


def env_file(shell: str) -> Path:
    """The env file a shell sources: env.sh for zsh and bash, env.fish for fish."""
    return state_root() / (ENV_FISH if _check_shell(shell) == "fish" else ENV_SH)


def env_files() -> tuple[Path, ...]:
    return (state_root() / ENV_SH, state_root() / ENV_FISH)


def default_rc_path(shell: str, env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Where a shell's interactive startup file usually is (for the UI to suggest); bash on macOS:
    its login file (core.darwin.bash_rc_path), ~/.bashrc elsewhere."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    if _check_shell(shell) == "zsh":
        return Path(env.get("ZDOTDIR") or home) / ".zshrc"
    if shell == "bash":
        from m3tui.core.darwin import bash_rc_path

        return bash_rc_path(home, sys.platform if platform is None else platform)
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


def _read_state(path: Path, limit: int = 64 * 1024) -> bytes | None:
    """An env file's bytes, if it is a regular file (never a blocking open of a FIFO); one an
    earlier version left 0644 is tightened to 0600 on this first open."""
    try:
        with open_input(path) as f:
            info = os.fstat(f.fileno())
            if info.st_mode & 0o077 and info.st_uid == os.geteuid():
                os.fchmod(f.fileno(), stat.S_IMODE(info.st_mode) & PRIVATE_FILE)
            data = f.read(limit + 1)
    except (M3tuiError, OSError, ValueError):
        return None
    return data if len(data) <= limit else None


def _goroot_exported() -> bool:
    """Does the env.sh on disk export GOROOT (so a later `use` keeps the user's choice)?"""
    data = _read_state(state_root() / ENV_SH) or b""
    return any(line.startswith(b"export GOROOT=") for line in data.splitlines())


def env_text(shell: str, *, export_goroot: bool | None = None) -> str:
    """What the env file for ``shell`` contains (`m3tui versions env --shell …` prints this).

    export_goroot=None keeps what the env files on disk do (no GOROOT if there are none).
    """
    _check_shell(shell)
    if export_goroot is None:
        export_goroot = _goroot_exported()
    directory = str(bin_dir())
    gobin = str(gobin_dir())
    goroot = str(store.current_link())
    header = ("# Written by m3tui (`m3tui versions use` rewrites it): Go from m3tui's store first on PATH,\n"
              "# then the tools installed for it (its gobin).\n")  # fmt: skip
    if shell == "fish":
        bin_q, gobin_q = _fish_quote(directory), _fish_quote(gobin)
        text = header + (
            f"if not contains -- {bin_q} $PATH\n"
            f"    set -gx PATH {bin_q} {gobin_q} $PATH\n"
            f"else if not contains -- {gobin_q} $PATH\n"  # bin put there before: gobin right after it
            "    set -l _m3tui_path\n"
            "    for _m3tui_entry in $PATH\n"
            "        set -a _m3tui_path $_m3tui_entry\n"
            f"        test \"$_m3tui_entry\" = {bin_q}; and set -a _m3tui_path {gobin_q}\n"
            "    end\n"
            "    set -gx PATH $_m3tui_path\n"
            "    set -e _m3tui_entry\n"
            "end\n"
        )
        if export_goroot:
            text += f"set -gx GOROOT {_fish_quote(goroot)}\n"
        return text + hook.fish_hook(_fish_quote(str(store.store_dir())), export_goroot=export_goroot)
    bin_entry, both = _sh_quote(f":{directory}:"), f"{_sh_quote(directory)[1:-1]}:{_sh_quote(gobin)[1:-1]}"
    text = header + (
        f'case ":${{PATH}}:" in\n'
        f'    *":{both}:"*) ;;\n'
        f'    *{bin_entry}*)  # bin put there before: gobin right after it\n'
        '        _m3tui_path=":${PATH}:"\n'
        f'        _m3tui_path="${{_m3tui_path%%{bin_entry}*}}:{both}:${{_m3tui_path#*{bin_entry}}}"\n'
        '        _m3tui_path=${_m3tui_path#:}; export PATH="${_m3tui_path%:}"; unset _m3tui_path ;;\n'
        f'    *) export PATH="{both}:${{PATH}}" ;;\n'
        "esac\n"
    )
    if export_goroot:
        text += f"export GOROOT={_sh_quote(goroot)}\n"
    return text + hook.sh_hook(_sh_quote(str(store.store_dir())), export_goroot=export_goroot)


def write_env_files(*, export_goroot: bool | None = None) -> tuple[Path, ...]:
    """(Re)write env.sh and env.fish (0600, all-or-nothing); returns the files whose content changed.

    Raises SwitchError (exit 3) naming the file and the cause when one cannot be written.
    """
    if export_goroot is None:
        export_goroot = _goroot_exported()
    root = store.ensure_dir(state_root())
    changed = []
    for shell, path in (("zsh", root / ENV_SH), ("fish", root / ENV_FISH)):
        data = env_text(shell, export_goroot=export_goroot).encode()
        real = Path(os.path.realpath(path))
        try:
            if is_file(real):
                tighten(real, PRIVATE_FILE)  # an earlier version's 0644: before the content check
        except OSError as exc:
            raise SwitchError(f"cannot write {path}: {strerror(exc)}") from None
        if _read_state(path) == data:
            continue
        try:
            atomic_write(path, data, mode=PRIVATE_FILE)
        except M3tuiError as exc:  # a directory or FIFO in its place is corrupt state here: exit 3
            raise SwitchError(str(exc)) from None
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


def _sources_env_file(text: bytes, shell: str, line: str) -> bool:
    """Does the rc text already have our line, or another (uncommented) line naming the env file
    (or the stub an older m3tui's layout left at its old path, which sources it: core/layout.py)?"""
    paths = [os.fsencode(env_file(shell))]
    stub = legacy_env_stub(env_file(shell).name)
    if stub is not None:
        paths.append(os.fsencode(stub))
    ours = os.fsencode(line)
    for existing in text.splitlines():
        stripped = existing.strip()
        if stripped == ours or (not stripped.startswith(b"#") and any(path in stripped for path in paths)):
            return True
    return False


def _backup_path(rc_path: Path) -> Path:
    """<rc>.bak, or <rc>.bak.N when the user already keeps a <rc>.bak of their own."""
    candidate = rc_path.with_name(rc_path.name + ".bak")
    n = 1
    while os.path.lexists(candidate):
        candidate = rc_path.with_name(f"{rc_path.name}.bak.{n}")
        n += 1
    return candidate


def _read_rc(rc_path: Path) -> bytes | None:
    """The rc file's bytes; None when it does not exist (nor does a link's target).

    A directory, FIFO or device is refused (InputError, exit 2) without a blocking open; so is
    a file too big or with NUL bytes to be a shell script. Unreadable: M3tuiError (exit 3).
    """
    if not os.path.lexists(rc_path) or (os.path.islink(rc_path) and not os.path.exists(rc_path)):
        return None  # absent, or a dotfiles link whose target is not there yet: created
    return read_text_to_edit(rc_path, limit=MAX_RC_BYTES, what="rc file")


def write_user_file(path: Path, data: bytes) -> Path:
    """Replace a user's file (an rc file, .go-version, go.mod) with ``data``, all-or-nothing,
    through a symlink, keeping its mode; a file the user made read-only is left as it is
    (M3tuiError "cannot write PATH: Permission denied", exit 3, as the write itself would say
    if it were not replaced by a rename). Returns the real path written."""
    real = Path(os.path.realpath(path))
    if is_file(real) and not os.access(real, os.W_OK):
        raise os_error(PermissionError(errno.EACCES, os.strerror(errno.EACCES)), path, "write")
    return atomic_write(path, data)


def install_rc(shell: str, rc_path: str | os.PathLike[str], *, confirm: bool = True) -> bool:
    """Append `rc_line(shell)` to ``rc_path`` unless a line already says it; True if it (would) change.

    A copy of the file is kept first (<rc>.bak, or .bak.N if that name is taken) and the new
    file replaces the old in one rename, through a symlink, with the old file's mode. The file
    is handled as bytes: whatever encoding it is in, its bytes stay as they were. Raises
    InputError (exit 2) for a directory/FIFO/binary file, M3tuiError (exit 3) naming the path
    and strerror when it cannot be read or written (a read-only file is left as it is).
    confirm=False only reports whether it would change.
    """
    line = rc_line(shell)
    rc_path = Path(rc_path).expanduser()
    data = _read_rc(rc_path)
    if data is not None and _sources_env_file(data, shell, line):
        return False
    if not confirm:
        return True
    real = Path(os.path.realpath(rc_path))
    if data is not None and not os.access(real, os.W_OK):
        raise os_error(PermissionError(errno.EACCES, os.strerror(errno.EACCES)), rc_path, "write")
    backup = _backup_path(rc_path) if data is not None else None
    try:
        if backup is not None:
            shutil.copy2(real, backup, follow_symlinks=True)
        else:
            real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if backup is not None:
            with contextlib.suppress(OSError):
                backup.unlink()  # half a copy is no backup
        raise os_error(exc, exc.filename or rc_path, "write") from None
    prefix = data or b""
    if prefix and not prefix.endswith(b"\n"):
        prefix += b"\n"
    write_user_file(rc_path, prefix + _RC_COMMENT.encode() + b"\n" + os.fsencode(line) + b"\n")
    return True


# --- the global choice -----------------------------------------------------------------


@dataclass(frozen=True)
class GlobalChoice:
    """m3tui's global Go (the `current` link), and whether a shell with this PATH runs it."""

    link: store.CurrentLink
    on_path: bool  # <store>/current/bin is an entry of PATH
    rc_line: str  # the line that puts it there, for the user's shell (sh's when $SHELL is unknown)


def global_choice(env: Mapping[str, str] | None = None) -> GlobalChoice:
    """The `current` link as it is on disk, judged against ``env``'s PATH (default: this process's)."""
    env = os.environ if env is None else env
    return GlobalChoice(store.current_link_state(), on_path(env.get("PATH", "")), rc_hint({s: rc_line(s) for s in SHELLS}, env))


# --- use --------------------------------------------------------------------------------


def _resolve_installed(version: str) -> str:
    """The installed version that ``version`` names: exact, a minor line ("1.22") or "latest".

    SwitchUsageError (exit 2) when it is not a version or the store has none that matches:
    a directory that is a file, a dangling link or has no bin/go is not installed."""
    try:
        spec = names.parse_spec(version)
    except names.NotAGoVersion as exc:
        raise SwitchUsageError(str(exc)) from None
    if spec.exact is not None:
        # A direct look at one directory: no listing of the store on the fast path.
        if store.is_complete(store.version_dir(spec.exact)):
            return spec.exact
        missing = spec.exact
    else:
        found = names.pick(spec, store.installed_versions())
        if found is not None:
            return found
        what = "Go" if spec.latest else f"go{spec.line[0]}.{spec.line[1]}.x"  # type: ignore[index]
        hint = "latest" if spec.latest else f"{spec.line[0]}.{spec.line[1]}"  # type: ignore[index]
        raise SwitchUsageError(f"no {what} is installed in m3tui's store (m3tui versions install {hint})")
    raise SwitchUsageError(f"{missing} is not installed in m3tui's store (m3tui versions install {missing.removeprefix('go')})")


def _sweep_link_temps() -> None:
    """Remove the temporary links of `use` runs that were killed between symlink and rename."""
    try:
        entries = list(os.scandir(store.store_dir()))
    except OSError:
        return
    for entry in entries:
        m = _LINK_TMP.fullmatch(entry.name)
        if m is None or not entry.is_symlink() or int(m[1]) == os.getpid():
            continue
        try:
            os.kill(int(m[1]), 0)
        except ProcessLookupError:  # its owner is gone
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        except (OSError, OverflowError, ValueError):
            continue  # alive (someone else's), or not a pid: leave it


def _swap_link(version: str) -> None:
    """Point <store>/current at ``version`` with one rename (never a moment without a link)."""
    link = store.current_link()
    try:
        mode: int | None = os.lstat(link).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise SwitchError(f"cannot switch {link} to {version}: {strerror(exc)}") from None
    if mode is not None and not stat.S_ISLNK(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a file"
        raise SwitchError(f"{link} is {kind}, not m3tui's link: move it away, then switch again")
    _sweep_link_temps()
    tmp = link.with_name(f"{_LINK_TMP_PREFIX}p{os.getpid()}-{secrets.token_hex(4)}")
    try:
        os.symlink(version, tmp)  # relative: the store can move with M3TUI_HOME
        os.replace(tmp, link)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise SwitchError(f"cannot switch {link} to {version}: {strerror(exc)}") from None


def use(version: str, *, path_env: str | None = None, export_goroot: bool | None = None) -> SwitchResult:
    """Make ``version`` (complete in m3tui's store) the Go behind <store>/current, atomically.

    Then (re)write the env files. path_env (default: this process's PATH) is the PATH to
    judge `on_path` by. export_goroot=None keeps the env files' current choice.
    """
    resolved = _resolve_installed(version)
    try:
        # Not while another m3tui removes (or reinstalls) this very version.
        with store.version_lock(resolved, wait=False):
            if not store.is_complete(store.version_dir(resolved)):
                raise SwitchError(f"{resolved} was just removed from m3tui's store")
            before = store.current_link_state()
            previous = before.version
            repaired = (before.target or "") if before.state == "dangling" else None
            _swap_link(resolved)
    except store.LockBusy:
        raise SwitchError(f"{resolved} is being installed or removed by another m3tui; try again when it is done") from None
    try:
        changed = write_env_files(export_goroot=export_goroot)
    except M3tuiError as exc:
        raise SwitchError(f"switched to {resolved}, but cannot write the env files: {exc}") from None
    return SwitchResult(
        version=resolved,
        previous=previous,
        link=store.current_link(),
        env_files=env_files(),
        rc_lines={shell: rc_line(shell) for shell in SHELLS},
        on_path=on_path(path_env),
        shadowed_by=_shadowing_go(path_env),
        env_changed=changed,
        repaired=repaired,
    )
