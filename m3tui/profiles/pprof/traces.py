"""`go tool pprof -traces`: every sample of a profile, one by one, with its labels and call stack.

Ported from google/pprof internal/report/report.go (printTraces) at pprof's default granularity
(functions: a frame is its function's name, inlined frames marked "(inline)"). Unlike the other
reports it needs each sample as the file holds it (labels, numeric labels, in file order), not
the merged stacks of `model.Profile`: the file is read again here, its samples walked as they are.
Focus, ignore and hide act as pprof's FilterSamplesByName: a location matches by a line's
function name or file name, or by its mapping's file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from m3tui.profiles.pprof.analysis import profile_labels
from m3tui.profiles.pprof.graph import Filters, check_regexp
from m3tui.profiles.pprof.measure import format_value
from m3tui.profiles.pprof.model import Profile, ProfileError, escape_controls, has_controls, printable

if TYPE_CHECKING:
    from m3tui.profiles.pprof import profile_pb2
    from m3tui.profiles.pprof.goregexp import GoRegexp

__all__ = ["Frame", "Trace", "Traces", "read_traces", "traces", "traces_lines"]

_SEPARATOR = "-----------+-------------------------------------------------------"


@dataclass
class Frame:
    name: str
    inline: bool = False


@dataclass
class Trace:
    """One sample: its value (of the chosen sample type), labels and stack (leaf first)."""

    value: int
    frames: list[Frame]
    labels: dict[str, list[str]] = field(default_factory=dict)
    #: numeric labels: key -> values, each shown in `Traces.num_units[key]`
    num_labels: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class Traces:
    profile: Profile
    sample_index: int
    traces: list[Trace]
    num_units: dict[str, str]

    @property
    def sample_type(self) -> str:
        return self.profile.sample_types[self.sample_index].type

    @property
    def unit(self) -> str:
        return self.profile.sample_types[self.sample_index].unit

    @property
    def total(self) -> int:
        return self.profile.total(self.sample_index)

    def format(self, value: int) -> str:
        """A value as -traces prints it (each in its own best unit: pprof's "minimum")."""
        return format_value(value, self.unit, "minimum")


def read_traces(path: str | os.PathLike[str], sample_index: str | int | None = None,
                filters: Filters | None = None, diff_base: str | os.PathLike[str] | None = None) -> Traces:
    """The file's samples as `-traces` shows them (the file's checks and messages: `decode.load_file`);
    with ``diff_base``, merged with that profile's, negated and labelled ``pprof::base``, as pprof does."""
    from m3tui.profiles.pprof.decode import load
    from m3tui.profiles.pprof.diff import diff

    loaded = []
    for name in (path, diff_base):
        if name is None:
            continue
        data = _read(name)
        try:
            loaded.append((load(data), data))
        except ProfileError as exc:
            raise ProfileError(f"profile {printable(name)}: {exc}") from None
    (profile, data), base = loaded[0], (loaded[1] if len(loaded) > 1 else None)
    if base is not None:
        profile = diff(profile, base[0])
    return traces(profile, data, profile.sample_index(sample_index), filters, base[1] if base else None)


def _read(path: str | os.PathLike[str]) -> bytes | bytearray:
    """The file's protobuf bytes, gunzipped, within decode's limits."""
    from m3tui.core.errors import os_error
    from m3tui.profiles.pprof.decode import _GZIP_MAGIC, MAX_PROFILE_BYTES, _gunzip, _mib, open_file

    label = f"profile {printable(path)}"
    with open_file(path, "profile") as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_PROFILE_BYTES:
                raise ProfileError(f"{label}: {size:,} bytes is more than the {_mib(MAX_PROFILE_BYTES)} a profile may weigh")
            data: bytes | bytearray = f.read(MAX_PROFILE_BYTES + 1)
        except OSError as exc:
            raise os_error(exc, label, "read") from None
    if data[:2] == _GZIP_MAGIC:
        import io

        data = _gunzip(io.BytesIO(data), label, MAX_PROFILE_BYTES, size)
    if not data:
        raise ProfileError(f"{label}: not a pprof profile: empty file")
    return data


#: a location as pprof's merge tells them apart: mapping file, address, lines (function, file, line)
_Loc = tuple[str, int, tuple[tuple[str, str, int], ...]]


@dataclass
class _Sample:
    locs: list[_Loc]
    values: list[int]
    labels: dict[str, list[str]]
    nums: dict[str, list[int]]


def _parse(data: bytes | bytearray, nt: int) -> tuple[list[_Sample], dict[str, str], list[str]]:
    """A profile's samples as the file holds them, its numeric labels' units, its sample types' units."""
    from m3tui.profiles.pprof import profile_pb2

    try:
        pb = profile_pb2.Profile.FromString(bytes(data))
    except Exception:  # upb's DecodeError and the like: load() accepted it, so hardly ever
        raise ProfileError("not a pprof profile: invalid protobuf data") from None
    strings = list(pb.string_table)
    if has_controls("".join(strings)):
        strings = [escape_controls(s) for s in strings]

    def s(i: int) -> str:
        return strings[i] if 0 <= i < len(strings) else ""

    funcs = {f.id: (s(f.name), s(f.filename)) for f in pb.function}
    maps = {m.id: s(m.filename) for m in pb.mapping}
    locs: dict[int, _Loc] = {
        loc.id: (maps.get(loc.mapping_id, ""), loc.address,
                 tuple((*funcs.get(ln.function_id, ("", "")), ln.line) for ln in loc.line))
        for loc in pb.location
    }  # fmt: skip
    out: list[_Sample] = []
    for sample in pb.sample:
        values = list(sample.value)
        if len(values) != nt:
            raise ProfileError(f"profile is corrupt: a sample has {len(values)} values for {nt} sample types")
        labels: dict[str, list[str]] = {}
        nums: dict[str, list[int]] = {}
        for lab in sample.label:
            if lab.str:
                labels.setdefault(s(lab.key), []).append(s(lab.str))
            elif lab.num or lab.num_unit:
                nums.setdefault(s(lab.key), []).append(lab.num)
        out.append(_Sample([locs.get(i, ("", 0, ())) for i in sample.location_id], values, labels, nums))
    return out, _num_units(pb, s), [s(st.unit) for st in pb.sample_type]


def _scale(samples: list[_Sample], units: list[str], profile: Profile) -> list[_Sample]:
    """The samples in the units of `profile` (a diff puts a sample type in the finer unit of the
    profile's and its base's: measurement.ScaleProfiles), dropped when their scaled values all
    round to 0 (profile.ScaleN); as they are when no unit differs."""
    from m3tui.profiles.pprof.measure import go_round, scale

    ratios = [(t, scale(1, u, st.unit)[0]) for t, (u, st) in enumerate(zip(units, profile.sample_types))]
    scaled = [(t, r) for t, r in ratios if r != 1]
    if not scaled:
        return samples
    for x in samples:
        for t, r in scaled:
            x.values[t] = go_round(x.values[t] * r)
    return [x for x in samples if any(x.values[t] for t, _r in scaled)]


def _merge(samples: list[_Sample]) -> list[_Sample]:
    """profile.Merge: samples with the same locations and labels summed (first one's place), the
    ones whose values are all zero left out."""
    merged: dict[object, _Sample] = {}
    for x in samples:
        key = (tuple(x.locs), tuple(sorted((k, tuple(v)) for k, v in x.labels.items())),
               tuple(sorted((k, tuple(v)) for k, v in x.nums.items())))  # fmt: skip
        got = merged.get(key)
        if got is None:
            merged[key] = _Sample(x.locs, list(x.values), x.labels, x.nums)
        else:
            got.values = [a + b for a, b in zip(got.values, x.values)]
    return [x for x in merged.values() if any(x.values)]


def traces(profile: Profile, data: bytes | bytearray, sample_index: int, filters: Filters | None = None,
           base: bytes | bytearray | None = None, *, filtered: bool = False) -> Traces:
    """The samples of ``data`` (the protobuf `profile` was decoded from; with ``base``, the base
    profile's too, as `read_traces`), kept by the filters. ``filtered``: both were filtered already
    (`pipeline.prepare`): the base's samples follow, not merged (pprof merges before filtering)."""
    nt = len(profile.sample_types)
    samples, units, value_units = _parse(data, nt)
    if base is not None:
        base_samples, base_units, base_value_units = _parse(base, nt)
        samples, base_samples = _scale(samples, value_units, profile), _scale(base_samples, base_value_units, profile)
        for k, u in base_units.items():
            units.setdefault(k, u)
        for x in base_samples:
            x.values = [-v for v in x.values]
            x.labels["pprof::base"] = ["true"]
        samples = samples + base_samples
        samples = [x for x in samples if any(x.values)] if filtered else _merge(samples)
    focus, ignore, hide = _patterns(filters)
    filtering = focus is not None or ignore is not None
    seen: dict[_Loc, tuple[bool | None, list[Frame] | None]] = {}  # focused/ignored, frames (None: hidden)
    out: list[Trace] = []
    for x in samples:
        kept = not filtering
        frames: list[Frame] = []
        for loc in x.locs:
            got = seen.get(loc)
            if got is None:
                got = seen[loc] = _location(loc, focus, ignore, hide)
            state, shown = got
            if state is False and filtering:
                kept = False
                break
            kept = kept or state is True
            if shown is not None:
                frames.extend(shown)
        if kept and frames:
            out.append(Trace(x.values[sample_index], frames, x.labels, x.nums))
    return Traces(profile, sample_index, out, units)


def _location(loc: _Loc, focus: GoRegexp | None, ignore: GoRegexp | None,
              hide: GoRegexp | None) -> tuple[bool | None, list[Frame] | None]:
    """A location's part in FilterSamplesByName (True: focused, False: ignored, None: neither)
    and its frames once hidden lines are gone (None: the whole location is hidden)."""
    mfile, _addr, full = loc
    lines = [(name, file) for name, file, _n in full]
    state: bool | None = None
    if ignore is not None and _matches(ignore, lines, mfile):
        state = False
    elif focus is None or _matches(focus, lines, mfile):
        state = True
    if hide is not None and _matches(hide, lines, mfile):
        lines = [] if mfile and hide.search(mfile) else [x for x in lines if not _line_matches(hide, x)]
        if not lines:
            return state, None
    if not lines:
        return state, [Frame("<unknown>")]
    return state, [Frame(name or "<unknown>", i != len(lines) - 1) for i, (name, _file) in enumerate(lines)]


def _patterns(filters: Filters | None) -> tuple[GoRegexp | None, ...]:
    if filters is None:
        return None, None, None
    return tuple(check_regexp(v, k) if v else None
                 for k, v in (("focus", filters.focus), ("ignore", filters.ignore), ("hide", filters.hide)))


def _line_matches(rx: GoRegexp, line: tuple[str, str]) -> bool:
    return bool(rx.search(line[0]) or rx.search(line[1]))


def _matches(rx: GoRegexp, lines: Sequence[tuple[str, str]], mfile: str) -> bool:
    return any(_line_matches(rx, x) for x in lines) or bool(mfile and rx.search(mfile))


def _kept(ids: Sequence[int], state: dict[int, bool]) -> bool:
    """pprof's focusedAndNotIgnored: no ignored location, and at least one focused one."""
    focused = False
    for lid in ids:
        st = state.get(lid)
        if st is False:
            return False
        focused = focused or st is True
    return focused


def _num_units(pb: profile_pb2.Profile, s: Callable[[int], str]) -> dict[str, str]:
    """profile.NumLabelUnits: per numeric label key, the first unit any sample gives it, else
    bytes for alignment and request, else the key itself."""
    units: dict[str, str] = {}
    seen: dict[str, None] = {}
    for sample in pb.sample:
        for lab in sample.label:
            if lab.str or not (lab.num or lab.num_unit):
                continue
            key = s(lab.key)
            seen[key] = None
            if lab.num_unit and key not in units:
                units[key] = s(lab.num_unit)
    for key in seen:
        if not units.get(key):
            units[key] = "bytes" if key in ("alignment", "request") else key
    return units


def traces_lines(report: Traces) -> list[str]:
    """The whole text of `go tool pprof -traces`, line by line."""
    p, si = report.profile, report.sample_index
    out = profile_labels(p, si, report.total, report.format)
    for t in report.traces:
        out.append(_SEPARATOR)
        out.extend(sorted("%10s:  %s" % (k, " ".join(v)) for k, v in t.labels.items()))
        out.extend(sorted("%10s:  %s" % (k, " ".join(format_value(x, report.num_units.get(k, k), "auto") for x in v))
                          for k, v in t.num_labels.items()))  # fmt: skip
        for i, fr in enumerate(t.frames):
            out.append("%10s   %s%s" % (report.format(t.value) if i == 0 else "", fr.name, " (inline)" if fr.inline else ""))
    out.append(_SEPARATOR)
    return out
