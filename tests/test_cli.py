"""The headless command, run as users run it: a real process, real go, exit statuses 0/1/2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui import __version__

M3TUI = [sys.executable, "-m", "m3tui"]


def m3tui(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([*M3TUI, *args], capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)


def test_version() -> None:
    done = m3tui("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"m3tui {__version__}"


def test_help_lists_every_subcommand() -> None:
    done = m3tui("--help")
    assert done.returncode == 0
    for command in ("doctor", "versions", "bench", "profile", "logs", "--theme"):
        assert command in done.stdout


def test_doctor_with_the_real_go(real_go: Path) -> None:
    done = m3tui("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    version = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    assert f"go version  {version}" in done.stdout


def test_doctor_json_with_the_real_go(real_go: Path) -> None:
    done = m3tui("doctor", "--json")
    assert done.returncode == 0
    report = json.loads(done.stdout)
    assert Path(report["go"]["resolved"]) == real_go.resolve()
    assert report["env"]["GOROOT"] == str(real_go.parent.parent)
    assert report["problems"] == []


def test_doctor_without_go_is_a_found_problem(tmp_path: Path) -> None:
    done = m3tui("doctor", "--json", path=str(tmp_path))
    assert done.returncode == 1
    assert json.loads(done.stdout)["problems"] == ["no `go` on PATH"]
    assert done.stderr == ""


@pytest.mark.parametrize("command", ["versions", "bench", "profile", "logs"])
def test_subcommands_not_built_yet_say_so(command: str) -> None:
    done = m3tui(command, "list", "--json")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not built yet" in done.stderr
    assert "error" in json.loads(done.stdout)


@pytest.mark.parametrize(
    "args",
    [["--bogus"], ["frobnicate"], ["doctor", "--nope"], ["--theme", "no-such-theme"]],
)
def test_bad_usage_is_one_line_and_exit_2(args: list[str]) -> None:
    done = m3tui(*args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("m3tui")
