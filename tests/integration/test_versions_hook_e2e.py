"""The directory hook with two really installed Go versions (tests/goinstalls.py: go1.27.3 and
go1.26.6, installed by `m3tui versions install` from a go.dev-shaped site on 127.0.0.1), in real
bash, zsh and fish: the env file sourced, `cd` through a tree of projects pinned to them in each
way (.go-version, .tool-versions, mise.toml, a nearer pin inside a project), and `go version` in
each says the pinned one; `cd` out restores the global one; a pin of a version that is not
installed leaves the global Go and prints its one line; the pinned version's gobin follows its
bin on PATH; and where go.mod's `toolchain` line asks for a newer Go than the pin,
`m3tui versions current` says so and exits 1 (and go itself agrees)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.goinstalls import GOARCH, GOOS, TwoGos, m3tui

MISSING = "go 1.21.0 is pinned here; m3tui versions install"


def _need(shell: str) -> None:
    # CI installs zsh and fish: there a missing shell fails instead of skipping.
    if shutil.which(shell) is None and not os.environ.get("CI"):
        pytest.skip(f"{shell} is not installed")


def _tree(root: Path, gos: TwoGos) -> list[tuple[Path, str, bool]]:
    """Projects pinned in every way; (directory, the Go that runs there, pinned), in the order visited."""
    first, second = gos.first.removeprefix("go"), gos.second.removeprefix("go")
    for sub in ("p26/sub/deep", "p26/inner27", "tv", "mise", "missing", "tc"):
        (root / sub).mkdir(parents=True)
    (root / "p26" / ".go-version").write_text(f"{second}\n")
    (root / "p26" / "inner27" / ".tool-versions").write_text(f"nodejs 20.1.0\ngolang {first}\n")  # nearest wins
    (root / "tv" / ".tool-versions").write_text(f"golang {second}  # the team's\n")
    (root / "mise" / "mise.toml").write_text('[tools]\nnode = "20"\ngo = "1.26"\n')  # the newest 1.26 installed
    (root / "missing" / ".go-version").write_text("1.21.0\n")
    (root / "tc" / ".go-version").write_text(f"{second}\n")
    (root / "tc" / "go.mod").write_text(f"module example.com/tc\n\ngo 1.21\n\ntoolchain {gos.first}\n")
    return [
        (root / "p26" / "sub" / "deep", gos.second, True),  # .go-version two levels up
        (root / "p26" / "inner27", gos.first, True),
        (root / "tv", gos.second, True),
        (root, gos.first, False),  # out of the projects: the global choice back
        (root / "mise", gos.second, True),
        (root / "missing", gos.first, False),  # not installed: PATH left with the global one
        (root / "p26", gos.second, True),
    ]


def _probe(gos: TwoGos) -> None:
    """A tool in each version's gobin that says whose it is (what default-go-packages puts there)."""
    for version in (gos.first, gos.second):
        gobin = gos.version_dir(version) / "gobin"
        gobin.mkdir(exist_ok=True)
        (gobin / "gobin-probe").write_text(f"#!/bin/sh\necho 'gobin of {version}'\n")
        (gobin / "gobin-probe").chmod(0o755)


def _script(shell: str, steps: list[tuple[Path, str, bool]], root: Path, home: Path, tc: Path) -> tuple[list[str], str | None]:
    m3tui_cmd = f"'{sys.executable}' -m m3tui versions current"
    if shell == "fish":
        lines = [f"source '{home}/env.fish'"]
        for directory, _, _ in steps:
            lines += [f"cd '{directory}'", 'echo "@ $PWD|"(go version)"|"(command -v go)"|"(gobin-probe)']
        lines += [f"cd '{root}'", 'echo "PATH "(string join : $PATH)', f"cd '{tc}'", f"{m3tui_cmd}; echo rc=$status",
                  "go version 2>&1; true"]  # fmt: skip
        return ["fish", "--no-config", "-c", "\n".join(lines)], None
    lines = [f"source '{home}/env.sh'"]
    for directory, _, _ in steps:
        lines += [f"cd '{directory}'", 'echo "@ $PWD|$(go version)|$(command -v go)|$(gobin-probe)"']
    lines += [f"cd '{root}'", 'echo "PATH $PATH"', f"cd '{tc}'", f"{m3tui_cmd}; echo rc=$?", "go version 2>&1; true"]
    if shell == "bash":  # interactive, commands from stdin: PROMPT_COMMAND runs before each prompt
        return ["bash", "--noprofile", "--norc", "-i"], "PS1=''\n" + "\n".join(lines) + "\n"
    return ["zsh", "-f", "-c", "\n".join(lines)], None  # chpwd on each cd


@pytest.mark.slow
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_cd_through_projects_pinned_to_two_installed_versions(shell: str, two_go_installs: TwoGos, tmp_path: Path) -> None:
    _need(shell)
    gos, home = two_go_installs, two_go_installs.home
    done = m3tui(home, "versions", "use", gos.first)  # the global choice (another test may have changed it)
    assert done.returncode == 0, done.stderr
    _probe(gos)
    root = tmp_path / "work"
    steps = _tree(root, gos)
    argv, stdin = _script(shell, steps, root, home, root / "tc")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "M3TUI_HOME": str(home), "TERM": "dumb",
           "GOPROXY": "off", "GOENV": str(tmp_path / "goenv"), "GOPATH": str(tmp_path / "gopath"),
           "GOMODCACHE": str(tmp_path / "modcache"), "GOCACHE": str(tmp_path / "gocache"), "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
    out = subprocess.run(argv, input=stdin, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    seen = [line.removeprefix("@ ").split("|") for line in out.stdout.splitlines() if line.startswith("@ ")]
    expected = []
    for directory, version, pinned in steps:
        which = f"{gos.version_dir(version)}/bin/go" if pinned else f"{home}/go/current/bin/go"
        expected.append([str(directory), f"go version {version} {GOOS}/{GOARCH}", which, f"gobin of {version}"])
    assert seen == expected, out.stdout + out.stderr
    assert out.stderr.count(MISSING) == 1, out.stderr  # on entering the directory that pins it, once

    path = next(line for line in out.stdout.splitlines() if line.startswith("PATH "))
    assert path == f"PATH {home}/go/current/bin:{home}/go/current/gobin:/usr/bin:/bin"  # the pins' entries gone

    # go.mod asks for go1.27.3 where go1.26.6 is pinned: `current` says both steps and exits 1.
    text, said = out.stdout.split("PATH ", 1)[1].rsplit("rc=", 1)
    assert f"pinned {gos.second.removeprefix('go')} (.go-version) → go.mod asks {gos.first}" in text, out.stdout + out.stderr
    assert said.startswith("1\n"), out.stdout + out.stderr
    # go itself agrees: the pinned go1.26.6 wants go1.27.3 (GOPROXY=off: it cannot fetch it).
    assert gos.first in said and f"go version {gos.second}" not in said, said
