"""Tests for m3tui.logs.follow: a real writer task, real rotation and truncation."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from m3tui.logs.follow import follow

from tests.wait import eventually


async def wait_for(pred, timeout: float = 3.0) -> None:
    await eventually(pred, timeout)


async def _until_following(path: Path, got: list[bytes]) -> None:
    """Append `ready N` lines until one comes back: the follower has opened the file and reads it."""
    n = 0

    def ready() -> bool:
        nonlocal n
        if any(line.startswith(b"ready ") for line in got):
            return True
        with open(path, "ab") as f:
            f.write(b"ready %d\n" % n)
        n += 1
        return False

    await eventually(ready, timeout=10, interval=0.05, what="the follower to start")


@pytest.mark.parametrize("use_watchfiles", [True, False])
async def test_order_rotation_and_truncation(tmp_path: Path, use_watchfiles: bool) -> None:
    """Lines in order, only complete ones, across rotation and truncation. How soon they arrive
    (the median latency, target 100 ms) is measured by benchmarks/latency.py."""
    path = tmp_path / "app.log"
    path.write_bytes(b"old line before follow\n")
    got: list[bytes] = []

    def on_lines(lines: list[bytes]) -> None:
        got.extend(lines)

    stop = asyncio.Event()
    task = asyncio.create_task(follow(path, on_lines, stop=stop, use_watchfiles=use_watchfiles))
    await _until_following(path, got)

    sent: list[bytes] = []
    with open(path, "ab", buffering=0) as f:
        for i in range(25):
            line = b"line %d" % i
            sent.append(line)
            f.write(line + (b"\r\n" if i % 2 else b"\n"))
            await asyncio.sleep(0.03)
        f.write(b"partial")
        await asyncio.sleep(0.15)  # time for a wrong delivery of the partial line to happen
        assert b"partial" not in got  # only complete lines
        f.write(b" now complete\n")
    await wait_for(lambda: b"partial now complete" in got)
    assert [line for line in got if not line.startswith(b"ready ")][:25] == sent

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
