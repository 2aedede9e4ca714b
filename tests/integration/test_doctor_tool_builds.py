"""gopls/dlv built by another Go than the one running here (doctor check_tools), and the shell
hook check in a whole `run_doctor`: a tiny program built by the real go stands in for the tool."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from m3tui.core import binfmt
from m3tui.doctor.checks_go import check_tools
from m3tui.doctor.model import DoctorContext, Finding, Group, Status
from m3tui.doctor.run import ALL_CHECKS, run_doctor
from m3tui.versions import switch


@pytest.fixture
def tool_env(tmp_path: Path, monkeypatch, real_go: Path) -> Path:
    """The real go first on PATH, GOPATH/bin on it too, and a tiny main package built there as "tool"."""
    gopath = tmp_path / "gopath"
    (gopath / "bin").mkdir(parents=True)
    monkeypatch.setenv("GOPATH", str(gopath))
    monkeypatch.setenv("PATH", f"{real_go.parent}{os.pathsep}{gopath / 'bin'}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("GOENV", str(tmp_path / "goenv"))
    for key in ("GOROOT", "GOFLAGS", "GOTOOLCHAIN", "GOBIN", "GOOS", "GOARCH", "GOPROXY", "GO111MODULE"):
        monkeypatch.delenv(key, raising=False)
    src = tmp_path / "src"
    src.mkdir()
    (src / "go.mod").write_text("module example.com/tool\n\ngo 1.21\n")
    (src / "main.go").write_text('package main\n\nfunc main() { println("tool") }\n')
    env = {**os.environ, "GOCACHE": str(tmp_path / "gocache"), "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}
    done = subprocess.run([str(real_go), "build", "-o", str(tmp_path / "tool"), "."], cwd=src, env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return tmp_path / "tool"


def as_built_by(binary: Path, version: str, out: Path) -> Path:
    """A copy of ``binary`` whose build info names ``version`` (as long as the real one): what
    the same program built by another Go release says of itself to `go version -m`."""
    data = bytearray(binary.read_bytes())
    real = binfmt.read_build_info(bytes(data))
    assert real is not None and real.go_version and len(real.go_version) == len(version)
    start = data.index(binfmt.BUILDINFO_MAGIC)
    at = data.index(real.go_version.encode(), start, start + 64)
    data[at : at + len(version)] = version.encode()
    out.write_bytes(bytes(data))
    out.chmod(0o755)
    info = binfmt.read_build_info_file(out)
    assert info is not None and info.go_version == version
    return out


def real_version(real_go: Path) -> str:
    return (real_go.parent.parent / "VERSION").read_text().splitlines()[0]


def other_minor(version: str, delta: int) -> str:
    major, minor, patch = version.removeprefix("go").split(".")
    return f"go{major}.{int(minor) + delta}.{patch}"


async def tools(cwd: Path) -> dict[str, Finding]:
    return {f.id: f for f in await check_tools(DoctorContext(env=dict(os.environ), cwd=cwd))}


async def test_a_tool_built_by_the_running_go_is_ok(tool_env: Path, real_go: Path, tmp_path: Path) -> None:
    (Path(os.environ["GOPATH"]) / "bin" / "gopls").symlink_to(tool_env)
    finding = (await tools(tmp_path))["go.tools.gopls"]
    assert finding.status is Status.OK and finding.data["built_with"] == real_version(real_go)


@pytest.mark.parametrize(("delta", "word"), [(-2, "older"), (1, "newer")])
async def test_a_tool_built_by_another_go_is_a_warning(tool_env: Path, real_go: Path, tmp_path: Path,
                                                       delta: int, word: str) -> None:  # fmt: skip
    running = real_version(real_go)
    built = other_minor(running, delta)
    as_built_by(tool_env, built, Path(os.environ["GOPATH"]) / "bin" / "dlv")
    finding = (await tools(tmp_path))["go.tools.dlv"]
    assert finding.status is Status.WARN
    assert f"built with {built}, {word} than the go here ({running})" in finding.summary
    assert finding.fix == "go install github.com/go-delve/delve/cmd/dlv@latest"


async def test_the_same_minor_with_another_patch_is_ok(tool_env: Path, real_go: Path, tmp_path: Path) -> None:
    running = real_version(real_go)
    major_minor, patch = running.rsplit(".", 1)
    other = f"{major_minor}.{(int(patch) + 1) % 10}" if len(patch) == 1 else f"{major_minor}.{int(patch) - 1}"
    as_built_by(tool_env, other, Path(os.environ["GOPATH"]) / "bin" / "gopls")
    finding = (await tools(tmp_path))["go.tools.gopls"]
    assert finding.status is Status.OK and finding.fix == ""


async def test_run_doctor_reports_the_shell_hook(tool_env: Path, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SHELL", "/bin/bash")
    checks = [(g, c) for g, c in ALL_CHECKS if g is Group.GO]
    findings = {f.id: f for f in await run_doctor(DoctorContext(env=dict(os.environ), cwd=tmp_path), checks=checks)}
    assert findings["go.shell_hook"].status is Status.WARN
    assert findings["go.shell_hook"].fix == switch.rc_line("bash")


async def test_check_pinned_go_with_the_real_go_in_the_store(real_go: Path, tmp_path: Path, monkeypatch) -> None:
    """m3tui's store holds the real go (its bin/go a link to it); the doctor's directory pins it."""
    from m3tui.core.config import state_root
    from m3tui.doctor.checks_shell import check_pinned_go

    version = real_version(real_go)
    installed = state_root() / "go" / version
    (installed / "bin").mkdir(parents=True)
    (installed / "bin" / "go").symlink_to(real_go)
    project = tmp_path / "p"
    project.mkdir()
    (project / ".go-version").write_text(version.removeprefix("go") + "\n")
    monkeypatch.setenv("PATH", f"{installed / 'bin'}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "mod"))
    for key in ("GOTOOLCHAIN", "M3TUI_GO_VERSION", "GOROOT"):
        monkeypatch.delenv(key, raising=False)

    async def pinned() -> Finding:
        (finding,) = await check_pinned_go(DoctorContext(env=dict(os.environ), cwd=project))
        return finding

    finding = await pinned()
    assert finding.status is Status.OK and finding.summary.endswith(f"→ runs {version}"), finding
    (project / "go.mod").write_text("module x\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    finding = await pinned()
    assert finding.status is Status.WARN and "go.mod asks go1.99.1 → runs go1.99.1" in finding.summary
    assert "m3tui versions use 1.99.1 --here" in finding.fix
    (project / ".go-version").write_text("1.20.14\n")
    finding = await pinned()
    assert finding.status is Status.WARN and finding.fix == "m3tui versions install 1.20.14"
