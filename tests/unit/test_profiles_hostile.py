"""Profiles under hostile input, in this process: FIFOs, directories, devices, loops, sparse giants,
gzip bombs, malformed and mutated real profiles, control characters and secrets in names,
catastrophic regexps, a state root that is a file. Each is one line of the right class (and exit
code through `m3tui.cli.main.main`), never a block, a traceback or a clobbered file.

Subprocess versions (a memory limit, another user, signals, real captures):
tests/integration/test_profiles_hostile.py.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import stat
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m3tui.cli.main import main
from m3tui.cli.profile import top_json
from m3tui.core.errors import EXIT_FAILED, EXIT_USAGE, InputError, M3tuiError
from m3tui.core.jsonout import dumps
from m3tui.profiles import capture as profcapture
from m3tui.profiles import tune as proftune
from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.decode import MAX_PROFILE_BYTES, load, load_file
from m3tui.profiles.pprof.diff import diff
from m3tui.profiles.pprof.graph import Filters, check_regexp
from m3tui.profiles.pprof.model import ProfileError, printable
from m3tui.profiles.pprof.profile_pb2 import Profile as Pb
from tests.hostile import deadline

PPROF = Path(__file__).resolve().parents[1] / "data" / "pprof"  # real profiles (README there)
REAL = {name: (PPROF / name).read_bytes() for name in ("cpu.pb.gz", "mem.pb.gz")}
RAW = {name: gzip.decompress(data) for name, data in REAL.items()}


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text
    return text


def cli(*argv: str) -> tuple[int, str, str]:
    """``m3tui ARGV`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), deadline(20):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


# --- files that are not regular files ------------------------------------------------------------


def _nodes(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "cpu.fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.pprof"
    folder.mkdir()
    loop = tmp_path / "loop.pprof"
    loop.symlink_to(loop)
    nodes = {"a FIFO": fifo, "a directory": folder, "loop": loop}
    if os.geteuid() == 0:  # a character device of our own (never a real one): /dev/null's numbers
        device = tmp_path / "null.pprof"
        os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        nodes["a character device"] = device
    return nodes


def test_fifos_directories_devices_and_loops_are_refused_without_blocking(tmp_path: Path) -> None:
    for kind, path in _nodes(tmp_path).items():
        with deadline(5), pytest.raises(InputError) as info:  # a FIFO with no writer must not block
            load_file(path)
        message = one_line(info.value)
        if kind == "loop":
            assert message == f"cannot read profile {path}: Too many levels of symbolic links"
        else:
            assert message == f"profile {path}: is {kind}, not a regular file"
        assert info.value.exit_code == EXIT_USAGE


def test_every_profile_command_refuses_them_with_exit_2(tmp_path: Path) -> None:
    real = tmp_path / "cpu.pb.gz"
    real.write_bytes(REAL["cpu.pb.gz"])
    fifo = _nodes(tmp_path)["a FIFO"]
    for argv in (["profile", "top", str(fifo)], ["profile", str(fifo)], ["profile", "open", str(fifo)],
                 ["profile", "top", str(real), "--diff-base", str(fifo)]):  # fmt: skip
        code, out, err = cli(*argv)
        assert (code, out) == (2, ""), (argv, err)
        assert err == f"m3tui: profile {fifo}: is a FIFO, not a regular file\n", argv
    code, out, err = cli("profile", "top", str(fifo), "--json")
    assert code == 2 and strict_json(out) == {"schema": 1, "error": {
        "code": "invalid_input", "exit": 2, "message": f"m3tui: profile {fifo}: is a FIFO, not a regular file"}}  # fmt: skip
    code, _, err = cli("profile", "top", str(tmp_path / "missing.pprof"))
    assert code == 2 and err == f"m3tui: cannot read profile {tmp_path / 'missing.pprof'}: No such file or directory\n"


def test_a_sparse_8_gb_file_is_refused_by_its_size_before_reading(tmp_path: Path) -> None:
    giant = tmp_path / "giant.pprof"
    with open(giant, "wb") as f:
        f.truncate(8 << 30)  # 8 GiB of nothing on disk
    started = time.monotonic()
    with pytest.raises(ProfileError) as info:
        load_file(giant)
    assert time.monotonic() - started < 1.0
    assert one_line(info.value) == f"profile {giant}: 8,589,934,592 bytes is more than the 256 MiB a profile may weigh"
    assert info.value.exit_code == EXIT_USAGE


# --- gzip: bombs, members, truncation ------------------------------------------------------------


def _bomb(path: Path, mib: int) -> Path:
    """A real gzip bomb: ``mib`` MiB of zeros streamed through gzip (about 1 KiB per MiB)."""
    zeros = bytes(1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as f:
        for _ in range(mib):
            f.write(zeros)
    return path


def test_a_gzip_bomb_stops_at_the_cap_with_bounded_memory(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.pb.gz", 64)
    size = bomb.stat().st_size
    assert size < 100_000  # 64 MiB in less than 100 kB
    limit = 8 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ProfileError) as info:
            load_file(bomb, limit=limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert one_line(info.value) == (f"profile {bomb}: {size:,} bytes that gunzip to more than 8 MiB, the most a "
                                    "profile may weigh (a gzip bomb?)")  # fmt: skip
    # What was held: the capped output plus a chunk or two, never the 64 MiB (nor a copy of the 8).
    assert peak < limit + (3 << 20), peak


def test_the_real_cap_is_256_mib(tmp_path: Path) -> None:
    assert MAX_PROFILE_BYTES == 256 << 20  # the number --help and the docstrings state


def test_gzip_members_padding_truncation_and_garbage(tmp_path: Path) -> None:
    raw = RAW["cpu.pb.gz"]
    whole = load(raw)
    half = len(raw) // 2
    members = gzip.compress(raw[:half]) + b"\0" * 16 + gzip.compress(raw[half:])  # what gzip(1) and Go read
    path = tmp_path / "members.pb.gz"
    path.write_bytes(members)
    assert load_file(path).values == whole.values and load(members).values == whole.values
    for data, why in ((REAL["cpu.pb.gz"][:-9], "truncated gzip data"),
                      (REAL["cpu.pb.gz"] + b"PK\x03\x04 more", "trailing garbage"),
                      (REAL["cpu.pb.gz"][:10] + bytes(reversed(REAL["cpu.pb.gz"][10:])), "bad gzip data"),
                      (gzip.compress(b""), "empty after gunzip")):  # fmt: skip
        path.write_bytes(data)
        with pytest.raises(ProfileError, match=why) as info:
            load_file(path)
        assert one_line(info.value).startswith(f"profile {path}: ")


# --- not profiles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "not a pprof profile: empty file"),
        (b"heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1 0x2\n", "a legacy text profile"),
        (b"--- contention:\ncycles/second=3000000000\n", "a legacy text profile"),
        (b"goroutine profile: total 4\n1 @ 0x1\n", "a legacy text profile"),
        ((0).to_bytes(8, "little") + (3).to_bytes(8, "little") + bytes(8) + (10000).to_bytes(8, "little") + bytes(16),
         "a legacy binary CPU profile"),
        (os.urandom(2000), "not a pprof profile"),
        (gzip.compress(os.urandom(2000)), "not a pprof profile"),
        (RAW["cpu.pb.gz"][: len(RAW["cpu.pb.gz"]) // 3], "not a pprof profile|profile is corrupt"),
        (b"\xff" * 11 + b"\x01", "not a pprof profile"),  # a varint longer than 64 bits
    ],
    ids=["empty", "heap-text", "contention-text", "goroutine-text", "legacy-cpu", "random", "gzip-random",
         "truncated", "huge-varint"],
)
def test_what_is_not_a_profile_is_one_line_exit_2(tmp_path: Path, data: bytes, why: str) -> None:
    path = tmp_path / "x.pprof"
    path.write_bytes(data)
    with pytest.raises(ProfileError, match=why) as info:
        load_file(path)
    assert one_line(info.value).startswith(f"profile {path}: ") and info.value.exit_code == EXIT_USAGE
    code, out, err = cli("profile", "top", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1 and "internal error" not in err


def _pb(raw: bytes = RAW["cpu.pb.gz"]) -> Pb:
    return Pb.FromString(raw)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.sample[0].location_id.append(2**64 - 1),  # absurd location
        lambda p: setattr(p.location[0], "id", 2**63),  # a sample's location vanishes
        lambda p: setattr(p.function[0], "name", 2**62),  # string index far out
        lambda p: setattr(p.function[0], "name", -5 & (2**63 - 1)),
        lambda p: setattr(p.location[0], "mapping_id", 99),
        lambda p: p.sample[0].value.append(1),  # more values than sample types
        lambda p: p.string_table.__setitem__(0, "x"),
        lambda p: p.ClearField("sample_type"),
    ],
)
def test_absurd_references_are_corrupt_profiles(tmp_path: Path, mutate) -> None:
    p = _pb()
    mutate(p)
    with pytest.raises(ProfileError) as info:
        load(p.SerializeToString())
    one_line(info.value)


def test_extreme_values_overflow_nothing() -> None:
    for value in (2**63 - 1, -(2**63)):
        p = _pb()
        for s in p.sample:
            s.value[:] = [value] * len(s.value)
        p.time_nanos, p.duration_nanos, p.period = value, value, value
        prof = load(p.SerializeToString())
        for i in range(len(prof.sample_types)):
            report = analysis.top(prof, i)
            assert analysis.top_lines(report)
            strict_json(dumps(top_json(report)))
        analysis.top_lines(analysis.top(diff(prof, prof), 0))


def test_an_empty_profile_is_strict_json_with_zero_totals(tmp_path: Path) -> None:
    p = _pb()
    p.ClearField("sample")
    path = tmp_path / "empty-samples.pb.gz"
    path.write_bytes(gzip.compress(p.SerializeToString()))
    code, out, err = cli("profile", "top", str(path), "--json")
    assert code == 0, err
    doc = strict_json(out)
    assert doc["total"] == 0 and doc["rows"] == []
    code, out, _ = cli("profile", "top", str(path), "--diff-base", str(path), "--json")
    assert code == 0 and strict_json(out)["rows"] == []


# --- property: whatever the bytes, decoding says one line or gives a profile ------------------------


def _reports(data: bytes) -> None:
    """Decode and report ``data`` as `profile top` would; only a ProfileError may come out."""
    try:
        prof = load(data)
    except ProfileError as exc:
        one_line(exc)
        return
    for i in range(len(prof.sample_types)):
        report = analysis.top(prof, i)
        analysis.top_lines(report)
        strict_json(dumps(top_json(report)))


_MUTATION = st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate", "varint"]), st.integers(0, 1 << 30),
                      st.binary(min_size=1, max_size=24))  # fmt: skip


def _mutate(raw: bytes, mutations: list[tuple[str, int, bytes]]) -> bytes:
    b = bytearray(raw)
    for what, at, blob in mutations:
        i = at % (len(b) + 1)
        if what == "flip" and b:
            b[i % len(b)] ^= blob[0] or 0xFF
        elif what == "insert":
            b[i:i] = blob
        elif what == "delete":
            del b[i:i + len(blob)]
        elif what == "truncate":
            del b[i:]
        else:  # a run of continuation bytes: a varint longer than any integer
            b[i:i] = b"\xff" * (len(blob) % 16 + 1) + b"\x01"
    return bytes(b)


HOSTILE = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@HOSTILE
@given(data=st.binary(max_size=3000), zipped=st.booleans())
def test_random_bytes_only_ever_raise_profile_error(data: bytes, zipped: bool) -> None:
    _reports(gzip.compress(data) if zipped else data)


@HOSTILE
@given(name=st.sampled_from(sorted(RAW)), mutations=st.lists(_MUTATION, min_size=1, max_size=8), zipped=st.booleans())
def test_mutated_real_profiles_only_ever_raise_profile_error(name: str, mutations: list, zipped: bool) -> None:
    data = _mutate(RAW[name], mutations)
    _reports(gzip.compress(data) if zipped else data)


_INTS = st.sampled_from([0, 1, 2, 127, 128, 2**31, 2**32 + 1, 2**62, 2**63 - 1, 2**64 - 1])
_EDIT = st.tuples(st.sampled_from(["value", "location_id", "loc_id", "func_name", "mapping", "line_func",
                                   "default_type", "comment", "string"]), st.integers(0, 10_000), _INTS)  # fmt: skip


@settings(HOSTILE, max_examples=150)  # each decodes and reports a whole real profile
@given(name=st.sampled_from(sorted(RAW)), edits=st.lists(_EDIT, min_size=1, max_size=6))
def test_structurally_absurd_profiles_only_ever_raise_profile_error(name: str, edits: list) -> None:
    p = _pb(RAW[name])
    for what, at, n in edits:
        signed = n if n < 2**63 else n - 2**64  # int64 fields take the same bits, negative
        if what == "value" and p.sample:
            s = p.sample[at % len(p.sample)]
            s.value[at % len(s.value)] = signed
        elif what == "location_id" and p.sample:
            p.sample[at % len(p.sample)].location_id.append(n)
        elif what == "loc_id" and p.location:
            p.location[at % len(p.location)].id = n
        elif what == "func_name" and p.function:
            p.function[at % len(p.function)].name = signed
        elif what == "mapping" and p.location:
            p.location[at % len(p.location)].mapping_id = n
        elif what == "line_func" and p.location and p.location[at % len(p.location)].line:
            p.location[at % len(p.location)].line[0].function_id = n
        elif what == "default_type":
            p.default_sample_type = signed
        elif what == "comment":
            p.comment.append(signed)
        else:
            p.string_table.append("\x1b[2J\u202e" * (at % 50))
    _reports(p.SerializeToString())


# --- names: control characters and secrets ---------------------------------------------------------


def test_control_characters_in_file_names_are_escaped(tmp_path: Path) -> None:
    evil = tmp_path / "cpu\x1b[2J\x07\u202eevil.pprof"
    for argv in (["profile", "top", str(evil)], ["profile", str(evil)]):
        code, _, err = cli(*argv)
        assert code == 2 and "\x1b" not in err and "\x07" not in err and "\u202e" not in err
        assert "cpu\\x1b[2J\\x07\\u202eevil.pprof" in err
    evil.mkdir()
    with pytest.raises(InputError) as info:
        load_file(evil)
    assert one_line(info.value) == f"profile {tmp_path}/cpu\\x1b[2J\\x07\\u202eevil.pprof: is a directory, not a regular file"
    undecodable = os.fsdecode(bytes(tmp_path) + b"/\xff\xfe.pprof")
    with pytest.raises(InputError) as info:
        load_file(undecodable)
    assert "\\xff\\xfe.pprof" in str(info.value)


def test_control_characters_in_function_names_never_reach_the_terminal(tmp_path: Path) -> None:
    p = _pb()
    p.string_table.append("main.evil\x1b]0;owned\x07\x1b[2J")
    p.function[0].name = len(p.string_table) - 1
    path = tmp_path / "evil.pb.gz"
    path.write_bytes(gzip.compress(p.SerializeToString()))
    prof = load_file(path)
    assert not any("\x1b" in f.function for f in prof.frames)
    code, out, _ = cli("profile", "top", str(path), "--nodecount", "1000")
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert "main.evil\\x1b]0;owned\\x07\\x1b[2J" in out


def test_a_url_with_credentials_is_refused_and_never_printed(tmp_path: Path) -> None:
    """A URL where only a file goes (export's FILE; top's FILEs and --diff-base may be URLs:
    tests/integration/test_profile_fetch.py, test_profile_flags.py)."""
    url = "https://alice:hunter2@pprof.example.com/debug/pprof/heap?token=s3cr3t"
    out_file = str(tmp_path / "out.folded")
    for argv in (["profile", "export", url, "-o", out_file], ["profile", "export", url, "--format", "svg"]):
        code, out, err = cli(*argv)
        assert code == 2, (argv, err)
        assert "hunter2" not in out + err and "s3cr3t" not in out + err
        assert "https://alice:***@pprof.example.com" in err and "is a URL" in err
    assert printable(url) == "https://alice:***@pprof.example.com/debug/pprof/heap?token=***"


# --- filters: invalid and catastrophic regexps --------------------------------------------------------


def test_an_invalid_focus_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "cpu.pb.gz"
    path.write_bytes(REAL["cpu.pb.gz"])
    for flag in ("--focus", "--ignore", "--hide"):
        code, out, err = cli("profile", "top", str(path), flag, "(unclosed")
        # Go's wording (pprof: "parsing focus regexp: error parsing regexp: missing closing ): ...")
        assert (code, out) == (2, "") and f"{flag} regexp '(unclosed': missing closing ): `(unclosed`" in err
        assert len(err.strip().splitlines()) == 1
    for rx, reason in ((r"(?>a+)+$", "invalid or unsupported Perl syntax: `(?>`"),
                       (r"(a++)+$", "invalid nested repetition operator: `++`"), ("a{1001}", "invalid repeat count: `{1001}`"),
                       (r"\C", "invalid escape sequence: `\\C`"), ("(?P<Ü>x)", "invalid named capture: `(?P<Ü>`")):
        code, out, err = cli("profile", "top", str(path), "--focus", rx)
        assert (code, out) == (2, "") and reason in err, err


def test_a_catastrophic_regexp_for_a_backtracking_engine_runs_in_linear_time(tmp_path: Path) -> None:
    # RE2 (as in pprof) does not backtrack: (a+)+$ on 64 a's and a '!' is answered at once, no refusal
    p = _pb()
    p.string_table.append("a" * 64 + "!")  # (a+)+$ on this would backtrack 2**64 times in Python's re
    p.function[0].name = len(p.string_table) - 1
    prof = load(p.SerializeToString())
    for rx in (r"(a+)+$", r"(a*)*b", r"(.*,)+x", r"(a{1,5})+$", r"(?:x|a+)+$", r"(a+)+!$"):
        with deadline(5):
            check_regexp(rx, "focus")
            analysis.top(prof, 0, Filters(focus=rx))
    path = tmp_path / "a.pb"
    path.write_bytes(p.SerializeToString())
    with deadline(5):
        code, out, err = cli("profile", "top", str(path), "--focus", "(a+)+!$")
    assert code == 0 and ("a" * 64 + "!") in out, err
    for fine in (r"(\w+\.)+Marshal", r"([^/]+/)+main", r"runtime\..*", r"(a{3})+", "x|y"):
        with deadline(5):
            check_regexp(fine, "focus")
            analysis.top(prof, 0, Filters(focus=fine))


def test_a_huge_nodecount_and_sample_index(tmp_path: Path) -> None:
    path = tmp_path / "cpu.pb.gz"
    path.write_bytes(REAL["cpu.pb.gz"])
    code, out, _ = cli("profile", "top", str(path), "--nodecount", str(10**40))
    assert code == 0 and "flat%" in out
    for index in (str(2**64), "-1", "no_such_type"):
        code, _, err = cli("profile", "top", str(path), "--sample-index", index)
        assert code == 2 and err.count("\n") == 1, (index, err)


# --- state: a root that is a file, private metadata ---------------------------------------------------


async def test_a_capture_into_a_state_root_that_is_a_file_names_it(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    home.write_text("not a directory")
    monkeypatch.setenv("M3TUI_HOME", str(home))
    with pytest.raises(M3tuiError) as info:
        await profcapture.capture(profcapture.CaptureSpec(tmp_path, "X", "cpu"))
    assert one_line(info.value) == f"cannot create {home}/profiles: Not a directory"
    assert info.value.exit_code == EXIT_FAILED
    assert home.read_text() == "not a directory"


def test_tune_scratch_is_owned_and_survives_a_state_root_that_is_a_file(tmp_path: Path, m3tui_home: Path,
                                                                        monkeypatch) -> None:  # fmt: skip
    scratch = proftune._make_tmp_dir()
    try:
        assert scratch.parent == m3tui_home / "tmp" and scratch.name.startswith(f"tune-p{os.getpid()}-")
        assert stat.S_IMODE(scratch.stat().st_mode) == 0o700
    finally:
        scratch.rmdir()
    home = tmp_path / "file-home"
    home.write_text("")
    monkeypatch.setenv("M3TUI_HOME", str(home))
    scratch = proftune._make_tmp_dir()  # the tuner keeps nothing: the system's temp dir will do
    try:
        assert scratch.name.startswith(f"m3tui-tune-p{os.getpid()}-") and not str(scratch).startswith(str(home))
    finally:
        scratch.rmdir()


def test_capture_metadata_is_private_redacted_and_tightened(m3tui_home: Path) -> None:
    root = m3tui_home / "profiles"
    cap_dir = root / "20260101-000000.000-abcdef"
    cap_dir.mkdir(parents=True, mode=0o755)
    os.chmod(cap_dir, 0o755)
    (cap_dir / "cpu.pprof").write_bytes(REAL["cpu.pb.gz"])
    spec = profcapture.CaptureSpec(Path("/src/pkg"), "Bench", "cpu", benchtime="1x")
    cap = profcapture.Capture(profile=cap_dir / "cpu.pprof", binary=cap_dir / "pkg.test", kind="cpu", spec=spec,
                              results=[], created="2026-01-01T00:00:00+00:00", id=cap_dir.name,
                              warnings=["fetched from https://bob:pa55@proxy.example/x?sig=abc"])  # fmt: skip
    meta = cap_dir / profcapture.META_NAME
    profcapture._write_meta(meta, profcapture._meta(cap))
    assert stat.S_IMODE(meta.stat().st_mode) == 0o600
    text = meta.read_text()
    assert "pa55" not in text and "sig=abc" not in text and "https://bob:***@proxy.example" in text
    os.chmod(meta, 0o644)  # as an earlier version left it
    (loaded,) = profcapture.list_captures()
    assert loaded.id == cap_dir.name and loaded.spec == spec
    assert stat.S_IMODE(meta.stat().st_mode) == 0o600 and stat.S_IMODE(cap_dir.stat().st_mode) == 0o700


def test_open_external_refuses_what_is_not_a_readable_file(tmp_path: Path) -> None:
    nodes = _nodes(tmp_path)
    with deadline(5), pytest.raises(InputError, match="is a FIFO, not a regular file"):
        profcapture.open_external(nodes["a FIFO"])
    good = tmp_path / "cpu.pb.gz"
    good.write_bytes(REAL["cpu.pb.gz"])
    with pytest.raises(InputError, match="binary .*folder.pprof: is a directory"):
        profcapture.open_external(good, nodes["a directory"])
    assert profcapture.open_external(good).kind == "cpu"


def test_hostile_capture_records_are_listed_as_broken_never_followed(m3tui_home: Path) -> None:
    root = m3tui_home / "profiles"
    good = {"version": 1, "id": "x", "created": "2026", "kind": "cpu", "profile": "cpu.pprof", "binary": "pkg.test",
            "spec": {"package_dir": "/src", "bench": "B", "kind": "cpu"}}  # fmt: skip
    records = {
        "20260101-000000.000-00000a": None,  # capture.json is a FIFO: must not block the list
        "20260101-000000.000-00000b": {**good, "profile": "../../../../etc/passwd"},
        "20260101-000000.000-00000c": {**good, "spec": "not an object"},
        "20260101-000000.000-00000d": {**good, "spec": {**good["spec"], "procs": 0}},
        "20260101-000000.000-00000e": [1, 2, 3],
    }
    for name, record in records.items():
        d = root / name
        d.mkdir(parents=True)
        (d / "cpu.pprof").write_bytes(REAL["cpu.pb.gz"])
        if record is None:
            os.mkfifo(d / profcapture.META_NAME)
        else:
            (d / profcapture.META_NAME).write_text(json.dumps(record))
    with deadline(5):
        caps, problems = profcapture.scan_captures()
    why = {p.name: text for p, text in problems}
    assert caps == [] and sorted(why) == sorted(records)
    assert "is a FIFO" in why["20260101-000000.000-00000a"]
    assert "outside its directory" in why["20260101-000000.000-00000b"]
    code, out, _ = cli("profile", "captured", "--json")
    assert code == 0 and strict_json(out) == {"schema": 1, "captures": []}


# --- numbers and lists of profile's flags: range and shape, checked before anything runs ------------


@pytest.mark.parametrize(("flags", "named"), [
    (["--rounds", "99999999999999999999"], "99999999999999999999"), (["--rounds", "0"], "--rounds 0"),
    (["--rounds", "-3"], "--rounds -3"), (["--rounds", str(proftune.MAX_ROUNDS + 1)], str(proftune.MAX_ROUNDS + 1)),
    (["--rates", ""], "''"), (["--rates", "1,,2"], "'1,,2'"), (["--rates", "1,"], "'1,'"), (["--rates", ","], "','"),
    (["--rates", "0"], "rate 0"), (["--rates", "-5"], "'-5'"), (["--rates", "1e3"], "'1e3'"), (["--rates", "٣"], "'٣'"),
    (["--rates", str(2**63)], str(2**63)), (["--rates", ",".join(map(str, range(1, 40)))], "39 rates"),
    (["--benchtime", "0x"], "0x"),
])  # fmt: skip
def test_tune_refuses_bad_numbers_and_lists_naming_them(flags: list[str], named: str) -> None:
    code, out, err = cli("profile", "tune", "--bench", "Sum", *flags)
    assert (code, out) == (EXIT_USAGE, "") and named in err and err.count("\n") == 1, err
    code, out, _ = cli("profile", "tune", "--bench", "Sum", "--json", *flags)
    assert code == EXIT_USAGE and strict_json(out)["error"]["exit"] == 2  # type: ignore[index]


def test_tune_rates_and_rounds_it_takes() -> None:
    assert proftune.parse_rates(" 1, 4096,524288 ") == [1, 4096, 524288]
    assert proftune.check_spec("mem", [4096, 1, 4096], rounds=proftune.MAX_ROUNDS) == [1, 4096]
    assert proftune.check_spec("mem", None, rounds=1) == sorted(set(proftune.DEFAULT_RATES["mem"]))
    with pytest.raises(proftune.InvalidTuneSpec, match="no rates"):
        proftune.check_spec("mem", [])


@pytest.mark.parametrize("flags", [["--cpu", "0"], ["--cpu", str(2**31)], ["--rate", "0"], ["--rate", str(2**63)],
                                   ["--kind", "cpu", "--rate", "5"], ["--benchtime", "-1s"]])  # fmt: skip
def test_capture_refuses_bad_numbers(flags: list[str]) -> None:
    code, out, err = cli("profile", "capture", "--bench", "Sum", *flags)
    assert (code, out) == (EXIT_USAGE, "") and err.count("\n") == 1 and "internal error" not in err, err
