"""The Go checks, with each problem made for real on this machine and the real go."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from m3tui.doctor import drift
from m3tui.doctor.checks_go import (
    check_go_env,
    check_go_path,
    check_goroot,
    check_gotoolchain,
    check_tools,
    minor_of,
    pattern_covered,
)
from m3tui.doctor.model import DoctorContext, Finding, Status

from tests.appkit import write_executable


@pytest.fixture
def go_env_home(tmp_path: Path, monkeypatch, real_go: Path) -> Path:
    """A clean Go setup: the real go first on PATH, GOPATH under tmp with its bin on PATH."""
    gopath = tmp_path / "gopath"
    (gopath / "bin").mkdir(parents=True)
    monkeypatch.setenv("GOPATH", str(gopath))
    monkeypatch.setenv("PATH", f"{real_go.parent}{os.pathsep}{gopath / 'bin'}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("GOENV", str(tmp_path / "goenv"))  # no user `go env -w` settings
    for key in ("GOROOT", "GOARCH", "GOOS", "GOFLAGS", "GOPROXY", "GOSUMDB", "GOTOOLCHAIN", "GOPRIVATE",
                "GONOSUMDB", "GOINSECURE", "GO111MODULE", "GOBIN", "CGO_ENABLED", "CC"):  # fmt: skip
        monkeypatch.delenv(key, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    return work


def ctx_for(cwd: Path) -> DoctorContext:
    return DoctorContext(env=dict(os.environ), cwd=cwd)


def by_id(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings}


async def test_healthy_setup_is_all_ok(go_env_home: Path, real_go: Path) -> None:
    ctx = ctx_for(go_env_home)
    version = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    (path,) = await check_go_path(ctx)
    assert path.status is Status.OK and version in path.summary
    assert path.data["gos"][0]["kind"] == "elf"
    findings = by_id(await check_go_env(ctx))
    problems = {k: f.summary for k, f in findings.items() if f.status is not Status.OK}
    assert problems == {}
    (goroot,) = await check_goroot(ctx)
    assert goroot.status is Status.OK
    (tc,) = await check_gotoolchain(ctx)
    assert tc.status is Status.OK and f"{version} runs here" in tc.summary
    assert tc.data["source"].endswith("go.env") and tc.data["GOTOOLCHAIN"] == "auto"


async def test_no_go_on_path(tmp_path: Path) -> None:
    ctx = DoctorContext(env={"PATH": str(tmp_path)}, cwd=tmp_path)
    (finding,) = await check_go_path(ctx)
    assert finding.status is Status.ERROR and finding.summary == "no go on PATH"
    assert finding.fix


async def test_second_go_earlier_on_path_shadows(go_env_home: Path, real_go: Path, tmp_path: Path, monkeypatch) -> None:
    # A second real install: the go binary copied, the rest of its GOROOT linked.
    goroot, other = real_go.parent.parent, tmp_path / "go2"
    (other / "bin").mkdir(parents=True)
    for entry in goroot.iterdir():
        if entry.name != "bin":
            (other / entry.name).symlink_to(entry)
    shutil.copy2(real_go, other / "bin" / "go")
    monkeypatch.setenv("PATH", f"{other / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (finding,) = await check_go_path(ctx_for(go_env_home))
    assert finding.status is Status.WARN, finding.summary
    assert "2 different go binaries" in finding.summary and str(real_go.parent / "go") in finding.summary
    assert [g["path"] for g in finding.data["gos"]] == [str(other / "bin" / "go"), str(real_go)]


async def test_non_executable_go_is_reported(go_env_home: Path, tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "go").write_bytes(b"\x7fELF not really")
    monkeypatch.setenv("PATH", f"{bad}{os.pathsep}{os.environ['PATH']}")
    (finding,) = await check_go_path(ctx_for(go_env_home))
    assert finding.status is Status.WARN and "non-executable" in finding.summary
    assert finding.data["not_executable"] == [str(bad / "go")]


async def test_go_that_does_not_run(go_env_home: Path, tmp_path: Path, monkeypatch) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    write_executable(broken / "go", "#!/bin/sh\necho 'go: cannot find GOROOT directory: /nowhere' >&2\nexit 2\n")
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{os.environ['PATH']}")
    (finding,) = await check_go_path(ctx_for(go_env_home))
    assert finding.status is Status.ERROR
    assert "does not run" in finding.summary and "cannot find GOROOT" in finding.summary


async def test_goroot_pointing_at_another_version(go_env_home: Path, tmp_path: Path, monkeypatch) -> None:
    old = tmp_path / "go1.20"
    old.mkdir()
    (old / "VERSION").write_text("go1.20.14\ntime 2024-02-06T17:00:00Z\n")
    monkeypatch.setenv("GOROOT", str(old))
    (finding,) = await check_goroot(ctx_for(go_env_home))
    assert finding.status is Status.ERROR
    assert "go1.20.14" in finding.summary and "unset GOROOT" in finding.fix


async def test_goroot_set_to_the_right_install_is_ok(go_env_home: Path, real_go: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOROOT", str(real_go.parent.parent))
    (finding,) = await check_goroot(ctx_for(go_env_home))
    assert finding.status is Status.OK and "not needed" in finding.summary


async def test_goarch_set(go_env_home: Path, monkeypatch) -> None:
    from m3tui.core.host import host_info

    other = "arm64" if host_info().goarch != "arm64" else "amd64"
    monkeypatch.setenv("GOARCH", other)
    finding = by_id(await check_go_env(ctx_for(go_env_home)))["go.env.target"]
    assert finding.status is Status.WARN and other in finding.summary and "environment" in finding.detail


async def test_gopath_bin_missing_from_path(go_env_home: Path, real_go: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", f"{real_go.parent}{os.pathsep}/usr/bin:/bin")
    finding = by_id(await check_go_env(ctx_for(go_env_home)))["go.env.bin_on_path"]
    assert finding.status is Status.WARN
    assert finding.data["bindir"] == str(Path(os.environ["GOPATH"]) / "bin")
    assert finding.fix.startswith("export PATH=")


@pytest.mark.parametrize(
    ("key", "value", "finding_id"),
    [
        ("GOSUMDB", "off", "go.env.gosumdb"),
        ("GOPROXY", "off", "go.env.goproxy"),
        ("GOPROXY", "direct", "go.env.goproxy"),
        ("GOFLAGS", "-mod=vendor", "go.env.goflags"),
        ("GO111MODULE", "off", "go.env.go111module"),
        ("GONOSUMDB", "github.com", "go.env.private"),
    ],
)
async def test_env_audit_flags(go_env_home: Path, monkeypatch, key: str, value: str, finding_id: str) -> None:
    monkeypatch.setenv(key, value)
    findings = by_id(await check_go_env(ctx_for(go_env_home)))
    assert findings[finding_id].status is Status.WARN, findings[finding_id]
    others = [f.id for f in findings.values() if f.is_problem and f.id != finding_id]
    assert others == []
    assert key in findings["go.env.changed"].data["changed"]


async def test_gonosumdb_within_goprivate_is_fine(go_env_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOPRIVATE", "github.com/acme")
    monkeypatch.setenv("GONOSUMDB", "github.com/acme/tools")
    assert by_id(await check_go_env(ctx_for(go_env_home)))["go.env.private"].status is Status.OK


def test_pattern_covered() -> None:
    assert pattern_covered("github.com/acme/x", ["github.com/acme"])
    assert pattern_covered("github.com/acme", ["github.com/*"])
    assert not pattern_covered("github.com", ["github.com/acme"])
    assert not pattern_covered("*", ["github.com/acme"])


async def test_gopath_equal_to_goroot(go_env_home: Path, real_go: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOPATH", str(real_go.parent.parent))
    finding = by_id(await check_go_env(ctx_for(go_env_home)))["go.env.gopath"]
    assert finding.status is Status.ERROR


async def test_cgo_without_a_c_compiler(go_env_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("CGO_ENABLED", "1")
    monkeypatch.setenv("CC", "no-such-cc-m3tui")
    finding = by_id(await check_go_env(ctx_for(go_env_home)))["go.env.cgo"]
    assert finding.status is Status.WARN and "no-such-cc-m3tui" in finding.summary


async def test_go_mod_asking_for_a_newer_toolchain(go_env_home: Path) -> None:
    (go_env_home / "go.mod").write_text("module example.com/m\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    sub = go_env_home / "pkg"
    sub.mkdir()
    (finding,) = await check_gotoolchain(ctx_for(sub))
    assert finding.status is Status.WARN
    assert "go1.99.1" in finding.summary
    assert finding.data["modules"]["go.mod"]["toolchain"] == "go1.99.1"
    assert "m3tui versions install 1.99.1" in finding.fix


async def test_gotoolchain_from_go_env_w(go_env_home: Path, tmp_path: Path) -> None:
    (tmp_path / "goenv").write_text("GOTOOLCHAIN=local\n")
    (finding,) = await check_gotoolchain(ctx_for(go_env_home))
    assert finding.status is Status.OK
    assert finding.data["GOTOOLCHAIN"] == "local" and finding.data["source"].startswith("go env -w")


async def test_gotoolchain_from_environment(go_env_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOTOOLCHAIN", "local")
    (finding,) = await check_gotoolchain(ctx_for(go_env_home))
    assert finding.data["source"] == "environment"


async def test_tools_not_installed_are_skipped(go_env_home: Path) -> None:
    findings = by_id(await check_tools(ctx_for(go_env_home)))
    assert findings["go.tools.gopls"].status is Status.SKIPPED
    assert findings["go.tools.dlv"].fix == "go install github.com/go-delve/delve/cmd/dlv@latest"


def test_minor_of() -> None:
    assert minor_of("go1.22.10") == (1, 22)
    assert minor_of("go1.23rc1") == (1, 23)
    assert minor_of("devel go1.24-abc") == (1, 24)
    assert minor_of(None) is None


async def test_drift_reports_changes_since_the_baseline(go_env_home: Path, monkeypatch) -> None:
    ctx = ctx_for(go_env_home)
    (finding,) = await drift.check_drift(ctx)
    assert finding.status is Status.SKIPPED and "--save-baseline" in finding.fix
    drift.save_baseline(await drift.snapshot(ctx))
    (finding,) = await drift.check_drift(ctx_for(go_env_home))
    assert finding.status is Status.OK
    monkeypatch.setenv("GOPROXY", "https://goproxy.cn,direct")
    (finding,) = await drift.check_drift(ctx_for(go_env_home))
    assert finding.status is Status.WARN
    assert "go_env.GOPROXY: 'https://proxy.golang.org,direct' -> 'https://goproxy.cn,direct'" in finding.data["changes"]


async def test_unreadable_baseline_is_a_warning_not_a_crash(go_env_home: Path, m3tui_home: Path) -> None:
    (m3tui_home / drift.BASELINE_FILE).write_text("{not json")
    (finding,) = await drift.check_drift(ctx_for(go_env_home))
    assert finding.status is Status.WARN and "unreadable" in finding.summary


async def test_go_for_another_os_is_reported_as_such(go_env_home: Path, tmp_path: Path, monkeypatch, hello_binaries) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    shutil.copy2(hello_binaries[("darwin", "arm64")], foreign / "go")  # a real darwin/arm64 Mach-O
    monkeypatch.setenv("PATH", f"{foreign}{os.pathsep}{os.environ['PATH']}")
    (finding,) = await check_go_path(ctx_for(go_env_home))
    assert finding.status is Status.ERROR
    assert "Mach-O 64-bit arm64" in finding.summary and "darwin/arm64" in finding.summary
    assert finding.data["gos"][0]["kind"] == "macho"


async def test_tools_built_by_the_active_go_are_ok(go_env_home: Path, real_go: Path) -> None:
    # The real go binary stands in for gopls: a real Go binary with real build info.
    (Path(os.environ["GOPATH"]) / "bin" / "gopls").symlink_to(real_go)
    finding = by_id(await check_tools(ctx_for(go_env_home)))["go.tools.gopls"]
    version = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    assert finding.status is Status.OK and finding.data["built_with"] == version


async def test_tool_for_another_arch_is_an_error(go_env_home: Path, hello_binaries) -> None:
    from m3tui.core.host import host_info

    other = next(k for k in hello_binaries if k[0] == "linux" and k[1] != host_info().goarch)
    shutil.copy2(hello_binaries[other], Path(os.environ["GOPATH"]) / "bin" / "dlv")
    finding = by_id(await check_tools(ctx_for(go_env_home)))["go.tools.dlv"]
    assert finding.status is Status.ERROR and f"not for this linux/{host_info().goarch}" in finding.summary
    assert finding.fix == "go install github.com/go-delve/delve/cmd/dlv@latest"


async def test_probes_stay_local_when_the_user_sets_gotoolchain_auto(go_env_home: Path, monkeypatch) -> None:
    """A user's GOTOOLCHAIN=auto must not make the doctor's own probes switch toolchains."""
    monkeypatch.setenv("GOTOOLCHAIN", "auto")
    (go_env_home / "go.mod").write_text("module example.com/m\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    ctx = ctx_for(go_env_home)
    (path,) = await check_go_path(ctx)
    assert path.status is Status.OK, path.summary
    (tc,) = await check_gotoolchain(ctx)
    assert tc.status is Status.WARN and "go1.99.1" in tc.summary and tc.data["source"] == "environment"
