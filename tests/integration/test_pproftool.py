"""pproftool: warm `go tool pprof`, build its argv, run -top on a real profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from m3tui.profiles import pproftool
from m3tui.profiles.pproftool import PprofError, pprof_argv, top_text
from m3tui.profiles.capture import CaptureSpec, capture

from tests.goprofpkg import make_package


@pytest.fixture
def fresh_warm(monkeypatch):
    monkeypatch.setattr(pproftool, "_WARMED", {})


async def test_warm_returns_seconds_once(real_go, fresh_warm, monkeypatch):
    assert not pproftool.is_warm()
    seconds = await pproftool.warm()
    assert isinstance(seconds, float) and 0 <= seconds < 600
    assert pproftool.is_warm()

    async def no_run(*args, **kwargs):
        raise AssertionError(f"warm() ran {args[0] if args else kwargs} again")

    monkeypatch.setattr(pproftool.runner, "run", no_run)
    assert await pproftool.warm() == seconds  # once per process: nothing runs again


async def test_warm_failure_is_none(fresh_warm, tmp_path):
    assert await pproftool.warm(str(tmp_path / "no-such-go")) is None
    assert not pproftool.is_warm(str(tmp_path / "no-such-go"))


def test_pprof_argv_shapes():
    prof, binary = Path("/x/cpu.pprof"), Path("/x/pkg.test")
    assert pprof_argv(prof, None) == ["go", "tool", "pprof", "/x/cpu.pprof"]
    assert pprof_argv(prof, binary) == ["go", "tool", "pprof", "/x/pkg.test", "/x/cpu.pprof"]
    assert pprof_argv(prof, binary, http="") == [
        "go", "tool", "pprof", "-http=localhost:0", "-no_browser", "/x/pkg.test", "/x/cpu.pprof",
    ]
    assert pprof_argv(prof, None, http="127.0.0.1:8081", extra=["-sample_index=delay"]) == [
        "go", "tool", "pprof", "-http=127.0.0.1:8081", "-no_browser", "-sample_index=delay",
        "/x/cpu.pprof",
    ]
    assert pprof_argv(prof, None, go="/opt/go/bin/go")[0] == "/opt/go/bin/go"
    assert pproftool.PPROF_ENV["BROWSER"] == ""


async def test_pprof_knows_no_browser(real_go, fresh_warm):
    """The -no_browser flag pprof_argv relies on exists in this Go's pprof."""
    from m3tui.core import runner

    res = await runner.run(["go", "tool", "pprof", "-h"], env=pproftool.PPROF_ENV, timeout=600)
    assert "-no_browser" in res.stdout_text + res.stderr_text


async def test_top_text_on_captured_profile(go_env, tmp_path):
    pkg = make_package(tmp_path)
    cap = await capture(CaptureSpec(pkg, "^BenchmarkAlloc$", "mem", rate=1, benchtime="1000x"))
    text = await top_text(cap.profile, cap.binary)
    assert "flat%" in text and "cum%" in text
    assert "profpkg.allocBig" in text
    # Without the binary too (Go embeds the symbols), and with extra args.
    text2 = await top_text(cap.profile, None, ["-sample_index=alloc_objects", "-nodecount=3"])
    assert "Type: alloc_objects" in text2 and "flat%" in text2


async def test_top_text_error(real_go, tmp_path):
    bad = tmp_path / "bad.pprof"
    bad.write_bytes(b"this is not a profile")
    with pytest.raises(PprofError) as info:
        await top_text(bad)
    assert str(info.value)
