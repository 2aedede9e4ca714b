"""Hostile inputs to the logs feature, in-process: real FIFOs, directories, device nodes, symlink
loops, corrupt and truncated gzip files, a gzip bomb, files truncated under the index, control
characters in logs and in paths, a closed stdin, non-finite numbers, the README's own config.

Each goes through `m3tui.cli.main.main(argv)` (what the command does: the exit code per the
contract, one line on stderr, no "internal error") or through the LineIndex the Logs pane opens.
Subprocess cases (RSS under a real bomb, a full disk, an unreadable file as nobody) are in
tests/integration/test_logs_hostile.py.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
import sys
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from m3tui.cli.main import main
from m3tui.core.config import config_path, load_config, state_root
from m3tui.core.errors import InputError, M3tuiError
from m3tui.logs import index as log_index
from m3tui.logs.index import LineIndex, spool_stdin
from m3tui.logs.lint import MAX_LISTED, LintConfig, lint_stream, load_lint_config
from tests.hostile import zeros_gzip

REPO = Path(__file__).resolve().parents[2]
GOOD = '{"time":"2024-05-01T12:00:00Z","level":"INFO","msg":"ok"}'
BAD = '{"time":"2024-05-01T12:00:00Z","level":"LOUD","msg":"x"}'
GZ_DATA = "".join(f"{GOOD}\n" for _ in range(2000)).encode()


def spools() -> list[str]:
    tmp = state_root() / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert not (state_root() / "crash.log").exists()
    return err.strip()


# --- corrupt gzip ------------------------------------------------------------------------------


def corrupt_gzips(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Damaged gzip files, each with the words its error must carry."""
    good = gzip.compress(GZ_DATA)
    deflate_flipped = bytearray(good)
    for i in range(20, 60):  # inside the deflate stream, past the 10-byte header
        deflate_flipped[i] ^= 0xFF
    cases = {
        "garbage": (b"\x1f\x8b garbage after the magic", "corrupt gzip data"),
        "magic-only": (b"\x1f\x8b", "gzip data"),
        "truncated": (good[: len(good) // 2], "truncated gzip data"),
        "bad-crc": (good[:-8] + b"\0" * 8, "CRC check failed"),
        "zlib-error": (bytes(deflate_flipped), "corrupt gzip data"),
        "trailing-garbage": (good + b"\x1f\x8b\x08\x00junk", "gzip data"),
    }
    out = {}
    for name, (data, says) in cases.items():
        path = tmp_path / f"{name}.log.gz"
        path.write_bytes(data)
        out[name] = (path, says)
    return out


def test_corrupt_gzip_lint_is_invalid_input_naming_the_file(tmp_path: Path, capsys) -> None:
    for name, (path, says) in corrupt_gzips(tmp_path).items():
        code, out, err = run(["logs", str(path), "--lint"], capsys)
        line = one_error_line(err)
        assert code == 2, (name, err)
        assert f"{path.name}: " in line and says in line, (name, line)
        assert out == ""
        code, out, err = run(["logs", str(path), "--lint", "--json"], capsys)
        assert code == 2 and json.loads(out)["error"]["code"] == "invalid_input", name


def test_corrupt_gzip_in_the_index_is_an_input_error_and_leaves_no_spool(tmp_path: Path) -> None:
    for name, (path, says) in corrupt_gzips(tmp_path).items():
        with pytest.raises(InputError) as info:
            LineIndex.open(path)
        assert path.name in str(info.value) and says in str(info.value), name
        assert not [s for s in spools() if s.startswith("gz-")], name


def test_a_gz_name_without_gzip_data_is_read_as_it_is(tmp_path: Path, capsys) -> None:
    plain = tmp_path / "plain.log.gz"
    plain.write_text(GOOD + "\n")
    assert run(["logs", str(plain), "--lint"], capsys)[0] == 0
    with LineIndex(plain) as ix:
        assert not ix.compressed and ix.tail(1)[0][1] == GOOD.encode()


def test_gzip_on_stdin_is_linted_and_its_corruption_named(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(gzip.compress(GZ_DATA)))))
    code, out, _ = run(["logs", "-", "--lint"], capsys)
    assert code == 0 and out.startswith("2000 JSON lines checked")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(gzip.compress(GZ_DATA)[:-20]))))
    code, _, err = run(["logs", "-", "--lint"], capsys)
    assert code == 2 and "stdin: truncated gzip data" in one_error_line(err)


# --- not regular files -------------------------------------------------------------------------


def hostile_paths(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "fifo.log"
    os.mkfifo(fifo)
    directory = tmp_path / "dir.log"
    directory.mkdir()
    loop = tmp_path / "loop.log"
    loop.symlink_to(tmp_path / "loop2.log")
    (tmp_path / "loop2.log").symlink_to(loop)
    out = {
        "fifo": (fifo, "is a FIFO, not a regular file"),
        "directory": (directory, "is a directory, not a regular file"),
        "symlink loop": (loop, "Too many levels of symbolic links"),
        "missing": (tmp_path / "missing.log", "No such file or directory"),
    }
    if os.geteuid() == 0:  # a device node of our own (never a real device): /dev/null's numbers
        node = tmp_path / "null.log"
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        out["device"] = (node, "is a character device, not a regular file")
    return out


def returns_soon(fn: Callable[[], object], seconds: float = 10) -> object:
    """``fn()``, failing (instead of hanging the suite) when it blocks."""
    result: list[object] = []
    error: list[BaseException] = []

    def call() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            error.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked"
    if error:
        raise error[0]
    return result[0]


def test_fifo_device_directory_loop_are_refused_never_waited_on(tmp_path: Path, capsys) -> None:
    for name, (path, says) in hostile_paths(tmp_path).items():
        code = returns_soon(lambda p=path: main(["logs", str(p), "--lint"]))
        line = one_error_line(capsys.readouterr().err)
        assert code == 2 and says in line and path.name in line, (name, line)
        with pytest.raises(InputError, match=re.escape(says)):
            returns_soon(lambda p=path: LineIndex.open(p))


def test_closed_stdin_is_invalid_input(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # what Python makes of `m3tui logs - --lint <&-`
    code, out, err = run(["logs", "-", "--lint"], capsys)
    assert code == 2 and "nothing on stdin" in one_error_line(err) and out == ""
    with pytest.raises(InputError, match="stdin is closed"):
        spool_stdin()


def test_control_characters_in_a_path_stay_escaped_on_one_line(tmp_path: Path, capsys) -> None:
    evil = tmp_path / "\x1b]0;owned\x07\x1b[2J\nfake line\x9b.log"
    code, _, err = run(["logs", str(evil), "--lint"], capsys)
    line = one_error_line(err)
    assert code == 2 and "\\x1b]0;owned\\x07" in line and "\\x0afake line" in line
    assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f\x80-\x9f]", line)


# --- hostile content ---------------------------------------------------------------------------


def test_control_characters_bad_utf8_nul_and_crlf_never_reach_the_terminal(tmp_path: Path, capsys) -> None:
    log = tmp_path / "hostile.log"
    lines = [
        b"\x1b[2J\x1b]0;title\x07\x9b31m only escapes",  # not JSON: counted, never echoed
        b"\x00\x00\x00",
        b"\xff\xfe not utf-8 \xc3",
        GOOD.encode() + b"\r",  # CRLF
        b'{"time":"2024-05-01T12:00:00Z","level":"\\u001b[31mERROR\\u009b","component":"\\u001b]0;x\\u0007\x7f"}\r',
        b'{"time":"2024-05-01T12:00:00Z","level":"INFO","msg":"nul \x00 inside"}',
        b"\xef\xbb\xbf" + GOOD.encode(),  # a BOM
    ]
    log.write_bytes(b"\n".join(lines) + b"\r\n")
    code, out, err = run(["logs", str(log), "--lint"], capsys)
    assert code == 1 and err == ""
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", out), out
    assert "line 5: level: level '\\x1b[31mERROR\\x9b' is not one of" in out
    assert "line 5: component: component '\\x1b]0;x\\x07\\x7f' does not match" in out
    assert out.splitlines()[-1] == (  # the BOM line is checked; the line with a raw NUL in a string is corrupt
        "3 JSON lines checked, 3 non-JSON, 2 violations, 1 malformed JSON (first on line 6) (level 1, component 1)"
    )

    code, out, _ = run(["logs", str(log), "--lint", "--json"], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["violations"][0]["value"] == "\x1b[31mERROR\x9b"  # the data, JSON-escaped
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out), out


def test_a_corrupt_line_is_reported_and_skipped(tmp_path: Path, capsys) -> None:
    log = tmp_path / "cut.log"
    log.write_text(f'{GOOD}\n{{"time":"2024-05-01T12:00:00Z","level":"INF\n{BAD}\n{{"level": [[[\n{GOOD}\n')
    code, out, _ = run(["logs", str(log), "--lint"], capsys)
    assert code == 1 and out.splitlines() == [
        "line 3: level: level 'LOUD' is not one of DEBUG, ERROR, INFO, WARN",
        "3 JSON lines checked, 0 non-JSON, 1 violations, 2 malformed JSON (first on line 2) (level 1)",
    ]
    doc = json.loads(run(["logs", str(log), "--lint", "--json"], capsys)[1])
    assert doc["malformed"] == 2 and doc["first_malformed_line"] == 2 and doc["checked"] == 3


def test_non_finite_numbers_are_null_in_strict_json(tmp_path: Path, capsys) -> None:
    log = tmp_path / "inf.log"
    log.write_text(
        '{"time":"2024-05-01T12:00:00Z","level":1e400,"latency":1e999}\n'
        '{"time":NaN,"level":-1e400}\n'
        '{"time":"2024-05-01T12:00:00Z","level":"INFO","component":Infinity}\n'
    )
    code, out, _ = run(["logs", str(log), "--lint", "--json"], capsys)

    def reject(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    doc = json.loads(out, parse_constant=reject)
    assert code == 1 and doc["violation_count"] == 4
    assert [v["value"] for v in doc["violations"]] == [None, None, None, None]


def test_a_huge_line_is_counted_not_held(tmp_path: Path, capsys) -> None:
    """A 64 MiB single line: skipped in 1 MiB reads (too_long), the lines around it checked."""
    log = tmp_path / "long.log"
    with log.open("wb") as f:
        f.write(BAD.encode() + b"\n")
        f.write(b'{"level":"' + b"x" * (64 << 20) + b'"}\n')
        f.write(BAD.encode() + b"\n")
        f.write(b"y" * (3 << 20))  # a last line without newline, too long too
    tracemalloc.start()
    try:
        with log.open("rb") as f:
            report = lint_stream(f, label="long.log")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, peak
    assert report.too_long == 2 and [v.line for v in report.violations] == [1, 3]
    code, out, _ = run(["logs", str(log), "--lint"], capsys)
    assert code == 1 and out.splitlines()[-1] == (
        "2 JSON lines checked, 0 non-JSON, 2 violations, 2 lines over 1 MiB not checked (level 2)"
    )


def test_violations_listed_are_capped_counts_are_not(tmp_path: Path, capsys) -> None:
    log = tmp_path / "many.log"
    n = MAX_LISTED + 2345
    huge_value = "v" * 10_000
    log.write_text("".join(f'{{"time":"2024-05-01T12:00:00Z","level":"{huge_value}"}}\n' for _ in range(n)))
    code, out, _ = run(["logs", str(log), "--lint", "--json"], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["violation_count"] == n and doc["counts"]["level"] == n
    assert doc["violations_listed"] == len(doc["violations"]) == MAX_LISTED
    assert len(doc["violations"][0]["value"]) <= 120 and len(doc["violations"][0]["message"]) < 300
    code, out, _ = run(["logs", str(log), "--lint"], capsys)
    assert f"… and {n - MAX_LISTED:,} more violations" in out


# --- config ------------------------------------------------------------------------------------


def readme_lint_table() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    tables = [b for b in blocks if "[logs.lint]" in b]
    assert tables, "the README has no [logs.lint] example"
    return tables[0]


def test_the_readme_lint_example_gives_no_warning(tmp_path: Path, capsys) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(readme_lint_table())
    assert load_config().warnings == ()
    cfg, warnings = load_lint_config()
    assert warnings == [] and cfg.rules == ("level", "component", "trace_id", "time")
    log = tmp_path / "ok.log"
    log.write_text(GOOD + "\n")
    assert run(["logs", str(log), "--lint"], capsys)[2] == ""


def test_bad_lint_keys_keep_their_default_and_are_named_once(tmp_path: Path, capsys) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[logs.lint]\nlevels = 3\nrules = ["level", "time"]\nrequired = ["level", "component"]\n'
        'colour = "red"\n[logs.lint.fields]\ntime = "ts"\n'
    )
    cfg, warnings = load_lint_config()
    assert cfg == LintConfig(rules=("level", "time"), required=("level", "component"), fields={"time": "ts"})
    assert any("logs.lint.levels must be a list of strings; using the default" in w for w in warnings)
    assert any("unknown key 'logs.lint.colour'" in w for w in warnings)
    assert any("logs.lint.required names 'component', not in logs.lint.rules" in w for w in warnings)
    assert all(w.startswith(str(path)) for w in warnings)
    log = tmp_path / "x.log"
    log.write_text('{"ts":"2024-05-01T12:00:00Z","level":"LOUD"}\n')
    code, out, err = run(["logs", str(log), "--lint"], capsys)
    assert code == 1 and "line 1: level: level 'LOUD'" in out  # the default levels
    assert err.count("logs.lint.levels") == 1 and err.count("logs.lint.colour") == 1
    assert "Traceback" not in err


# --- the index under a changing file -----------------------------------------------------------


def test_truncated_under_the_index_reads_short_never_crashes(tmp_path: Path) -> None:
    """With a memory map this was SIGBUS (the whole process killed); logrotate's copytruncate does it."""
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(b"line %06d some text to make it longer\n" % i for i in range(50_000)))
    ix = LineIndex(log)
    ix.build()
    ix.line(25_000)
    os.truncate(log, 0)
    assert ix.line(40_000) == b""  # short reads, no signal
    assert all(b == b"" for b in ix.lines(30_000, 30_100))
    assert ix.tail(5) == [] and ix.search("line 04", 0) is None
    assert ix.refresh() == "reset" and ix.line_count == 0
    log.write_bytes(b"new\n")
    assert ix.refresh() == "grew" and ix.tail(1) == [(0, b"new")]
    ix.close()


def test_truncated_while_building_and_deleted_while_open(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"x" * 100 + b"\n" + b"y" * (8 << 20))
    ix = LineIndex(log)
    os.truncate(log, 50)
    assert ix.build() is True and ix.line_count == 1 and ix.line(0) == b"x" * 50  # what is there now
    assert ix.size == 50 and ix.refresh() == "same"
    with log.open("ab") as f:
        f.write(b"\nz\n")
    assert ix.refresh() == "grew" and ix.lines(0, 5) == [b"x" * 50, b"z"]
    ix.close()

    log.write_bytes(b"a\nb\n")
    with LineIndex(log) as ix:
        log.unlink()
        ix.build()
        assert ix.lines(0, 2) == [b"a", b"b"] and ix.refresh() == "same"


def test_replaced_by_a_fifo_while_followed_is_an_error_not_a_block(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    ix = LineIndex(log)
    log.unlink()
    os.mkfifo(log)
    with pytest.raises(InputError, match="is a FIFO"):
        returns_soon(ix.refresh)
    assert ix.line_count == 0 and ix.refresh() == "same"  # closed: nothing more, no crash


# --- spools ------------------------------------------------------------------------------------


def test_gzip_spool_is_owner_named_private_and_removed_on_close(tmp_path: Path) -> None:
    gz = tmp_path / "app.log.gz"
    gz.write_bytes(gzip.compress(GZ_DATA))
    ix = LineIndex(gz)
    (name,) = spools()
    assert name.startswith(f"gz-p{os.getpid()}-") and name.endswith(".log")
    spool = state_root() / "tmp" / name
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600 and spool.read_bytes() == GZ_DATA
    ix.close()
    assert spools() == []
    ix2 = LineIndex(gz)
    assert len(spools()) == 1
    del ix2  # dropped without close: the finalizer removes its spool
    assert spools() == []


def test_gzip_bomb_stops_at_the_cap_with_no_spool_left(tmp_path: Path, monkeypatch) -> None:
    bomb = zeros_gzip(tmp_path / "bomb.log.gz", 96 << 20)
    assert bomb.stat().st_size < 1 << 20
    monkeypatch.setattr(log_index, "SPOOL_MAX", 32 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            LineIndex(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "bomb.log.gz: decompresses to more than 32.0 MiB, the most m3tui spools to disk" in str(info.value)
    assert peak < 8 << 20, peak
    assert spools() == []


def test_stdin_spool_is_owner_named_and_capped(tmp_path: Path, monkeypatch) -> None:
    path = spool_stdin(io.BytesIO(b"a\nb\n"))
    assert path.parent == state_root() / "tmp" and path.name.startswith(f"stdin-p{os.getpid()}-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.unlink()
    monkeypatch.setattr(log_index, "SPOOL_MAX", 2 << 20)
    with pytest.raises(InputError, match="stdin: sends more than 2.0 MiB"):
        spool_stdin(io.BytesIO(b"x\n" * (2 << 20)))
    assert spools() == []


def test_spool_stops_when_the_disk_would_fill(tmp_path: Path, monkeypatch) -> None:
    """The free space is measured again as the spool grows (the real disk filling is in integration)."""
    gz = zeros_gzip(tmp_path / "big.log.gz", 80 << 20)
    real = log_index.shutil.disk_usage
    calls: list[int] = []

    def filling(path: str | os.PathLike[str]):  # plenty at the start, then the disk fills up
        calls.append(1)
        usage = real(path)
        return usage._replace(free=(1 << 40) if len(calls) == 1 else log_index.SPOOL_RESERVE - 1)

    monkeypatch.setattr(log_index.shutil, "disk_usage", filling)
    with pytest.raises(M3tuiError, match=r"big.log.gz: stopped spooling it to .*: the disk would fill") as info:
        LineIndex(gz)
    assert not isinstance(info.value, InputError)  # exit 3: the operation failed
    assert spools() == []


class StopAfter:
    """A stop flag that turns set after ``n`` questions (the spool asks once a MiB)."""

    def __init__(self, n: int) -> None:
        self.left = n

    def is_set(self) -> bool:
        self.left -= 1
        return self.left < 0


def test_a_stopped_spool_ends_at_once_and_goes(tmp_path: Path) -> None:
    bomb = zeros_gzip(tmp_path / "bomb.log.gz", 64 << 20)
    with pytest.raises(M3tuiError, match="bomb.log.gz: stopped"):
        LineIndex(bomb, StopAfter(5))
    assert spools() == []


async def test_cancelling_an_open_stops_its_spool(tmp_path: Path) -> None:
    """The app quitting while a big .gz is still being spooled does not wait for it (before: as
    long as the whole spool took, up to 8 GiB); the partial spool is removed."""
    import asyncio
    import time
    from concurrent.futures import ThreadPoolExecutor

    from m3tui.logs.backend import LocalLogs

    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(1))  # one worker: free again only once the spool has stopped
    bomb = zeros_gzip(tmp_path / "bomb.log.gz", 1 << 30)
    task = asyncio.create_task(LocalLogs().open(bomb, "bomb"))
    started = time.monotonic()
    while not spools() or (state_root() / "tmp" / spools()[0]).stat().st_size < 8 << 20:
        await asyncio.sleep(0.005)
        assert time.monotonic() - started < 10
    task.cancel()
    cancelled = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        await task
    free = await loop.run_in_executor(None, time.monotonic)
    assert free - cancelled < 1.0
    assert spools() == []
