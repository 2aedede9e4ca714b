"""binfmt and darwin.macho_archs on universal binaries made by the real `llvm-lipo` (LLVM's lipo, the one
that runs on Linux; .ci/run installs it) from darwin/arm64 and darwin/amd64 binaries the real go
cross-compiles. Skipped where no lipo is installed (say so: the fat layout is then only the one
tests/integration/test_binfmt.py assembles itself)."""

from __future__ import annotations

import glob
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from m3tui.core.binfmt import HEAD_SIZE, Slice, identify, identify_file, read_build_info_file
from m3tui.core.darwin import macho_archs

from tests.gobuild import HELLO_PATH

pytestmark = [pytest.mark.go, pytest.mark.slow]


def find_lipo() -> str | None:
    """lipo, llvm-lipo, or Debian's versioned llvm-lipo-N (the `llvm` package links no unversioned one)."""
    found = shutil.which("llvm-lipo") or shutil.which("lipo")
    if found:
        return found
    versioned = sorted(glob.glob("/usr/bin/llvm-lipo-*") + glob.glob("/usr/lib/llvm-*/bin/llvm-lipo"))
    return versioned[-1] if versioned else None


@pytest.fixture(scope="module")
def lipo() -> str:
    found = find_lipo()
    if found is None:
        pytest.skip("no llvm-lipo installed (apt-get install llvm)")
    return found


def _lipo(lipo: str, *args: str) -> str:
    done = subprocess.run([lipo, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_universal_binary_made_by_lipo(lipo: str, hello_binaries: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    """(LLVM 14's llvm-lipo has no -fat64: the 64-bit fat header is tested on test_binfmt's own assembly.)"""
    arm64, amd64 = hello_binaries[("darwin", "arm64")], hello_binaries[("darwin", "amd64")]
    fat = tmp_path / "hello-universal"
    _lipo(lipo, "-create", str(arm64), str(amd64), "-output", str(fat))
    head = fat.read_bytes()[:HEAD_SIZE]
    magic, count = struct.unpack_from(">II", head)
    assert (magic, count) == (0xCAFEBABE, 2)

    info = identify_file(fat)
    assert info.kind == "universal" and set(info.slices) == {Slice("darwin", "arm64"), Slice("darwin", "amd64")}
    assert info.runs_on("darwin", "arm64") and info.runs_on("darwin", "amd64") and not info.runs_on("linux", "amd64")
    assert identify(head) == info
    # The architectures in lipo's own words and order (it sorts the slices by alignment, then cputype).
    assert list(macho_archs(head)) == _lipo(lipo, "-archs", str(fat)).split()
    # The build info is found in the first slice, whichever that is.
    build = read_build_info_file(fat)
    assert build is not None and build.path == HELLO_PATH and build.settings["GOOS"] == "darwin"
    assert build.settings["GOARCH"] == {"arm64": "arm64", "x86_64": "amd64"}[macho_archs(head)[0]]


def test_lipo_thins_back_to_the_slice_binfmt_names(lipo: str, hello_binaries: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    """The slice lipo extracts is byte for byte the thin file, identified the same way."""
    arm64, amd64 = hello_binaries[("darwin", "arm64")], hello_binaries[("darwin", "amd64")]
    fat = tmp_path / "fat"
    _lipo(lipo, "-create", str(amd64), str(arm64), "-output", str(fat))
    thin = tmp_path / "thin-arm64"
    _lipo(lipo, str(fat), "-thin", "arm64", "-output", str(thin))
    assert thin.read_bytes() == arm64.read_bytes()
    assert identify_file(thin) == identify_file(arm64) and identify_file(thin).slices == (Slice("darwin", "arm64"),)
