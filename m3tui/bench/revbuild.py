"""Make a revision checked out by ``revisions.checkout`` build as the user's tree does.

``git worktree add`` gives the revision's files in a scratch directory; three things in a Go
repository then resolve differently there than in the user's tree, and :func:`prepare` puts each
back. It returns the environment overrides for every ``go`` run in ``Checkout.package``: always
``GOWORK`` (a path or ``off``), so that no ``go.work`` above m3tui's scratch directory is ever
picked up.

1. **Submodules.** A worktree's submodule directories are empty. Every gitlink of the revision's
   tree is filled from the user's own checkout of that submodule, without network: its commit read
   into a temporary index (``GIT_INDEX_FILE`` in the checkout's scratch directory) and written out
   with ``checkout-index`` (git's own checkout: no ``export-ignore``/``export-subst`` as ``git
   archive`` would apply; the user's submodule index, HEAD and files stay as they were); nested
   submodules likewise, from the user's nested checkouts. A gitlink that cannot be filled (its
   submodule not checked out in the user's tree, or without that commit) is an InputError naming
   the submodule's path, the commit and the fix, even when the package would not need it: a
   partial tree would fail later, less clearly.
2. **Workspace.** ``go env GOWORK`` in the user's package directory (``GOTOOLCHAIN=local``, no
   ``PWD``: real paths, as git gives the top level) says which ``go.work`` the user's build uses:

   * none (or ``off``): ``GOWORK=off``, even if the revision has a ``go.work`` of its own (the
     user's tree does not build in a workspace, so neither side does).
   * one inside the repository: the revision's file at the same place when it has one (it is part
     of the revision: a tracked ``go.work``, or the working-tree snapshot's untracked one); else,
     if the user's file is not tracked (ignored, or untracked and so absent from a committed
     revision), the user's file, as ``git checkout <revision>`` would have left it in place, in a
     rewritten copy; else (tracked, but absent at the revision: a checkout would delete it) ``off``.
   * one outside the repository (above it): a rewritten copy.

   A copy lives in the checkout's scratch directory (``<scratch>/workspace/go.work`` with the
   user's ``go.work.sum``, removed with the checkout). Rewriting (``go work edit -json`` to read,
   ``go work edit`` to write; argv lists, never a shell) places every local path of a ``use`` or a
   ``replace``: a path that names a place inside the repository (relative or absolute) names the
   same place in the worktree, at the revision; any other path names the same place as in the
   user's tree (made absolute). The revision's own ``go.work`` is edited in place the same way
   (only the paths that leave the repository change: those that stay resolve in the worktree).
3. **Module replacements.** The ``go.mod`` of the module holding the package in the worktree, and
   of every workspace module inside the worktree, is edited in place (it is our temporary copy)
   with ``go mod edit -replace`` by the same rule: a ``replace`` path that leaves the repository is
   made the absolute path it has from the user's tree (``../dep`` beside the repository still
   reaches the user's ``dep``); one inside the repository is left as written, so it resolves to the
   revision's version (the point of comparing revisions). Module (versioned) replacements are left.
   A revision's go.mod or go.work that go cannot read is left as it is: that side's build then
   fails with go's own lines (the other side is kept); the user's own go.work must be readable.

Paths are compared as real paths (lexically joined, as go joins them, from real directories).
Every git runs as ``revisions`` runs git (its environment: no user config, no hooks).
"""

from __future__ import annotations

import ast
import itertools
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from m3tui.bench.revisions import GIT_TIMEOUT_S, Checkout, first_line, git, git_ok, git_env
from m3tui.core import runner
from m3tui.core.errors import InputError, M3tuiError

GO_TIMEOUT_S = 120.0
#: The gitlink mode in ``git ls-tree`` output.
_GITLINK = "160000 "
#: Where a rewritten copy of the user's go.work goes, in the checkout's scratch directory.
WORKSPACE_DIR = "workspace"


class RevBuildError(M3tuiError):
    """A go or git step of the preparation failed (exit 3): the message names the file and the line."""


async def prepare(co: Checkout, user_package_dir: Path, go: str = "go") -> dict[str, str]:
    """Make ``co``'s worktree build as the user's tree does; the env overrides for every go run in ``co.package``."""
    await fill_submodules(co)
    user_dir = Path(os.path.realpath(user_package_dir))
    work = await _workspace(co, user_dir, go)
    own_module = _module_dir(co.package, co.root)
    modules = {own_module} if own_module is not None else set()
    if work is not None:
        modules |= {p for p in await _use_dirs(work, go, co) if _inside(p, co.root) is not None}
    top = co.revision.toplevel
    for module in sorted(modules, key=str):
        gomod = module / "go.mod"
        if gomod.is_file():
            user_module = top / os.path.relpath(module, co.root)
            await _rewrite(go, "mod", gomod, user_module, co, lenient=True)
    return {"GOWORK": str(work) if work is not None else "off"}


# --- 2. the workspace --------------------------------------------------------------------------


async def _go_ok(go: str, args: Sequence[str], cwd: Path, what: str) -> runner.RunResult:
    result = await runner.run([go, *args], cwd=cwd, timeout=GO_TIMEOUT_S,
                              env={"GOTOOLCHAIN": "local", "PWD": None})  # fmt: skip
    if not result.ok:
        line = next((s.strip() for s in (*result.stderr, *result.stdout) if s.strip()), f"exit status {result.returncode}")
        raise RevBuildError(f"{what}: {line}")
    return result


async def user_gowork(user_dir: Path, go: str = "go") -> Path | None:
    """The go.work the user's build in ``user_dir`` uses (``go env GOWORK``), or None."""
    result = await _go_ok(go, ["env", "GOWORK"], user_dir, f"{user_dir}: cannot read go env GOWORK")
    value = result.stdout_text.strip()
    if not value or value == "off":
        return None
    path = Path(os.path.abspath(os.path.join(user_dir, value)))
    return Path(os.path.realpath(path.parent)) / path.name


async def _workspace(co: Checkout, user_dir: Path, go: str) -> Path | None:
    """The go.work the checkout builds with (None: GOWORK=off); see the module docstring."""
    gowork = await user_gowork(user_dir, go)
    if gowork is None:
        return None
    top = co.revision.toplevel
    rel = _inside(gowork, top)
    if rel is None:
        return await _copy_workspace(gowork, co, go)
    own = co.root / rel
    if own.is_file():
        await _rewrite(go, "work", own, gowork.parent, co, lenient=True)
        return own
    listed = await git_ok(["--literal-pathspecs", "ls-files", "--", str(rel)], top, f"ask git whether {rel} is tracked")
    if listed:
        return None
    return await _copy_workspace(gowork, co, go)


async def _copy_workspace(gowork: Path, co: Checkout, go: str) -> Path:
    """A copy of the user's ``gowork`` (and its go.work.sum) in the checkout's scratch, rewritten."""
    where = co.root.parent / WORKSPACE_DIR
    where.mkdir(mode=0o700, exist_ok=True)
    copy = where / "go.work"
    for src, dst in ((gowork, copy), (gowork.with_name(gowork.name + ".sum"), where / "go.work.sum")):
        try:
            if src.is_file():
                dst.write_bytes(src.read_bytes())
        except OSError as exc:
            raise RevBuildError(f"{src}: cannot copy the workspace file: {exc.strerror or exc}") from None
    await _rewrite(go, "work", copy, gowork.parent, co)
    return copy


async def _use_dirs(work: Path, go: str, co: Checkout) -> list[Path]:
    """The directories of ``work``'s ``use`` directives (real-path joined from its directory)."""
    data = await _read(go, "work", work, lenient=_inside(work, co.root) is not None)
    return [Path(_join(work.parent, use["DiskPath"])) for use in data.get("Use") or () if use.get("DiskPath")]


# --- 2 and 3: placing local paths --------------------------------------------------------------


def _inside(path: Path | str, top: Path) -> Path | None:
    """``path`` relative to ``top`` when it is ``top`` or below it, else None (both absolute, normalized)."""
    rel = os.path.relpath(path, top)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return Path(rel)


def _join(base: Path, path: str) -> str:
    return os.path.normpath(path if os.path.isabs(path) else os.path.join(base, path))


def _place(path: str, user_dir: Path, here: Path, co: Checkout) -> str | None:
    """What to write for a local ``path`` of a file now in ``here`` that the user has in ``user_dir``.

    None when ``path`` as written already names the right place from ``here``.
    """
    user_abs = _join(user_dir, path)
    rel = _inside(user_abs, co.revision.toplevel)
    want = os.path.normpath(co.root / rel) if rel is not None else user_abs
    return None if _join(here, path) == want else want


def _is_local(path: str) -> bool:
    """A directory path in a replace or use (go's modfile.IsDirectoryPath), not a module path."""
    return path.startswith(("./", "../", "/")) or path in (".", "..")


async def _read(go: str, kind: str, file: Path, *, lenient: bool = False) -> dict[str, Any]:
    """``go work|mod edit -json file``; ``lenient``: {} when go cannot read it (a revision's file: the
    build at that side then fails with go's own lines, the other side is kept)."""
    try:
        result = await _go_ok(go, [kind, "edit", "-json", str(file)], file.parent, f"{file}: cannot read it")
    except RevBuildError:
        if lenient:
            return {}
        raise
    try:
        data = json.loads(result.stdout_text)
    except ValueError:
        raise RevBuildError(f"{file}: go {kind} edit -json printed no JSON") from None
    return data if isinstance(data, dict) else {}


async def _rewrite(go: str, kind: str, file: Path, user_dir: Path, co: Checkout, *, lenient: bool = False) -> list[str]:
    """Place the local paths of ``file`` (a go.work or go.mod, ``kind`` "work" or "mod"); the edit flags used."""
    data = await _read(go, kind, file, lenient=lenient)
    edits: list[str] = []
    for use in data.get("Use") or ():
        disk = use.get("DiskPath") or ""
        new = _place(disk, user_dir, file.parent, co) if disk else None
        if new is not None:
            edits += [f"-dropuse={disk}", f"-use={new}"]
    for rep in data.get("Replace") or ():
        old, target = rep.get("Old") or {}, rep.get("New") or {}
        path = target.get("Path") or ""
        if target.get("Version") or not _is_local(path):
            continue
        new = _place(path, user_dir, file.parent, co)
        if new is not None:
            version = old.get("Version")
            edits.append(f"-replace={old.get('Path')}{'@' + version if version else ''}={new}")
    if edits:
        await _go_ok(go, [kind, "edit", *edits, str(file)], file.parent, f"{file}: cannot rewrite its local paths")
    return edits


def _module_dir(package: Path, root: Path) -> Path | None:
    """The directory of the go.mod holding ``package``, looking up to ``root``."""
    for d in (package, *package.parents):
        if (d / "go.mod").is_file():
            return d
        if d == root:
            break
    return None


# --- 1. submodules -----------------------------------------------------------------------------


def _unquote(path: str) -> str:
    """A path as ``git ls-tree`` prints it (C-quoted when it holds special bytes: core.quotePath)."""
    if len(path) >= 2 and path[0] == path[-1] == '"':
        with_bytes = ast.literal_eval("b" + path)
        if isinstance(with_bytes, bytes):
            return os.fsdecode(with_bytes)
    return path


async def _gitlinks(git_args: Sequence[str], cwd: Path, commit: str) -> list[tuple[str, str]]:
    """(path, commit) of each gitlink in ``commit``'s tree, read as the output streams (big trees)."""
    found: list[tuple[str, str]] = []
    errors: list[str] = []

    def on_batch(lines: list[runner.OutputLine]) -> None:
        for line in lines:
            if line.stream == "stderr":
                errors.append(line.text)
            elif line.text.startswith(_GITLINK):
                meta, _, path = line.text.partition("\t")
                found.append((_unquote(path), meta.split()[2]))

    argv = ["git", "-c", "core.hooksPath=" + os.devnull, "-c", "core.quotePath=true", *git_args,
            "ls-tree", "-r", "--full-tree", commit]  # fmt: skip
    result = await runner.run(argv, cwd=cwd, env=git_env(), timeout=GIT_TIMEOUT_S, on_batch=on_batch, capture=False)
    if not result.ok:
        line = next((e.strip() for e in errors if e.strip()), f"exit status {result.returncode}")
        raise RevBuildError(f"{cwd}: cannot list the submodules of {commit[:12]}: {line.removeprefix('fatal: ')}")
    return found


async def fill_submodules(co: Checkout) -> list[str]:
    """Fill every submodule of ``co`` (nested ones too) from the user's checkouts; their paths."""
    top, label = co.revision.toplevel, co.revision.label
    root = Path(os.path.realpath(co.root))
    counter = itertools.count(1)
    filled: list[str] = []
    pending = [("", top, co.root, link) for link in await _gitlinks([], top, co.revision.commit)]
    while pending:
        prefix, user_parent, parent, (path, commit) = pending.pop(0)
        shown = prefix + path
        rel = Path(path)
        target = parent / rel
        if rel.is_absolute() or os.pardir in rel.parts or _inside(os.path.realpath(target), root) is None:
            raise RevBuildError(f"submodule {shown!r} at {label}: not a path inside the checkout")
        user_sub = user_parent / rel
        fix = f"run git submodule update --init --recursive in {top}"
        if not (user_sub / ".git").exists():
            raise InputError(f"submodule {shown}: not checked out in {top} (the revision {label} needs its "
                             f"commit {commit[:12]}): {fix}")  # fmt: skip
        gitdir_result = await git(["rev-parse", "--absolute-git-dir"], user_sub)
        gitdir = gitdir_result.stdout_text.strip()
        if not gitdir_result.ok or not gitdir:
            raise InputError(f"submodule {shown}: {user_sub} is not a git checkout ({first_line(gitdir_result)}): {fix}")
        repo = ["--git-dir", gitdir]
        if not (await git([*repo, "cat-file", "-e", f"{commit}^{{commit}}"], user_sub)).ok:
            raise InputError(f"submodule {shown}: commit {commit[:12]} (at {label}) is not in {user_sub}: "
                             f"fetch it there (git -C {user_sub} fetch), or {fix}")  # fmt: skip
        index = co.root.parent / f"submodule-{next(counter)}.index"
        index_env = {"GIT_INDEX_FILE": str(index)}
        target.mkdir(parents=True, exist_ok=True)
        try:
            what = f"check out submodule {shown} at {commit[:12]}"
            await git_ok([*repo, "read-tree", commit], user_sub, what, env=index_env)
            await git_ok([*repo, "--work-tree", str(target), "checkout-index", "-a", "-f"], target, what, env=index_env)
        finally:
            index.unlink(missing_ok=True)
        filled.append(shown)
        pending += [(shown + "/", user_sub, target, link) for link in await _gitlinks(repo, user_sub, commit)]
    return filled
