"""Git revisions as benchmark sides: resolve a revision, snapshot the working tree, check one out.

Nothing here touches the user's tree, index, stash or branches:

* :func:`resolve` only reads (``git rev-parse``).
* :func:`snapshot_worktree` takes the working tree as ``git stash -u`` would (tracked files as they
  are on disk, staged or not, plus untracked files that are not ignored) through a *temporary*
  index file (``GIT_INDEX_FILE``: ``read-tree HEAD``, ``add -A``, ``write-tree``), makes a commit
  object of it on top of HEAD (``commit-tree``) and keeps it under ``refs/m3tui/snapshots/<hash>``,
  so a re-run repeats exactly that tree. The commit's author, committer and dates are fixed: the
  same tree on the same HEAD is the same commit, whoever takes it and whenever.
* :func:`checkout` adds a detached ``git worktree`` in a scratch directory of ``core/tmp.py``
  (``worktree-p<pid>-…``: the start-up sweep removes a SIGKILLed run's files) and removes it on
  every exit path; the next checkout in the same repository also removes the stale
  ``.git/worktrees`` entries of dead runs (only ours: never ``git worktree prune``, which would
  also drop a user's worktree on an unmounted disk).

Every git runs with ``GIT_CONFIG_GLOBAL=/dev/null`` and ``GIT_CONFIG_NOSYSTEM=1``: a user's or the
system's git config (aliases, hooks paths, ``add`` defaults, signing, ``core.autocrlf``, …) cannot
change a snapshot or a checkout. The one setting taken from the user's config is
``core.excludesFile`` (what ``git stash -u`` would leave out); the repository's own
``.git/config`` applies as usual. Hooks never run (``core.hooksPath=/dev/null``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from m3tui.core import runner, tmp
from m3tui.core.errors import InputError, M3tuiError

#: The label of a working-tree snapshot.
WORKTREE_LABEL = "working tree"
#: Where snapshots are kept (one ref per snapshot commit).
SNAPSHOT_REFS = "refs/m3tui/snapshots/"
#: The scratch-name prefix of a checkout (``tmp/worktree-p<pid>-xxxx/src``).
WORKTREE_PREFIX = "worktree-"
GIT_TIMEOUT_S = 600.0
_FIXED_IDENTITY = {
    "GIT_AUTHOR_NAME": "m3tui",
    "GIT_AUTHOR_EMAIL": "m3tui@localhost",
    "GIT_AUTHOR_DATE": "@1 +0000",
    "GIT_COMMITTER_NAME": "m3tui",
    "GIT_COMMITTER_EMAIL": "m3tui@localhost",
    "GIT_COMMITTER_DATE": "@1 +0000",
}
# Variables that would point git at another repository, index or object store than the one named.
_REPO_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
              "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES")  # fmt: skip


class RevisionError(M3tuiError):
    """git failed on a revision operation (exit 3): the message names the repository and git's line."""


@dataclass(frozen=True, slots=True)
class Revision:
    """One side of a revision comparison."""

    #: The full commit hash.
    commit: str
    #: What the user sees: ``main@3f2c1d0``, ``3f2c1d0`` or ``working tree``.
    label: str
    #: True for a working-tree snapshot that differs from HEAD.
    dirty: bool = False
    #: The repository's top-level directory (real path).
    toplevel: Path = Path()


@dataclass(frozen=True, slots=True)
class Checkout:
    """A revision checked out in a temporary worktree."""

    revision: Revision
    #: The worktree's top-level directory.
    root: Path
    #: The package directory inside it: the same path, relative to the top level, as the user's.
    package: Path


def git_env(extra: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """The environment of every git this module runs (see the module docstring)."""
    env: dict[str, str | None] = {var: None for var in _REPO_VARS}
    env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
                "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "LANGUAGE": None})  # fmt: skip
    env.update(_FIXED_IDENTITY)
    if extra:
        env.update(extra)
    return env


async def git(
    args: Sequence[str], cwd: Path, *, env: Mapping[str, str | None] | None = None, config: Sequence[str] = ()
) -> runner.RunResult:
    """``git args`` in ``cwd`` as this module runs every git (``git_env``, no hooks, ``-c config``)."""
    argv = ["git", "-c", "core.hooksPath=" + os.devnull]
    for item in config:
        argv += ["-c", item]
    return await runner.run([*argv, *args], cwd=cwd, env=git_env(env), timeout=GIT_TIMEOUT_S)


def first_line(result: runner.RunResult) -> str:
    """git's first non-blank line (stderr first), without its ``fatal: ``/``error: ``."""
    for line in (*result.stderr, *result.stdout):
        if line.strip():
            return line.strip().removeprefix("fatal: ").removeprefix("error: ")
    return f"exit status {result.returncode}"


async def git_ok(
    args: Sequence[str], cwd: Path, what: str, *, env: Mapping[str, str | None] | None = None, config: Sequence[str] = ()
) -> str:
    """:func:`git`'s stripped stdout; RevisionError naming ``cwd``, ``what`` and git's line on a failure."""
    result = await git(args, cwd, env=env, config=config)
    if not result.ok:
        raise RevisionError(f"{cwd}: cannot {what}: {first_line(result)}")
    return result.stdout_text.strip()


async def toplevel(repo_dir: Path) -> Path:
    """The top level of the git work tree holding ``repo_dir``; InputError when there is none."""
    if not repo_dir.is_dir():
        raise InputError(f"{repo_dir}: not a directory")
    result = await git(["rev-parse", "--show-toplevel"], repo_dir)
    top = result.stdout_text.strip()
    if not result.ok or not top:
        raise InputError(f"{repo_dir}: not in a git repository ({first_line(result)})")
    return Path(top)


async def resolve(repo_dir: Path, rev: str) -> Revision:
    """The commit ``rev`` names in the repository holding ``repo_dir``."""
    top = await toplevel(repo_dir)
    if not rev or rev.startswith("-") or "\n" in rev or "\0" in rev:
        raise InputError(f"revision {rev!r}: not a revision name")
    result = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], top)
    commit = result.stdout_text.strip()
    if not result.ok or not commit:
        raise InputError(f"revision {rev!r}: no such commit in {top}")
    short = await git_ok(["rev-parse", "--short=7", commit], top, "abbreviate a commit hash")
    named = not commit.startswith(rev.lower())  # a branch, tag or expression, not a hash prefix
    return Revision(commit, f"{rev}@{short}" if named else short, False, top)


async def _user_excludes_file(top: Path) -> str | None:
    """The user's ``core.excludesFile``, read with the user's own config (``git stash -u`` honours it)."""
    argv = ["git", "config", "--path", "--get", "core.excludesFile"]
    with contextlib.suppress(M3tuiError):
        result = await runner.run(argv, cwd=top, env={v: None for v in _REPO_VARS}, timeout=60.0)
        value = result.stdout_text.strip()
        if result.ok and value and "\n" not in value:
            return value
    return None


async def snapshot_worktree(repo_dir: Path) -> Revision:
    """The working tree of the repository holding ``repo_dir`` as a commit (HEAD itself when clean)."""
    top = await toplevel(repo_dir)
    head = await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], top)
    if not head.ok or not head.stdout_text.strip():
        raise InputError(f"{top}: the repository has no commit yet (nothing to compare the working tree with)")
    head_commit = head.stdout_text.strip()
    excludes = await _user_excludes_file(top)
    config = [f"core.excludesFile={excludes}"] if excludes else []
    scratch = tmp.make_dir("gitindex-")
    try:
        index_env = {"GIT_INDEX_FILE": str(scratch / "index")}
        await git_ok(["read-tree", head_commit], top, "read HEAD into a temporary index", env=index_env)
        await git_ok(["add", "-A", "--", ":/"], top, "add the working tree to a temporary index",
                      env=index_env, config=config)  # fmt: skip
        tree = await git_ok(["write-tree"], top, "write the working tree's tree", env=index_env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    head_tree = await git_ok(["rev-parse", f"{head_commit}^{{tree}}"], top, "read HEAD's tree")
    if tree == head_tree:
        return Revision(head_commit, WORKTREE_LABEL, False, top)
    commit = await git_ok(["commit-tree", tree, "-p", head_commit, "-m", "m3tui: snapshot of the working tree"],
                           top, "make the snapshot commit")  # fmt: skip
    await git_ok(["update-ref", SNAPSHOT_REFS + commit, commit], top, "keep the snapshot under " + SNAPSHOT_REFS)
    return Revision(commit, WORKTREE_LABEL, True, top)


async def remove_worktree(top: Path, path: Path) -> None:
    """``git worktree remove --force``; if that fails, delete the files and remove the entry again."""
    with contextlib.suppress(M3tuiError):
        if (await git(["worktree", "remove", "--force", str(path)], top)).ok and not path.exists():
            return
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(M3tuiError):  # on a missing directory git only drops .git/worktrees/<name>
        await git(["worktree", "remove", "--force", str(path)], top)


async def remove_stale_worktrees(top: Path) -> list[Path]:
    """Remove this repository's worktree entries left by dead m3tui runs (their files were swept)."""
    root = Path(os.path.realpath(tmp.tmp_root()))  # git lists real paths (macOS: /private/var/…)
    result = await git(["worktree", "list", "--porcelain"], top)
    removed: list[Path] = []
    if not result.ok:
        return removed
    path: Path | None = None
    for line in result.stdout:
        if line.startswith("worktree "):
            path = Path(line.removeprefix("worktree "))
        elif line.startswith("prunable") and path is not None and path.parent.parent == root:
            if path.parent.name.startswith(WORKTREE_PREFIX) and not path.exists():
                await remove_worktree(top, path)
                removed.append(path)
    return removed


@contextlib.asynccontextmanager
async def checkout(repo_dir: Path, revision: Revision) -> AsyncIterator[Checkout]:
    """``revision`` in a temporary detached worktree, removed on every exit path (cancellation too).

    ``repo_dir`` is the package directory in the user's tree; the checkout's ``package`` is the same
    directory in the worktree (InputError if the package does not exist at that revision).
    """
    top = await toplevel(repo_dir)
    rel = Path(os.path.relpath(os.path.realpath(repo_dir), top))
    if rel.parts and rel.parts[0] == os.pardir:
        raise InputError(f"{repo_dir}: not inside the work tree {top}")
    await remove_stale_worktrees(top)
    scratch = tmp.make_dir(WORKTREE_PREFIX)
    path = scratch / "src"
    try:
        result = await git(["worktree", "add", "--detach", "--quiet", str(path), revision.commit], top)
        if not result.ok:
            raise RevisionError(f"{top}: cannot check out {revision.label} in a worktree: {first_line(result)}")
        package = path / rel if rel.parts else path
        if not package.is_dir():
            raise InputError(f"{rel}: no such directory at {revision.label}")
        yield Checkout(revision, path, package)
    finally:
        try:
            await asyncio.shield(remove_worktree(top, path))
        finally:  # a second cancellation during the removal still leaves no files
            shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class RevisionChoice:
    """A revision to offer for completion: what to type, and a line about it."""

    word: str
    #: ``branch``, ``tag`` or ``commit``.
    kind: str
    #: The short hash and the subject of its commit.
    about: str


async def revision_choices(repo_dir: Path, *, commits: int = 20, refs: int = 50) -> list[RevisionChoice]:
    """Branches and tags (most recent commit first), then the last ``commits`` commits of HEAD;
    empty outside git. Read-only (``for-each-ref``, ``log``)."""
    try:
        top = await toplevel(repo_dir)
    except M3tuiError:
        return []
    out: list[RevisionChoice] = []
    fmt = "%(refname)%00%(objectname:short=7)%00%(subject)"
    result = await git(["for-each-ref", "--sort=-committerdate", f"--count={refs}", f"--format={fmt}",
                         "refs/heads", "refs/tags"], top)  # fmt: skip
    for line in result.stdout if result.ok else []:
        ref, _, rest = line.rstrip("\n").partition("\0")
        short, _, subject = rest.partition("\0")
        for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
            if ref.startswith(prefix):
                out.append(RevisionChoice(ref.removeprefix(prefix), kind, f"{short} {subject}".strip()))
    result = await git(["log", f"-n{commits}", "--format=%h%x00%s", "HEAD"], top)
    for line in result.stdout if result.ok else []:
        short, _, subject = line.rstrip("\n").partition("\0")
        if short:
            out.append(RevisionChoice(short, "commit", subject))
    return out
