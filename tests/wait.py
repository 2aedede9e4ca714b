"""Waiting for something to happen: poll a predicate until it holds or a deadline passes.

Use these instead of sleeping a fixed time and then checking: a fixed sleep is either too short
on a loaded machine (a flaky failure) or longer than needed everywhere (a slow suite).

    await eventually(lambda: server.accepted >= 1, what="the probe connected")
    wait_until(lambda: not proc.is_running(), timeout=10, what="the child exited")

Both return the predicate's last (truthy) value and fail the test with ``what`` when the
deadline passes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
INTERVAL = 0.01


async def eventually(predicate: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, *, interval: float = INTERVAL,
                     what: str = "the condition") -> T:  # fmt: skip
    """Await until ``predicate()`` is truthy (checked at once, then every ``interval`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(interval)


def wait_until(predicate: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, *, interval: float = INTERVAL,
               what: str = "the condition") -> T:  # fmt: skip
    """The synchronous twin of :func:`eventually`, for tests without an event loop."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
