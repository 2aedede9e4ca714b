"""The numpy decoder of big profiles (profiles/pprof/fastdecode.py) gives what the usual decoder
gives, field for field: the distinct stacks in the order they first occur, their values summed.

Profiles are generated (hypothesis: recursion, inlined frames, identical stacks, several sample
types, zero and negative values) and built by hand (many locations and sites, sparse location
ids, unpacked fields, labels, values near int64's limits); each is decoded with the numpy path
forced on (`BIG_BYTES = 0`) and off. What it does not take (a sample without locations, a
missing location) falls back to the usual decoder, whose error or result is the same. The real
profiles of tests/data/pprof too, and `top` through `fastagg` on the arrays as they come.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from m3tui.profiles.pprof import analysis, fastagg, fastdecode
from m3tui.profiles.pprof.decode import load, load_file
from m3tui.profiles.pprof.model import ArrayProfile, Profile, ProfileError
from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile
from tests.unit.test_pprof_fastagg import FILTERS, Location, _build, profiles

DATA = Path(__file__).resolve().parent.parent / "data" / "pprof"


def _fields(p: Profile) -> dict[str, object]:
    return {f.name: getattr(p, f.name) for f in dataclasses.fields(Profile)}


def _both(monkeypatch: pytest.MonkeyPatch, data: bytes) -> tuple[Profile, Profile]:
    monkeypatch.setattr(fastdecode, "BIG_BYTES", 1 << 62)
    slow = load(data)
    monkeypatch.setattr(fastdecode, "BIG_BYTES", 0)
    fast = load(data)
    return slow, fast


def _same(monkeypatch: pytest.MonkeyPatch, data: bytes, *, arrays: bool = True) -> Profile:
    slow, fast = _both(monkeypatch, data)
    assert type(slow) is Profile
    assert type(fast) is (ArrayProfile if arrays else Profile)
    if arrays:
        assert fast.stack_count() == fast.n_samples  # as decoded: twin stacks not merged yet
        assert fast.__dict__["_site_stacks"] is None and fast.__dict__["_values"] is None  # not made until read
        assert [fast.total(t) for t in range(len(fast.sample_types))] == \
            [slow.total(t) for t in range(len(slow.sample_types))]  # from the arrays as they are
    assert _fields(fast) == _fields(slow)
    if arrays:
        assert fast.stack_count() == len(slow.site_stacks)
    assert fast.stacks == slow.stacks
    return fast


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles())
def test_generated_profiles_decode_alike(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    pb = PbProfile.FromString(data)
    _same(monkeypatch, data, arrays=all(len(s.location_id) for s in pb.sample))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles())
def test_top_on_the_arrays_equals_the_pure_path(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """fastagg laid out from the decoder's arrays (small site ids, as they come) gives the pure
    path's text, as it does from the strings."""
    def texts(p: Profile) -> list[str]:
        return ["\n".join(analysis.top_lines(analysis.top(p, si, flt, sort=sort)))
                for si in range(len(p.sample_types)) for flt in FILTERS for sort in ("flat", "cum")]

    monkeypatch.setattr(fastagg, "BIG_STACKS", 1 << 62)
    slow, fast = _both(monkeypatch, data)
    want = texts(slow)
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    assert texts(fast) == want


def _random_profile(seed: int, *, nlocs: int, nnames: int, samples: int, inline_every: int,
                    ntypes: int = 2, huge: bool = False) -> bytes:
    rng = random.Random(seed)
    names = [f"p{i % 5}.h{i}" for i in range(nnames)]
    locs: list[Location] = []
    for i in range(nlocs):
        n = rng.randint(2, 3) if inline_every and i % inline_every == 0 else 1
        locs.append(tuple((rng.choice(names), rng.randint(1, 9)) for _ in range(n)))
    rows = []
    for _ in range(samples):
        stack = [rng.choice(locs) for _ in range(rng.randint(1, 30))]
        if rows and rng.random() < 0.3:
            stack = list(rng.choice(rows)[1])  # the same stack again
        top = (1 << 62) if huge else 10**6
        rows.append(([rng.randint(-5, top) for _ in range(ntypes)], stack))
    return _build(rows, ntypes)


@pytest.mark.parametrize("nlocs,nnames,inline_every", [
    (40, 12, 0),      # one site per location, ids below 128: one byte each
    (60, 30, 3),      # inlined frames
    (700, 400, 4),    # ids past 255 and many sites: the general look-ups
])
def test_built_profiles_decode_alike(monkeypatch: pytest.MonkeyPatch, nlocs: int, nnames: int,
                                     inline_every: int) -> None:
    data = _random_profile(nlocs, nlocs=nlocs, nnames=nnames, samples=3000, inline_every=inline_every)
    monkeypatch.setattr(fastdecode, "_SAMPLES", 256)  # several chunks
    _same(monkeypatch, data)


def test_sums_past_int64_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _random_profile(3, nlocs=20, nnames=8, samples=400, inline_every=0, huge=True)
    _same(monkeypatch, data, arrays=False)


def _edited(data: bytes, edit: str) -> bytes:
    pb = PbProfile.FromString(data)
    if edit == "sparse ids":  # location ids far apart: looked up by search, not by table
        for loc in pb.location:
            loc.id = loc.id * 1_000_003
        for smp in pb.sample:
            smp.location_id[:] = [i * 1_000_003 for i in smp.location_id]
    elif edit == "labels":
        for i, smp in enumerate(pb.sample):
            lab = smp.label.add()
            lab.key, lab.num = 1, i
    elif edit == "same frames, other locations":  # two locations of one frame: one stack
        loc = pb.location.add()
        loc.CopyFrom(pb.location[0])
        loc.id = max(x.id for x in pb.location) + 1
        smp = pb.sample.add()
        smp.CopyFrom(pb.sample[0])
        smp.location_id[:] = [loc.id if i == pb.location[0].id else i for i in smp.location_id]
    elif edit == "no locations":
        pb.sample[5].ClearField("location_id")
    elif edit == "missing location":
        pb.sample[7].location_id.append(987654)
    elif edit == "wrong value count":
        pb.sample[3].value.append(1)
    return pb.SerializeToString()


@pytest.mark.parametrize("edit,arrays", [
    ("sparse ids", True), ("labels", True), ("same frames, other locations", True),
    ("no locations", False),
])
def test_unusual_profiles_decode_alike(monkeypatch: pytest.MonkeyPatch, edit: str, arrays: bool) -> None:
    data = _edited(_random_profile(5, nlocs=50, nnames=20, samples=500, inline_every=5), edit)
    _same(monkeypatch, data, arrays=arrays)


@pytest.mark.parametrize("edit", ["missing location", "wrong value count"])
def test_corrupt_profiles_fail_alike(monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    data = _edited(_random_profile(6, nlocs=50, nnames=20, samples=500, inline_every=5), edit)
    errors = []
    for big in (1 << 62, 0):
        monkeypatch.setattr(fastdecode, "BIG_BYTES", big)
        with pytest.raises(ProfileError) as exc:
            load(data)
        errors.append(str(exc.value))
    assert errors[0] == errors[1]


def test_unpacked_fields_decode_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """location_id and value written one varint per field (proto2's unpacked form)."""
    data = _random_profile(8, nlocs=30, nnames=10, samples=300, inline_every=4)
    pb = PbProfile.FromString(data)
    out = bytearray()
    for smp in pb.sample:  # Sample: field 1 location_id, field 2 value, each unpacked
        body = bytearray()
        for i in smp.location_id:
            body += b"\x08" + _varint(i)
        for v in smp.value:
            body += b"\x10" + _varint(v & ((1 << 64) - 1))
        out += b"\x12" + _varint(len(body)) + body
    pb.ClearField("sample")
    data = bytes(out) + pb.SerializeToString()
    _same(monkeypatch, data)


def _varint(n: int) -> bytes:
    b = bytearray()
    while n >= 0x80:
        b.append((n & 0x7F) | 0x80)
        n >>= 7
    b.append(n)
    return bytes(b)


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.pb.gz")))
def test_real_profiles_decode_alike(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(fastdecode, "BIG_BYTES", 1 << 62)
    slow = load_file(DATA / name)
    monkeypatch.setattr(fastdecode, "BIG_BYTES", 0)
    fast = load_file(DATA / name)
    assert type(fast) is ArrayProfile
    assert _fields(fast) == _fields(slow)


def test_hash_collisions_merge_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stack of one length hashing alike (a table of zeros): the twins are merged by
    comparing the strings, with the same result."""
    import numpy as np

    monkeypatch.setattr(fastdecode, "_table", lambda: np.zeros((1 << 16) + 1, dtype=np.uint64))
    data = _random_profile(9, nlocs=60, nnames=30, samples=2000, inline_every=3)
    fast = _same(monkeypatch, data)
    assert fast.stack_count() < fast.n_samples  # twins there were, merged


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles())
def test_flame_on_the_arrays_equals_the_pure_path(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """fastflame grown from the decoder's arrays as they come (twin stacks not merged) gives the
    pure path's tree."""
    from m3tui.profiles.pprof import fastflame

    monkeypatch.setattr(fastagg, "BIG_STACKS", 1 << 62)
    slow, fast = _both(monkeypatch, data)
    want = [analysis.flame(slow, si, flt) for si in range(len(slow.sample_types)) for flt in FILTERS]
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    monkeypatch.setattr(fastflame, "FLAME_STACKS", 0)
    assert [analysis.flame(fast, si, flt) for si in range(len(fast.sample_types)) for flt in FILTERS] == want


@pytest.mark.parametrize("nlocs", [40, 300])
def test_top_of_a_big_profile_merges_nothing(monkeypatch: pytest.MonkeyPatch, nlocs: int) -> None:
    """top (no inlined frame: no "(inline)" label to look for) sums the arrays as decoded, twin
    stacks and all: neither the merged stacks nor the value lists are made; read afterwards,
    they are the usual decoder's."""
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    pb = PbProfile.FromString(_random_profile(10, nlocs=nlocs, nnames=nlocs // 3, samples=2000, inline_every=0))
    for smp in pb.sample:
        smp.value[:] = [abs(v) for v in smp.value]  # a negative value: twins merged first (they may cancel out)
    slow, fast = _both(monkeypatch, pb.SerializeToString())
    texts = ["\n".join(analysis.top_lines(analysis.top(p, si, flt))) for p in (fast, slow)
             for si in range(len(p.sample_types)) for flt in FILTERS if flt is None or not flt.hide]
    assert texts[:len(texts) // 2] == texts[len(texts) // 2:]
    assert fast.__dict__["_merged"] is None and fast.__dict__["_values"] is None
    assert fast.stack_count() == fast.n_samples > len(slow.site_stacks)
    assert fast.distinct_stack_count() == len(slow.site_stacks) == slow.distinct_stack_count()  # the pane's count
    assert fast.__dict__["_site_stacks"] is None  # merged, but no strings made for it
    assert _fields(fast) == _fields(slow)
