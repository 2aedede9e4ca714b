"""Decoding hand-made and broken pprof profiles: one-line errors (real profiles:
tests/integration/test_pprof_decode_real.py)."""

from __future__ import annotations

import gzip
import os

import pytest

from m3tui.core.errors import InputError
from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.decode import load, load_file
from m3tui.profiles.pprof.model import Profile, ProfileError, SampleType
from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile


def test_load_file_oserror(tmp_path):
    with pytest.raises(InputError) as e:
        load_file(tmp_path / "missing.pb.gz")
    assert "missing.pb.gz" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(InputError, match="is a directory, not a regular file"):
        load_file(tmp_path)


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
