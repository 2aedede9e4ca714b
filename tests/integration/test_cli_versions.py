"""`m3tui versions …` run as users run it, against the real go and real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

M3TUI = [sys.executable, "-m", "m3tui", "versions"]


def versions(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], capture_output=True, text=True, cwd=cwd, timeout=60, stdin=subprocess.DEVNULL)


def test_list_finds_the_real_go(real_go: Path) -> None:
    done = versions("list", "--json")
    assert done.returncode == 0, done.stderr
    installs = json.loads(done.stdout)["installed"]
    goroot = str(real_go.parent.parent)
    mine = next(i for i in installs if i["goroot"] == goroot)
    assert mine["version"] == (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    assert mine["current"] is True


def test_current_in_a_module_that_asks_for_a_newer_go(real_go: Path, tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    done = versions("current", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    view = json.loads(done.stdout)
    assert view["effective"] == "go1.99.1" and view["would_download"] is True
    text = versions("current", cwd=tmp_path).stdout
    assert "runs here:   go1.99.1 (go would download it first)" in text


def test_env_for_bash_puts_the_store_first(m3tui_home: Path) -> None:
    done = versions("env", "--shell", "bash")
    assert done.returncode == 0
    bindir = m3tui_home / "go" / "current" / "bin"
    path = subprocess.run(["bash", "-c", f"{done.stdout}\necho $PATH"], capture_output=True, text=True).stdout.strip()
    assert path.split(":")[0] == str(bindir)
    assert "GOROOT" not in done.stdout


def test_use_a_version_that_is_not_installed_is_one_line() -> None:
    done = versions("use", "1.19.1")
    assert done.returncode == 2  # the version named is not there: invalid input, like a missing file
    assert done.stderr.count("\n") == 1 and "not installed" in done.stderr


def test_use_without_a_shell_in_the_environment(real_go: Path, m3tui_home: Path) -> None:
    """CI and cron have no $SHELL: `use` must still switch and say which line to add (it once crashed)."""
    root = m3tui_home / "go" / "go1.22.10"
    (root / "bin").mkdir(parents=True)
    (root / "VERSION").write_text("go1.22.10\ntime 2025-01-01T00:00:00Z\n")
    (root / "bin" / "go").symlink_to(real_go)
    env = {k: v for k, v in os.environ.items() if k != "SHELL"}
    env["PATH"] = "/usr/bin:/bin"  # the store is not on PATH, so `use` must print the rc line
    done = subprocess.run([*M3TUI, "use", "1.22.10"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "now using go1.22.10" in done.stdout
    assert 'source "%s"' % (m3tui_home / "env.sh") in done.stdout
    assert os.readlink(m3tui_home / "go" / "current") == "go1.22.10"


def test_bad_version_is_bad_usage() -> None:
    for args in (["use", "banana"], ["remove", "1.x"]):
        done = versions(*args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


def test_install_offline_without_a_cached_index_is_one_line() -> None:
    done = versions("install", "1.22", "--offline")
    assert done.returncode == 3  # the operation failed: no index to install from
    assert done.stderr.count("\n") == 1 and "index" in done.stderr


def test_project_set_and_show(tmp_path: Path) -> None:
    assert versions("project", "--set", "1.22.10", cwd=tmp_path).returncode == 0
    assert (tmp_path / ".go-version").read_text().strip() in ("1.22.10", "go1.22.10")
    shown = json.loads(versions("project", "--json", cwd=tmp_path).stdout)
    assert [s["value"] for s in shown["sources"]] == [(tmp_path / ".go-version").read_text().strip()]


def test_versions_needs_an_action() -> None:
    done = versions()
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_env_add_to_rc_only_when_asked_and_only_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    rc = tmp_path / ".bashrc"
    rc.write_text("alias ll='ls -l'\n")
    assert versions("env", "--shell", "bash").returncode == 0
    assert rc.read_text() == "alias ll='ls -l'\n", "printing the env never touches the rc file"
    done = versions("env", "--shell", "bash", "--add-to-rc")
    assert done.returncode == 0 and "added to" in done.stdout
    assert rc.read_text().startswith("alias ll='ls -l'\n") and "env.sh" in rc.read_text()
    assert (tmp_path / ".bashrc.bak").read_text() == "alias ll='ls -l'\n"
    again = versions("env", "--shell", "bash", "--add-to-rc")
    assert "already" in again.stdout and rc.read_text().count("env.sh") == 1
