"""Tests for m3tui.logs.index: real files, random and big ones generated here."""

from __future__ import annotations

import gzip
import io
import random
import threading
from pathlib import Path

import pytest

from m3tui.core.config import state_root
from m3tui.logs.index import BLOCK, LineIndex, safe_text, spool_stdin

from tests.testdata import write_big_log


def expected_lines(data: bytes) -> list[bytes]:
    if not data:
        return []
    parts = data.split(b"\n")
    if data.endswith(b"\n"):
        parts.pop()
    return [p[:-1] if p.endswith(b"\r") else p for p in parts]


def random_file(rnd: random.Random, path: Path) -> bytes:
    lines = [b"x" * rnd.choice([0, 0, 1, 7, 80, 300, BLOCK - 1, BLOCK, BLOCK + 3]) for _ in range(rnd.randint(0, 600))]
    eol = rnd.choice([b"\n", b"\r\n"])
    data = eol.join(lines)
    if lines and rnd.random() < 0.5:
        data += eol
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("seed", range(25))
def test_index_matches_split_on_random_files(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    path = tmp_path / "f.log"
    data = random_file(rnd, path)
    want = expected_lines(data)
    with LineIndex.open(path) as ix:
        tail = ix.tail(5)  # before any index
        assert [b for _, b in tail] == want[-5:]
        assert ix.build() is True
        assert ix.complete
        assert ix.line_count == len(want)
        assert ix.lines(0, len(want)) == want
        for i in rnd.sample(range(len(want)), min(20, len(want))):
            assert ix.line(i) == want[i]
        for off, line in tail:
            assert ix.line(ix.line_of(off)) == line
        if want:
            assert ix.line(-1) == want[-1]


def test_empty_file_and_no_trailing_newline(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    with LineIndex(empty) as ix:
        assert ix.tail(10) == []
        ix.build()
        assert ix.line_count == 0
        assert ix.lines(0, 10) == []
        with pytest.raises(IndexError):
            ix.line(0)
    p = tmp_path / "nonl.log"
    p.write_bytes(b"a\r\n\r\nlast")
    with LineIndex(p) as ix:
        assert ix.tail(10) == [(0, b"a"), (3, b""), (5, b"last")]
        ix.build()
        assert ix.lines(0, 9) == [b"a", b"", b"last"]


def test_refresh_appends_truncates_and_replaces(tmp_path: Path) -> None:
    p = tmp_path / "grow.log"
    p.write_bytes(b"one\ntwo")
    ix = LineIndex(p)
    ix.build()
    assert ix.line_count == 2
    with open(p, "ab") as f:
        f.write(b" and a half\n" + b"z" * (BLOCK * 3) + b"\nthree\n")
    assert ix.refresh() == "grew"
    assert ix.line_count == 4
    assert ix.line(1) == b"two and a half"
    assert ix.line(3) == b"three"
    assert ix.refresh() == "same"
    p.write_bytes(b"new\n")  # truncated in place
    assert ix.refresh() == "reset"
    ix.build()
    assert ix.lines(0, 5) == [b"new"]
    other = tmp_path / "other.log"
    other.write_bytes(b"replaced 1\nreplaced 2\nreplaced 3\n")
    other.replace(p)  # rotation by rename: same size or bigger, new inode
    assert ix.refresh() == "reset"
    assert [b for _, b in ix.tail(2)] == [b"replaced 2", b"replaced 3"]
    ix.build()
    assert ix.line_count == 3
    ix.close()


def test_search_forward_and_backward(tmp_path: Path) -> None:
    p = tmp_path / "s.log"
    p.write_bytes(b"".join(b"line %d %s\n" % (i, b"ERROR" if i % 1000 == 7 else b"ok") for i in range(20000)))
    with LineIndex(p) as ix:
        ix.build()
        assert ix.search("ERROR") == 7
        assert ix.search("ERROR", 8) == 1007
        assert ix.search("error", 8, ignore_case=True) == 1007
        assert ix.search("ERROR", 1007, reverse=True) == 7
        assert ix.search(rb"line 1999\d ok", regex=True) == 19990
        assert ix.search("nope") is None


def test_build_in_thread_while_reading_and_stop(tmp_path: Path) -> None:
    p = tmp_path / "t.log"
    p.write_bytes(b"".join(b"%08d\n" % i for i in range(400_000)))
    with LineIndex(p) as ix:
        stop = threading.Event()
        stop.set()
        assert ix.build(stop=stop) is False
        seen: list[float] = []
        t = threading.Thread(target=ix.build, kwargs={"progress": seen.append})
        t.start()
        while t.is_alive():
            n = ix.line_count
            if n > 10:
                assert ix.line(n - 2) == b"%08d" % (n - 2)
        t.join()
        assert ix.line_count == 400_000
        assert seen[-1] == 1.0
        assert ix.line(123_456) == b"00123456"


def test_gz_is_decompressed_once_under_state_root(tmp_path: Path) -> None:
    data = b"".join(b'{"level":"INFO","msg":"n%d"}\n' % i for i in range(5000))
    gz = tmp_path / "app.log.gz"
    gz.write_bytes(gzip.compress(data))
    ix = LineIndex(gz)
    assert ix.compressed
    tmp_files = list((state_root() / "tmp").iterdir())
    assert len(tmp_files) == 1 and tmp_files[0].read_bytes() == data
    last = b'{"level":"INFO","msg":"n4999"}'
    assert ix.tail(1) == [(len(data) - len(last) - 1, last)]
    ix.build()
    assert ix.line_count == 5000
    assert ix.refresh() == "same"
    ix.close()
    assert not (state_root() / "tmp").joinpath(tmp_files[0].name).exists()


def test_spool_stdin(tmp_path: Path) -> None:
    path = spool_stdin(io.BytesIO(b"a\nb\n"))
    assert path.parent == state_root() / "tmp"
    with LineIndex(path) as ix:
        ix.build()
        assert ix.lines(0, 5) == [b"a", b"b"]


BIG_LINES = 3_800_000  # ~205 MB at ~54 bytes a line


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    return write_big_log(tmp_path_factory.mktemp("big") / "big.log", BIG_LINES)


def test_big_file_tail_needs_no_index_and_index_is_compact(big_file: Path) -> None:
    """How fast open + tail(50) is (target 0.2 s; against `tail -n 50`): benchmarks/latency.py."""
    size = big_file.stat().st_size
    assert size > 200_000_000
    ix = LineIndex(big_file)
    tail = ix.tail(50)
    assert tail[-1][1] == b"the very last line"
    assert len(tail) == 50
    assert ix.line_count == 0  # nothing indexed yet
    ix.build()
    assert ix.line_count == BIG_LINES + 1
    ix.lines(1_000_000, 1_000_050)
    ix.lines(BIG_LINES - 50, BIG_LINES + 1)
    per_line = ix.index_nbytes / ix.line_count
    assert per_line <= 16, per_line
    assert ix.line(ix.line_of(tail[0][0])) == tail[0][1]
    ix.close()


def test_safe_text_escapes_and_cuts() -> None:
    """How fast the cut is on 10 MB (target 50 ms): benchmarks/latency.py."""
    assert safe_text(b"plain\ttab") == "plain\ttab"
    assert safe_text(b"\x1b[31mred\x00") == "\\x1b[31mred\\x00"
    assert safe_text(b"bad \xff\xfe utf8") == "bad \ufffd\ufffd utf8"
    assert safe_text("héllo".encode()) == "héllo"
    huge = b"a" * 10_000_000
    out = safe_text(huge, max_chars=100)
    assert out == "a" * 100 + " … (9999900 more bytes)"
    garbage = random.Random(1).randbytes(1_000_000) * 10
    out = safe_text(garbage)
    assert len(out) < 4000 * 5
    assert all(c == "\t" or c >= " " for c in out)
    assert "more bytes)" in out
