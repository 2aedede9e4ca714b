"""Tests for m3tui.logs.follow: a real writer task, real rotation and truncation."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from m3tui.logs.follow import follow

from tests.wait import eventually


async def following(ready: asyncio.Event) -> None:
    """Until follow() says its watch (or its polling) is in place."""
    await eventually(ready.is_set, what="follow() to watch the file")


@pytest.mark.parametrize("use_watchfiles", [True, False])
async def test_a_line_after_ready_arrives_without_the_recheck(tmp_path: Path, use_watchfiles: bool) -> None:
    """Once ``ready`` is set, the next line comes from the watch itself: the safety-net recheck
    (an hour here) cannot be what delivers it."""
    path = tmp_path / "app.log"
    path.write_bytes(b"old\n")
    got: list[bytes] = []
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(follow(path, got.extend, stop=stop, recheck=3600, use_watchfiles=use_watchfiles,
                                      ready=ready))  # fmt: skip
    await following(ready)
    with open(path, "ab") as f:
        f.write(b"the first line after ready\n")
    await eventually(lambda: got == [b"the first line after ready"], what="the line after ready")
    stop.set()
    await asyncio.wait_for(task, 2.0)


@pytest.mark.parametrize("use_watchfiles", [True, False])
async def test_order_rotation_and_truncation(tmp_path: Path, use_watchfiles: bool) -> None:
    """Lines in order, only complete ones, across rotation and truncation. How soon they arrive
    (the median latency, target 100 ms) is measured by benchmarks/latency.py."""
    path = tmp_path / "app.log"
    path.write_bytes(b"old line before follow\n")
    got: list[bytes] = []

    def on_lines(lines: list[bytes]) -> None:
        got.extend(lines)

    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(follow(path, on_lines, stop=stop, use_watchfiles=use_watchfiles, ready=ready))
    await following(ready)

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
    await eventually(lambda: b"partial now complete" in got, what="the completed line")
    assert got[:25] == sent

    # rotation: rename away, then a new file at the path
    with open(path, "ab") as f:
        f.write(b"last of old file\n")
    os.rename(path, tmp_path / "app.log.1")
    await asyncio.sleep(0.05)
    path.write_bytes(b"first of new file\n")
    await eventually(lambda: b"first of new file" in got, what="the new file's first line")
    assert b"last of old file" in got
    assert got.index(b"last of old file") < got.index(b"first of new file")

    # truncation in place
    with open(path, "ab") as f:
        f.write(b"more\n" * 20)
    await eventually(lambda: got.count(b"more") == 20, what="20 lines before the truncation")
    await asyncio.sleep(0.1)
    with open(path, "wb") as f:  # truncate
        f.write(b"after truncate\n")
    await eventually(lambda: b"after truncate" in got, what="the line after the truncation")

    stop.set()
    await asyncio.wait_for(task, 2.0)
    assert b"old line before follow" not in got  # starts at the end


async def test_from_start_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "later.log"
    got: list[bytes] = []
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(follow(path, got.extend, stop=stop, from_start=True, ready=ready))
    await following(ready)
    path.write_bytes(b"a\nb\n")
    await eventually(lambda: got == [b"a", b"b"], what="the new file's lines")
    stop.set()
    await asyncio.wait_for(task, 2.0)
