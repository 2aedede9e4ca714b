"""`m3tui doctor --fix` and `--undo` on a real rc file and a real `go env -w` file, byte for byte.

The test's own HOME holds a bash rc file (a stale GOROOT exported in it, no m3tui hook); GOENV
names a go env file with GOFLAGS and GOPROXY=off in it; GOROOT in the environment is another
Go's root (a VERSION file that says go1.20.1). `--fix --yes` comments the GOROOT line out, adds
the hook line (the file before kept as .bak), runs `go env -u GOFLAGS` and `go env -w GOPROXY=…`
with the real go; `--undo` puts both files back exactly.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

M3TUI = [sys.executable, "-m", "m3tui"]
RC = b"# my bashrc\nexport GOROOT=/old/go\nalias ll='ls -l'"  # no newline at the end
GOENV = b"GOFLAGS=-mod=mod\nGOPROXY=off\nGOPRIVATE=example.com/*\n"


@pytest.fixture
def setup(real_go: Path, tmp_path: Path) -> tuple[dict[str, str], Path, Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    rc = home / ".bashrc"
    rc.write_bytes(RC)
    goenv = tmp_path / "goenv"
    goenv.write_bytes(GOENV)
    stale = tmp_path / "oldroot"
    stale.mkdir()
    (stale / "VERSION").write_text("go1.20.1\n")
    env = {**os.environ, "HOME": str(home), "SHELL": "/bin/bash", "GOENV": str(goenv), "GOROOT": str(stale)}
    for var in ("GOFLAGS", "GOPROXY", "GOPRIVATE", "ZDOTDIR"):
        env.pop(var, None)
    return env, home, rc, goenv


def _m3tui(env: dict[str, str], *args: str, stdin: object = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, "doctor", *args], capture_output=True, text=True, env=env, timeout=120, stdin=stdin)


def test_fix_yes_then_undo_byte_for_byte(setup: tuple[dict[str, str], Path, Path, Path], m3tui_home: Path) -> None:
    env, home, rc, goenv = setup
    done = _m3tui(env, "--fix", "--yes", "--offline")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    # Each change shown exactly before it is made.
    assert "go env -u GOFLAGS\n" in out
    assert "go env -w GOPROXY=https://proxy.golang.org,direct\n" in out
    assert f"comment out GOROOT in {rc}:\n      2: - export GOROOT=/old/go\n      2: + # export GOROOT=/old/go" in out
    hook = f'source "{m3tui_home / "env.sh"}"'
    assert f"add to {rc}:\n      + {hook}" in out
    # The files, byte for byte.
    assert rc.read_bytes() == b"# my bashrc\n# export GOROOT=/old/go\nalias ll='ls -l'\n" + hook.encode() + b"\n"
    assert (home / ".bashrc.bak").read_bytes() == RC
    assert (home / ".bashrc.bak.1").read_bytes() == b"# my bashrc\n# export GOROOT=/old/go\nalias ll='ls -l'"
    assert goenv.read_bytes() == b"GOPRIVATE=example.com/*\nGOPROXY=https://proxy.golang.org,direct\n"  # as go writes it
    # Checked again: GOFLAGS and GOPROXY fixed here; GOROOT as a new shell would start (without it).
    assert "checked again (as a new shell would start):" in out
    assert "✓ GOFLAGS not set" in out and "✓ GOPROXY=https://proxy.golang.org,direct" in out
    assert "✓ GOROOT " in out
    journal = m3tui_home / "doctor-fixes.json"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert sorted(c["kind"] for c in json.loads(journal.read_text())["changes"]) == ["go_env", "go_env", "rc", "rc"]

    undone = _m3tui(env, "--undo")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert rc.read_bytes() == RC
    assert goenv.read_bytes() == GOENV
    assert sorted(p.name for p in home.iterdir() if p.name.startswith(".bashrc")) == [".bashrc"]
    assert not journal.exists()
    again = _m3tui(env, "--undo")
    assert again.returncode == 0 and again.stdout.startswith("nothing to undo")


def test_fix_without_a_terminal_or_yes_exits_2(setup: tuple[dict[str, str], Path, Path, Path]) -> None:
    env, home, rc, goenv = setup
    done = _m3tui(env, "--fix", "--offline")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["m3tui doctor --fix: no terminal to ask on: pass --yes to apply every fix offered"]
    assert done.stdout == ""
    assert rc.read_bytes() == RC and goenv.read_bytes() == GOENV
    assert sorted(p.name for p in home.iterdir()) == [".bashrc"]


def test_undo_refused_after_the_user_edited_the_rc_file(setup: tuple[dict[str, str], Path, Path, Path], m3tui_home: Path) -> None:
    env, home, rc, goenv = setup
    assert _m3tui(env, "--fix", "--yes", "--offline").returncode == 0
    edited = rc.read_bytes() + b"export EDITOR=vim\n"
    rc.write_bytes(edited)
    fixed_goenv = goenv.read_bytes()
    journal = (m3tui_home / "doctor-fixes.json").read_bytes()
    done = _m3tui(env, "--undo")
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [f"m3tui: {rc} changed since m3tui doctor --fix edited it: not undone (nothing was changed)"]
    assert rc.read_bytes() == edited and goenv.read_bytes() == fixed_goenv
    assert (m3tui_home / "doctor-fixes.json").read_bytes() == journal  # still there: undo it after putting the file back


def test_fix_asks_on_a_terminal_and_applies_only_what_is_confirmed(setup: tuple[dict[str, str], Path, Path, Path]) -> None:
    """On a pty: "y" to the first fix offered, "n" (enter) to the rest: only that one is made."""
    import pty

    env, home, rc, goenv = setup
    parent, child = pty.openpty()
    try:
        proc = subprocess.Popen([*M3TUI, "doctor", "--fix", "--offline"], stdin=child, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, text=True)  # fmt: skip
        os.write(parent, b"y\n\n\n\n\n\n")
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(parent)
        os.close(child)
    assert proc.returncode == 0, out + err
    assert out.count("apply? [y/N]") >= 3 and out.count("    applied") == 1
    first = out.split("apply? [y/N]")[0]
    if "go env -u GOFLAGS" in first:
        assert goenv.read_bytes() == b"GOPROXY=off\nGOPRIVATE=example.com/*\n" and rc.read_bytes() == RC
    else:
        assert goenv.read_bytes() == GOENV


@pytest.mark.parametrize("shell", ["bash", "fish"])
def test_the_real_shell_no_longer_sets_the_stale_goroot(setup: tuple[dict[str, str], Path, Path, Path], shell: str) -> None:
    """What the shell itself reads, before the fix, after it, and after the undo (bash: .bashrc; fish: config.fish)."""
    import shutil

    env, home, rc, goenv = setup
    exe = shutil.which(shell)
    assert exe is not None, f"{shell} is installed for these tests"
    if shell == "fish":
        rc = home / ".config" / "fish" / "config.fish"
        rc.parent.mkdir(parents=True)
        rc.write_bytes(b"set -gx GOROOT /old/go\n")
    env = {**env, "SHELL": exe, "XDG_CONFIG_HOME": str(home / ".config")}
    before = rc.read_bytes()
    script = 'printf "%s" "${GOROOT-unset}"' if shell == "bash" else 'if set -q GOROOT; printf "%s" $GOROOT; else; printf unset; end'
    shell_env = {k: v for k, v in env.items() if k != "GOROOT"}

    def goroot() -> str:
        argv = [exe, "-i", "-c", script] if shell == "bash" else [exe, "-c", script]  # interactive bash reads ~/.bashrc
        return subprocess.run(argv, capture_output=True, text=True, env=shell_env, timeout=30, stdin=subprocess.DEVNULL).stdout

    assert goroot() == "/old/go"
    assert _m3tui(env, "--fix", "--yes", "--offline").returncode == 0
    assert goroot() == "unset"
    assert _m3tui(env, "--undo").returncode == 0
    assert rc.read_bytes() == before and goroot() == "/old/go"
