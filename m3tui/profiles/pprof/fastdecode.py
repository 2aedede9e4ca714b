"""The samples of a big profile decoded with numpy, all at once, and kept as arrays.

`decode._decode` parses a big profile (at least `BIG_BYTES` of protobuf) with `bulk_class`: its
`Profile.sample` is declared `bytes`, so upb hands over each Sample's encoding whole and no Python
object is made per field. Every field of a Sample is made of varints (location ids and values,
packed or not; a Label's four int64 fields), so the joined Samples are one stream of varints:
each Sample's fields are walked together, one field of every Sample per step, and the bytes of
the location ids and of the values decoded at once.

The stacks are then site ids end to end (a location with inlined frames: its sites in a row)
with each stack's start, kept as they come: a stack may be there twice (`StackArrays.merged`
False). Sums over stacks do not care, so `fastagg` and `fastflame` take them so, and `top` never
merges. `merge` merges identical stacks when something reads the distinct stacks or their values
(`model.ArrayProfile`): in numpy (a hash of each stack's sites, then an exact comparison of the
stacks merged; on a collision, by their strings), in the order they first occur, their values
summed, exactly what `decode._samples_fast` gives. `samples` returns None when something is
unusual (a field of another wire type, a missing location, a value count that is not the sample
types', values whose sums could pass int64): then the usual decoder runs and says what is wrong.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from m3tui.profiles.pprof.model import StackArrays

__all__ = ["BIG_BYTES", "bulk_class", "is_bulk", "merge", "samples"]

#: protobuf size from which `decode` takes this path (about 150,000 samples of 20 frames; below,
#: numpy's import costs about what it saves)
BIG_BYTES = 6 << 20
#: bytes per chunk of the varint pass (small temporaries, reused: cheaper than page faults)
_CHUNK = 1 << 18
#: samples per chunk of the walk, expansion and hash
_SAMPLES = 1 << 16
_BULK = "m3tui.pprof.bulk"

_bulk: Any = None


class _BulkClass(Protocol):
    def FromString(self, s: bytes | bytearray) -> Any: ...


def bulk_class() -> _BulkClass:
    """profile.proto's Profile with `sample` as raw bytes (each Sample's encoding)."""
    global _bulk
    if _bulk is None:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

        from m3tui.profiles.pprof import profile_pb2

        fdp = descriptor_pb2.FileDescriptorProto()
        profile_pb2.DESCRIPTOR.CopyToProto(fdp)
        fdp.name = "m3tui_pprof_bulk.proto"
        fdp.package = _BULK
        for m in fdp.message_type:
            for f in m.field:
                if f.type_name.startswith(".perftools.profiles."):
                    f.type_name = f".{_BULK}." + f.type_name.rsplit(".", 1)[1]
            if m.name == "Profile":
                for f in m.field:
                    if f.name == "sample":
                        f.type = f.TYPE_BYTES
                        f.ClearField("type_name")
        pool = descriptor_pool.DescriptorPool()
        pool.Add(fdp)
        _bulk = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_BULK}.Profile"))
    return cast(_BulkClass, _bulk)


def is_bulk(fp: object) -> bool:
    return bool(getattr(getattr(fp, "DESCRIPTOR", None), "full_name", "") == f"{_BULK}.Profile")


def _varints(buf: Any) -> tuple[Any, Any]:
    """The varints that `buf` (uint8) holds end to end, as uint64 (`buf` itself, uint8, when
    every varint is one byte), and the position of each one's last byte (None: one byte each)."""
    import numpy as np

    if len(buf) == 0:
        return np.zeros(0, dtype=np.uint64), None
    if buf[-1] >= 0x80:
        raise _Unusual
    if int(buf.max()) < 0x80:  # every varint one byte
        return buf, None
    ends = np.flatnonzero(buf < 0x80)
    more = np.empty(len(ends), dtype=np.int64)  # each one's bytes before its last
    more[0] = ends[0]
    np.subtract(ends[1:], ends[:-1], out=more[1:])
    more[1:] -= 1
    if int(more.max()) >= 10:
        raise _Unusual
    vals = buf[ends].astype(np.uint64)  # the last byte is the most significant
    for k in range(1, int(more.max()) + 1):  # then the one before, for those that have one
        sel = np.flatnonzero(more >= k)
        vals[sel] = (vals[sel] << np.uint64(7)) | (buf[ends[sel] - k] & 0x7F)
    return vals, ends


def _varint_at(buf: Any, pos: Any) -> tuple[Any, Any]:
    """The varint starting at each byte position: (value as uint64, its length in bytes)."""
    import numpy as np

    last = len(buf) - 1
    b = buf[np.minimum(pos, last)]
    if bool((b < 0x80).all()) and (len(pos) == 0 or int(pos.max()) <= last):  # one byte each: the usual
        return b.astype(np.uint64), np.ones(len(pos), dtype=np.int64)
    v = np.zeros(len(pos), dtype=np.uint64)
    length = np.zeros(len(pos), dtype=np.int64)
    done = np.zeros(len(pos), dtype=bool)
    for k in range(10):
        b = buf[np.minimum(pos + k, last)]
        live = ~done
        v |= np.where(live, (b & 0x7F).astype(np.uint64) << np.uint64(7 * k), np.uint64(0))
        length += live
        done |= b < 0x80
        if bool(done.all()):
            break
    if not bool(done.all()) or bool((pos + length > len(buf)).any()):
        raise _Unusual
    return v, length


class _Unusual(Exception):
    """Something the vectorised path does not take: the usual decoder decides."""


def samples(raw: Any, locstr: dict[int, str], nt: int) -> StackArrays | None:
    """The samples' stacks and values as arrays, one row per sample (not merged: `merge`); None
    when the usual decoder must decide."""
    try:
        return _samples(raw, locstr, nt)
    except _Unusual:
        return None


def _samples(raw: Any, locstr: dict[int, str], nt: int) -> StackArrays:
    import numpy as np

    n = len(raw)
    if n == 0 or nt == 0:
        raise _Unusual
    locations = _Locations(locstr)
    parts = []
    scratch = _Scratch()
    values = np.empty((n, nt), dtype=np.int64)
    lens = np.empty(n, dtype=np.int64)
    for lo in range(0, n, _SAMPLES):  # a chunk at a time: temporaries that stay small
        locs, lper, values[lo:lo + _SAMPLES] = _walk(raw[lo:lo + _SAMPLES], nt, scratch)
        sites, lens[lo:lo + _SAMPLES] = locations.expand(locs, lper)
        parts.append(sites)
    sites = np.concatenate(parts)
    big = np.maximum(-values.min(axis=0).astype(np.float64), values.max(axis=0).astype(np.float64))
    if bool((big * n >= 2.0**62).any()):
        raise _Unusual  # sums could pass int64: the usual decoder adds Python ints
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=starts[1:])
    return StackArrays(sites, starts, values, merged=False)


def merge(arrays: StackArrays) -> StackArrays:
    """Identical stacks merged, as `decode._samples_fast` merges them: the first of each kept, in
    order, the values of all summed (the decoder checked that the sums fit int64)."""
    import numpy as np

    if arrays.merged:
        return arrays
    sites, starts, values = arrays.sites, arrays.starts, arrays.values
    lens = np.diff(starts)
    try:
        tab = _table()
        ns = int(sites.max()) + 1 if len(sites) else 1
        h = np.concatenate([_hash(sites[starts[lo]:starts[hi]], lens[lo:hi], starts[lo:hi + 1] - starts[lo], ns, tab)
                            for lo, hi in _bounds(len(lens))])
        return _merged(sites, lens, starts, values, h)
    except _Unusual:  # a hash collision, a stack too deep: merged exactly, by string
        index: dict[str, int] = {}
        strings = arrays.strings()
        group = np.fromiter(map(index.setdefault, strings, range(len(strings))), dtype=np.int64, count=len(strings))
        is_first = group == np.arange(len(group))
        sums = np.zeros_like(values)
        np.add.at(sums, group, values)
        return _kept(sites, lens, is_first, sums)


def _bounds(n: int) -> list[tuple[int, int]]:
    return [(lo, min(n, lo + _SAMPLES)) for lo in range(0, n, _SAMPLES)] or [(0, 0)]


class _Scratch:
    """An int64 array reused from chunk to chunk of one decode (grown when a chunk needs more)."""

    def __init__(self) -> None:
        self.buf: Any = None

    def get(self, n: int) -> Any:
        import numpy as np

        if self.buf is None or len(self.buf) < n:
            self.buf = np.empty(max(n, 1 << 16), dtype=np.int64)
        return self.buf[:n]


def _walk(raw: Any, nt: int, scratch: _Scratch | None = None) -> tuple[Any, Any, Any]:
    """One chunk of samples: their location ids end to end, how many each has, their values."""
    import numpy as np

    n = len(raw)
    scratch = scratch or _Scratch()
    buf = np.frombuffer(b"".join(raw), dtype=np.uint8)
    slen = np.fromiter(map(len, raw), dtype=np.int64, count=n)
    if len(buf) == 0 or buf[-1] >= 0x80 or not slen.all():
        raise _Unusual
    sstart = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(slen, out=sstart[1:])
    # walk the fields of every sample together: a tag, then a value (wire type 0) or a length
    # and a payload (wire type 2: packed ids or values, a Label, ...). The bytes of the location
    # ids (packed or not) and of the values are marked, in order, then decoded at once.
    marks: dict[int, tuple[list[Any], list[Any], list[Any]]] = {1: ([], [], []), 2: ([], [], [])}
    live = np.arange(n, dtype=np.int64)
    pos = sstart[:-1].copy()
    while len(live):
        tag, tl = _varint_at(buf, pos)
        field, wire = tag >> np.uint64(3), tag & np.uint64(7)
        if bool(((wire != 0) & (wire != 2)).any()):
            raise _Unusual
        is_len = wire == 2
        v, vl = _varint_at(buf, pos + tl)
        body = pos + tl + np.where(is_len, vl, 0)
        stop = np.where(is_len, body + v.astype(np.int64), body + vl)
        if bool((stop > sstart[live + 1]).any()) or bool((v[is_len] >= 1 << 40).any()):
            raise _Unusual
        for want, (sm, st, sp) in marks.items():  # field -> its bytes: (sample, start, stop)
            sel = field == want
            if sel.any():
                sm.append(live[sel])
                st.append(body[sel])
                sp.append(stop[sel])
        more = stop < sstart[live + 1]
        live, pos = live[more], stop[more]

    def picked(field: int) -> tuple[Any, Any]:
        """The varints of `field` in every sample, in order, and how many each sample has."""
        sm, st, sp = marks[field]
        if not st:
            return np.zeros(0, dtype=np.uint64), np.zeros(n, dtype=np.int64)
        owner, starts, stops = np.concatenate(sm), np.concatenate(st), np.concatenate(sp)
        if len(st) > 1:  # a field met in more than one step: its pieces in the order of the bytes
            order = np.argsort(starts, kind="stable")
            owner, starts, stops = owner[order], starts[order], stops[order]
        size = stops - starts
        # the bytes of every piece, gathered: their positions made in place in `scratch` (a
        # fresh array per chunk costs more in page faults than the arithmetic), as the running
        # sum of 1 per byte and, at each piece's first byte, the jump from the last piece's end
        full = np.flatnonzero(size)
        starts, stops = starts[full], stops[full]
        first = np.cumsum(size[full])
        total = int(first[-1]) if len(first) else 0
        first -= size[full]
        at = scratch.get(total)
        at.fill(1)
        if total:
            at[first[1:]] = starts[1:] - stops[:-1] + 1
            at[0] = starts[0]
            np.cumsum(at, out=at)
        got = buf[at]
        if len(got) and got[-1] >= 0x80:
            raise _Unusual
        nbytes = size if len(st) == 1 and len(owner) == n else \
            np.bincount(owner, weights=size, minlength=n).astype(np.int64)
        vals, ends = _varints(got)
        if ends is None:
            return vals, nbytes
        bound = np.cumsum(nbytes)  # varints per sample: the varint ends among its bytes
        return vals, np.diff(np.searchsorted(ends, bound - 1, side="right"), prepend=0)


    raw_vals, vper = picked(2)
    if not bool((vper == nt).all()):
        raise _Unusual
    values = raw_vals.astype(np.uint64).view(np.int64).reshape(n, nt)
    locs, lper = picked(1)
    if not lper.all():
        raise _Unusual  # a sample with no location: the usual decoder decides
    return locs, lper, values


def _small(n: int) -> Any:
    """The smallest unsigned dtype holding 0..n."""
    import numpy as np

    return np.uint8 if n < 1 << 8 else np.uint16 if n < 1 << 16 else np.uint32


class _Locations:
    """The profile's locations as tables: index by id, and each location's sites (left-aligned)."""

    def __init__(self, locstr: dict[int, str]) -> None:
        import numpy as np

        ids = np.array(sorted(locstr), dtype=np.uint64)
        nl = len(ids)
        if nl == 0:
            raise _Unusual
        self.ids, self.nl = ids, nl
        self.lut = None
        if int(ids[-1]) <= 4 * nl + 1024:  # dense ids (Go numbers them 1, 2, 3, ...)
            self.lut = np.full(int(ids[-1]) + 1, nl, dtype=_small(nl))  # nl: no such location
            self.lut[ids.astype(np.int64)] = np.arange(nl)
        table = [[ord(c) for c in locstr[i]] for i in ids.tolist()]
        self.chars = np.array([len(x) for x in table], dtype=np.int64)
        self.width = int(self.chars.max())
        if int(self.chars.min()) == 0 or self.width > 16:
            raise _Unusual
        self.ns = max(max(x) for x in table) + 1
        self.padded = np.zeros((nl, self.width), dtype=_small(self.ns))
        for i, x in enumerate(table):
            self.padded[i, :len(x)] = x

    def expand(self, locs: Any, lper: Any) -> tuple[Any, Any]:
        """The samples' location ids (`lper` each, end to end) as site ids, and each one's count."""
        import numpy as np

        ids, nl = self.ids, self.nl
        if self.lut is not None:
            if len(locs) and int(locs.max()) > int(ids[-1]):
                raise _Unusual
            at = self.lut[locs]
            if len(at) and int(at.max()) == nl:
                raise _Unusual  # a location that does not exist: the usual decoder names it
        else:
            at = np.minimum(np.searchsorted(ids, locs), nl - 1)
            if not np.array_equal(ids[at], locs):
                raise _Unusual
        padded, chars, width = self.padded, self.chars, self.width
        if at.dtype == np.uint8 and self.ns <= 256:  # few locations and sites: bytes.translate
            raw = at.tobytes()

            def lookup(col: Any) -> Any:
                return np.frombuffer(raw.translate(bytes(col.tolist()) + bytes(256 - len(col))), dtype=np.uint8)
        else:
            def lookup(col: Any) -> Any:
                return col[at]
        first = lookup(padded[:, 0])  # each location's first (innermost) site
        if width == 1:  # one site per location
            return first, lper.astype(np.int64)
        # inlined frames: each location's sites in a row (a repeat of its first one, the others
        # written over the copies; only the few locations with more than one site are visited)
        count = lookup(chars.astype(padded.dtype))
        multi = np.flatnonzero(count > 1)
        out = np.repeat(first, count.astype(np.intp))  # (intp counts: a faster repeat)
        extra = count[multi].astype(np.int64) - 1
        at_out = multi + np.cumsum(extra) - extra  # where each one's sites begin in `out`
        at_loc = at[multi]
        for k in range(1, width):
            sel = np.flatnonzero(extra >= k)
            out[at_out[sel] + k] = padded[at_loc[sel], k]
        owner = np.searchsorted(np.cumsum(lper), multi, side="right")  # each one's sample
        lens = lper.astype(np.int64) + np.bincount(owner, weights=extra, minlength=len(lper)).astype(np.int64)
        return out, lens


def _table() -> Any:
    """2**16 random 64-bit numbers, the same every time, and one more for the lengths."""
    import numpy as np

    return np.random.default_rng(0x6D337475).integers(0, 2**63, size=(1 << 16) + 1, dtype=np.int64).view(np.uint64)


def _hash(sites: Any, lens: Any, starts: Any, ns: int, tab: Any) -> Any:
    """A 64-bit hash of each stack: the sum, wrapping, of a random number per (depth, site) of its
    frames, plus one per length; equal stacks hash alike."""
    import numpy as np

    if len(lens) == 0:
        return np.zeros(0, dtype=np.uint64)
    if int(lens.min()) == 0:
        raise _Unusual
    depth = _depths(lens, starts, len(sites))
    if ns <= 256 and int(lens.max()) <= 256:  # (depth, site) as a uint16: one look-up
        code = depth.astype(np.uint16)
        code <<= 8
        code |= sites
        contrib = tab[code]
    else:
        contrib = tab[depth] | np.uint64(1)
        contrib *= sites.astype(np.uint64) + np.uint64(1)
    h = np.add.reduceat(contrib, starts[:-1])
    h += lens.astype(np.uint64) * (tab[-1] | np.uint64(1))
    return h


def _depths(lens: Any, starts: Any, total: int) -> Any:
    """Each frame's depth in its stack (0 at the leaf), uint8 or uint16: a cumsum that wraps."""
    import numpy as np

    dt = np.uint8 if int(lens.max()) < 1 << 8 else np.uint16
    if int(lens.max()) >= 1 << 16:
        raise _Unusual
    d = np.ones(total, dtype=dt)
    d[starts[1:-1]] = (1 - lens[:-1]).astype(dt)  # back to 0 at each stack's start (mod 2**bits)
    d[0] = 0
    return np.cumsum(d, dtype=dt)


def _merged(sites: Any, lens: Any, starts: Any, values: Any, h: Any) -> StackArrays:
    """Identical stacks merged: the first of each kept, in order, the values of all summed."""
    import numpy as np

    n = len(lens)
    order = np.argsort(h)
    hs = h[order]
    again = np.zeros(n, dtype=bool)
    np.equal(hs[1:], hs[:-1], out=again[1:])
    if not again.any():  # all hashes distinct: all stacks distinct
        return StackArrays(sites, starts, values)
    run_start = np.flatnonzero(~again)
    heads = np.minimum.reduceat(order, run_start)  # each run of one hash: its first stack
    run = np.cumsum(~again) - 1  # each sorted stack's run
    rep = heads[run]
    dup = order[order != rep]
    rd = rep[order != rep]  # each repeated stack's first stack of the same hash
    if not np.array_equal(lens[dup], lens[rd]):
        raise _Unusual  # a hash collision: `merge` compares the strings
    dl = lens[dup]
    off = np.arange(int(dl.sum()), dtype=np.int64) - np.repeat(np.cumsum(dl) - dl, dl)
    if not np.array_equal(sites[np.repeat(starts[dup], dl) + off], sites[np.repeat(starts[rd], dl) + off]):
        raise _Unusual
    sums = values.copy()
    np.add.at(sums, rd, values[dup])
    is_first = np.ones(n, dtype=bool)
    is_first[dup] = False
    return _kept(sites, lens, is_first, sums)


def _kept(sites: Any, lens: Any, is_first: Any, sums: Any) -> StackArrays:
    """The stacks `is_first` marks, with their summed values."""
    import numpy as np

    klens = lens[is_first]
    kstarts = np.zeros(len(klens) + 1, dtype=np.int64)
    np.cumsum(klens, out=kstarts[1:])
    return StackArrays(sites[np.repeat(is_first, lens)], kstarts, sums[is_first])
