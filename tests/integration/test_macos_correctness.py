"""Issue 16's macOS-correctness items that need a real process: `go env -w CGO_ENABLED=0` read
through the real go (the CLT check), Mach-O files cross-compiled by the real go (brew's architecture),
the bash rc choice. The macOS probes answer with recorded texts (tests/macprobe.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from m3tui.core import runner
from m3tui.doctor.checks_system import PROBE_KEY, check_xcode_clt
from m3tui.doctor.model import DoctorContext, Status
from tests.macprobe import m3max_probe

pytestmark = pytest.mark.go


def _go_env_ctx(go: Path, home: Path, probe: object) -> DoctorContext:
    env = {"PATH": f"{go.parent}{os.pathsep}/usr/bin:/bin", "HOME": str(home), "SHELL": "/bin/zsh",
           "XDG_CONFIG_HOME": str(home / ".config"), "GOCACHE": os.environ["GOCACHE"]}  # fmt: skip
    ctx = DoctorContext(env=env)
    ctx._memo[PROBE_KEY] = probe
    return ctx


async def test_clt_check_honours_go_env_w_cgo_enabled_0(real_go: Path, tmp_path: Path) -> None:
    """No CLT (xcode-select answers nothing): an error while cgo is on; after a real
    `go env -w CGO_ENABLED=0` (the GOENV file under this test's home) the check is skipped,
    with the process environment saying nothing about CGO_ENABLED either time."""
    home = tmp_path / "home"
    home.mkdir()
    no_clt = m3max_probe(xcode_select="xcode-select: error: unable to get active developer directory")

    before = await check_xcode_clt(_go_env_ctx(real_go, home, no_clt))
    assert before[0].status is Status.ERROR, before[0]
    assert before[0].data["CGO_ENABLED_from"] == "go env"

    ctx = _go_env_ctx(real_go, home, no_clt)
    result = await runner.run([str(real_go), "env", "-w", "CGO_ENABLED=0"], env=dict(ctx.env), timeout=60)
    assert result.returncode == 0, result.stderr_text
    goenv = home / ".config" / "go" / "env"
    assert goenv.read_text().strip() == "CGO_ENABLED=0"  # the real file go env -w wrote
    assert "CGO_ENABLED" not in ctx.env

    after = await check_xcode_clt(ctx)
    assert after[0].status is Status.SKIPPED, after[0]
    assert after[0].data["CGO_ENABLED"] == "0" and after[0].data["CGO_ENABLED_from"] == "go env"
    assert "CGO_ENABLED=0 from go env" in after[0].detail


# --- Homebrew's architecture from real Mach-O headers (issue 16 #7) ---------------------------------

import shutil  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402

from m3tui.core.darwin import BREW_RUBY_PATHS, macho_archs  # noqa: E402
from m3tui.doctor.checks_system import check_homebrew  # noqa: E402

ARM_RUBY = BREW_RUBY_PATHS[0].format(prefix="/opt/homebrew")


@pytest.fixture(scope="module")
def darwin_binaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real Mach-O executables cross-compiled offline by the real go (GOOS=darwin, arm64 and amd64),
    and a universal one: by llvm-lipo where installed, else assembled here from the two real thin
    files (a fat_header and two fat_arch entries, big-endian, slices at 16 KiB alignment, as lipo lays them out)."""
    from tests.realgo import go_binary

    go = go_binary()
    out = tmp_path_factory.mktemp("darwin-bins")
    (out / "main.go").write_text("package main\n\nfunc main() {}\n")
    bins: dict[str, Path] = {}
    for goarch in ("arm64", "amd64"):
        bins[goarch] = out / f"hello-{goarch}"
        env = {"GOOS": "darwin", "GOARCH": goarch, "CGO_ENABLED": "0", "GOFLAGS": "", "GOPROXY": "off", "GO111MODULE": "off"}
        res = subprocess.run([str(go), "build", "-o", str(bins[goarch]), "main.go"], cwd=out, env={**os.environ, **env},
                             capture_output=True, text=True, timeout=300)  # fmt: skip
        assert res.returncode == 0, res.stderr
    fat = out / "hello-universal"
    from tests.integration.test_macho_lipo import find_lipo

    lipo = find_lipo()
    if lipo:
        subprocess.run([lipo, "-create", str(bins["arm64"]), str(bins["amd64"]), "-output", str(fat)], check=True, timeout=60)
    else:
        slices = [(0x0100000C, 0, bins["arm64"].read_bytes()), (0x01000007, 3, bins["amd64"].read_bytes())]
        align, offset, entries, body = 14, 1 << 14, b"", b""
        for cputype, subtype, data in slices:
            entries += struct.pack(">IIIII", cputype, subtype, offset, len(data), align)
            pad = (-len(data)) % (1 << align)
            body += data + b"\0" * pad
            offset += len(data) + pad
        head = struct.pack(">II", 0xCAFEBABE, len(slices)) + entries
        fat.write_bytes(head + b"\0" * ((1 << 14) - len(head)) + body)
    bins["universal"] = fat
    return bins


def test_macho_archs_of_real_cross_compiled_files(darwin_binaries: dict[str, Path]) -> None:
    head = {k: p.read_bytes()[:4096] for k, p in darwin_binaries.items()}
    assert head["arm64"][:4] == b"\xcf\xfa\xed\xfe" and head["universal"][:4] == b"\xca\xfe\xba\xbe"
    assert macho_archs(head["arm64"]) == ("arm64",)
    assert macho_archs(head["amd64"]) == ("x86_64",)
    assert sorted(macho_archs(head["universal"])) == ["arm64", "x86_64"]  # real lipo puts x86_64 first, this file's own layout arm64
    assert macho_archs(b"#!/bin/bash\n") == ()  # brew itself is a bash script
    assert macho_archs(Path(shutil.which("sh") or "/bin/sh").read_bytes()[:4096]) == ()  # ELF


async def _homebrew(heads: dict[str, str], prefix: str | None = "/opt/homebrew"):
    probe = m3max_probe(brew_prefix=prefix, heads=heads)
    ctx = DoctorContext(env={"PATH": "/opt/homebrew/bin:/usr/bin:/bin", "SHELL": "/bin/zsh"})
    ctx._memo[PROBE_KEY] = probe
    return (await check_homebrew(ctx))[0], probe


async def test_homebrew_arch_from_its_ruby_without_brew_config(darwin_binaries: dict[str, Path]) -> None:
    finding, probe = await _homebrew({ARM_RUBY: str(darwin_binaries["arm64"])})
    assert finding.status is Status.OK, finding
    assert finding.summary == "Homebrew in /opt/homebrew (arm64), native"
    assert finding.data["arch_file"] == ARM_RUBY and finding.data["config"] is None
    assert f"Homebrew's architecture: arm64 (Mach-O header of {ARM_RUBY})" in finding.detail
    assert not [c for c in probe.calls if c[0] == "brew_config"]  # no Ruby started


async def test_homebrew_x86_64_ruby_in_opt_homebrew_is_an_error(darwin_binaries: dict[str, Path]) -> None:
    finding, _ = await _homebrew({ARM_RUBY: str(darwin_binaries["amd64"])})
    assert finding.status is Status.ERROR
    assert finding.summary.startswith(f"Homebrew in /opt/homebrew is x86_64 (Mach-O header of {ARM_RUBY})")


async def test_homebrew_universal_and_verbose_brew_config(darwin_binaries: dict[str, Path]) -> None:
    probe = m3max_probe(brew_prefix="/opt/homebrew", heads={ARM_RUBY: str(darwin_binaries["universal"])})
    ctx = DoctorContext(env={"PATH": "/opt/homebrew/bin:/usr/bin:/bin", "SHELL": "/bin/zsh"}, verbose=True)
    ctx._memo[PROBE_KEY] = probe
    finding = (await check_homebrew(ctx))[0]
    assert sorted(finding.data["arch"].split("+")) == ["arm64", "x86_64"]  # in the header's order (real lipo: x86_64 first)
    assert finding.data["config"] is not None  # -v: brew config too (recorded M1 native output)
    assert [c for c in probe.calls if c[0] == "brew_config"]


async def test_homebrew_prefix_unanswered_falls_back_to_brew_config() -> None:
    finding, probe = await _homebrew({}, prefix=None)
    assert [c for c in probe.calls if c[0] == "brew_config"]
    assert finding.data["prefix"] == "/opt/homebrew" and finding.data["arch"] == "arm64"  # from brew config


# --- bash's startup file (issue 16 #4): the rule against the real bash's login-shell reading --------

from m3tui.core.darwin import bash_rc_path  # noqa: E402


@pytest.mark.parametrize("existing", [(), (".profile",), (".bash_login", ".profile"), (".bash_profile", ".profile")])
def test_the_file_picked_for_macos_is_the_one_a_login_bash_reads(tmp_path: Path, existing: tuple[str, ...]) -> None:
    """Terminal and iTerm start bash as a login shell (`bash -l`, here the real bash on Linux, which
    follows the same rule): the line goes where such a bash reads it, and ~/.bashrc is not read."""
    bash = shutil.which("bash")
    assert bash, "bash is not installed"
    home = tmp_path / "home"
    home.mkdir()
    for name in existing:
        (home / name).write_text(f"export FROM_{name.strip('.').upper()}=1\n")
    (home / ".bashrc").write_text("export FROM_BASHRC=1\n")
    picked = bash_rc_path(home, "darwin")
    with picked.open("a") as fh:
        fh.write("export M3TUI_LINE=1\n")
    res = subprocess.run([bash, "-l", "-c", 'echo "line=${M3TUI_LINE:-} bashrc=${FROM_BASHRC:-}"'],
                         env={"HOME": str(home), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=30)  # fmt: skip
    assert res.stdout.strip() == "line=1 bashrc=", (picked, res.stdout, res.stderr)
