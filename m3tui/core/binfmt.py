"""What an executable is (Mach-O, universal, ELF, PE, script) and which Go built it.

We read the headers ourselves instead of running `file` or the binary:
`file` is not installed on a stock Linux box or in many containers, its wording
changes between versions, and executing a binary to ask its architecture fails
for exactly the binaries we care about (an amd64 tool on an arm64 Mac without
Rosetta, a linux binary copied to a Mac). A few struct reads answer the
question without running anything.

The Go build info reader follows Go's debug/buildinfo: a 16-byte aligned
"\\xff Go buildinf:" header, then (Go 1.18+) the version and the module info as
uvarint-length-prefixed strings. Everything here is pure over bytes; only the
*_file helpers touch the disk, and nothing raises on hostile input.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import stat
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

# identify() looks at no more than this: every header we parse fits well inside.
HEAD_SIZE = 4096

BinaryKind = Literal["macho", "universal", "elf", "pe", "script", "unknown", "truncated"]


@dataclass(frozen=True)
class Slice:
    """One architecture of a binary, in Go's GOOS/GOARCH names (None when Go has no name for it)."""

    goos: str | None
    goarch: str | None


@dataclass(frozen=True)
class BinaryInfo:
    kind: BinaryKind
    goos: str | None
    # GOARCH naming; None for a universal binary (see slices) or an architecture Go doesn't know.
    goarch: str | None
    # One per architecture for a universal binary; else a single slice, or () when not an executable.
    slices: tuple[Slice, ...]
    # One human line: "Mach-O 64-bit arm64", "universal (arm64, amd64)", "ELF 64-bit x86-64".
    detail: str

    def runs_on(self, goos: str, goarch: str) -> bool:
        """Whether some slice is exactly goos/goarch. Rosetta and friends are the caller's call."""
        return any(s.goos == goos and s.goarch == goarch for s in self.slices)


@dataclass(frozen=True)
class Module:
    path: str
    version: str
    sum: str | None = None
    replace: Module | None = None


@dataclass(frozen=True)
class GoBuildInfo:
    go_version: str | None  # "go1.27.3"; None for the pre-1.18 layout
    path: str | None = None  # main package path
    main_module: str | None = None
    main_version: str | None = None  # "v0.16.1", "(devel)"
    # Build settings: {"GOARCH": "arm64", "GOOS": "darwin", "CGO_ENABLED": "0", "-compiler": "gc", …}
    settings: Mapping[str, str] = field(default_factory=dict, hash=False)
    deps: tuple[Module, ...] = ()
    # Pre-1.18 binaries keep the version behind pointers into the data segment, which
    # we don't follow: we only say the build info is there, version unknown.
    legacy: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.settings, MappingProxyType):
            object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    @property
    def goarch(self) -> str | None:
        return self.settings.get("GOARCH")

    @property
    def goos(self) -> str | None:
        return self.settings.get("GOOS")

    @property
    def summary(self) -> str:
        if self.legacy:
            return "pre-1.18 build info, version unknown"
        target = f" {self.goos}/{self.goarch}" if self.goos and self.goarch else ""
        return f"{self.go_version or 'unknown Go'}{target}"


# --- identify ---------------------------------------------------------------

_CPU_ARCH_ABI64 = 0x01000000
# Mach-O cputype -> (GOARCH or None, display name).
_MACHO_CPU: dict[int, tuple[str | None, str]] = {
    7: ("386", "386"),
    7 | _CPU_ARCH_ABI64: ("amd64", "amd64"),
    12: ("arm", "arm"),
    12 | _CPU_ARCH_ABI64: ("arm64", "arm64"),
    12 | 0x02000000: (None, "arm64_32"),
    18: (None, "ppc"),
    18 | _CPU_ARCH_ABI64: (None, "ppc64"),
}
_MACHO_FILETYPE = {1: "object", 4: "core", 6: "dylib", 8: "bundle"}  # 2 = executable: not worth saying

# Mach-O magics as they appear on disk -> (bits, struct byte order).
_MACHO_MAGIC = {
    b"\xcf\xfa\xed\xfe": (64, "<"),
    b"\xce\xfa\xed\xfe": (32, "<"),
    b"\xfe\xed\xfa\xcf": (64, ">"),
    b"\xfe\xed\xfa\xce": (32, ">"),
}
_FAT_MAGIC = {b"\xca\xfe\xba\xbe": 20, b"\xca\xfe\xba\xbf": 32}  # -> size of one arch entry
# Java class files share 0xcafebabe; their next u32 (minor/major version) is >= 45,
# while no real universal binary has more than a handful of slices.
_FAT_MAX_ARCHS = 30

_ELF_OSABI = {0: "linux", 3: "linux", 2: "netbsd", 6: "solaris", 9: "freebsd", 12: "openbsd"}
_ELF_MACHINE_NAME = {
    3: "i386",
    8: "MIPS",
    20: "PowerPC",
    21: "64-bit PowerPC",
    22: "IBM S/390",
    40: "ARM",
    62: "x86-64",
    183: "aarch64",
    243: "RISC-V",
    258: "LoongArch",
}
_ELF_TYPE = {1: "relocatable", 4: "core file"}

_PE_MACHINE: dict[int, tuple[str, str]] = {
    0x14C: ("386", "i386"),
    0x8664: ("amd64", "x86-64"),
    0x1C0: ("arm", "ARM"),
    0x1C4: ("arm", "ARMv7 Thumb"),
    0xAA64: ("arm64", "aarch64"),
}

# Prefixes we can name when a file stops before its magic is complete.
_MAGIC_NAMES = [(m, "Mach-O") for m in _MACHO_MAGIC] + [(m, "universal") for m in _FAT_MAGIC] + [(b"\x7fELF", "ELF")]


def _elf_goarch(machine: int, bits: int, little: bool) -> str | None:
    if machine == 62:
        return "amd64" if bits == 64 else None  # 32-bit x86-64 is the x32 ABI: not a Go target
    if machine == 8:
        return ("mips64" if bits == 64 else "mips") + ("le" if little else "")
    if machine == 21:
        return "ppc64le" if little else "ppc64"
    if machine == 243:
        return "riscv64" if bits == 64 else None
    return {3: "386", 22: "s390x", 40: "arm", 183: "arm64", 258: "loong64"}.get(machine)


def _info(kind: BinaryKind, detail: str, goos: str | None = None, goarch: str | None = None) -> BinaryInfo:
    slices = (Slice(goos, goarch),) if kind in ("macho", "elf", "pe") else ()
    return BinaryInfo(kind, goos, goarch, slices, detail)


def _identify_macho(data: bytes) -> BinaryInfo:
    bits, order = _MACHO_MAGIC[data[:4]]
    if len(data) < (32 if bits == 64 else 28):
        return _info("truncated", "truncated Mach-O header")
    cputype, _subtype, filetype = struct.unpack_from(order + "iII", data, 4)
    goarch, name = _MACHO_CPU.get(cputype & 0xFFFFFFFF, (None, f"cputype {cputype & 0xFFFFFFFF:#x}"))
    what = _MACHO_FILETYPE.get(filetype)
    endian = " big-endian" if order == ">" else ""
    return _info("macho", f"Mach-O {bits}-bit{endian} {name}{' ' + what if what else ''}", "darwin", goarch)


def _identify_fat(data: bytes) -> BinaryInfo:
    entry_size = _FAT_MAGIC[data[:4]]
    if len(data) < 8:
        return _info("truncated", "truncated universal header")
    (count,) = struct.unpack_from(">I", data, 4)
    if count > _FAT_MAX_ARCHS:
        major = count & 0xFFFF
        if data[:4] == b"\xca\xfe\xba\xbe" and major >= 45:
            return _info("unknown", f"not an executable (Java class file, version {major}.{count >> 16})")
        return _info("unknown", f"not an executable (0xcafebabe header claiming {count} architectures)")
    if count == 0:
        return _info("unknown", "not an executable (universal header with no architectures)")
    if len(data) < 8 + count * entry_size:
        return _info("truncated", f"truncated universal header ({count} architectures, {len(data)} bytes)")
    slices: list[Slice] = []
    names: list[str] = []
    for i in range(count):
        (cputype,) = struct.unpack_from(">I", data, 8 + i * entry_size)
        goarch, name = _MACHO_CPU.get(cputype, (None, f"cputype {cputype:#x}"))
        slices.append(Slice("darwin", goarch))
        names.append(name)
    return BinaryInfo("universal", "darwin", None, tuple(slices), f"universal ({', '.join(names)})")


def _identify_elf(data: bytes) -> BinaryInfo:
    if len(data) < 6:
        return _info("truncated", "truncated ELF header")
    ei_class, ei_data = data[4], data[5]
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        return _info("unknown", f"ELF with invalid class/byte order ({ei_class}, {ei_data})")
    bits = 64 if ei_class == 2 else 32
    if len(data) < (64 if bits == 64 else 52):
        return _info("truncated", f"truncated ELF {bits}-bit header")
    little = ei_data == 1
    e_type, machine = struct.unpack_from("<HH" if little else ">HH", data, 16)
    osabi = data[7]
    goos = _ELF_OSABI.get(osabi)
    name = _ELF_MACHINE_NAME.get(machine, f"machine {machine}")
    parts = [f"ELF {bits}-bit", *([] if little else ["big-endian"]), name]
    if e_type in _ELF_TYPE:
        parts.append(_ELF_TYPE[e_type])
    if goos is None:
        parts.append(f"(OS ABI {osabi})")
    elif goos != "linux":
        parts.append(f"({goos})")
    return _info("elf", " ".join(parts), goos, _elf_goarch(machine, bits, little))


def _identify_pe(data: bytes) -> BinaryInfo:
    if len(data) < 0x40:
        return _info("truncated", "truncated MZ/PE header")
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    # Signature (4) + COFF header (20) + optional header magic (2).
    if pe_offset + 26 > len(data):
        if len(data) < HEAD_SIZE:
            return _info("truncated", "truncated PE header")
        return _info("unknown", f"DOS MZ executable (no PE header in the first {HEAD_SIZE} bytes)")
    if data[pe_offset : pe_offset + 4] != b"PE\0\0":
        return _info("unknown", "DOS MZ executable (no PE header)")
    machine, characteristics = struct.unpack_from("<H16xH", data, pe_offset + 4)
    (opt_magic,) = struct.unpack_from("<H", data, pe_offset + 24)
    goarch, name = _PE_MACHINE.get(machine, (None, f"machine {machine:#x}"))
    fmt = {0x10B: "PE32", 0x20B: "PE32+"}.get(opt_magic, "PE")
    dll = " DLL" if characteristics & 0x2000 else ""
    return _info("pe", f"{fmt} {name}{dll} (Windows)", "windows", goarch)


def identify(data: bytes | bytearray | memoryview) -> BinaryInfo:
    """Tell what an executable is from its first bytes (HEAD_SIZE is plenty). Never raises."""
    try:
        head = bytes(data[:HEAD_SIZE])
        if not head:
            return _info("unknown", "empty file")
        if head.startswith(b"#!"):
            line = head[2:].split(b"\n", 1)[0].strip().decode("utf-8", "replace")[:200]
            return _info("script", f"script (#!{line})")
        if head.startswith(b"\x7fELF"):
            return _identify_elf(head)
        if head[:4] in _MACHO_MAGIC:
            return _identify_macho(head)
        if head[:4] in _FAT_MAGIC:
            return _identify_fat(head)
        if head.startswith(b"MZ"):
            return _identify_pe(head)
        if len(head) < 4:
            for magic, name in _MAGIC_NAMES:
                if len(head) >= 2 and magic.startswith(head):
                    return _info("truncated", f"truncated {name} header ({len(head)} bytes)")
        return _info("unknown", f"not an executable (starts with {head[:4]!r})")
    except Exception as exc:  # noqa: BLE001 - a header parser must never take the app down
        return _info("unknown", f"unreadable header ({type(exc).__name__}: {exc})")


def _regular_file_error(path: str | os.PathLike[str]) -> str | None:
    """Why path can't be read as a file, or None. Checked first so a FIFO never blocks open()."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        return "is a directory"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def identify_file(path: str | os.PathLike[str]) -> BinaryInfo:
    """identify() on the head of a file; an unreadable path is kind "unknown" with the reason."""
    try:
        problem = _regular_file_error(path)
        if problem:
            return _info("unknown", f"cannot read: {problem}")
        with open(path, "rb") as f:
            head = f.read(HEAD_SIZE)
    except OSError as exc:
        return _info("unknown", f"cannot read: {exc.strerror or exc}")
    return identify(head)


# --- Go build info ----------------------------------------------------------

BUILDINFO_MAGIC = b"\xff Go buildinf:"
_BUILDINFO_ALIGN = 16
_BUILDINFO_HEADER = 32
_FLAG_VERSION_INLINE = 0x2
_MARKER_RE = re.compile(re.escape(BUILDINFO_MAGIC))
# Framing that cmd/go puts around the module info (modload.infoStart/infoEnd), 16 bytes each.
_MODINFO_FRAME = 16
# A version string is a short printable line ("go1.27.3", "devel go1.24-abc Tue …").
_MAX_VERSION_LEN = 256


# What read_build_info scans: a file's bytes, or a map or view of them.
_Buf = bytes | bytearray | memoryview | mmap.mmap


def _find_marker(buf: _Buf, start: int) -> int:
    if not isinstance(buf, memoryview):  # bytes, bytearray, mmap: the fast C search
        return buf.find(BUILDINFO_MAGIC, start)
    m = _MARKER_RE.search(buf, start)  # memoryview has no find(); re takes any buffer
    return m.start() if m else -1


def _read_uvarint(buf: _Buf, pos: int) -> tuple[int, int] | None:
    """Unsigned LEB128 as in Go's binary.Uvarint: (value, next position), or None when bad."""
    value = shift = 0
    for i, byte in enumerate(bytes(buf[pos : pos + 10])):
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + i + 1
        shift += 7
    return None


def _read_string(buf: _Buf, pos: int) -> tuple[bytes, int] | None:
    header = _read_uvarint(buf, pos)
    if header is None:
        return None
    length, start = header
    if length > len(buf) - start:
        return None
    return bytes(buf[start : start + length]), start + length


def _quoted_prefix(s: str) -> str | None:
    """The leading Go-quoted string of s, quotes included (strconv.QuotedPrefix, roughly)."""
    i = 1
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == '"':
            return s[: i + 1]
        i += 1
    return None


def _unquote(s: str) -> str:
    """Go's strconv.Quote output is JSON for everything but rare escapes; strip quotes then."""
    try:
        value = json.loads(s)
        if isinstance(value, str):
            return value
    except ValueError:
        pass
    return s[1:-1]


def _parse_setting(kv: str) -> tuple[str, str] | None:
    if kv.startswith('"'):
        quoted = _quoted_prefix(kv)
        if quoted is None or not kv[len(quoted) :].startswith("="):
            return None
        key, raw = _unquote(quoted), kv[len(quoted) + 1 :]
    elif "=" in kv:
        key, raw = kv.split("=", 1)
    else:
        return None
    return key, (_unquote(raw) if raw.startswith('"') else raw)


def _module(fields: list[str]) -> Module | None:
    if len(fields) < 2:
        return None
    return Module(fields[1], fields[2] if len(fields) > 2 else "", fields[3] if len(fields) > 3 and fields[3] else None)


def parse_modinfo(go_version: str | None, text: str) -> GoBuildInfo:
    """Parse the tab-separated module info (what `go version -m` prints) into a GoBuildInfo."""
    path = main_module = main_version = None
    settings: dict[str, str] = {}
    deps: list[Module] = []
    for line in text.split("\n"):
        fields = line.split("\t")
        tag = fields[0]
        if tag == "go" and len(fields) > 1 and go_version is None:
            go_version = fields[1]
        elif tag == "path" and len(fields) > 1:
            path = fields[1]
        elif tag == "mod" and (mod := _module(fields)):
            main_module, main_version = mod.path, mod.version
        elif tag == "dep" and (mod := _module(fields)):
            deps.append(mod)
        elif tag == "=>" and deps and (replacement := _module(["=>", *fields[1:]])):
            last = deps[-1]
            deps[-1] = Module(last.path, last.version, last.sum, replacement)
        elif tag == "build" and len(fields) > 1:
            setting = _parse_setting("\t".join(fields[1:]))
            if setting:
                settings[setting[0]] = setting[1]
    return GoBuildInfo(go_version, path, main_module, main_version, settings, tuple(deps))


def _decode_at(buf: _Buf, offset: int) -> GoBuildInfo | None:
    header = bytes(buf[offset : offset + _BUILDINFO_HEADER])
    if len(header) < _BUILDINFO_HEADER:
        return None
    ptr_size, flags = header[14], header[15]
    if ptr_size not in (4, 8):
        return None
    if not flags & _FLAG_VERSION_INLINE:
        # Pre-1.18: only the endianness bit existed. Anything else is not a real header.
        return GoBuildInfo(go_version=None, legacy=True) if flags & ~1 == 0 else None
    version = _read_string(buf, offset + _BUILDINFO_HEADER)
    if version is None:
        return None
    raw_version, after = version
    go_version = raw_version.decode("utf-8", "replace")
    if not go_version or len(go_version) > _MAX_VERSION_LEN or not go_version.isprintable():
        return None
    modinfo = _read_string(buf, after)
    raw_mod = modinfo[0] if modinfo else b""
    if len(raw_mod) >= 2 * _MODINFO_FRAME + 1 and raw_mod[-_MODINFO_FRAME - 1] == ord("\n"):
        raw_mod = raw_mod[_MODINFO_FRAME:-_MODINFO_FRAME]
    else:
        raw_mod = b""
    return parse_modinfo(go_version, raw_mod.decode("utf-8", "replace"))


def read_build_info(data: bytes | bytearray | memoryview | mmap.mmap) -> GoBuildInfo | None:
    """The Go build info embedded in a binary, or None. Never raises on garbage.

    Only hits at 16-byte aligned offsets (from the start of data) count: the Go
    tool itself carries the marker as a string constant, at an arbitrary offset.
    An aligned hit that doesn't decode is skipped too, for the same reason.
    """
    try:
        buf = data
        if isinstance(buf, memoryview) and (buf.ndim != 1 or buf.itemsize != 1):
            buf = buf.cast("B") if buf.c_contiguous else memoryview(buf.tobytes())
        legacy: GoBuildInfo | None = None
        pos = 0
        while (hit := _find_marker(buf, pos)) >= 0:
            if hit % _BUILDINFO_ALIGN == 0 and (info := _decode_at(buf, hit)) is not None:
                if not info.legacy:
                    return info
                legacy = legacy or info  # weakly checked: keep looking for a modern header
            pos = hit + 1
        return legacy
    except Exception:  # noqa: BLE001 - garbage in, None out
        return None


def read_build_info_file(path: str | os.PathLike[str]) -> GoBuildInfo | None:
    """read_build_info() over a memory-mapped file (binaries are tens of MB). None when unreadable.

    For a universal binary this finds the first slice's build info: the scan
    runs from the start of the file, and slices sit at page-aligned offsets.
    """
    try:
        if _regular_file_error(path):
            return None
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return None  # mmap refuses empty files
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return read_build_info(mapped)
    except (OSError, ValueError):
        return None
