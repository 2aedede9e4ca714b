"""`go tool pprof -http` for real: the real port, served once it answers, a final state always."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from m3tui.profiles.pproftool import WebState, serve_web
from tests.testdata import PPROF
from tests.wait import eventually

pytestmark = [pytest.mark.go, pytest.mark.slow]


def get(url: str) -> httpx.Response:
    return httpx.get(url, follow_redirects=True, trust_env=False, timeout=30)


async def test_serves_at_the_port_it_names_then_stops(real_go: Path) -> None:
    states: list[WebState] = []
    stop = asyncio.Event()
    task = asyncio.create_task(serve_web(PPROF / "cpu.pb.gz", None, states.append, stop=stop))
    await eventually(lambda: states and states[-1].phase != "starting", timeout=240, what="pprof answered")
    assert [s.phase for s in states] == ["starting", "serving"]
    url = states[-1].url
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
    port = url.rsplit(":", 1)[1].rstrip("/")
    assert states[-1].ssh.startswith(f"ssh -L {port}:127.0.0.1:{port} ")
    page = await asyncio.to_thread(get, url)
    assert page.status_code == 200 and "goprof.test" in page.text
    top = await asyncio.to_thread(get, url + "ui/top")
    assert "example.com/goprof.addSquares" in top.text, "the real profile's functions"
    stop.set()
    final = await asyncio.wait_for(task, 30)
    assert final.phase == "stopped" and states[-1] is final
    with pytest.raises(httpx.ConnectError):
        await asyncio.to_thread(get, url)


async def test_a_file_pprof_refuses_fails_with_its_reason(real_go: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not a profile\n")
    states: list[WebState] = []
    final = await asyncio.wait_for(serve_web(bad, None, states.append), 240)
    assert [s.phase for s in states] == ["starting", "failed"] and final is states[-1]
    assert final.reason and "notes.txt" in final.reason, final.reason
    assert final.line().startswith("pprof web: failed: ")


async def test_cancelled_it_says_stopped_and_pprof_is_gone(real_go: Path) -> None:
    states: list[WebState] = []
    task = asyncio.create_task(serve_web(PPROF / "mem.pb.gz", None, states.append))
    await eventually(lambda: states and states[-1].phase == "serving", timeout=240, what="serving")
    url = states[-1].url
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert states[-1].phase == "stopped"
    with pytest.raises(httpx.ConnectError):
        await asyncio.to_thread(get, url)


async def test_no_go_fails_and_says_why(tmp_path: Path) -> None:
    states: list[WebState] = []
    final = await serve_web(PPROF / "cpu.pb.gz", None, states.append, go=str(tmp_path / "no-go"))
    assert final.phase == "failed" and final.reason and "no-go" in final.reason
