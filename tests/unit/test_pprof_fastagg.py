"""The numpy path of `top` (profiles/pprof/fastagg.py) gives what the pure path gives, byte for byte.

Profiles are generated (hypothesis): stacks with recursion, inlined frames, several sample types,
zero and negative values, identical stacks; each is decoded by the real decoder and its `top`
text compared with the fast path forced on (`BIG_STACKS = 0`) and off, with and without
-focus/-ignore/-hide (taken on the numpy path too), both sort orders and node counts; the stack-set grouping is run both ways
(bitsets and sorting). The real profiles of tests/data/pprof too.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m3tui.profiles.pprof import analysis, fastagg, fastflame
from m3tui.profiles.pprof.decode import load, load_file
from m3tui.profiles.pprof.graph import Filters, _function_stacks, _nodes
from m3tui.profiles.pprof.model import Profile
from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

DATA = Path(__file__).resolve().parent.parent / "data" / "pprof"

# a location: its lines, callee first (all but the last inlined into the next)
Location = tuple[tuple[str, int], ...]


def _build(samples: list[tuple[list[int], list[Location]]], ntypes: int) -> bytes:
    p = PbProfile()
    strings = [""]

    def s(x: str) -> int:
        if x not in strings:
            strings.append(x)
        return strings.index(x)

    for t in range(ntypes):
        st_ = p.sample_type.add()
        st_.type, st_.unit = s(f"type{t}"), s("count" if t % 2 else "bytes")
    m = p.mapping.add()
    m.id, m.filename = 1, s("/bin/prog")
    funcs: dict[str, int] = {}
    locs: dict[Location, int] = {}
    for values, stack in samples:
        smp = p.sample.add()
        for loc in stack:
            if loc not in locs:
                pl = p.location.add()
                pl.id = locs[loc] = len(locs) + 1
                pl.mapping_id = 1
                for name, line in loc:
                    if name not in funcs:
                        f = p.function.add()
                        f.id = funcs[name] = len(funcs) + 1
                        f.name = f.system_name = s(name)
                        f.filename = s(f"{name.split('.')[0]}.go")
                    ln = pl.line.add()
                    ln.function_id, ln.line = funcs[name], line
            smp.location_id.append(locs[loc])
        smp.value.extend(values)
    p.string_table.extend(strings)
    return p.SerializeToString()


NAMES = [f"pkg{i % 3}.f{i}" for i in range(12)]


@st.composite
def profiles(draw: st.DrawFn) -> bytes:
    ntypes = draw(st.integers(1, 3))
    names = NAMES[: draw(st.integers(2, len(NAMES)))]
    line = st.tuples(st.sampled_from(names), st.integers(1, 3))
    location = st.lists(line, min_size=1, max_size=3).map(tuple)
    pool = draw(st.lists(location, min_size=1, max_size=12))
    stack = st.lists(st.sampled_from(pool), min_size=0, max_size=10)
    value = st.integers(-50, 1000) | st.just(0)
    samples = draw(st.lists(st.tuples(st.lists(value, min_size=ntypes, max_size=ntypes), stack),
                            min_size=1, max_size=40))
    return _build(samples, ntypes)


FILTERS = [None, Filters(focus="f1"), Filters(ignore="pkg2"), Filters(focus="pkg0", ignore="f[37]"),
           Filters(hide="f2"), Filters(focus="nothing-matches"),
           Filters(hide="f[0-3]", ignore="f9"),  # leaves hidden, some stacks all hidden
           Filters(hide=".")]  # every frame hidden: no stack left


def _texts(p: Profile) -> list[str]:
    out = []
    for si in range(len(p.sample_types)):
        for flt in FILTERS:
            for sort, count, frac in (("flat", None, analysis.DEFAULT_NODE_FRACTION), ("cum", 3, 0.0)):
                rep = analysis.top(p, si, flt, sort=sort, nodecount=count, node_fraction=frac)
                out.append("\n".join(analysis.top_lines(rep)))
    return out


def _both_ways(monkeypatch: pytest.MonkeyPatch, data: bytes) -> tuple[list[str], list[str]]:
    monkeypatch.setattr(fastagg, "BIG_STACKS", 1 << 62)
    slow = _texts(load(data))
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    fast = _texts(load(data))
    return slow, fast


@pytest.mark.parametrize("words", [fastagg._MAX_WORDS, 0], ids=["bitsets", "sorted"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles())
def test_top_fast_equals_pure(monkeypatch: pytest.MonkeyPatch, words: int, data: bytes) -> None:
    monkeypatch.setattr(fastagg, "_MAX_WORDS", words)
    slow, fast = _both_ways(monkeypatch, data)
    assert fast == slow


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles())
def test_nodes_equal_the_pure_dicts(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    p = load(data)
    for si in range(len(p.sample_types)):
        for flt in FILTERS:
            assert fastagg.nodes(p, si, flt) == _nodes(_function_stacks(p, si, flt))


def test_many_sites_and_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """More sites than the bitsets take (the sorting path), deep recursive stacks in several
    chunks of the bitset pass, and many stacks: still the pure path's text."""
    rng = random.Random(14)
    names = [f"p{i % 7}.g{i}" for i in range(400)]
    locs: list[Location] = [((n, 1 + i % 5),) for i, n in enumerate(names)]
    locs += [((names[i], 9), (names[i + 1], 10)) for i in range(0, 60, 2)]  # inlined pairs
    samples = []
    for _ in range(1500):
        depth = rng.randint(1, 40)
        hot = rng.sample(locs[:30], 4)
        stack = [rng.choice(hot) if rng.random() < 0.5 else rng.choice(locs) for _ in range(depth)]
        samples.append(([rng.randint(0, 10**6), rng.choice([0, 1, 5])], stack))
    data = _build(samples, 2)
    for words, chunk in ((8, 64), (0, fastagg._CHUNK)):  # 7 words of bitsets; sorting
        monkeypatch.setattr(fastagg, "_MAX_WORDS", words)
        monkeypatch.setattr(fastagg, "_CHUNK", chunk)
        slow, fast = _both_ways(monkeypatch, data)
        assert fast == slow


def test_few_sites_bitsets_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    locs: list[Location] = [((NAMES[i % len(NAMES)], i),) for i in range(100)]  # 100 sites: 2 words
    samples = [([rng.randint(1, 99)], [rng.choice(locs) for _ in range(rng.randint(1, 30))])
               for _ in range(800)]
    data = _build(samples, 1)
    monkeypatch.setattr(fastagg, "_CHUNK", 50)
    slow, fast = _both_ways(monkeypatch, data)
    assert fast == slow


@pytest.mark.parametrize("name", ["cpu.pb.gz", "mem.pb.gz"])
def test_real_profiles(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    data = (DATA / name).read_bytes()
    slow, fast = _both_ways(monkeypatch, data)
    assert fast == slow


def test_sums_past_float_precision_take_the_pure_path(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _build([([2**52], [(("a.f", 1),), (("a.g", 2),)]), ([2**52], [(("a.g", 2),)])], 1)
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    p = load(data)
    assert fastagg.nodes(p, 0, None) is None
    assert max(r.cum for r in analysis.top(p, 0).rows) == 2**53


def test_small_profiles_do_not_import_numpy_here() -> None:
    """The threshold: a small profile never reaches numpy (its import costs ~0.1 s)."""
    p = load_file(DATA / "cpu.pb.gz")
    assert not fastagg.is_big(p)
    assert fastagg.nodes(p, 0, None) is None
    assert "_m3tui_flat" not in p.__dict__


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles())
def test_flame_fast_equals_pure(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """The whole tree (FlameNode equality opens every node), values and order, fast and pure;
    a profile with a negative value keeps the pure path (paths that cancel out lose their box)."""
    for big in (1 << 62, 0):
        monkeypatch.setattr(fastagg, "BIG_STACKS", big)
        monkeypatch.setattr(fastflame, "FLAME_STACKS", big)
        p = load(data)
        trees = [analysis.flame(p, si, flt) for si in range(len(p.sample_types)) for flt in FILTERS]
        if big:
            slow = trees
    assert trees == slow
    assert [t.value for t in trees] == [t.value for t in slow]


def test_flame_of_real_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("cpu.pb.gz", "mem.pb.gz"):
        data = (DATA / name).read_bytes()
        monkeypatch.setattr(fastagg, "BIG_STACKS", 1 << 62)
        p = load(data)
        slow = [analysis.flame(p, si, flt) for si in range(len(p.sample_types)) for flt in FILTERS]
        monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
        monkeypatch.setattr(fastflame, "FLAME_STACKS", 0)
        p = load(data)
        assert fastflame.flame(p, 0, None) is not None  # the numpy path indeed
        assert fastflame.flame(p, 0, Filters(hide="runtime")) is not None  # -hide too
        assert [analysis.flame(p, si, flt) for si in range(len(p.sample_types)) for flt in FILTERS] == slow
