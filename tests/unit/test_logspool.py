"""logs/spool.py: .gz, .bz2 and .zst logs decompressed once into the cache (compressed here, in-process)."""

from __future__ import annotations

import bz2
import gzip
import os
import threading
from pathlib import Path

import pytest
import zstandard

from m3tui.core.errors import InputError, M3tuiError
from m3tui.logs.spool import KEEP, compression, decompressed, open_log, spool_dir

TEXT = b"".join(b"2026-03-01T12:00:%02d.000Z INFO line %06d\n" % (i % 60, i) for i in range(50_000))
PACK = {"gz": gzip.compress, "bz2": bz2.compress, "zst": lambda b: zstandard.ZstdCompressor().compress(b)}


def leftovers() -> list[Path]:
    """Spool files and scratch files of this process (a half spool would be one of them)."""
    from m3tui.core.tmp import tmp_root

    found = list(spool_dir().glob("*")) if spool_dir().exists() else []
    return found + (list(tmp_root().glob("unz-*")) if tmp_root().exists() else [])


@pytest.mark.parametrize("ext", ["gz", "bz2", "zst"])
def test_decompressed_once_then_reused(tmp_path: Path, ext: str) -> None:
    src = tmp_path / f"app.log.{ext}"
    src.write_bytes(PACK[ext](TEXT))
    seen: list[float] = []
    plain = decompressed(src, seen.append)
    assert plain.parent == spool_dir() and plain.read_bytes() == TEXT
    assert seen and seen[-1] == 1.0
    ino = plain.stat().st_ino
    assert decompressed(src) == plain and plain.stat().st_ino == ino  # the same spool, not made again
    os.utime(src, ns=(1, 1))  # the file changed (as far as size+mtime tell): a new spool
    again = decompressed(src)
    assert again != plain and again.read_bytes() == TEXT
    source = open_log(src, src.name)
    assert source.path == src and source.tail[-1][1] == b"2026-03-01T12:00:19.000Z INFO line 049999"


def test_plain_file_is_itself(tmp_path: Path) -> None:
    src = tmp_path / "plain.log"
    src.write_bytes(TEXT[:1000])
    assert decompressed(src) == src
    assert compression(b"\x1f\x8b\x08") == "gzip" and compression(b"BZh9") == "bzip2" and compression(b"{") is None


@pytest.mark.parametrize(("ext", "data", "said"), [
    ("gz", gzip.compress(TEXT)[:-5000], "truncated gzip data"),
    ("gz", b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"garbage" * 100, "corrupt gzip data"),
    ("bz2", b"BZh9" + b"not bzip2 at all" * 50, "corrupt bzip2 data"),
    ("zst", b"\x28\xb5\x2f\xfd" + b"\xff" * 300, "zstd data"),
])  # fmt: skip
def test_corrupt_data_is_one_line_and_leaves_nothing(tmp_path: Path, ext: str, data: bytes, said: str) -> None:
    src = tmp_path / f"bad.log.{ext}"
    src.write_bytes(data)
    with pytest.raises(InputError, match=said) as err:
        decompressed(src)
    assert "\n" not in str(err.value) and "bad.log" in str(err.value)
    assert leftovers() == []


def test_stopped_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "big.log.gz"
    src.write_bytes(gzip.compress(TEXT * 8, compresslevel=1))
    stop = threading.Event()
    stop.set()
    with pytest.raises(M3tuiError, match="stopped"):
        decompressed(src, stop=stop)
    assert leftovers() == []


def test_cache_keeps_the_last_used(tmp_path: Path) -> None:
    made = []
    for i in range(KEEP + 2):
        src = tmp_path / f"f{i}.log.gz"
        src.write_bytes(gzip.compress(b"line %d\n" % i))
        made.append(decompressed(src))
        os.utime(made[-1], (i + 10, i + 10))  # used in this order
    assert sorted(spool_dir().glob("*.log")) == sorted(made[-KEEP:])


def test_cli_prespool_says_it_and_fills_the_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`m3tui logs x.zst` decompresses before the TUI starts (piped stderr: a plain line), so the pane finds the spool."""
    from m3tui.cli.logs import prespool

    packed, plain = tmp_path / "app.log.zst", tmp_path / "plain.log"
    packed.write_bytes(PACK["zst"](TEXT))
    plain.write_bytes(TEXT[:100])
    prespool([packed, plain])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "decompressing app.log.zst (zstd) into the cache" in err
    spooled = list(spool_dir().glob("*.log"))
    assert len(spooled) == 1 and decompressed(packed) == spooled[0]


def test_spools_are_private(tmp_path: Path) -> None:
    src = tmp_path / "secret.log.gz"
    src.write_bytes(gzip.compress(b"password=hunter2\n"))
    plain = decompressed(src)
    assert plain.stat().st_mode & 0o777 == 0o600 and spool_dir().stat().st_mode & 0o777 == 0o700
