"""The move to the XDG layout as users meet it, on a fake home (HOME and XDG_* under tmp_path,
M3TUI_HOME unset): a macOS old layout (platform given) moved, its env files rewritten for the
new place the way `m3tui` does at start, and the stub left in ~/Library/Application Support
sourced by real bash, zsh and fish from an rc line naming the old path: the moved Go runs.
The cache directory is excluded from Time Machine once, when made: a fake `tmutil` first on
PATH records the argv it was run with. On Linux, a real `python -m m3tui` moves the config and
the cache out of ~/.local/share/m3tui with one line on stderr, and says nothing the second time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui.core import layout


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("M3TUI_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def tmutil_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `tmutil` first on PATH that appends its arguments (one a line) to a log and succeeds."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    log = tmp_path / "tmutil.log"
    script = bin_dir / "tmutil"
    script.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a" >> "{log}"; done\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return log


def old_macos_layout(old: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An older m3tui's state: a Go in the store, current -> it, and its own env files (with the space)."""
    from m3tui.versions import switch

    gobin = old / "go" / "go1.22.0" / "bin"
    gobin.mkdir(parents=True)
    (gobin / "go").write_text("#!/bin/sh\necho \"fake go from $0\"\n")
    (gobin / "go").chmod(0o755)
    os.symlink("go1.22.0", old / "go" / "current")
    (old / "config.toml").write_text('theme = "nord"\n')
    (old / "downloads").mkdir()
    (old / "logs").mkdir()  # the command log: running tmutil must not take its new place first
    (old / "logs" / "commands.jsonl").write_text("{}\n")
    with monkeypatch.context() as mp:
        mp.setenv("M3TUI_HOME", str(old))
        switch.write_env_files()
    assert "Application Support/m3tui/go/current/bin" in (old / "env.sh").read_text()


def run_shell(argv: list[str], script: str, home: Path) -> str:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(home / ".config")}
    done = subprocess.run([*argv, script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_macos_migration_stub_sources_the_new_env_in_real_shells(home: Path, tmutil_log: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from m3tui.versions import switch

    old = home / "Library" / "Application Support" / "m3tui"
    old_macos_layout(old, monkeypatch)
    migration = layout.prepare("darwin")
    assert migration is not None and migration.env_moved
    switch.write_env_files()  # what cli/main does after a migration that moved the env files
    cache, data = home / ".cache" / "m3tui", home / ".local" / "share" / "m3tui"
    assert tmutil_log.read_text().splitlines() == ["addexclusion", str(cache)]
    assert (cache / "downloads").is_dir() and (home / ".config/m3tui/config.toml").is_file()
    assert not migration.kept and (data / "logs" / "commands.jsonl").read_text().startswith("{}\n")
    new_env = (data / "env.sh").read_text()
    assert "Application Support" not in new_env and f"{data}/go/current/bin" in new_env
    go = f"{data}/go/current/bin/go"
    # rc lines naming the old path, as `--add-to-rc` wrote them
    out = run_shell(["bash", "--noprofile", "--norc", "-c"], f"source '{old}/env.sh'\ncommand -v go\ngo\necho \"$PATH\"", home)
    assert out.splitlines()[:2] == [go, f"fake go from {go}"]
    assert out.splitlines()[2].startswith(f"{data}/go/current/bin:{data}/go/current/gobin:")
    out = run_shell(["zsh", "-f", "-c"], f"source '{old}/env.sh'\nwhence -p go\ngo", home)
    assert out.splitlines() == [go, f"fake go from {go}"]
    out = run_shell(["fish", "--no-config", "-c"], f"source '{old}/env.fish'\ncommand -v go\ngo", home)
    assert out.splitlines() == [go, f"fake go from {go}"]
    # The rc line naming the old path still counts: the doctor's hook check, and --add-to-rc adds no second line.
    from m3tui.doctor.checks_shell import hook_finding
    from m3tui.doctor.model import Status

    rc = home / ".bash_profile"
    rc.write_text(f'source "{old}/env.sh"\n')
    finding = hook_finding({"HOME": str(home), "SHELL": "/bin/bash", "PATH": "/usr/bin"}, platform="darwin")
    assert finding.status == Status.OK and finding.data["sourced_in"] == str(rc), finding
    assert switch.install_rc("bash", rc) is False and rc.read_text() == f'source "{old}/env.sh"\n'
    # A second start: nothing moves, tmutil does not run again.
    assert layout.prepare("darwin") is None
    assert tmutil_log.read_text().splitlines() == ["addexclusion", str(cache)]


def test_no_tmutil_is_not_a_failure(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert layout.ensure_cache_dir("darwin") is False
    assert (home / ".cache" / "m3tui").is_dir()


def test_linux_start_moves_config_and_cache_with_one_line(home: Path, tmp_path: Path) -> None:
    data = home / ".local" / "share" / "m3tui"
    (data / "cache").mkdir(parents=True)
    (data / "cache" / "go-index-abc.json").write_text("[]")
    (data / "config.toml").write_text('theme = "nord"\n')
    (data / "env.sh").write_text("# env\n")
    env = {k: v for k, v in os.environ.items() if k not in ("M3TUI_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                                            "XDG_CACHE_HOME")}  # fmt: skip
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1")

    def start() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "m3tui", "--version"], env=env, capture_output=True, text=True,
                              timeout=60)  # fmt: skip

    first = start()
    assert first.returncode == 0, first.stderr
    conf, cache = home / ".config" / "m3tui", home / ".cache" / "m3tui"
    assert first.stderr == f"m3tui: moved its files from {data} to {conf}, {cache}\n"
    assert (conf / "config.toml").read_text() == 'theme = "nord"\n'
    assert (cache / "cache" / "go-index-abc.json").is_file()
    assert (data / "env.sh").read_text() == "# env\n" and (data / layout.MARKER).is_file()
    second = start()
    assert second.returncode == 0 and second.stderr == ""



def test_a_start_waits_for_a_migration_in_progress(home: Path) -> None:
    """The old root's lock: while another m3tui holds it (here: this test), a start waits and
    moves nothing; once it is released, the start moves, says so, and exits 0."""
    import fcntl
    import time

    data = home / ".local" / "share" / "m3tui"
    data.mkdir(parents=True)
    (data / "config.toml").write_text('theme = "nord"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("M3TUI_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                                            "XDG_CACHE_HOME")}  # fmt: skip
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    fd = os.open(data / layout.LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        proc = subprocess.Popen([sys.executable, "-m", "m3tui", "--version"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and (data / "config.toml").exists() and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None and (data / "config.toml").exists()
    finally:
        os.close(fd)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "moved its files" in err, err
    assert (home / ".config" / "m3tui" / "config.toml").is_file() and not (data / "config.toml").exists()
