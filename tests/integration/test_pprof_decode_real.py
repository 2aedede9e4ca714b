"""Decoding real pprof profiles (tests/data/goprof under the real Go): merged stacks, inline
expansion, sample types, and mutated real profiles that must fail with one-line errors only."""

from __future__ import annotations

import gzip
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.decode import load, load_file
from m3tui.profiles.pprof.model import ProfileError
from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile


@pytest.fixture(scope="module")
def rp(real_profiles):
    return real_profiles


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


def test_truncated_real_gzip(rp):
    raw = rp.cpu.read_bytes()
    with pytest.raises(ProfileError, match="truncated gzip data"):
        load(raw[: len(raw) // 2])


def _one_line(exc: ProfileError) -> str:
    msg = str(exc)
    assert msg and "\n" not in msg
    return msg


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
