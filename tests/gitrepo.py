"""A git repository holding a small Go module whose one benchmark's cost is set per revision.

The module (`example.com/revab`) has BenchmarkFast (fixed work) and BenchmarkSlow (``N`` steps
per op, ``N`` in n.go). :func:`make_revab_repo` commits one ``N`` on ``main`` and leaves another
in the working tree: the revision A/B tests (tests/integration/test_bench_rev_ab.py, the Bench
pane's real-backend tests) and benchmarks/revab.py measure the difference.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip

BENCH = """package revab

import "testing"

var sink int

func work(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i ^ (s >> 3)
	}
	return s
}

func BenchmarkFast(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += work(50)
	}
}

func BenchmarkSlow(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += work(N)
	}
}
"""


def git(repo: Path, *args: str) -> str:
    """git in ``repo`` with no user or system config; its stdout, stripped."""
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True, text=True).stdout.strip()


def set_n(repo: Path, n: int | str) -> None:
    """BenchmarkSlow's steps per op (any Go expression: an undefined name breaks the build)."""
    (repo / "n.go").write_text(f"package revab\n\nconst N = {n}\n")


def make_revab_repo(root: Path, *, main_n: int = 100, tree_n: int = 2000) -> Path:
    """``root/repo``: ``main`` committed with N = ``main_n``, the working tree with N = ``tree_n``."""
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "go.mod").write_text("module example.com/revab\n\ngo 1.21\n")
    (repo / "bench_test.go").write_text(BENCH)
    set_n(repo, main_n)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    set_n(repo, tree_n)
    return repo
