"""profcapture: real captures of a small Go package (real go, real profiles, real pprof)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import psutil
import pytest

from m3tui.profiles import pproftool, capture as profcapture
from m3tui.core.config import state_root
from m3tui.core.errors import InputError
from m3tui.profiles.capture import Capture, CaptureError, CaptureSpec, InvalidCaptureSpec, capture

from tests.goprofpkg import BROKEN_SRC, make_package


@pytest.fixture
def pkg(tmp_path) -> Path:
    return make_package(tmp_path)


def _profiles_entries() -> list[str]:
    root = profcapture.profiles_root()
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def _scratch_entries() -> list[str]:
    root = state_root() / "tmp"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def _no_test_binaries() -> bool:
    me = psutil.Process()
    return not [p for p in me.children(recursive=True) if _name(p) == profcapture.BINARY_NAME]


def _name(p: psutil.Process) -> str:
    try:
        return p.name()
    except psutil.Error:
        return ""


# --------------------------------------------------------------------------
# Specs and argv (no go needed)
# --------------------------------------------------------------------------


def test_spec_validation(tmp_path):
    with pytest.raises(ValueError, match="cpu profile has no rate"):
        CaptureSpec(tmp_path, "X", "cpu", rate=100)
    with pytest.raises(ValueError, match="unknown profile kind"):
        CaptureSpec(tmp_path, "X", "heap")
    with pytest.raises(ValueError):
        CaptureSpec(tmp_path, "X", "mem", procs=0)
    spec = CaptureSpec(tmp_path, "Alloc$", "mem", procs=4, rate=4096, benchtime="100x", count=2)
    args = spec.test_args(Path("/p/mem.pprof"))
    assert args[:10] == [
        "-test.run", "^$", "-test.bench", "Alloc$", "-test.cpu", "4", "-test.count", "2",
        "-test.benchtime", "100x",
    ]
    assert args[-4:] == ["-test.memprofile", "/p/mem.pprof", "-test.memprofilerate", "4096"]
    assert profcapture.profile_args("block", Path("b"), 10) == [
        "-test.blockprofile", "b", "-test.blockprofilerate", "10",
    ]
    assert profcapture.profile_args("mutex", Path("m"), 5)[-2:] == [
        "-test.mutexprofilefraction", "5",
    ]
    assert profcapture.profile_args("cpu", Path("c")) == ["-test.cpuprofile", "c"]
    assert CaptureSpec.from_json(spec.to_json()) == spec


def test_open_external(tmp_path):
    with pytest.raises(InputError, match="cannot read profile .*nope.pprof: No such file"):
        profcapture.open_external(tmp_path / "nope.pprof")
    with pytest.raises(InputError, match="is a directory, not a regular file"):
        profcapture.open_external(tmp_path)
    (tmp_path / "empty.pprof").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        profcapture.open_external(tmp_path / "empty.pprof")
    f = tmp_path / "x.pprof"
    f.write_bytes(b"\x1f\x8b not really")
    cap = profcapture.open_external(f)
    assert cap.external and cap.binary is None and cap.spec is None
    assert cap.profile == f.resolve() and cap.kind == "unknown"
    with pytest.raises(InputError, match="cannot read binary .*nobinary: No such file"):
        profcapture.open_external(f, tmp_path / "nobinary")


def test_list_skips_and_reports_broken(tmp_path):
    root = profcapture.profiles_root()
    (root / "20260101-000000.000-abcdef").mkdir(parents=True)
    (root / "20260101-000000.000-abcdef" / "capture.json").write_text("{not json")
    (root / ".tmp-20260101-000001.000-abcdef").mkdir()  # a capture in progress: invisible
    caps, problems = profcapture.scan_captures()
    assert caps == []
    assert [p.name for p, _ in problems] == ["20260101-000000.000-abcdef"]
    assert profcapture.list_captures() == []
    assert profcapture.delete_capture("../../etc") is False
    assert profcapture.delete_capture("20260101-000000.000-abcdef") is True
    assert profcapture.scan_captures() == ([], [])


# --------------------------------------------------------------------------
# Real captures
# --------------------------------------------------------------------------


async def _check_capture(cap: Capture, kind: str, sample_type: str) -> str:
    assert cap.kind == kind
    assert cap.profile.is_file() and cap.profile.stat().st_size > 0
    assert cap.binary is not None and cap.binary.is_file()
    assert cap.profile.parent == cap.binary.parent == profcapture.profiles_root() / cap.id
    assert os.access(cap.binary, os.X_OK)
    meta = json.loads((cap.profile.parent / "capture.json").read_text())
    assert meta["kind"] == kind and meta["id"] == cap.id
    assert meta["profile"] == cap.profile.name and meta["binary"] == "pkg.test"
    assert meta["results"] and meta["results"][0]["values"]["ns/op"] > 0
    assert meta["go_version"].startswith("go1.")
    text = await pproftool.top_text(cap.profile, cap.binary)
    assert "flat%" in text
    assert f"Type: {sample_type}" in text
    return text


@pytest.mark.slow
async def test_capture_all_kinds(go_env, pkg):
    lines: list[str] = []
    cpu = await capture(
        CaptureSpec(pkg, "^BenchmarkAlloc$", "cpu", benchtime="200ms"), on_line=lines.append
    )
    assert any(ln.startswith("BenchmarkAlloc") for ln in lines)
    assert [r.name for r in cpu.results] == ["Alloc"] and cpu.warnings == []
    await _check_capture(cpu, "cpu", "cpu")

    mem = await capture(CaptureSpec(pkg, "^BenchmarkAlloc$", "mem", rate=1, benchtime="2000x"))
    text = await _check_capture(mem, "mem", "alloc_space")
    assert "profpkg.allocBig" in text and "profpkg.allocSmall" in text

    block = await capture(CaptureSpec(pkg, "^BenchmarkChan$", "block", benchtime="2000x"))
    text = await _check_capture(block, "block", "delay")
    assert "runtime.chan" in text

    mutex = await capture(
        CaptureSpec(pkg, "^BenchmarkMutex$", "mutex", procs=2, rate=1, benchtime="20000x")
    )
    assert mutex.results[0].procs == 2
    text = await _check_capture(mutex, "mutex", "delay")
    assert "sync.(*Mutex).Unlock" in text

    listed = profcapture.list_captures()
    assert [c.id for c in listed] == [mutex.id, block.id, mem.id, cpu.id]  # newest first
    again = listed[1]
    assert again.spec == block.spec and again.binary == block.binary
    assert again.results[0].name == "Chan" and again.results[0].values["ns/op"] > 0
    assert profcapture.load_capture(mem.id).spec.rate == 1

    assert profcapture.delete_capture(mem.id) is True
    assert profcapture.delete_capture(mem.id) is False
    assert not mem.profile.parent.exists()
    assert [c.id for c in profcapture.list_captures()] == [mutex.id, block.id, cpu.id]
    assert not any(n.startswith(".tmp-") for n in _profiles_entries())


async def test_capture_noinline_and_several_benchmarks(go_env, pkg):
    cap = await capture(
        CaptureSpec(pkg, "^BenchmarkAlloc", "mem", benchtime="1000x", noinline=True)
    )
    assert cap.spec.noinline
    assert sorted(r.name for r in cap.results) == ["Alloc", "AllocOther"]
    assert len(cap.warnings) == 1 and "2 benchmarks matched" in cap.warnings[0]
    assert json.loads((cap.profile.parent / "capture.json").read_text())["warnings"]
    await _check_capture(cap, "mem", "alloc_space")


async def test_open_external_real_profile(go_env, pkg, tmp_path):
    cap = await capture(CaptureSpec(pkg, "^BenchmarkChan$", "block", benchtime="500x"))
    ext = profcapture.open_external(cap.profile, cap.binary)
    assert ext.external and ext.binary == cap.binary.resolve()
    try:
        import m3tui.profiles.pprof.decode  # noqa: F401
    except ImportError:
        assert ext.kind == "unknown"
    else:
        assert ext.kind == "block"


async def test_bad_package_is_a_capture_error(go_env, tmp_path):
    broken = make_package(tmp_path, "broken", BROKEN_SRC)
    with pytest.raises(CaptureError) as info:
        await capture(CaptureSpec(broken, ".", "cpu"))
    assert "undefined: undefinedThing" in str(info.value)
    assert str(info.value).startswith("build failed:")
    assert "\n" not in str(info.value)
    assert any("undefinedThing" in d for d in info.value.details)
    assert _profiles_entries() == [] and _scratch_entries() == []


async def test_no_benchmark_matched(go_env, pkg):
    with pytest.raises(CaptureError, match="no benchmark matched 'NoSuchBench'"):
        await capture(CaptureSpec(pkg, "NoSuchBench", "cpu"))
    assert _profiles_entries() == [] and _scratch_entries() == []


async def test_missing_package_dir(go_env, tmp_path):
    with pytest.raises(InvalidCaptureSpec, match="no such package directory"):
        await capture(CaptureSpec(tmp_path / "nope", ".", "cpu"))


@pytest.mark.slow
async def test_timeout(go_env, pkg):
    with pytest.raises(CaptureError, match="timed out"):
        # 1000 × 20 ms = 20 s of benchmark: the deadline falls in the run (or, on a slow box, in
        # the build: a timeout all the same, and what it leaves is checked the same way).
        await capture(CaptureSpec(pkg, "^BenchmarkSleep$", "cpu", benchtime="1000x"), timeout=8)
    assert _profiles_entries() == [] and _scratch_entries() == []
    assert _no_test_binaries()


async def test_stop_mid_capture_leaves_nothing(go_env, pkg):
    stop = asyncio.Event()
    started = asyncio.Event()

    def on_line(line: str) -> None:
        if line.startswith(("goos:", "BenchmarkSleep")):
            started.set()

    spec = CaptureSpec(pkg, "^BenchmarkSleep$", "cpu", benchtime="500x")  # ~10 s
    task = asyncio.create_task(capture(spec, on_line=on_line, stop=stop))
    await asyncio.wait_for(started.wait(), 120)
    # The test binary is running, and its half-made capture is in a scratch directory named after
    # this process (swept at start-up if it were killed).
    assert [n for n in _scratch_entries() if n.startswith(f"capture-p{os.getpid()}-")]
    assert not _no_test_binaries()
    stop.set()
    with pytest.raises(CaptureError, match="stopped"):
        await asyncio.wait_for(task, 10)
    assert _profiles_entries() == [] and _scratch_entries() == []
    assert _no_test_binaries()
    assert profcapture.list_captures() == []


async def test_cancel_mid_capture_leaves_nothing(go_env, pkg):
    started = asyncio.Event()
    spec = CaptureSpec(pkg, "^BenchmarkSleep$", "cpu", benchtime="500x")
    task = asyncio.create_task(
        capture(spec, on_line=lambda ln: started.set() if ln.startswith("goos:") else None)
    )
    await asyncio.wait_for(started.wait(), 120)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _profiles_entries() == [] and _scratch_entries() == []
    assert _no_test_binaries()


async def test_relative_home_and_package(go_env, pkg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("M3TUI_HOME", "rel-home")
    cap = await capture(CaptureSpec(Path("profpkg"), "^BenchmarkAlloc$", "mem", benchtime="100x"))
    assert cap.profile.is_absolute() and cap.profile.is_file() and cap.binary.is_file()
    assert cap.profile.parent == tmp_path / "rel-home" / "profiles" / cap.id
    assert cap.spec.package_dir == pkg
    assert [c.id for c in profcapture.list_captures()] == [cap.id]


async def test_missing_binary_is_a_warning(go_env, pkg):
    cap = await capture(CaptureSpec(pkg, "^BenchmarkAlloc$", "cpu", benchtime="100x"))
    cap.binary.unlink()
    (again,) = profcapture.list_captures()
    assert again.binary == cap.binary and not again.binary.exists()
    assert any("pkg.test is missing" in w for w in again.warnings)
    cap.profile.unlink()
    caps, problems = profcapture.scan_captures()
    assert caps == [] and "missing" in problems[0][1]
    with pytest.raises(CaptureError, match="missing"):
        profcapture.load_capture(cap.id)
