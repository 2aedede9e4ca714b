"""Every headless command, called in-process with generated hostile arguments and files.

Whatever hypothesis throws at `m3tui.cli.main.main`, the contract holds: the exit status is one
of 0/1/2/3, stderr never says "internal error" or shows a traceback, stdout under ``--json`` is
strict JSON (and an error object when the command failed), and nothing is written where it
was not asked to be. The files are made for real once per module: random bytes, truncated and
corrupt gzip, a small gzip bomb, a FIFO, a directory, an unreadable file, a symlink loop,
names with control characters and unicode, and real profiles (tests/data/pprof), benchmark output and JSON logs.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m3tui.cli.main import main
from m3tui.core.config import state_root
from tests.hostile import deadline
from tests.testdata import BENCHSTAT, PPROF


def _hostile_files(root: Path) -> list[Path]:
    rng = random.Random(11)
    made: dict[str, bytes] = {
        "random.bin": rng.randbytes(4096),
        "empty": b"",
        "corrupt.gz": b"\x1f\x8b\x08\x00" + rng.randbytes(300),
        "truncated.gz": gzip.compress(b'{"level":"info","msg":"x"}\n' * 2000)[:700],
        "garbage-inside.gz": gzip.compress(rng.randbytes(5000)),
        "nul\x01ctl\x1b[31m.log": b'{"level":"info"}\n\x00\x00\n',
        "ünïcødé ログ.txt": b"BenchmarkX-8 \t 100 \t 12 ns/op\n",
        "not-utf8.log": b"\xff\xfe\xfa" * 1000 + b"\n",
        "huge-number.log": b'{"level":"info","msg":"m","time":"2026-01-01T00:00:00Z","latency":1e400}\n',
        "bench.txt": (BENCHSTAT / "crc-old.txt").read_bytes(),
        "bench-new.txt": (BENCHSTAT / "crc-new.txt").read_bytes(),
    }
    for name, data in made.items():
        (root / name).write_bytes(data)
    cpu = (PPROF / "cpu.pb.gz").read_bytes()
    (root / "cpu.pprof").write_bytes(cpu)
    (root / "cpu-truncated.pprof").write_bytes(cpu[: len(cpu) // 2])
    raw = gzip.decompress(cpu) if cpu[:2] == b"\x1f\x8b" else cpu
    flipped = bytearray(raw)
    for i in range(0, len(flipped), 97):
        flipped[i] ^= 0xFF
    (root / "cpu-flipped.pprof").write_bytes(gzip.compress(bytes(flipped)))
    with gzip.open(root / "bomb.gz", "wb", compresslevel=9) as bomb:  # 64 MiB of zeros in ~64 KiB
        chunk = b"\0" * (1 << 20)
        for _ in range(64):
            bomb.write(chunk)
    os.mkfifo(root / "fifo")
    (root / "dir").mkdir()
    (root / "unreadable").write_text("secret")
    os.chmod(root / "unreadable", 0)
    (root / "loop").symlink_to(root / "loop")
    (root / "dangling").symlink_to(root / "nowhere")
    return sorted(root.iterdir()) + [root / "missing", root / ("x" * 300)]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _hostile_files(tmp_path_factory.mktemp("hostile"))


# Text a shell could pass as one argument: anything but NUL.
ARG_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)
HUGE_INTS = st.sampled_from(["0", "-1", "9223372036854775807", "9223372036854775808", "18446744073709551616",
                             "1" * 40, "1e9", "0x10", " 7", "٣"])  # fmt: skip
VERSIONS = st.one_of(st.sampled_from(["1.22", "go1.22.1", "latest", "1.22.", "..", "../../etc", "1" * 300, "go\x1b[2J",
                                      "1.2.3.4.5", "-1", ""]), ARG_TEXT)  # fmt: skip


def _argvs(files: list[Path]) -> st.SearchStrategy[list[str]]:
    f = st.sampled_from([str(p) for p in files])
    json_flag = st.sampled_from([[], ["--json"]])
    return st.one_of(
        st.tuples(f, json_flag).map(lambda t: ["profile", "top", t[0], *t[1]]),
        st.tuples(f, f).map(lambda t: ["profile", "top", t[0], "--diff-base", t[1], "--json"]),
        st.tuples(f, ARG_TEXT).map(lambda t: ["profile", "top", t[0], "--focus", t[1]]),
        st.tuples(f, HUGE_INTS).map(lambda t: ["profile", "top", t[0], "--nodecount", t[1]]),
        f.map(lambda p: ["profile", p]),
        st.tuples(f, json_flag).map(lambda t: ["logs", t[0], "--lint", *t[1]]),
        f.map(lambda p: ["logs", p]),
        st.tuples(f, f, json_flag).map(lambda t: ["bench", "compare", t[0], t[1], *t[2]]),
        st.tuples(st.sampled_from(["show", "delete", "export"]), HUGE_INTS, json_flag).map(
            lambda t: ["bench", "history", t[0], t[1], *t[2]]),
        st.tuples(HUGE_INTS, json_flag).map(lambda t: ["bench", "history", "list", "--limit", t[0], *t[1]]),
        st.tuples(HUGE_INTS, f).map(lambda t: ["bench", "history", "export", t[0], "-o", t[1]]),
        st.tuples(st.sampled_from(["use", "remove"]), VERSIONS, json_flag).map(lambda t: ["versions", t[0], t[1], *t[2]]),
        st.tuples(ARG_TEXT, json_flag).map(lambda t: ["versions", "env", "--shell", t[0], *t[1]]),
        st.lists(ARG_TEXT, max_size=4).map(lambda a: ["bench", *a]),
        st.lists(ARG_TEXT, max_size=4).map(lambda a: ["profile", "top", *a]),
        st.lists(ARG_TEXT, min_size=1, max_size=4),
    )  # fmt: skip


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def _strict(constant: str) -> object:
    raise AssertionError(f"non-standard JSON constant {constant}")


def check_contract(argv: list[str], code: int, out: str, err: str) -> None:
    shown = f"argv={argv!r}\nexit={code}\nstdout={out[:2000]!r}\nstderr={err[:2000]!r}"
    assert code in (0, 1, 2, 3), shown
    assert "internal error" not in err and "Traceback" not in err, shown
    if "--json" in argv and out.strip():
        doc = json.loads(out, parse_constant=_strict)
        if code in (2, 3):
            assert isinstance(doc, dict) and doc["error"]["exit"] == code and doc["error"]["message"], shown
    if code in (2, 3):
        assert err.strip(), shown  # a failure always says why


@settings(max_examples=1000, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(data=st.data())
def test_every_command_keeps_the_contract_on_hostile_input(
    data: st.DataObject, hostile: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `versions project` and friends look at the current directory
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no go: nothing here may need one
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    argv = data.draw(_argvs(hostile))
    before = {p.name: os.lstat(p) for p in hostile if os.path.lexists(p)}
    with _captured() as (out, err), deadline(20, argv):
        code = main(argv)
    check_contract(argv, code, out.getvalue(), err.getvalue())
    scratch = state_root() / "tmp"
    assert not scratch.exists() or os.listdir(scratch) == [], (argv, os.listdir(scratch))
    for p in hostile:
        if p.name in before:  # nothing named as input, or refused as output, was replaced
            now = os.lstat(p)
            assert (now.st_ino, now.st_mode) == (before[p.name].st_ino, before[p.name].st_mode), (argv, p)
    assert sorted(os.listdir(tmp_path)) == [], argv
