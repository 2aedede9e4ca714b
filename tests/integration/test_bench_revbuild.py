"""bench/revbuild: a revision checked out in a worktree builds as the user's tree does (real git, real go)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from m3tui.bench.revbuild import WORKSPACE_DIR, prepare
from m3tui.bench.revisions import checkout, resolve, snapshot_worktree
from m3tui.core import runner
from m3tui.core.errors import InputError

_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
_SUBMODULE = ("-c", "protocol.file.allow=always")


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=repo, env=_ENV, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def commit(repo: Path, files: dict[str, str], message: str = "c") -> str:
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "-q", "-b", "main")
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def gomod(path: str, *lines: str) -> str:
    return "\n".join([f"module {path}", "", "go 1.22", "", *lines, ""])


_TEST = """package {pkg}

import (
	"testing"
{imports}
)

func TestV(t *testing.T) {{ t.Log("got=" + {expr}) }}
"""


def gotest(pkg: str, expr: str, *imports: str) -> str:
    return _TEST.format(pkg=pkg, expr=expr, imports="".join(f'\t"{i}"\n' for i in imports))


@pytest.fixture
def offline(real_go: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    monkeypatch.delenv("GOWORK", raising=False)
    return real_go


async def run_test(go: Path, cwd: Path, env: dict[str, str]) -> runner.RunResult:
    return await runner.run([str(go), "test", "-count=1", "-run", "TestV", "-v", "."], cwd=cwd,
                            env={**env, "GOTOOLCHAIN": "local"}, timeout=300)  # fmt: skip


def got(result: runner.RunResult) -> str:
    assert result.ok, result.stdout_text + result.stderr_text
    return next(line.split("got=", 1)[1] for line in result.stdout if "got=" in line)


def replace_repo(tmp_path: Path) -> Path:
    """repo/app replaces example.com/dep with ../../dep (outside the repo) and example.com/lib with ../lib (inside)."""
    commit(tmp_path / "dep", {"go.mod": gomod("example.com/dep"), "dep.go": 'package dep\n\nconst Name = "outside"\n'})
    repo = tmp_path / "repo"
    commit(repo, {
        "app/go.mod": gomod("example.com/app", "require (", "\texample.com/dep v0.0.0", "\texample.com/lib v0.0.0", ")",
                            "", "replace example.com/dep => ../../dep", "", "replace example.com/lib => ../lib"),
        "app/app_test.go": gotest("app", "lib.Version + \" \" + dep.Name", "example.com/dep", "example.com/lib"),
        "lib/go.mod": gomod("example.com/lib"),
        "lib/lib.go": 'package lib\n\nconst Version = "v1"\n',
    })  # fmt: skip
    (repo / "lib" / "lib.go").write_text('package lib\n\nconst Version = "v2"\n')  # the user's change, not committed
    return repo


async def test_a_replace_outside_the_repo_reaches_the_users_module(offline, tmp_path):
    repo = replace_repo(tmp_path)
    users_gomod = (repo / "app" / "go.mod").read_bytes()
    async with checkout(repo / "app", await resolve(repo, "main")) as co:
        # as checked out, ../../dep is beside the scratch directory: nothing there
        assert not (await run_test(offline, co.package, {"GOWORK": "off"})).ok
        env = await prepare(co, repo / "app", str(offline))
        assert env == {"GOWORK": "off"}
        assert f"example.com/dep => {tmp_path.resolve() / 'dep'}" in (co.package / "go.mod").read_text()
        assert "example.com/lib => ../lib" in (co.package / "go.mod").read_text()
        assert got(await run_test(offline, co.package, env)) == "v1 outside"
    assert (repo / "app" / "go.mod").read_bytes() == users_gomod


async def test_a_replace_inside_the_repo_takes_the_revisions_module(offline, tmp_path):
    repo = replace_repo(tmp_path)
    seen = []
    for rev in (await resolve(repo, "main"), await snapshot_worktree(repo / "app")):
        async with checkout(repo / "app", rev) as co:
            seen.append(got(await run_test(offline, co.package, await prepare(co, repo / "app", str(offline)))))
    assert seen == ["v1 outside", "v2 outside"]


async def test_a_go_work_above_the_repo(offline, tmp_path, monkeypatch):
    monkeypatch.delenv("GOFLAGS")  # -mod=mod is refused in workspace mode
    ws = tmp_path / "ws"
    commit(ws / "other", {"go.mod": gomod("example.com/other"), "other.go": 'package other\n\nconst Name = "other"\n'})
    repo = ws / "repo"
    commit(repo, {
        "app/go.mod": gomod("example.com/app"),
        "app/v.go": 'package app\n\nconst Version = "v1"\n',
        "app/app_test.go": gotest("app", 'Version + " " + other.Name', "example.com/other"),
    })  # fmt: skip
    write(ws, {"go.work": "go 1.22\n\nuse (\n\t./repo/app\n\t./other\n)\n", "go.work.sum": "\n"})
    (repo / "app" / "v.go").write_text('package app\n\nconst Version = "v2"\n')
    users = (ws / "go.work").read_bytes()
    seen = []
    for rev in (await resolve(repo, "main"), await snapshot_worktree(repo)):
        async with checkout(repo / "app", rev) as co:
            env = await prepare(co, repo / "app", str(offline))
            copy = co.root.parent / WORKSPACE_DIR / "go.work"
            assert env == {"GOWORK": str(copy)} and (copy.parent / "go.work.sum").is_file()
            text = copy.read_text()
            assert str(co.root / "app") in text and str(ws.resolve() / "other") in text and "./" not in text
            seen.append(got(await run_test(offline, co.package, env)))
    assert seen == ["v1 other", "v2 other"]
    assert (ws / "go.work").read_bytes() == users
    assert not copy.exists()  # removed with the checkout


async def test_a_go_work_inside_the_repo(offline, tmp_path):
    """The revision's own go.work; else the user's untracked one (a checkout leaves it); else off."""
    repo = tmp_path / "repo"
    work = "go 1.22\n\nuse ./app\n\nreplace example.com/x => ../x\n"
    first = commit(repo, {"app/go.mod": gomod("example.com/app"), "app/a.go": "package app\n", "go.work": work})
    git(repo, "rm", "-q", "go.work")
    git(repo, "commit", "-q", "-m", "no go.work")
    write(repo, {"go.work": work})  # the user's tree has it again, tracked at no commit: untracked
    for rev, expect in ((first, "own"), ("HEAD", "copy")):
        async with checkout(repo / "app", await resolve(repo, rev)) as co:
            env = await prepare(co, repo / "app", str(offline))
            assert env["GOWORK"] == str(co.root / "go.work" if expect == "own" else co.root.parent / WORKSPACE_DIR / "go.work")
            text = Path(env["GOWORK"]).read_text()
            assert f"example.com/x => {tmp_path.resolve() / 'x'}" in text  # ../x leaves the repo: the user's
            assert ("./app" in text) == (expect == "own")
    git(repo, "add", "go.work")  # tracked now: `git checkout HEAD` would delete it
    async with checkout(repo / "app", await resolve(repo, "HEAD")) as co:
        assert await prepare(co, repo / "app", str(offline)) == {"GOWORK": "off"}


def submodule_repo(tmp_path: Path) -> Path:
    """repo (module example.com/app) with submodule third/, which has submodule deep/: plain packages."""
    commit(tmp_path / "deepsrc", {"deep.go": 'package deep\n\nconst D = "deep1"\n'})
    third = tmp_path / "thirdsrc"
    commit(third, {"third.go": 'package third\n\nimport "example.com/app/third/deep"\n\nconst T = "third+" + deep.D\n'})
    git(third, *_SUBMODULE, "submodule", "add", "-q", str(tmp_path / "deepsrc"), "deep")
    git(third, "commit", "-q", "-m", "deep")
    repo = tmp_path / "repo"
    commit(repo, {"go.mod": gomod("example.com/app"), "app_test.go": gotest("app", "third.T", "example.com/app/third")})
    git(repo, *_SUBMODULE, "submodule", "add", "-q", str(third), "third")
    git(repo, "commit", "-q", "-m", "third")
    git(repo, *_SUBMODULE, "submodule", "update", "-q", "--init", "--recursive")
    return repo


async def test_submodules_are_filled_from_the_users_checkouts(offline, tmp_path):
    repo = submodule_repo(tmp_path)
    before = [git(repo / d, "status", "--porcelain") + git(repo / d, "rev-parse", "HEAD") for d in ("third", "third/deep")]
    index = (repo / ".git" / "modules" / "third" / "index").read_bytes()
    async with checkout(repo, await resolve(repo, "main")) as co:
        assert not any((co.root / "third").iterdir())  # what git worktree add leaves
        env = await prepare(co, repo, str(offline))
        assert (co.root / "third" / "deep" / "deep.go").is_file()
        assert got(await run_test(offline, co.package, env)) == "third+deep1"
    after = [git(repo / d, "status", "--porcelain") + git(repo / d, "rev-parse", "HEAD") for d in ("third", "third/deep")]
    assert after == before and (repo / ".git" / "modules" / "third" / "index").read_bytes() == index


async def test_a_submodule_that_is_not_checked_out_is_one_clear_line(offline, tmp_path):
    repo = submodule_repo(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    rev = await resolve(clone, "main")
    sha = git(clone, "rev-parse", "HEAD:third")
    for shown, init in (("third", ()), ("third/deep", ("submodule", "update", "-q", "--init"))):
        if init:
            git(clone, *_SUBMODULE, *init)
        async with checkout(clone, rev) as co:
            with pytest.raises(InputError) as e:
                await prepare(co, clone, str(offline))
        msg = str(e.value)
        assert msg.startswith(f"submodule {shown}: not checked out in {clone.resolve()}") and "\n" not in msg
        assert "git submodule update --init --recursive" in msg
        if shown == "third":
            assert sha[:12] in msg


async def test_a_submodule_commit_the_users_checkout_lacks(offline, tmp_path):
    repo = submodule_repo(tmp_path)
    newer = commit(tmp_path / "thirdsrc", {"later.go": "package third\n"})  # never fetched into repo/third
    git(repo, "update-index", "--cacheinfo", f"160000,{newer},third")
    git(repo, "commit", "-q", "-m", "third moves on")
    async with checkout(repo, await resolve(repo, "main")) as co:
        with pytest.raises(InputError) as e:
            await prepare(co, repo, str(offline))
    msg = str(e.value)
    assert msg.startswith(f"submodule third: commit {newer[:12]} (at main@") and f"git -C {repo.resolve() / 'third'} fetch" in msg
    assert "\n" not in msg


async def test_a_go_mod_broken_at_one_revision_is_left_to_that_sides_build(offline, tmp_path):
    repo = tmp_path / "repo"
    commit(repo, {"go.mod": "module example.com/app\n\ngo 1.22\n\nreplace (\n", "app_test.go": gotest("app", '"x"')})
    write(repo, {"go.mod": gomod("example.com/app")})
    for rev, ok in ((await resolve(repo, "main"), False), (await snapshot_worktree(repo), True)):
        async with checkout(repo, rev) as co:
            env = await prepare(co, repo, str(offline))
            result = await run_test(offline, co.package, env)
            assert result.ok == ok and (ok or "go.mod:" in result.stderr_text)
