"""Decoding real and broken pprof profiles: merged stacks, inline expansion, one-line errors."""

from __future__ import annotations

import gzip
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.decode import load, load_file
from m3tui.profiles.pprof.model import Profile, ProfileError, SampleType
from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile
from tests.integration.test_pprof_support import real_profiles


@pytest.fixture(scope="module")
def rp(tmp_path_factory):
    return real_profiles(tmp_path_factory)


def _expected(raw: bytes):
    """Independent reference: every sample's frames (lines expanded callee-first) and values."""
    pb = PbProfile.FromString(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    s = pb.string_table
    funcs = {f.id: f for f in pb.function}
    locs = {}
    for loc in pb.location:
        locs[loc.id] = [
            (s[funcs[ln.function_id].name], s[funcs[ln.function_id].filename], ln.line,
             funcs[ln.function_id].start_line)
            for ln in loc.line
        ]
    merged: dict[tuple, list[int]] = {}
    for smp in pb.sample:
        key = tuple(fr for lid in smp.location_id for fr in locs[lid])
        acc = merged.setdefault(key, [0] * len(pb.sample_type))
        for i, v in enumerate(smp.value):
            acc[i] += v
    return pb, merged


@pytest.mark.parametrize("name", ["cpu", "mem", "mem_default", "block", "mutex"])
def test_decode_matches_reference(rp, name):
    raw = rp.by_name(name).read_bytes()
    p = load(raw)
    pb, merged = _expected(raw)
    assert p.n_samples == len(pb.sample)
    assert [(t.type, t.unit) for t in p.sample_types] == [
        (pb.string_table[t.type], pb.string_table[t.unit]) for t in pb.sample_type
    ]
    assert p.time_nanos == pb.time_nanos and p.duration_ns == pb.duration_nanos
    assert p.period == pb.period
    ours = {}
    for i, stack in enumerate(p.stacks):
        key = tuple((f.function, f.file, f.line, f.start_line) for f in (p.frames[j] for j in stack))
        assert key not in ours, "stacks must be distinct"
        ours[key] = [col[i] for col in p.values]
    assert ours == merged
    assert len(set(p.frames)) == len(p.frames), "frames are interned"
    # gzip'd or not: the same profile
    q = load(gzip.decompress(raw))
    assert q.stacks == p.stacks and q.values == p.values and q.frames == p.frames


def test_inlined_frames_expand_callee_first(rp):
    p = load_file(rp.cpu)
    pb, _ = _expected(rp.cpu.read_bytes())
    multi = [loc for loc in pb.location if len(loc.line) > 1]
    assert multi, "the workload has inlined calls"
    names = {p.frames[i].function for st in p.stacks for i in st}
    assert "example.com/goprof.square" in names or "example.com/goprof.addSquares" in names
    # an inlined callee sits right before (leafward of) its caller in some stack
    s = pb.string_table
    funcs = {f.id: s[f.name] for f in pb.function}
    callee, caller = funcs[multi[0].line[0].function_id], funcs[multi[0].line[1].function_id]
    assert any(
        p.frames[a].function == callee and p.frames[b].function == caller
        for st in p.stacks for a, b in zip(st, st[1:])
    )


def test_sample_index(rp):
    mem = load_file(rp.mem)
    assert mem.sample_index(None) == 1  # default_sample_type alloc_space
    assert mem.sample_index("inuse_space") == 3
    assert mem.sample_index("2") == 2 and mem.sample_index(0) == 0
    with pytest.raises(ProfileError, match="alloc_objects, alloc_space, inuse_objects"):
        mem.sample_index("bogus")
    with pytest.raises(ProfileError, match=r"outside the range \[0\.\.3\]"):
        mem.sample_index(7)
    cpu = load_file(rp.cpu)
    assert cpu.default_sample_type is None and cpu.sample_index(None) == 1  # the last type


def test_load_file_oserror(tmp_path):
    with pytest.raises(ProfileError) as e:
        load_file(tmp_path / "missing.pb.gz")
    assert "missing.pb.gz" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ProfileError):
        load_file(tmp_path)  # a directory


def _one_line(exc: ProfileError) -> str:
    msg = str(exc)
    assert msg and "\n" not in msg
    return msg


def _pb(**kw) -> PbProfile:
    p = PbProfile()
    p.string_table.extend(["", "cpu", "nanoseconds", "main.f", "f.go"])
    st = p.sample_type.add()
    st.type, st.unit = 1, 2
    f = p.function.add()
    f.id, f.name, f.filename = 1, 3, 4
    loc = p.location.add()
    loc.id = 1
    ln = loc.line.add()
    ln.function_id, ln.line = 1, 10
    smp = p.sample.add()
    smp.location_id.append(1)
    smp.value.append(5)
    return p


def test_handmade_profile_ok():
    p = load(_pb().SerializeToString())
    assert p.sample_types == [SampleType("cpu", "nanoseconds")]
    assert p.values == [[5]] and [p.frames[i].function for i in p.stacks[0]] == ["main.f"]


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda p: p.sample[0].location_id.append(17), "location 17, which does not exist"),
        (lambda p: setattr(p.location[0].line[0], "function_id", 9), "function 9"),
        (lambda p: setattr(p.location[0], "mapping_id", 4), "mapping 4"),
        (lambda p: setattr(p.function[0], "name", 99), "string index 99"),
        (lambda p: p.sample[0].value.append(1), "2 values for 1 sample types"),
        (lambda p: p.string_table.__setitem__(0, "x"), "string_table"),
        (lambda p: p.ClearField("sample_type"), "no sample types"),
    ],
)
def test_corrupt_references(mutate, match):
    p = _pb()
    mutate(p)
    with pytest.raises(ProfileError, match=match) as e:
        load(p.SerializeToString())
    _one_line(e.value)


def test_empty_profile_is_valid():
    p = _pb()
    p.ClearField("sample")
    prof = load(gzip.compress(p.SerializeToString()))
    assert prof.n_samples == 0 and prof.stacks == [] and prof.values == [[]]
    r = analysis.top(prof, 0)
    assert r.rows == [] and r.total == 0
    assert analysis.header_lines(r)[-1] == "Showing nodes accounting for 0, 0% of 0 total"
    assert analysis.flame(prof, 0).value == 0


def test_unpacked_encoding_is_decoded_too():
    """Old writers emit repeated fields unpacked (one tag per value): the fallback decodes them."""
    good = _pb().SerializeToString()
    # a second sample, hand-encoded unpacked: location_id 1 (tag 0x08), value 7 (tag 0x10)
    sample = bytes([0x08, 0x01, 0x10, 0x07])
    raw = good + bytes([0x12, len(sample)]) + sample
    p = load(raw)
    assert p.n_samples == 2 and p.values == [[12]]


def test_many_locations_multibyte_ids():
    """Location ids of 128 and more take several varint bytes."""
    p = _pb()
    p.ClearField("sample")
    for i in range(2, 400):
        loc = p.location.add()
        loc.id = i * 1000
        ln = loc.line.add()
        ln.function_id, ln.line = 1, i
    for i in range(2, 400):
        smp = p.sample.add()
        smp.location_id.extend([i * 1000, 1, 2000])
        smp.value.append(i)
    prof = load(p.SerializeToString())
    assert len(prof.stacks) == 398
    assert sum(prof.values[0]) == sum(range(2, 400))
    assert all(prof.frames[s[0]].line == prof.values[0][k] for k, s in enumerate(prof.stacks))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x1f\x8b",
        gzip.compress(b"hello world, this is not a profile")[:-12],
        gzip.compress(os.urandom(300)),
        os.urandom(1000),
        b"\x00" * 50,
        b"\xff" * 50,
        gzip.compress(b""),
        b"garbage text\n",
    ],
    ids=["empty", "gzip-magic", "truncated-gzip", "gzip-garbage", "random", "zeros", "ff",
         "gzip-empty", "text"],
)
def test_broken_inputs(data):
    try:
        p = load(data)
    except ProfileError as e:
        _one_line(e)
    else:  # only possible for data that happens to be a valid (empty) profile
        assert isinstance(p, Profile) and sum(len(c) for c in p.values) == 0


def test_truncated_real_gzip(rp):
    raw = rp.cpu.read_bytes()
    with pytest.raises(ProfileError, match="truncated gzip data"):
        load(raw[: len(raw) // 2])


def _mutate(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for kind, pos, val in ops:
        if not b:
            break
        i = pos % len(b)
        if kind == 0:
            b[i] ^= 1 << (val % 8)
        elif kind == 1:
            b.insert(i, val)
        elif kind == 2:
            del b[i]
        else:
            del b[i:i + val]
    return bytes(b)


_OPS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 2**31), st.integers(0, 255)),
    min_size=1, max_size=6,
)
_REAL: dict[str, bytes] = {}


@pytest.fixture(scope="module")
def real_bytes(rp):
    for name in ("cpu", "mem", "block"):
        _REAL[name] = rp.by_name(name).read_bytes()
    return _REAL


def _check(data: bytes) -> None:
    try:
        p = load(data)
    except ProfileError as e:
        _one_line(e)
        return
    # whatever decodes must also aggregate without surprises
    si = p.sample_index(None)
    analysis.top_lines(analysis.top(p, si))
    analysis.flame(p, si)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(["cpu", "mem", "block"]), gunzip=st.booleans(), ops=_OPS)
def test_mutated_real_profiles_raise_only_profile_error(real_bytes, which, gunzip, ops):
    data = real_bytes[which]
    if gunzip:
        data = gzip.decompress(data)
    _check(_mutate(data, ops))
    if gunzip:  # mutate the raw bytes, then gzip them again
        _check(gzip.compress(_mutate(data, ops)))


def test_random_small_corruptions(real_bytes):
    rnd = random.Random(1234)
    raw = gzip.decompress(real_bytes["mem"])
    for _ in range(100):
        b = bytearray(raw)
        for _ in range(rnd.randint(1, 4)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        _check(bytes(b))
