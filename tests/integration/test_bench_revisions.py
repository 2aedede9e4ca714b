"""bench/revisions: resolve, snapshot and check out revisions of real git repositories."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from m3tui.bench import revisions
from m3tui.bench.revisions import WORKTREE_LABEL, checkout, resolve, snapshot_worktree
from m3tui.core import runner, tmp
from m3tui.core.errors import InputError

GOBENCH = Path(__file__).parents[1] / "data" / "gobench"
_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=repo, env=_ENV, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    (path / ".gitignore").write_text("*.log\nbuild/\n")
    (path / "a.txt").write_text("a1\n")
    (path / "b.txt").write_text("b1\n")
    (path / "gone.txt").write_text("x\n")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "first")
    return path


def user_state(repo: Path) -> dict[str, object]:
    """Everything of the user's that a snapshot or a checkout must leave as it was."""
    files = {}
    for p in sorted(repo.rglob("*")):
        if ".git" in p.relative_to(repo).parts[:1]:
            continue
        files[str(p.relative_to(repo))] = p.read_bytes() if p.is_file() else b"<dir>"
    return {
        "files": files,
        "index": (repo / ".git" / "index").read_bytes(),
        "HEAD": (repo / ".git" / "HEAD").read_bytes(),
        "head": git(repo, "rev-parse", "HEAD"),
        "stash": git(repo, "stash", "list"),
        "status": git(repo, "status", "--porcelain=v1", "-uall"),
        "branches": git(repo, "for-each-ref", "refs/heads", "refs/tags", "refs/stash"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
    }


def dirty(repo: Path) -> None:
    git(repo, "stash", "push", "-q", "-m", "the user's own stash")  # a stash that must stay
    (repo / "a.txt").write_text("a2 staged\n")
    git(repo, "add", "a.txt")
    (repo / "b.txt").write_text("b2 unstaged\n")
    (repo / "gone.txt").unlink()
    (repo / "new.txt").write_text("untracked\n")
    (repo / "sub").mkdir()
    (repo / "sub" / "deep.txt").write_text("untracked deep\n")
    (repo / "debug.log").write_text("ignored\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.bin").write_text("ignored\n")


async def test_snapshot_takes_staged_unstaged_untracked_not_ignored(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "a.txt").write_text("to stash\n")  # so the user has a stash entry
    dirty(repo)
    before = user_state(repo)
    assert "the user's own stash" in before["stash"]  # type: ignore[operator]

    rev = await snapshot_worktree(repo)

    assert user_state(repo) == before
    assert rev.label == WORKTREE_LABEL and rev.dirty
    assert git(repo, "rev-parse", rev.commit + "^") == before["head"]
    assert git(repo, "rev-parse", f"refs/m3tui/snapshots/{rev.commit}") == rev.commit
    listed = git(repo, "ls-tree", "-r", "--name-only", rev.commit).splitlines()
    assert listed == [".gitignore", "a.txt", "b.txt", "new.txt", "sub/deep.txt"]
    assert git(repo, "show", f"{rev.commit}:a.txt") == "a2 staged"
    assert git(repo, "show", f"{rev.commit}:b.txt") == "b2 unstaged"
    # the same tree on the same HEAD is the same commit: a re-snapshot repeats it
    assert (await snapshot_worktree(repo)).commit == rev.commit
    assert user_state(repo) == before


async def test_snapshot_of_a_clean_tree_is_head(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "debug.log").write_text("ignored only\n")
    rev = await snapshot_worktree(repo)
    assert (rev.commit, rev.dirty, rev.label) == (git(repo, "rev-parse", "HEAD"), False, WORKTREE_LABEL)
    assert git(repo, "for-each-ref", "refs/m3tui") == ""


async def test_snapshot_honours_the_users_excludes_file_not_their_other_config(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo")
    excludes = tmp_path / "excludes"
    excludes.write_text("*.secret\n")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f"[core]\n\texcludesFile = {excludes}\n[user]\n\tname = someone else\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    (repo / "key.secret").write_text("no\n")
    (repo / "c.txt").write_text("yes\n")
    rev = await snapshot_worktree(repo)
    assert git(repo, "ls-tree", "-r", "--name-only", rev.commit).splitlines() == [".gitignore", "a.txt", "b.txt", "c.txt", "gone.txt"]
    assert git(repo, "log", "-1", "--format=%an", rev.commit) == "m3tui"


async def test_resolve_labels(tmp_path):
    repo = make_repo(tmp_path / "repo")
    head = git(repo, "rev-parse", "HEAD")
    (repo / "pkg").mkdir()
    rev = await resolve(repo / "pkg", "main")
    assert rev.commit == head and rev.label == f"main@{head[:7]}" and not rev.dirty
    assert rev.toplevel == repo.resolve()
    assert (await resolve(repo, head[:10])).label == head[:7]
    assert (await resolve(repo, "HEAD")).label == f"HEAD@{head[:7]}"


@pytest.mark.parametrize("rev", ["nope", "main~5", "-h", "--output=/tmp/x", ""])
async def test_a_bad_revision_is_one_line(tmp_path, rev):
    repo = make_repo(tmp_path / "repo")
    with pytest.raises(InputError) as e:
        await resolve(repo, rev)
    msg = str(e.value)
    assert "\n" not in msg and repr(rev) in msg


async def test_a_non_git_directory_is_one_line(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    for call in (resolve(plain, "main"), snapshot_worktree(plain)):
        with pytest.raises(InputError) as e:
            await call
        assert str(e.value).startswith(f"{plain}: not in a git repository") and "\n" not in str(e.value)
    with pytest.raises(InputError, match="not a directory"):
        await resolve(tmp_path / "missing", "main")
    empty = tmp_path / "empty"
    git(empty.parent, "init", "-q", str(empty))
    with pytest.raises(InputError, match="no commit yet"):
        await snapshot_worktree(empty)


def _leftovers(repo: Path) -> tuple[list[str], str]:
    ours = [n for n in os.listdir(tmp.tmp_root()) if n.startswith(("worktree-", "gitindex-"))]
    return sorted(ours), git(repo, "worktree", "list", "--porcelain")


async def test_checkout_is_removed_on_every_exit_path(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "p.txt").write_text("p\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pkg")
    rev = await resolve(repo, "main")
    before = user_state(repo)
    clean = _leftovers(repo)

    async with checkout(repo / "pkg", rev) as co:
        assert co.package == co.root / "pkg" and (co.package / "p.txt").read_text() == "p\n"
        assert co.root.parent.name.startswith(f"worktree-p{os.getpid()}-")
        assert str(co.root) in git(repo, "worktree", "list")
    assert not co.root.exists() and _leftovers(repo) == clean

    with pytest.raises(RuntimeError, match="boom"):
        async with checkout(repo, rev) as co:
            raise RuntimeError("boom")
    assert not co.root.exists() and _leftovers(repo) == clean

    inside = asyncio.Event()
    roots: list[Path] = []

    async def hold() -> None:
        async with checkout(repo, rev) as co:
            roots.append(co.root)
            inside.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(hold())
    await asyncio.wait_for(inside.wait(), 60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not roots[0].exists() and _leftovers(repo) == clean
    assert user_state(repo) == before


async def test_a_package_missing_at_the_revision(tmp_path):
    repo = make_repo(tmp_path / "repo")
    rev = await resolve(repo, "main")
    (repo / "later").mkdir()
    with pytest.raises(InputError, match=f"later: no such directory at main@{rev.commit[:7]}"):
        async with checkout(repo / "later", rev):
            pass
    assert _leftovers(repo)[0] == []


async def test_a_dead_runs_worktree_entry_is_removed(tmp_path):
    """What a SIGKILL leaves: the files are swept (dead pid), the .git/worktrees entry by the next checkout."""
    repo = make_repo(tmp_path / "repo")
    rev = await resolve(repo, "main")
    dead = tmp.tmp_root() / "worktree-p999999999-zz"
    git(repo, "worktree", "add", "-q", "--detach", str(dead / "src"), rev.commit)
    mine = tmp_path / "users-own-worktree"
    git(repo, "worktree", "add", "-q", "--detach", str(mine), rev.commit)
    shutil.rmtree(mine)  # a user's worktree on a disk that is not mounted: not ours to remove
    assert dead in tmp.sweep(tmp.tmp_root())
    async with checkout(repo, rev):
        pass
    listed = git(repo, "worktree", "list", "--porcelain")
    assert str(dead) not in listed and str(mine) in listed


@pytest.mark.slow
async def test_gobench_builds_and_runs_at_both_sides(real_go, tmp_path, monkeypatch):
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    repo = make_repo(tmp_path / "repo")
    shutil.copytree(GOBENCH, repo / "gobench")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "gobench")
    src = repo / "gobench" / "bench_test.go"
    src.write_text(src.read_text().replace("xs := make([]int, 64)", "xs := make([]int, 4096)"))
    before = user_state(repo)
    sides = [await resolve(repo, "main"), await snapshot_worktree(repo / "gobench")]
    assert [s.dirty for s in sides] == [False, True]
    for side, size in zip(sides, ("64", "4096")):
        async with checkout(repo / "gobench", side) as co:
            assert f"make([]int, {size})" in (co.package / "bench_test.go").read_text()
            result = await runner.run([str(real_go), "test", "-run", "^$", "-bench", "Sum", "-benchtime", "1x"],
                                      cwd=co.package, timeout=300)  # fmt: skip
            assert result.ok, result.stderr_text
            assert any(line.startswith("BenchmarkSum") for line in result.stdout)
    assert user_state(repo) == before
    assert _leftovers(repo)[0] == []
    assert revisions.SNAPSHOT_REFS + sides[1].commit in git(repo, "for-each-ref", "refs/m3tui")


_HOLDER = """
import asyncio, sys
from pathlib import Path
from m3tui.bench.revisions import checkout, resolve

async def main():
    repo = Path(sys.argv[1])
    async with checkout(repo, await resolve(repo, "main")) as co:
        print(co.root, flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_no_worktree_is_left_after_sigkill(tmp_path):
    import signal
    import sys

    repo = make_repo(tmp_path / "repo")
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(repo)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})  # fmt: skip
    try:
        root = Path(child.stdout.readline().strip())  # type: ignore[union-attr]
        assert root.is_dir() and str(root) in git(repo, "worktree", "list")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert root.exists()  # SIGKILL: nothing of the child's could clean up
    tmp.sweep(tmp.tmp_root())  # what the next m3tui's start-up sweep does (tmp_root sweeps once too)
    assert not root.parent.exists()
    async with checkout(repo, await resolve(repo, "main")):  # and the next checkout in that repo
        pass
    assert str(root) not in git(repo, "worktree", "list", "--porcelain")
    assert _leftovers(repo)[0] == []


async def test_both_sides_checked_out_at_once(tmp_path):
    """The A/B run's case: two worktrees of one repository alive together, both removed."""
    import contextlib

    repo = make_repo(tmp_path / "repo")
    (repo / "a.txt").write_text("changed\n")
    sides = [await resolve(repo, "main"), await snapshot_worktree(repo)]
    async with contextlib.AsyncExitStack() as stack:
        cos = await asyncio.gather(*(stack.enter_async_context(checkout(repo, s)) for s in sides))
        assert [(co.package / "a.txt").read_text() for co in cos] == ["a1\n", "changed\n"]
        assert len(git(repo, "worktree", "list").splitlines()) == 3
    assert _leftovers(repo)[0] == [] and len(git(repo, "worktree", "list").splitlines()) == 1
