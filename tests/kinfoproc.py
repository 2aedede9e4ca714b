"""CONSTRUCTED ``struct kinfo_proc`` bytes (no recording of real sysctl(KERN_PROC_PID) bytes is
published): a ctypes mirror of the macOS SDK headers (<sys/sysctl.h> struct kinfo_proc and struct
eproc with _pcred, _ucred, vmspace; <sys/proc.h> struct extern_proc, P_TRANSLATED). ctypes lays a
Structure out as the C compiler does on an LP64 machine, which arm64 and x86_64 macOS both are, so
the mirror is an independent check of the offsets m3tui/core/darwin.py writes down by hand."""

from __future__ import annotations

import ctypes

c_ptr = ctypes.c_void_p


class timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_int32)]


class itimerval(ctypes.Structure):
    _fields_ = [("it_interval", timeval), ("it_value", timeval)]


class p_st1(ctypes.Structure):
    _fields_ = [("__p_forw", c_ptr), ("__p_back", c_ptr)]


class p_un(ctypes.Union):
    _fields_ = [("p_st1", p_st1), ("__p_starttime", timeval)]


class extern_proc(ctypes.Structure):
    _fields_ = [
        ("p_un", p_un), ("p_vmspace", c_ptr), ("p_sigacts", c_ptr), ("p_flag", ctypes.c_int),
        ("p_stat", ctypes.c_char), ("p_pid", ctypes.c_int32), ("p_oppid", ctypes.c_int32),
        ("p_dupfd", ctypes.c_int), ("user_stack", c_ptr), ("exit_thread", c_ptr),
        ("p_debugger", ctypes.c_int), ("sigwait", ctypes.c_int), ("p_estcpu", ctypes.c_uint),
        ("p_cpticks", ctypes.c_int), ("p_pctcpu", ctypes.c_uint32), ("p_wchan", c_ptr),
        ("p_wmesg", c_ptr), ("p_swtime", ctypes.c_uint), ("p_slptime", ctypes.c_uint),
        ("p_realtimer", itimerval), ("p_rtime", timeval), ("p_uticks", ctypes.c_uint64),
        ("p_sticks", ctypes.c_uint64), ("p_iticks", ctypes.c_uint64), ("p_traceflag", ctypes.c_int),
        ("p_tracep", c_ptr), ("p_siglist", ctypes.c_int), ("p_textvp", c_ptr),
        ("p_holdcnt", ctypes.c_int), ("p_sigmask", ctypes.c_uint32), ("p_sigignore", ctypes.c_uint32),
        ("p_sigcatch", ctypes.c_uint32), ("p_priority", ctypes.c_ubyte), ("p_usrpri", ctypes.c_ubyte),
        ("p_nice", ctypes.c_char), ("p_comm", ctypes.c_char * 17), ("p_pgrp", c_ptr),
        ("p_addr", c_ptr), ("p_xstat", ctypes.c_ushort), ("p_acflag", ctypes.c_ushort), ("p_ru", c_ptr),
    ]  # fmt: skip


class _pcred(ctypes.Structure):
    _fields_ = [("pc_lock", ctypes.c_char * 72), ("pc_ucred", c_ptr)] + [
        (n, ctypes.c_uint32) for n in ("p_ruid", "p_svuid", "p_rgid", "p_svgid", "p_refcnt")
    ]


class _ucred(ctypes.Structure):
    _fields_ = [("cr_ref", ctypes.c_int32), ("cr_uid", ctypes.c_uint32), ("cr_ngroups", ctypes.c_short),
                ("cr_groups", ctypes.c_uint32 * 16)]  # fmt: skip


class vmspace(ctypes.Structure):
    _fields_ = [("dummy", ctypes.c_int32), ("dummy2", c_ptr), ("dummy3", ctypes.c_int32 * 5), ("dummy4", c_ptr * 3)]


class eproc(ctypes.Structure):
    _fields_ = [
        ("e_paddr", c_ptr), ("e_sess", c_ptr), ("e_pcred", _pcred), ("e_ucred", _ucred), ("e_vm", vmspace),
        ("e_ppid", ctypes.c_int32), ("e_pgid", ctypes.c_int32), ("e_jobc", ctypes.c_short),
        ("e_tdev", ctypes.c_int32), ("e_tpgid", ctypes.c_int32), ("e_tsess", c_ptr),
        ("e_wmesg", ctypes.c_char * 8), ("e_xsize", ctypes.c_int32), ("e_xrssize", ctypes.c_short),
        ("e_xccount", ctypes.c_short), ("e_xswrss", ctypes.c_short), ("e_flag", ctypes.c_int32),
        ("e_login", ctypes.c_char * 12), ("e_spare", ctypes.c_int32 * 4),
    ]  # fmt: skip


class kinfo_proc(ctypes.Structure):
    _fields_ = [("kp_proc", extern_proc), ("kp_eproc", eproc)]


def constructed(pid: int, ppid: int, comm: bytes, flag: int) -> bytes:
    """CONSTRUCTED kinfo_proc bytes (not recorded): P_SYSTEM-free flags as a user process has them."""
    k = kinfo_proc()
    k.kp_proc.p_flag = flag
    k.kp_proc.p_stat = b"\x02"  # SRUN
    k.kp_proc.p_pid = pid
    k.kp_proc.p_comm = comm
    k.kp_proc.p_priority = 31
    k.kp_eproc.e_ppid = ppid
    k.kp_eproc.e_pgid = pid
    k.kp_eproc.e_login = b"dev"
    return bytes(k)
