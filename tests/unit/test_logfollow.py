"""Tests for m3tui.logs.follow: a real writer task, real rotation and truncation."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path

import pytest

from m3tui.logs.follow import follow


async def wait_for(pred, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("use_watchfiles", [True, False])
async def test_latency_rotation_and_truncation(tmp_path: Path, use_watchfiles: bool) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"old line before follow\n")
    got: list[bytes] = []
    arrived: dict[bytes, float] = {}

    def on_lines(lines: list[bytes]) -> None:
        now = time.monotonic()
        for line in lines:
            got.append(line)
            arrived.setdefault(line, now)

    stop = asyncio.Event()
    task = asyncio.create_task(follow(path, on_lines, stop=stop, use_watchfiles=use_watchfiles))
    await asyncio.sleep(0.3)  # let the watcher start

    sent: dict[bytes, float] = {}
    with open(path, "ab", buffering=0) as f:
        for i in range(25):
            line = b"line %d" % i
            sent[line] = time.monotonic()
            f.write(line + (b"\r\n" if i % 2 else b"\n"))
            await asyncio.sleep(0.03)
        f.write(b"partial")
        await asyncio.sleep(0.15)
        assert b"partial" not in got  # only complete lines
        f.write(b" now complete\n")
    await wait_for(lambda: b"partial now complete" in got)
    assert got[:25] == list(sent)
    latencies = [arrived[k] - t for k, t in sent.items()]
    assert statistics.median(latencies) < 0.1, latencies

    # rotation: rename away, then a new file at the path
    with open(path, "ab") as f:
        f.write(b"last of old file\n")
    os.rename(path, tmp_path / "app.log.1")
    await asyncio.sleep(0.05)
    path.write_bytes(b"first of new file\n")
    await wait_for(lambda: b"first of new file" in got)
    assert b"last of old file" in got
    assert got.index(b"last of old file") < got.index(b"first of new file")

    # truncation in place
    with open(path, "ab") as f:
        f.write(b"more\n" * 20)
    await wait_for(lambda: got.count(b"more") == 20)
    await asyncio.sleep(0.1)
    with open(path, "wb") as f:  # truncate
        f.write(b"after truncate\n")
    await wait_for(lambda: b"after truncate" in got)

    stop.set()
    await asyncio.wait_for(task, 2.0)
    assert b"old line before follow" not in got  # starts at the end


async def test_from_start_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "later.log"
    got: list[bytes] = []
    stop = asyncio.Event()
    task = asyncio.create_task(follow(path, got.extend, stop=stop, from_start=True))
    await asyncio.sleep(0.2)
    path.write_bytes(b"a\nb\n")
    await wait_for(lambda: got == [b"a", b"b"])
    stop.set()
    await asyncio.wait_for(task, 2.0)
