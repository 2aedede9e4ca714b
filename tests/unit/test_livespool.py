"""logs/livespool.py: piped stdin copied into a spool as it comes, its limits one line, stopped at quit."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from m3tui.logs.livespool import LiveSpool, live_spool
from m3tui.logs.status import StatusFacts, status_parts


def _spool(tmp_path: Path, **kw: object) -> tuple[int, LiveSpool]:
    r, w = os.pipe()
    path = tmp_path / "stdin-p1-x.log"
    out = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    return w, LiveSpool(r, out, path, **kw).start()  # type: ignore[arg-type]


def test_lines_land_in_the_spool_as_they_come(tmp_path: Path) -> None:
    w, live = _spool(tmp_path)
    assert live_spool(live.path) is live
    os.write(w, b"first\n")
    for _ in range(200):
        if live.path.read_bytes() == b"first\n":
            break
        threading.Event().wait(0.01)
    assert live.path.read_bytes() == b"first\n" and not live.done.is_set()  # there before the writer ends
    os.write(w, b"second\n")
    os.close(w)
    assert live.done.wait(5)
    assert live.path.read_bytes() == b"first\nsecond\n" and live.error == "" and live.written == 13
    live.stop()
    assert live_spool(live.path) is None


def test_over_its_budget_it_stops_with_one_line(tmp_path: Path) -> None:
    w, live = _spool(tmp_path, budget=10)
    os.write(w, b"12345678\n")
    for _ in range(500):
        if live.written:
            break
        threading.Event().wait(0.01)
    os.write(w, b"more than the budget\n")
    assert live.done.wait(5)
    os.close(w)
    assert live.error.startswith("stdin: stopped spooling after ") and "it sends more than " in live.error, live.error
    assert "\n" not in live.error
    assert live.path.read_bytes() == b"12345678\n"  # what came within the budget stays shown


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a real ENOSPC)")
def test_a_full_disk_stops_it_with_one_line(tmp_path: Path) -> None:
    r, w = os.pipe()
    live = LiveSpool(r, os.open("/dev/full", os.O_WRONLY), tmp_path / "stdin-p1-y.log").start()
    os.write(w, b"a line\n")
    assert live.done.wait(5)
    os.close(w)
    assert live.error.startswith(f"stdin: stopped spooling it to {tmp_path}: ") and "\n" not in live.error


def test_stopped_it_writes_nothing_more_and_its_thread_ends(tmp_path: Path) -> None:
    w, live = _spool(tmp_path)
    assert live.thread.daemon  # never holds up the interpreter's exit
    live.stop()
    os.write(w, b"after the quit\n")
    assert live.done.wait(5)
    live.thread.join(5)
    assert not live.thread.is_alive() and live.path.read_bytes() == b""
    os.close(w)


def test_the_status_says_why_the_spool_stopped() -> None:
    parts = status_parts(StatusFacts("stdin", lines=3, spool_error="stdin: stopped spooling it to /x: disk full"))
    assert [(p.text, p.style) for p in parts if "spool" in p.text] == [("stdin: stopped spooling it to /x: disk full", "red")]


@pytest.mark.parametrize("cut", ["corrupt", "truncated"])
def test_bad_gzip_input_is_one_line(tmp_path: Path, cut: str) -> None:
    import gzip

    data = gzip.compress(b"line\n" * 1000)
    data = data[:12] + b"\xff" * 20 + data[32:] if cut == "corrupt" else data[:-10]
    w, live = _spool(tmp_path)
    os.write(w, data)
    os.close(w)
    assert live.done.wait(5)
    assert live.error.startswith(f"stdin: {cut} gzip data") and "\n" not in live.error, live.error


def _packed(kind: str, parts: list[bytes]) -> bytes:
    """``kind``-compressed members one after another (``gzip -c a b`` makes two)."""
    import bz2
    import gzip

    import zstandard

    pack = {"gzip": gzip.compress, "bzip2": bz2.compress, "zstd": zstandard.ZstdCompressor().compress}[kind]
    return b"".join(pack(p) for p in parts)


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "zstd"])
def test_compressed_input_of_each_kind_is_decompressed_as_it_comes(tmp_path: Path, kind: str) -> None:
    data = _packed(kind, [b"one\ntwo\n", b"three\n" * 50_000])  # two members, the second 300 KB
    w, live = _spool(tmp_path)
    os.write(w, data[:1])  # the magic split across reads
    threading.Event().wait(0.05)
    for at in range(1, len(data), 7):
        os.write(w, data[at:at + 7])
    os.close(w)
    assert live.done.wait(10)
    assert live.error == "" and live.path.read_bytes() == b"one\ntwo\n" + b"three\n" * 50_000


@pytest.mark.parametrize("kind", ["bzip2", "zstd"])
def test_a_compressed_bomb_meets_the_budget_not_the_memory(tmp_path: Path, kind: str) -> None:
    data = _packed(kind, [b"\0" * (64 << 20)])  # 64 MiB of zeros in a few KB
    w, live = _spool(tmp_path, budget=3 << 20)
    os.write(w, data)
    os.close(w)
    assert live.done.wait(30)
    assert live.error.startswith("stdin: stopped spooling after ") and live.written <= 3 << 20, live.error


@pytest.mark.parametrize("kind", ["bzip2", "zstd"])
def test_bad_compressed_input_is_one_line(tmp_path: Path, kind: str) -> None:
    data = _packed(kind, [bytes(range(256)) * 4000])
    data = data[:4] + b"\xff" * 40 + data[44:]
    w, live = _spool(tmp_path)
    os.write(w, data)
    os.close(w)
    assert live.done.wait(5)
    assert live.error.startswith(f"stdin: corrupt {kind} data") and "\n" not in live.error, live.error
