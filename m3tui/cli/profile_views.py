"""`m3tui profile peek FILE REGEX`, `profile list FILE REGEX`, `profile traces FILE`: pprof's other
text views, headless: the same text as `go tool pprof -peek REGEX FILE`, `-list REGEX` and
`-traces` (:mod:`m3tui.profiles.pprof.analysis`, :mod:`~m3tui.profiles.pprof.listing`,
:mod:`~m3tui.profiles.pprof.traces`), or with --json one JSON object each (its shape: the
``*_json`` functions below, typed by the TypedDicts beside them).

FILE may be a URL, fetched first as for `profile top`. `profile list` with no FILE lists the
captured profiles as it used to (that is `profile captured` now: a note on stderr says so).
A REGEX that does not compile is one line, exit 2; one that matches no function is pprof's
message ("no matches found for regexp: RE"), exit 2 as pprof's; a filter that matches nothing is
pprof's warning on stderr (`nomatch`).

pprof's other report flags (--tagfocus/--tagignore, --show/--show-from, --granularity for peek and
traces, more FILEs merged) go through :mod:`m3tui.profiles.pprof.pipeline` as for `profile top`:
the view then runs on the prepared profile with no filters of its own. `list` has no
--granularity (pprof's -list is always at lines), none has --nodefraction (pprof does not trim
these views).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypedDict

from m3tui.core.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from m3tui.cli.main import RunAsync
    from m3tui.profiles.pprof.analysis import PeekEntry
    from m3tui.profiles.pprof.graph import Filters
    from m3tui.profiles.pprof.listing import Listing
    from m3tui.profiles.pprof.model import Profile
    from m3tui.profiles.pprof.pipeline import Prepared
    from m3tui.profiles.pprof.traces import Traces

#: What `profile list` with no FILE says on stderr before the captured profiles.
LIST_NOTE = "· m3tui profile list (no FILE) is now m3tui profile captured"


class CallJSON(TypedDict):
    name: str
    value: int
    inline: bool


class PeekEntryJSON(TypedDict):
    name: str
    flat: int
    cum: int
    callers: list[CallJSON]
    callees: list[CallJSON]


class PeekJSON(TypedDict):
    """`profile peek --json`: each matching function (pprof's order) with its callers and callees."""

    sample_type: str
    unit: str
    total: int
    functions: list[PeekEntryJSON]


class LineJSON(TypedDict):
    number: int
    text: str
    flat: int
    cum: int


class RoutineJSON(TypedDict):
    function: str
    file: str | None  # None: the profile has no source information for the function
    flat: int
    cum: int
    error: str | None  # the source file could not be read (pprof's words); then no lines
    lines: list[LineJSON]


class ListJSON(TypedDict):
    """`profile list FILE REGEX --json`: each function and source file pprof lists, its lines."""

    sample_type: str
    unit: str
    total: int
    routines: list[RoutineJSON]


class FrameJSON(TypedDict):
    name: str
    inline: bool


class NumLabelJSON(TypedDict):
    value: int
    unit: str


class TraceJSON(TypedDict):
    value: int
    labels: dict[str, list[str]]
    num_labels: dict[str, list[NumLabelJSON]]
    frames: list[FrameJSON]  # leaf first


class TracesJSON(TypedDict):
    """`profile traces --json`: every sample the filters keep, in the file's order."""

    sample_type: str
    unit: str
    total: int
    traces: list[TraceJSON]


def run(args: argparse.Namespace, run_async: RunAsync) -> int:
    command = args.profile_command
    if command == "list" and args.file is None:
        print(LIST_NOTE, file=sys.stderr)
        from m3tui.cli.profile import list_captured

        return list_captured(args)
    if command == "list" and args.regex is None:
        raise UsageError("m3tui profile list: FILE needs a REGEX, the functions to list (captured profiles: m3tui profile captured)")
    from m3tui.cli import profile_fetch
    from m3tui.cli.profile import check_filter_flags

    check_filter_flags(args, ("focus", "ignore", "hide", "show", "show_from"))
    if command in ("peek", "list"):
        _check_regex(args.regex, command)
    timeout = profile_fetch.fetch_timeout(args)
    from m3tui.profiles.fetch import is_url

    if timeout is not None and not any(is_url(s) for s in (args.file, *args.more, args.diff_base or "")):
        raise UsageError("m3tui profile: --seconds, --header and --timeout apply to a URL, not to a file")
    profile_fetch.fetch_if_url(args, run_async, timeout)
    args.more = [_local(m, args, run_async, timeout) for m in args.more]
    if args.diff_base:
        args.diff_base = _local(args.diff_base, args, run_async, timeout)
    prepared = _prepare(args)
    if command == "peek":
        return _peek(args, prepared)
    if command == "list":
        return _list(args, prepared)
    return _traces(args, prepared)


def _local(source: str, args: argparse.Namespace, run_async: RunAsync, timeout: float | None) -> str:
    """A URL fetched (as FILE is): the saved profile's path; a file as it is."""
    from m3tui.cli import profile_fetch
    from m3tui.profiles.fetch import is_url

    if not is_url(source):
        return source
    return str(run_async(profile_fetch.fetch_one(source, args.seconds, args.header or [], timeout=timeout)).path)


def _prepare(args: argparse.Namespace) -> Prepared | None:
    """pprof's steps on the protobuf when a flag asks for them (None: the view does it all), its
    stderr lines printed."""
    from m3tui.profiles.pprof import pipeline
    from m3tui.profiles.pprof.model import printable

    files = [args.file, *args.more]
    granularity = getattr(args, "granularity", None)
    if not pipeline.needed(_all_filters(args), granularity, len(files)):
        return None
    base = args.diff_base
    prepared = pipeline.prepare([pipeline.read_profile(f) for f in files], [printable(f) for f in files],
                                _all_filters(args), granularity, pipeline.read_profile(base) if base else None,
                                printable(base) if base else "", labels=args.profile_command == "traces")  # fmt: skip
    for line in prepared.warnings:
        print(printable(line), file=sys.stderr)
    return prepared


def _all_filters(args: argparse.Namespace) -> Filters:
    from m3tui.profiles.pprof.graph import Filters

    return Filters(focus=args.focus, ignore=args.ignore, hide=args.hide, show=args.show, show_from=args.show_from,
                   tagfocus=args.tagfocus, tagignore=args.tagignore)  # fmt: skip


def _check_regex(regex: str, what: str) -> None:
    from m3tui.profiles.pprof.graph import check_regexp
    from m3tui.profiles.pprof.model import ProfileError

    if not regex:
        raise UsageError(f"m3tui profile {what}: REGEX is empty")
    try:
        check_regexp(regex, what)
    except ProfileError as exc:
        raise UsageError(f"m3tui profile {what}: {exc}") from None


def _filters(args: argparse.Namespace) -> Filters | None:
    from m3tui.profiles.pprof.graph import Filters

    filters = Filters(focus=args.focus, ignore=args.ignore, hide=args.hide)
    return filters if filters.active() else None


def _warn(profile: Profile, filters: Filters | None) -> None:
    """pprof's stderr lines for a --focus/--ignore/--hide that matched nothing ("Focus expression
    matched no samples"), before the report or the error, as pprof prints them."""
    from m3tui.profiles.pprof.nomatch import no_match_warnings

    for warning in no_match_warnings(profile, filters):
        print(warning, file=sys.stderr)


def _load(args: argparse.Namespace) -> tuple[Profile, int]:
    from m3tui.profiles.pprof.decode import load_file
    from m3tui.profiles.pprof.diff import diff

    profile = load_file(args.file)
    if args.diff_base:
        profile = diff(profile, load_file(args.diff_base))
    return profile, profile.sample_index(args.sample_index)


def _print(lines: list[str]) -> None:
    """pprof's text: each line's control characters escaped, tabs kept (source lines have them)."""
    from m3tui.profiles.pprof.model import printable

    sys.stdout.write("".join("\t".join(map(printable, line.split("\t"))) + "\n" for line in lines))


def _dump(command: str, obj: Mapping[str, object]) -> int:
    from m3tui.core.jsonout import dumps_doc

    print(dumps_doc(command, obj))
    return EXIT_OK


# --- peek ------------------------------------------------------------------------------------


def _peek(args: argparse.Namespace, prepared: Prepared | None) -> int:
    from m3tui.profiles.pprof import analysis
    from m3tui.profiles.pprof.model import ProfileError

    if prepared is None:
        profile, index = _load(args)
        filters = _filters(args)
        _warn(profile, filters)
    else:
        profile, filters = prepared.profile, None
        index = profile.sample_index(args.sample_index)
    printed = prepared.names if prepared else None
    if args.json:
        entries = analysis.peek(profile, index, args.regex, filters, printed)
        if not entries:
            raise ProfileError(f"no matches found for regexp: {args.regex}")
        return _dump("profile peek", peek_json(profile, index, entries))
    _print(analysis.peek_lines(profile, index, args.regex, filters, printed=printed,
                               shown=prepared.filters if prepared else None))  # fmt: skip
    return EXIT_OK


def peek_json(profile: Profile, index: int, entries: list[PeekEntry]) -> PeekJSON:
    st = profile.sample_types[index]

    def calls(pairs: list[tuple[str, int]], inline: set[str]) -> list[CallJSON]:
        return [{"name": name, "value": value, "inline": name in inline} for name, value in pairs]

    return {
        "sample_type": st.type, "unit": st.unit, "total": profile.total(index),
        "functions": [{"name": e.name, "flat": e.flat, "cum": e.cum,
                       "callers": calls(e.callers, e.inline_callers), "callees": calls(e.callees, e.inline_callees)}
                      for e in entries],
    }  # fmt: skip


# --- list ------------------------------------------------------------------------------------


def _list(args: argparse.Namespace, prepared: Prepared | None) -> int:
    from m3tui.profiles.pprof import listing

    if prepared is None:
        profile, index = _load(args)
        _warn(profile, _filters(args))
    else:
        profile = prepared.profile
        index = profile.sample_index(args.sample_index)
    report = listing.listing(profile, index, args.regex, _filters(args) if prepared is None else None,
                             source_path=args.source_path or "", trim=args.trim_path or "")  # fmt: skip
    if args.json:
        return _dump("profile list", list_json(report))
    _print(listing.list_lines(report))
    return EXIT_OK


def list_json(report: Listing) -> ListJSON:
    return {
        "sample_type": report.sample_type, "unit": report.unit, "total": report.total,
        "routines": [{"function": f.function, "file": f.path or None, "flat": f.flat, "cum": f.cum,
                      "error": f.error or None,
                      "lines": [{"number": x.number, "text": x.text, "flat": x.flat, "cum": x.cum} for x in f.lines]}
                     for f in report.files],
    }  # fmt: skip


# --- traces ----------------------------------------------------------------------------------


def _traces(args: argparse.Namespace, prepared: Prepared | None) -> int:
    from m3tui.profiles.pprof import traces

    if prepared is None:
        report = traces.read_traces(args.file, args.sample_index, _filters(args), args.diff_base)
        _warn(report.profile, _filters(args))
    else:  # the prepared protobuf, labels kept: filtered, merged, its frames named at the granularity
        p = prepared.profile
        report = traces.traces(p, prepared.data, p.sample_index(args.sample_index), None, prepared.base_data,
                               filtered=True)
        for t in report.traces:
            for f in t.frames:
                f.name = prepared.names.get(f.name, f.name)
    if args.json:
        return _dump("profile traces", traces_json(report))
    _print(traces.traces_lines(report))
    return EXIT_OK


def traces_json(report: Traces) -> TracesJSON:
    units = report.num_units
    return {
        "sample_type": report.sample_type, "unit": report.unit, "total": report.total,
        "traces": [{"value": t.value, "labels": t.labels,
                    "num_labels": {k: [{"value": v, "unit": units.get(k, k)} for v in vs] for k, vs in t.num_labels.items()},
                    "frames": [{"name": f.name, "inline": f.inline} for f in t.frames]}
                   for t in report.traces],
    }  # fmt: skip
