"""`m3tui bench --rev`: git revisions compared A B A B, from real repositories and the real go.

The repository is made here: a module whose BenchmarkSlow does N steps of work, committed with
N = 100; the working tree then sets N = 2000. Every run checks that the user's tree, index, stash
and worktrees are exactly as they were (tests/integration/test_bench_revisions.user_state).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitrepo import git, make_revab_repo, set_n
from tests.integration.test_bench_revisions import user_state
from tests.wait import wait_until

M3TUI = [sys.executable, "-m", "m3tui", "bench"]
FAST = ["--cpu", "1", "--count", "6", "--benchtime", "3000x"]


@pytest.fixture
def repo(real_go: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding the module at its top; main has N = 100, the working tree N = 2000."""
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    root = make_revab_repo(tmp_path)
    git(root, "stash", "push", "-q", "-m", "an old stash of the user's")  # the stash must survive untouched
    set_n(root, 2000)
    (root / "notes.txt").write_text("untracked, not ignored: part of the working tree\n")
    return root


def bench(repo: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], cwd=repo, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip


def row(out: dict, name: str) -> dict:
    """The sec/op row of benchmark ``name`` in a run's --json comparison."""
    table = next(t for t in out["compare"] if t["unit"] == "sec/op")
    return next(r for r in table["rows"] if r["name"] == name)


def worktree_dirs(home: Path) -> list[Path]:
    return sorted((home / "tmp").glob("worktree-*")) if (home / "tmp").is_dir() else []


def test_working_tree_against_main_shows_the_slower_side_and_leaves_everything_as_it_was(
    repo: Path, m3tui_home: Path
) -> None:
    before = user_state(repo)
    done = bench(repo, ".", "--rev", "main", *FAST, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    main_short = git(repo, "rev-parse", "--short=7", "main")
    assert list(out["sides"]) == [f"main@{main_short}", "working tree"]
    slow, fast = row(out, "Slow"), row(out, "Fast")
    change = slow["cells"]["working tree"]["vs_base"]
    assert change["significant"] and change["delta_pct"] > 100, slow  # 20x the work
    assert not fast["cells"]["working tree"]["vs_base"]["delta_pct"] > 100
    assert [r["label"] for r in out["revisions"]] == [f"main@{main_short}", "working tree"]
    assert out["revisions"][1]["dirty"] is True
    # interleaved: the progress lines alternate sides
    sides = [line.split("  ")[1] for line in done.stderr.splitlines() if line.startswith("  ") and " Slow " in line]
    assert sides == [f"main@{main_short}", "working tree"] * 6
    assert user_state(repo) == before
    assert worktree_dirs(m3tui_home) == []
    snapshot = out["revisions"][1]["commit"]
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/m3tui/") == f"refs/m3tui/snapshots/{snapshot}"


def test_history_keeps_each_sides_revision_and_a_rerun_repeats_the_same_trees(repo: Path) -> None:
    first = bench(repo, ".", "--rev", "main", *FAST, "--bench", "Slow", "--json")
    assert first.returncode == 0, first.stderr
    run_id = json.loads(first.stdout)["run_id"]
    snapshot = json.loads(first.stdout)["revisions"][1]["commit"]
    shown = bench(repo, "history", "show", str(run_id))
    assert shown.returncode == 0, shown.stderr
    main_commit = git(repo, "rev-parse", "main")
    assert f"A: main@{main_commit[:7]}  {main_commit}" in shown.stdout
    assert f"B: working tree  {snapshot} (uncommitted changes)" in shown.stdout
    listed = bench(repo, "history").stdout
    assert f"main@{main_commit[:7]} vs working tree" in listed
    # The user undoes the change: a re-run still measures the snapshot, not today's tree.
    set_n(repo, 100)
    again = bench(repo, "history", "rerun", str(run_id), "--json")
    assert again.returncode == 0, again.stderr
    out = json.loads(again.stdout)
    assert [(r["label"], r["commit"]) for r in out["revisions"]] == [(f"main@{main_commit[:7]}", main_commit),
                                                                     ("working tree", snapshot)]  # fmt: skip
    assert row(out, "Slow")["cells"]["working tree"]["vs_base"]["delta_pct"] > 100


def test_two_revisions_by_name(repo: Path) -> None:
    git(repo, "stash", "drop", "-q")
    git(repo, "commit", "-q", "-am", "slower")
    git(repo, "tag", "v2")
    done = bench(repo, ".", "--rev", "main~1", "--rev", "v2", *FAST, "--bench", "Slow", "--json", "--no-save")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    labels = list(out["sides"])
    assert labels[0].startswith("main~1@") and labels[1].startswith("v2@")
    assert row(out, "Slow")["cells"][labels[1]]["vs_base"]["delta_pct"] > 100


@pytest.mark.parametrize("args,code,words", [
    (["--rev", "nosuchbranch"], 2, "revision 'nosuchbranch': no such commit"),
    (["--rev", "main", "--rev", "main", "--rev", "main"], 2, "--rev at most twice"),
    (["--rev", "main", "--go", "1.22.1", "--go", "1.23.1"], 2, "one axis at a time"),
    (["--rev=--bench"], 2, "revision '--bench': not a revision name"),
])  # fmt: skip
def test_bad_revisions_are_one_line_usage_errors(repo: Path, args: list[str], code: int, words: str) -> None:
    before = user_state(repo)
    done = bench(repo, ".", *args, *FAST)
    assert done.returncode == code and done.stderr.count("\n") == 1 and words in done.stderr, done.stderr
    assert user_state(repo) == before


def test_not_a_git_directory_is_a_clear_error(pkg: Path) -> None:
    done = bench(pkg, ".", "--rev", "main", *FAST)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "not in a git repository" in done.stderr, done.stderr


def test_a_package_missing_at_one_revision_is_named(repo: Path, m3tui_home: Path) -> None:
    sub = repo / "newpkg"
    sub.mkdir()
    (sub / "x_test.go").write_text("package newpkg\n\nimport \"testing\"\n\nfunc BenchmarkX(b *testing.B) {}\n")
    done = bench(repo, "./newpkg", "--rev", "main", *FAST)
    errors = [line for line in done.stderr.splitlines() if not line.startswith("· ")]
    assert done.returncode == 2 and len(errors) == 1, done.stderr
    assert "m3tui bench: newpkg: no such directory at main@" in errors[0]
    assert worktree_dirs(m3tui_home) == []
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_a_build_that_fails_at_one_side_keeps_the_other(repo: Path, m3tui_home: Path) -> None:
    set_n(repo, "undefinedThing")
    done = bench(repo, ".", "--rev", "main", *FAST, "--bench", "Slow")
    assert done.returncode == 3, done.stderr
    main_short = git(repo, "rev-parse", "--short=7", "main")
    assert f"main@{main_short}" in done.stdout and "Slow" in done.stdout  # side A measured and shown
    assert "m3tui bench: working tree: ./n.go:3:11: undefined: undefinedThing" in done.stderr, done.stderr
    assert "working tree: the build failed" in done.stderr.splitlines()[-1]
    assert worktree_dirs(m3tui_home) == []


@pytest.mark.slow
@pytest.mark.parametrize("how", ["sigint", "sigkill"])
def test_no_worktree_is_left_after_a_cancel_or_sigkill(repo: Path, m3tui_home: Path, how: str) -> None:
    before_worktrees = git(repo, "worktree", "list", "--porcelain")
    proc = subprocess.Popen([*M3TUI, ".", "--rev", "main", "--cpu", "1", "--count", "200", "--benchtime", "200ms",
                             "--bench", "Slow"], cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Slow  2/200" in line:  # both worktrees exist, binaries running
                break
        assert len(worktree_dirs(m3tui_home)) == 2
        if how == "sigint":
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=60) == 130
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if how == "sigkill":  # nothing ran on the way out: the next m3tui sweeps the files and the entries
        assert len(worktree_dirs(m3tui_home)) == 2
        done = bench(repo, ".", "--rev", "main", *FAST, "--bench", "Fast", "--no-save")
        assert done.returncode == 0, done.stderr
    wait_until(lambda: worktree_dirs(m3tui_home) == [], timeout=10)
    assert git(repo, "worktree", "list", "--porcelain") == before_worktrees


async def test_revision_choices_list_branches_tags_and_recent_commits(repo: Path, tmp_path: Path) -> None:
    from m3tui.bench.revisions import revision_choices

    git(repo, "tag", "v1")
    git(repo, "branch", "feature")
    choices = await revision_choices(repo)
    words = [(c.word, c.kind) for c in choices]
    head = git(repo, "rev-parse", "--short=7", "HEAD")
    assert ("main", "branch") in words and ("feature", "branch") in words and ("v1", "tag") in words
    assert words[-1] == (head, "commit") and choices[-1].about == "first"
    assert await revision_choices(tmp_path / "nowhere") == []
