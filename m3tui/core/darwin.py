"""macOS-only facts read without a shell: a process's kinfo_proc (Rosetta, its parent), Homebrew's
architecture from Mach-O headers, `DevToolsSecurity -status`; and bash's startup file on macOS.

Pure functions over bytes or text (tested on Linux: constructed kinfo_proc bytes, real Mach-O
files cross-compiled by the real go, recorded `DevToolsSecurity` output); the one call into the
kernel, :func:`kinfo_proc_bytes`, is a ctypes ``sysctl`` that only the macOS probe makes.

Why the terminal's processes and not a child of m3tui: ``sysctl.proc_translated`` answers for
the asking process, and a child of an arm64-only Python (Homebrew's, uv's, pipx's) is native
even when the terminal that started everything runs under Rosetta. The kernel keeps the
translated bit per process (``P_TRANSLATED`` in ``kp_proc.p_flag``), readable for any pid
through ``sysctl(CTL_KERN, KERN_PROC, KERN_PROC_PID, pid)``: so m3tui walks its parent chain
(shell, login, the terminal) and asks about each.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import struct
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEBUGSERVER_PATHS",
    "KINFO_PROC_SIZE",
    "P_TRANSLATED",
    "DevToolsStatus",
    "ProcInfo",
    "kinfo_proc_bytes",
    "parse_devtools_security",
    "parse_kinfo_proc",
]

# --- kinfo_proc ---------------------------------------------------------------------------
#
# macOS SDK <sys/sysctl.h>: struct kinfo_proc { struct extern_proc kp_proc; struct eproc kp_eproc; };
# <sys/proc.h>: struct extern_proc; <sys/proc.h>: #define P_TRANSLATED 0x00020000 ("process is
# translated"). The layout is the same on arm64 and x86_64 (both LP64, natural alignment):
#
#   extern_proc (296 bytes)
#     0  p_un            union { struct { proc *__p_forw, *__p_back; } p_st1; struct timeval __p_starttime; }  16
#    16  p_vmspace       pointer
#    24  p_sigacts       pointer
#    32  p_flag          int          <- P_* flags; P_TRANSLATED = 0x20000
#    36  p_stat          char
#    40  p_pid           pid_t
#    44  p_oppid, 48 p_dupfd; 56 user_stack, 64 exit_thread; 72 p_debugger, 76 sigwait,
#        80 p_estcpu, 84 p_cpticks, 88 p_pctcpu; 96 p_wchan, 104 p_wmesg; 112 p_swtime,
#        116 p_slptime; 120 p_realtimer (itimerval, 32); 152 p_rtime (timeval, 16);
#        168/176/184 p_uticks/p_sticks/p_iticks (u_quad_t); 192 p_traceflag; 200 p_tracep;
#        208 p_siglist; 216 p_textvp; 224 p_holdcnt; 228/232/236 p_sigmask/ignore/catch;
#        240 p_priority, 241 p_usrpri, 242 p_nice
#   243  p_comm          char[MAXCOMLEN+1] = char[17]
#        264 p_pgrp, 272 p_addr; 280 p_xstat, 282 p_acflag; 288 p_ru  -> 296
#   eproc (352 bytes, from 296)
#   296  e_paddr, 304 e_sess; 312 e_pcred (struct _pcred: char pc_lock[72], ucred *, 5 ints: 104);
#        416 e_ucred (struct _ucred: cr_ref, cr_uid, short cr_ngroups, gid_t cr_groups[16]: 76);
#        496 e_vm (struct vmspace: int32, caddr_t, int32[5], caddr_t[3]: 64)
#   560  e_ppid          pid_t        <- the parent, for walking up to the terminal
#        564 e_pgid, 568 e_jobc, 572 e_tdev, 576 e_tpgid, 584 e_tsess, 592 e_wmesg[8], 600 e_xsize,
#        604..608 e_xrssize/e_xccount/e_xswrss, 612 e_flag, 616 e_login[12], 628 e_spare[4] -> 644
#   sizeof(struct kinfo_proc) = 648 (644 rounded up to the 8-byte alignment of its pointers)
#
# tests/unit/test_darwin.py checks these offsets against a ctypes mirror of the same headers.

KINFO_PROC_SIZE = 648
P_TRANSLATED = 0x00020000
_P_FLAG = 32
_P_PID = 40
_P_COMM = 243
_P_COMM_LEN = 17
_E_PPID = 560

_CTL_KERN, _KERN_PROC, _KERN_PROC_PID = 1, 14, 1


@dataclass(frozen=True)
class ProcInfo:
    """One process as the kernel describes it."""

    pid: int
    ppid: int
    comm: str  # the executable's name, at most 16 characters
    flags: int

    @property
    def translated(self) -> bool:
        return bool(self.flags & P_TRANSLATED)


def parse_kinfo_proc(data: bytes) -> ProcInfo | None:
    """A ``struct kinfo_proc`` (little-endian, 648 bytes) -> :class:`ProcInfo`; None when it is not one
    (too short, or the empty answer sysctl gives for a pid that no longer exists)."""
    if len(data) < KINFO_PROC_SIZE:
        return None
    (flags,) = struct.unpack_from("<i", data, _P_FLAG)
    (pid,) = struct.unpack_from("<i", data, _P_PID)
    (ppid,) = struct.unpack_from("<i", data, _E_PPID)
    if pid <= 0 and ppid <= 0 and flags == 0:
        return None
    comm = data[_P_COMM : _P_COMM + _P_COMM_LEN].split(b"\0", 1)[0].decode("utf-8", "replace")
    return ProcInfo(pid=pid, ppid=ppid, comm=comm, flags=flags & 0xFFFFFFFF)


MAX_ANCESTORS = 32  # a longer parent chain is a loop: a terminal is a few levels up


async def translated_ancestor(read: Callable[[int], Awaitable[bytes | None]], pid: int) -> tuple[bool | None, str | None]:
    """Up from ``pid`` (m3tui's parent) through each process's kinfo_proc (``read``): the first with
    P_TRANSLATED, as "Terminal (pid 640)", is a Rosetta terminal (or shell, or login) even when m3tui
    is native. (False, None) once launchd (pid 1) is reached; (None, None) when a link is unreadable."""
    seen: set[int] = set()
    while pid > 1 and pid not in seen and len(seen) < MAX_ANCESTORS:
        seen.add(pid)
        data = await read(pid)
        if (info := parse_kinfo_proc(data) if data else None) is None:
            return None, None  # unreadable or gone: the rest of the chain is unknown
        if info.translated:
            return True, f"{info.comm} (pid {info.pid})"
        pid = info.ppid
    return (False if seen and pid <= 1 else None), None


def kinfo_proc_bytes(pid: int) -> bytes | None:
    """``sysctl({CTL_KERN, KERN_PROC, KERN_PROC_PID, pid})`` through ctypes (macOS only; None elsewhere
    or on failure). No subprocess: the kernel answers for any pid the user may see."""
    if sys.platform != "darwin":  # (and find_library would run ldconfig on Linux)
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "/usr/lib/libSystem.B.dylib", use_errno=True)
    mib = (ctypes.c_int * 4)(_CTL_KERN, _KERN_PROC, _KERN_PROC_PID, pid)
    buf = ctypes.create_string_buffer(KINFO_PROC_SIZE)
    size = ctypes.c_size_t(KINFO_PROC_SIZE)
    rc = libc.sysctl(mib, ctypes.c_uint(4), buf, ctypes.byref(size), None, ctypes.c_size_t(0))
    if rc != 0 or size.value < KINFO_PROC_SIZE:
        return None
    return buf.raw[: size.value]


# --- Homebrew's architecture -------------------------------------------------------------------

# `brew` itself is a bash script; the Mach-O that shows which Homebrew this is (and the Ruby that
# `brew config` would start) is its portable Ruby, under the repository: the prefix itself on
# Apple silicon (/opt/homebrew), <prefix>/Homebrew on Intel (/usr/local).
BREW_RUBY_PATHS: tuple[str, ...] = (
    "{prefix}/Library/Homebrew/vendor/portable-ruby/current/bin/ruby",
    "{prefix}/Homebrew/Library/Homebrew/vendor/portable-ruby/current/bin/ruby",
)
_APPLE_ARCH = {"arm64": "arm64", "amd64": "x86_64", "386": "i386"}


async def brew_arch(
    read_head: Callable[[str], Awaitable[bytes | None]], brew: str, prefix: str | None
) -> tuple[tuple[str, ...], str | None]:
    """Homebrew's architectures and the file whose Mach-O header said so: brew itself if it is
    Mach-O, else its portable Ruby under ``prefix`` (or the prefix brew's own path implies)."""
    base = prefix or (brew[: -len("/bin/brew")] if brew.endswith("/bin/brew") else None)
    for path in (brew, *(p.format(prefix=base) for p in BREW_RUBY_PATHS if base)):
        if archs := macho_archs(await read_head(path) or b""):
            return archs, path
    return (), None


def macho_archs(head: bytes) -> tuple[str, ...]:
    """The architectures a Mach-O or universal (0xcafebabe) header names, in Apple's spelling
    ("arm64", "x86_64"); () for anything else (a script, ELF, a truncated file)."""
    from m3tui.core.binfmt import identify

    info = identify(head)
    if info.kind not in ("macho", "universal"):
        return ()
    return tuple(_APPLE_ARCH.get(s.goarch or "", s.goarch or "unknown") for s in info.slices)


# --- bash's startup file ----------------------------------------------------------------------

BASH_LOGIN_FILES = (".bash_profile", ".bash_login", ".profile")  # bash reads the first that exists


def bash_rc_path(home: Path, platform: str) -> Path:
    """Where a line for interactive bash goes. Linux: ~/.bashrc. macOS: Terminal and iTerm open login
    shells, which read ~/.bashrc only if told to, so the login file bash actually reads: the first of
    ~/.bash_profile, ~/.bash_login, ~/.profile that exists (creating ~/.bash_profile next to a
    ~/.profile would stop bash reading the latter), else ~/.bash_profile, where Homebrew's installer
    writes on macOS (and ~/.bashrc on Linux)."""
    if platform != "darwin":
        return home / ".bashrc"
    return next((home / n for n in BASH_LOGIN_FILES if (home / n).is_file()), home / ".bash_profile")


# --- DevToolsSecurity -------------------------------------------------------------------------

# Where lldb's debugserver lives (Delve on macOS drives it): the Command Line Tools' copy, then Xcode's.
DEBUGSERVER_PATHS: tuple[str, ...] = (
    "/Library/Developer/CommandLineTools/Library/PrivateFrameworks/LLDB.framework/Versions/A/Resources/debugserver",
    "/Applications/Xcode.app/Contents/SharedFrameworks/LLDB.framework/Versions/A/Resources/debugserver",
)

_DEVTOOLS_RE = re.compile(r"Developer mode is currently (enabled|disabled)\.", re.IGNORECASE)


@dataclass(frozen=True)
class DevToolsStatus:
    enabled: bool | None  # None: the output says neither
    line: str  # the line that said so, or the first line of the output


def parse_devtools_security(text: str) -> DevToolsStatus:
    """``DevToolsSecurity -status`` -> enabled or disabled ("Developer mode is currently enabled.")."""
    m = _DEVTOOLS_RE.search(text)
    if m is None:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return DevToolsStatus(None, first)
    return DevToolsStatus(m.group(1).lower() == "enabled", m.group(0))
