"""The numpy decoder (profiles/pprof/fastdecode.py) on real Go profiles, against the usual decoder
and against `go tool pprof` itself.

The profiles of tests/data/goprof (CPU, heap at two rates, block, mutex) are smaller than a big
one, so the numpy decoder is forced on (`BIG_BYTES = 0`): each decodes to the same `Profile`,
field for field, as with the usual decoder; and every case of test_pprof_top.py's parity table
gives `go tool pprof -top`'s text, byte for byte, with both numpy paths on (the decoder's arrays
going straight into `fastagg`).
"""

from __future__ import annotations

import dataclasses

import pytest

from m3tui.profiles.pprof import analysis, fastagg, fastdecode
from m3tui.profiles.pprof.decode import load_file
from m3tui.profiles.pprof.model import ArrayProfile, Profile
from tests.goprofiles import pprof
from tests.integration.test_pprof_top import CASES, VARIANTS, _ours


@pytest.fixture(scope="module")
def rp(real_profiles):
    return real_profiles


@pytest.mark.parametrize("name", ["cpu", "mem", "block", "mutex", "cpu_b", "mem_default"])
def test_real_go_profiles_decode_alike(rp, monkeypatch, name):
    path = rp.by_name(name)
    monkeypatch.setattr(fastdecode, "BIG_BYTES", 1 << 62)
    slow = load_file(path)
    monkeypatch.setattr(fastdecode, "BIG_BYTES", 0)
    fast = load_file(path)
    assert type(fast) is ArrayProfile
    for f in dataclasses.fields(Profile):
        assert getattr(fast, f.name) == getattr(slow, f.name), f.name


@pytest.mark.parametrize(("name", "st", "variant"), CASES)
def test_fast_decode_top_matches_go_tool_pprof(rp, monkeypatch, name, st, variant):
    monkeypatch.setattr(fastdecode, "BIG_BYTES", 0)
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    args = VARIANTS[variant]
    path = rp.by_name(name)
    want = pprof(rp, "-top", f"-sample_index={st}", *args, str(path))
    p = load_file(path)
    assert type(p) is ArrayProfile
    report = _ours(p, st, args)
    assert analysis.top_lines(report, binary=str(rp.binary)) == want
