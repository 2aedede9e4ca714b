"""pprof's steps before a report, on the protobuf: several profiles merged, `-diff_base`, the
name filters with `-show` / `-show_from`, the tag filters and `-granularity`.

`go tool pprof` (internal/driver) merges its profiles (profile.Merge after
CompatibilizeSampleTypes), takes the report's total, then filters (FilterSamplesByName: focus,
ignore, hide, show; ShowFrom; FilterSamplesByTag: tagfocus, tagignore) and aggregates at the
granularity (profile.Aggregate). Those steps need what `decode` leaves out for speed (labels,
addresses), so they run here, in Python over the full protobuf, only when one of them is asked
for; the result is re-encoded and decoded as usual, so `analysis` makes its reports unchanged:

- at a granularity other than functions, each node's printable name (graph.NodeInfo) becomes
  its function's name; pprof tells apart nodes whose names print the same (files: a node per
  function start line), so such a name gets spaces appended, taken off again by `finish`;
- the report total is the one before the filters (pprof's report.New takes it then): it is put
  in `Profile.diff_base_totals`, the total the reports use (for a diff, the base's before them).
"""

from __future__ import annotations

import itertools
import os
import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from m3tui.profiles.pprof.graph import Filters, check_regexp
from m3tui.profiles.pprof.measure import common_type, go_round, scale
from m3tui.profiles.pprof.model import Profile, ProfileError, SampleType, escape_controls, printable
from m3tui.profiles.pprof.tagfilter import filter_tags

if TYPE_CHECKING:
    from m3tui.profiles.pprof.analysis import TopReport, TopRow

__all__ = ["GRANULARITIES", "Prepared", "finish", "needed", "prepare", "read_profile"]

GRANULARITIES = ("functions", "filefunctions", "files", "lines", "addresses")

class _Rx(Protocol):
    """A compiled filter (graph.check_regexp's: Go's semantics), searched, not anchored."""

    def search(self, text: str, /) -> object: ...


#: (name, filename, start_line) of a function
_Fn = tuple[str, str, int]


@dataclass
class _Loc:
    lid: int  # unique among the profiles of one `prepare`: its id in the re-encoded profile
    mapping: int  # index into _Prof.mappings, 0: none
    address: int
    lines: list[tuple[_Fn | None, int]]  # (function, line number), inlined first


@dataclass
class _Sample:
    locs: list[_Loc]
    values: list[int]
    labels: dict[str, list[str]]
    nums: dict[str, list[int]]
    units: dict[str, list[str]]


@dataclass
class _Prof:
    sample_types: list[SampleType]
    default_sample_type: str
    period_type: SampleType | None
    period: int
    time_nanos: int
    duration_nanos: int
    comments: list[str]
    mappings: list[tuple[str, str]]  # (file, build id); [0] is a placeholder; shared by merged profiles
    samples: list[_Sample]
    locations: list[_Loc]  # all of them, as pprof's filters walk them


@dataclass
class Prepared:
    """A profile ready for `analysis.top`, and what `finish` needs to print it as pprof does."""

    profile: Profile
    filters: Filters  # every filter asked for: the report's "Active filters"
    warnings: list[str] = field(default_factory=list)  # pprof's stderr lines
    names: dict[str, str] = field(default_factory=dict)  # a made-unique name -> its printed name
    ties: dict[str, str] = field(default_factory=dict)  # a node's name -> fmt.Sprint(NodeInfo)
    data: bytes = b""  # with ``labels``: the protobuf `profile` was decoded from (labels kept)
    base_data: bytes | None = None  # with ``labels`` and a base: the base's, filtered likewise


def needed(filters: Filters, granularity: str | None, nprofiles: int) -> bool:
    """Whether `prepare` must run (else `decode` and `analysis` do it all, faster)."""
    return bool(filters.show or filters.show_from or filters.tagfocus or filters.tagignore
                or (granularity or "functions") != "functions" or nprofiles > 1)


def read_profile(path: str) -> bytes:
    """A profile file's protobuf bytes, gunzipped, within decode's limits (its one-line errors)."""
    from m3tui.core.errors import os_error
    from m3tui.profiles.pprof.decode import _GZIP_MAGIC, MAX_PROFILE_BYTES, _gunzip, open_file

    label = f"profile {printable(path)}"
    with open_file(path, "profile") as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_PROFILE_BYTES:
                raise ProfileError(f"{label}: {size:,} bytes is more than a profile may weigh")
            head = f.read(2)
            f.seek(0)
            data = bytes(_gunzip(f, label, MAX_PROFILE_BYTES, size)) if head == _GZIP_MAGIC \
                else f.read(MAX_PROFILE_BYTES + 1)
        except OSError as exc:
            raise os_error(exc, label, "read") from None
    if not data:
        raise ProfileError(f"{label}: not a pprof profile: empty file")
    return data


def _parse(data: bytes, label: str, mappings: list[tuple[str, str]], lids: Iterator[int], tags: bool) -> _Prof:
    """One profile; its mappings appended to ``mappings`` (shared by the profiles merged), its
    locations numbered from ``lids``; the samples' labels read only when ``tags``."""
    from m3tui.profiles.pprof.decode import load
    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

    try:
        pb = PbProfile.FromString(data)
    except Exception:  # decode's message: a legacy format, bad protobuf, ...
        try:
            load(data)
        except ProfileError as exc:
            raise ProfileError(f"profile {label}: {exc}") from None
        raise ProfileError(f"profile {label}: not a pprof profile: invalid protobuf data") from None
    strings = [escape_controls(s) for s in pb.string_table]

    def s(i: int) -> str:
        return strings[i] if 0 <= i < len(strings) else ""

    def corrupt(what: str) -> ProfileError:
        return ProfileError(f"profile {label}: profile is corrupt: {what}")

    mindex: dict[int, int] = {}
    for m in pb.mapping:
        mindex[m.id] = len(mappings)
        mappings.append((s(m.filename), s(m.build_id)))
    funcs: dict[int, _Fn] = {f.id: (s(f.name), s(f.filename), f.start_line) for f in pb.function}
    locs: dict[int, _Loc] = {}
    for loc in pb.location:
        if loc.mapping_id and loc.mapping_id not in mindex:
            raise corrupt(f"location {loc.id} refers to mapping {loc.mapping_id}, which does not exist")
        lines: list[tuple[_Fn | None, int]] = []
        for ln in loc.line:
            fn = funcs.get(ln.function_id) if ln.function_id else None
            if ln.function_id and fn is None:
                raise corrupt(f"location {loc.id} refers to function {ln.function_id}, which does not exist")
            lines.append((fn, ln.line))
        locs[loc.id] = _Loc(next(lids), mindex.get(loc.mapping_id, 0), loc.address, lines)
    nt = len(pb.sample_type)
    samples = []
    get = locs.__getitem__
    for smp in pb.sample:
        labels: dict[str, list[str]] = {}
        nums: dict[str, list[int]] = {}
        units: dict[str, list[str]] = {}
        if tags:
            for lb in smp.label:
                key = s(lb.key)
                if lb.str:
                    labels.setdefault(key, []).append(s(lb.str))
                else:
                    nums.setdefault(key, []).append(lb.num)
                    units.setdefault(key, []).append(s(lb.num_unit))
        try:
            stack = list(map(get, smp.location_id))
        except KeyError:
            raise corrupt("a sample refers to a location that does not exist") from None
        values = list(smp.value)
        if len(values) != nt:
            raise corrupt(f"a sample has {len(values)} values for {nt} sample types")
        samples.append(_Sample(stack, values, labels, nums, units))
    period_type = (SampleType(s(pb.period_type.type), s(pb.period_type.unit))
                   if pb.HasField("period_type") else None)
    return _Prof([SampleType(s(v.type), s(v.unit)) for v in pb.sample_type], s(pb.default_sample_type),
                 period_type, pb.period, pb.time_nanos, pb.duration_nanos, [s(c) for c in pb.comment],
                 mappings, samples, list(locs.values()))


# --- merging (driver.combineProfiles: CompatibilizeSampleTypes, ScaleProfiles, profile.Merge) -----


def _types(p: _Prof) -> str:
    return ", ".join(st.type for st in p.sample_types)


def _merge(profs: list[_Prof], labels: list[str], what: str, dedup: bool = False) -> _Prof:
    first = profs[0]
    common = [st.type for st in first.sample_types
              if all(any(o.type == st.type for o in p.sample_types) for p in profs[1:])]
    if not common:
        other = next(i for i, p in enumerate(profs) if not set(_types(p).split(", ")) & set(_types(first).split(", ")))
        raise ProfileError(f"cannot {what} {labels[0]} ({_types(first)}) and {labels[other]} "
                           f"({_types(profs[other])}): they have no sample type in common")
    for p in profs:
        remap = [next(j for j, st in enumerate(p.sample_types) if st.type == t) for t in common]
        if remap != list(range(len(p.sample_types))):  # compatibilizeSampleTypes
            p.default_sample_type = p.default_sample_type if p.default_sample_type in common else common[0]
            for smp in p.samples:
                smp.values = [smp.values[j] for j in remap]
            p.sample_types = [p.sample_types[j] for j in remap]
    _scale_units(profs, labels, what)
    for i, p in enumerate(profs):
        if p.period_type != first.period_type:
            raise ProfileError(f"cannot {what} {labels[0]} and {labels[i]}: their period types differ "
                               f"({_name(first.period_type)} and {_name(p.period_type)})")
    if len(profs) == 1 or what != "merge":
        return first
    times = [p.time_nanos for p in profs if p.time_nanos]
    comments = list(dict.fromkeys(c for p in profs for c in p.comments))
    samples = [smp for p in profs for smp in p.samples]
    samples = _dedup(samples, first.mappings) if dedup else [smp for smp in samples if any(smp.values)]
    return _Prof(first.sample_types, next((p.default_sample_type for p in profs if p.default_sample_type), ""),
                 first.period_type, max(p.period for p in profs), min(times) if times else 0,
                 sum(p.duration_nanos for p in profs), comments, first.mappings, samples,
                 [loc for p in profs for loc in p.locations])


def _name(pt: SampleType | None) -> str:
    return f"{pt.type}/{pt.unit}" if pt else "none"


def _scale_units(profs: list[_Prof], labels: list[str], what: str) -> None:
    """measurement.ScaleProfiles: a sample type (and the period) in units of one kind but not one
    unit (bytes and kilobytes, nanoseconds and microseconds) put in the finest of them in every
    profile; values rounded as Go's math.Round, and (profile.ScaleN) a sample whose scaled values
    all round to 0 dropped. Units of different kinds are refused."""
    first = profs[0]
    timed = [i for i, p in enumerate(profs) if p.period_type is not None]
    try:
        period = common_type([(pt.type, pt.unit) for i in timed if (pt := profs[i].period_type) is not None])
    except ValueError as exc:
        i = timed[exc.args[0]]
        raise ProfileError(f"cannot {what} {labels[timed[0]]} and {labels[i]}: their period types differ "
                           f"({_name(profs[timed[0]].period_type)} and {_name(profs[i].period_type)})") from None
    units: list[tuple[str, str] | None] = []
    for t, st0 in enumerate(first.sample_types):
        try:
            units.append(common_type([(p.sample_types[t].type, p.sample_types[t].unit) for p in profs]))
        except ValueError as exc:
            i, st = exc.args[0], profs[exc.args[0]].sample_types[t]
            raise ProfileError(f"cannot {what} {labels[0]} and {labels[i]}: {st.type} is in {st0.unit} "
                               f"in one and in {st.unit} in the other") from None
    for p in profs:
        if p.period_type is not None and period is not None:
            p.period = int(scale(p.period, p.period_type.unit, period[1])[0])
            p.period_type = SampleType(p.period_type.type, period[1])
        ratios = [scale(1, st.unit, u[1])[0] if u else 1.0 for st, u in zip(p.sample_types, units)]
        p.sample_types = [SampleType(st.type, u[1]) if u else st for st, u in zip(p.sample_types, units)]
        scaled = [(t, r) for t, r in enumerate(ratios) if r != 1]
        if not scaled:
            continue
        kept = []
        for smp in p.samples:
            values = smp.values
            for t, r in scaled:
                values[t] = go_round(values[t] * r)
            if any(values[t] for t, _r in scaled):
                kept.append(smp)
        p.samples = kept


def _dedup(samples: list[_Sample], mappings: list[tuple[str, str]]) -> list[_Sample]:
    """profile.Merge's samples: those of one stack and labels summed, in the first one's place, and
    the ones whose values are (or sum to) all zero left out. Only -traces shows the difference: a
    Go heap profile has samples of one stack and size twice (the runtime's buckets differ in more)."""
    kept: dict[object, _Sample] = {}
    for smp in samples:
        if not any(smp.values):
            continue
        key = (tuple((mappings[x.mapping][0], x.address, tuple(x.lines)) for x in smp.locs),
               repr((sorted(smp.labels.items()), sorted(smp.nums.items()), sorted(smp.units.items()))))
        got = kept.setdefault(key, smp)
        if got is not smp:
            got.values = [a + b for a, b in zip(got.values, smp.values)]
    return [smp for smp in kept.values() if any(smp.values)]


# --- filters (profile.FilterSamplesByName, ShowFrom, driver.compileTagFilter) ----------------------


def _rx(value: str | None, what: str) -> _Rx | None:
    return check_regexp(value, what) if value else None


def _filter_names(p: _Prof, f: Filters, warnings: list[str]) -> None:
    focus, ignore, hide = _rx(f.focus, "focus"), _rx(f.ignore, "ignore"), _rx(f.hide, "hide")
    show, show_from = _rx(f.show, "show"), _rx(f.show_from, "show_from")
    locs = {loc.lid: loc for loc in p.locations}
    maps = p.mappings

    def line_ok(rx: _Rx, fn: _Fn | None) -> bool:
        return fn is not None and bool(rx.search(fn[0]) or rx.search(fn[1]))

    def map_ok(rx: _Rx, loc: _Loc) -> bool:
        return loc.mapping != 0 and bool(rx.search(maps[loc.mapping][0]))

    def matches(rx: _Rx, loc: _Loc) -> bool:
        return any(line_ok(rx, fn) for fn, _ln in loc.lines) or map_ok(rx, loc)

    if focus or ignore or hide or show:
        fm = im = hm = hnm = False
        keep: dict[int, bool] = {}
        hidden: set[int] = set()
        for key, loc in locs.items():
            if ignore is not None and matches(ignore, loc):
                im = True
                keep[key] = False
            elif focus is None or matches(focus, loc):
                fm = True
                keep[key] = True
            if hide is not None and matches(hide, loc):
                hm = True
                loc.lines = [] if map_ok(hide, loc) else [x for x in loc.lines if not line_ok(hide, x[0])]
                if not loc.lines:
                    hidden.add(key)
            if show is not None:
                if not map_ok(show, loc):
                    loc.lines = [x for x in loc.lines if x[0] is None or line_ok(show, x[0])]
                if not loc.lines:
                    hidden.add(key)
                else:
                    hnm = True
        out = []
        for smp in p.samples:
            focused = False
            for loc in smp.locs:  # focusedAndNotIgnored
                k = keep.get(loc.lid)
                if k is False:
                    break
                focused = focused or bool(k)
            else:
                if not focused:
                    continue
                if hidden:
                    smp.locs = [loc for loc in smp.locs if loc.lid not in hidden]
                    if not smp.locs:
                        continue
                out.append(smp)
        p.samples = out
        for ok, name in ((focus is None or fm, "Focus"), (ignore is None or im, "Ignore"),
                         (hide is None or hm, "Hide"), (show is None or hnm, "Show")):
            if not ok:
                warnings.append(f"{name} expression matched no samples")
    if show_from is not None:
        matched: set[int] = set()
        for key, loc in locs.items():
            if map_ok(show_from, loc):
                matched.add(key)
                continue
            last = max((i for i, (fn, _ln) in enumerate(loc.lines) if line_ok(show_from, fn)), default=-1)
            if last >= 0:
                loc.lines = loc.lines[:last + 1]
                matched.add(key)
        out = []
        for smp in p.samples:
            for i in range(len(smp.locs) - 1, -1, -1):
                if smp.locs[i].lid in matched:
                    smp.locs = smp.locs[:i + 1]
                    out.append(smp)
                    break
        p.samples = out
        if not matched:
            warnings.append("ShowFrom expression matched no samples")


# --- granularity (profile.Aggregate, graph.nodeInfo, NodeInfo.PrintableName) ---------------------


def _clean(path: str) -> str:
    """Go's filepath.Clean on a slash path."""
    if not path:
        return "."
    out = posixpath.normpath(path)
    return "/" + out.lstrip("/") if out.startswith("//") else out


class _Namer:
    """Node names at a granularity: `name` of a location's line, unique per pprof node."""

    def __init__(self, granularity: str, maps: list[tuple[str, str]]) -> None:
        g = granularity
        self.function = g != "files"
        self.file = g in ("filefunctions", "files", "lines", "addresses")
        self.line = g in ("lines", "addresses")
        self.address = g == "addresses"
        self.maps = maps
        self.by_info: dict[tuple[str, int, str, int, int, str], str] = {}
        self.count: dict[str, int] = {}
        self.names: dict[str, str] = {}
        self.ties: dict[str, str] = {}

    def name(self, loc: _Loc, fn: _Fn | None, lineno: int) -> str:
        objfile = self.maps[loc.mapping][0] if loc.mapping else ""
        address = loc.address if self.address else 0
        if fn is None:
            info = ("", address, "", 0, 0, objfile)
        else:
            name = fn[0] if self.function else ""
            file = _clean(fn[1]) if self.file and fn[1] else ""
            line = lineno if self.line else 0
            info = (name, address, file, fn[2] if not name else 0, line, objfile if not name else "")
        got = self.by_info.get(info)
        if got is not None:
            return got
        name, address, file, start, line, obj = info
        parts = [f"{address:016x}"] if address else []
        if name:
            parts.append(name)
        if line:
            parts.append(f"{file}:{line}")
        elif file:
            parts.append(file)
        elif name:
            pass
        elif obj:
            parts.append(f"[{posixpath.basename(obj)}]")
        else:
            parts.append("<unknown>")
        shown = " ".join(parts)
        n = self.count.get(shown, 0)
        self.count[shown] = n + 1
        unique = shown + " " * n  # nodes that print alike stay apart (see the module's docstring)
        self.names[unique] = shown
        self.ties[unique] = f"{{{name}  {address} {file} {start} {line} 0 {obj}}}"
        self.by_info[info] = unique
        return unique


def _encode(p: _Prof, namer: _Namer | None, labels: bool = False) -> bytes:
    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

    strings: dict[str, int] = {"": 0}

    def sid(text: str) -> int:
        i = strings.get(text)
        if i is None:
            i = strings[text] = len(strings)
        return i

    pb = PbProfile()
    for st in p.sample_types:
        pb.sample_type.add(type=sid(st.type), unit=sid(st.unit))
    for i, (mfile, build) in enumerate(p.mappings[1:], 1):
        pb.mapping.add(id=i, filename=sid(mfile), build_id=sid(build))
    fids: dict[_Fn, int] = {}
    seen: set[int] = set()

    def fid(fn: _Fn) -> int:
        i = fids.get(fn)
        if i is None:
            i = fids[fn] = len(fids) + 1
            pb.function.add(id=i, name=sid(fn[0]), filename=sid(fn[1]), start_line=fn[2])
        return i

    for smp in p.samples:
        for loc in smp.locs:
            if loc.lid not in seen:
                seen.add(loc.lid)
                pl = pb.location.add(id=loc.lid, mapping_id=loc.mapping, address=loc.address)
                lines = loc.lines
                if namer is not None:
                    lines = [((namer.name(loc, fn, ln), "", 0), 0) for fn, ln in (lines or [(None, 0)])]
                for fn, ln in lines:
                    pl.line.add(function_id=fid(fn) if fn is not None else 0, line=ln)
        ps = pb.sample.add(location_id=[loc.lid for loc in smp.locs], value=smp.values)
        if labels:  # for -traces
            for k, vs in smp.labels.items():
                for v in vs:
                    ps.label.add(key=sid(k), str=sid(v))
            for k, ns in smp.nums.items():
                for n, u in itertools.zip_longest(ns, smp.units.get(k, ())):
                    ps.label.add(key=sid(k), num=n or 0, num_unit=sid(u or ""))
    pb.time_nanos, pb.duration_nanos, pb.period = p.time_nanos, p.duration_nanos, p.period
    if p.period_type is not None:
        pb.period_type.type, pb.period_type.unit = sid(p.period_type.type), sid(p.period_type.unit)
    pb.comment.extend(sid(c) for c in p.comments)
    pb.default_sample_type = sid(p.default_sample_type)
    pb.string_table.extend(strings)
    return pb.SerializeToString()


def _totals(p: _Prof) -> list[int]:
    return [sum(abs(s.values[t]) for s in p.samples) for t in range(len(p.sample_types))]


def prepare(datas: Sequence[bytes], names: Sequence[str], filters: Filters, granularity: str | None,
            base: bytes | None = None, base_label: str = "", *, keep_total: bool = True,
            labels: bool = False) -> Prepared:
    """The profiles (protobuf bytes, each named by its label) merged, less ``base`` if given,
    filtered and aggregated as pprof does; raises `ProfileError` with one line. ``keep_total``
    False: the profile's total is what the filters left (an export's), not pprof's report total.
    ``labels``: the samples' labels kept, merged samples of one stack and labels summed, and the
    protobufs in `Prepared.data` / `base_data` (what -traces reads)."""
    from m3tui.profiles.pprof.decode import load
    from m3tui.profiles.pprof.diff import diff

    g = granularity or "functions"
    if g not in GRANULARITIES:
        raise ProfileError(f"granularity {g!r} must be one of: {', '.join(GRANULARITIES)}")
    lids = itertools.count(1)
    tags = labels or bool(filters.tagfocus or filters.tagignore)
    mappings: list[tuple[str, str]] = [("", "")]
    profs = [_parse(d, lb, mappings, lids, tags) for d, lb in zip(datas, names)]
    merged = _merge(profs, list(names), "merge", dedup=labels)
    based = None
    if base is not None:
        based = _parse(base, base_label, [("", "")], lids, tags)
        _merge([merged, based], [names[0], base_label], "compare")  # same sample types, in that order
        if labels:  # -diff_base is one more Merge (of the profile and its base), so one more dedup
            merged.samples = _dedup(merged.samples, merged.mappings)
            based.samples = _dedup(based.samples, based.mappings)
    if g == "addresses" and not any(loc.address for loc in merged.locations):
        raise ProfileError(f"{names[0]}: the profile has no addresses: granularity addresses needs them")
    totals = _totals(merged)
    if based is not None:  # computeTotal: the base's when it has some
        totals = [b or t for b, t in zip(_totals(based), totals)]
    warnings: list[str] = []
    namer = _Namer(g, merged.mappings) if g != "functions" else None
    sides = [merged] + ([based] if based is not None else [])
    for i, p in enumerate(sides):
        _filter_names(p, filters, warnings if i == 0 else [])
        filter_tags(p, filters, warnings if i == 0 else [])
    data = _encode(merged, namer, labels)
    if based is not None and namer is not None:
        namer.maps = based.mappings  # one namer: a node of both profiles keeps one name
    base_data = _encode(based, namer, labels) if based is not None else None
    profile = load(data) if base_data is None else diff(load(data), load(base_data))
    if keep_total or based is not None:
        profile.diff_base_totals = totals
    return Prepared(profile, filters, warnings, dict(namer.names) if namer else {}, dict(namer.ties) if namer else {},
                    data if labels else b"", base_data if labels else None)


def finish(report: TopReport, prepared: Prepared, sort: str = "flat") -> TopReport:
    """The report as pprof prints it: its filters, node names as printed, ties in pprof's order
    (graph.Sort: by |flat| (or |cum|), the printed name, |cum| (|flat|), then the NodeInfo)."""
    report.filters = prepared.filters
    if not prepared.names:
        return report
    names, ties = prepared.names, prepared.ties
    by_cum = sort == "cum"

    def key(r: TopRow) -> tuple[int, str, int, str]:
        first, second = (r.cum, r.flat) if by_cum else (r.flat, r.cum)
        return (-abs(first), names.get(r.name, r.name), -abs(second), ties.get(r.name, ""))

    report.rows.sort(key=key)
    running = 0
    for r in report.rows:
        running += r.flat
        r.flat_sum = running
        r.name = names.get(r.name, r.name)
    return report
