"""`m3tui profile top` with pprof's other report flags: several profiles merged (`top A B C`),
``--nodefraction``, ``--granularity``, ``--tagfocus`` / ``--tagignore``, ``--show`` /
``--show-from``, a ``--diff-base`` or extra profile given as a URL, ``--timeout`` for URL fetches.

The steps pprof takes before its report are :mod:`m3tui.profiles.pprof.pipeline`'s (run only when
one of those flags asks for them); pprof's stderr lines (a tag range understood, a filter that
matched no samples) go to stderr as pprof prints them, the report to stdout as `profile top`'s.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from m3tui.core.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from m3tui.cli.main import RunAsync

_NEW = ("nodefraction", "granularity", "tagfocus", "tagignore", "show", "show_from", "timeout")


def wanted(args: argparse.Namespace) -> bool:
    """Whether `profile top` needs this module: one of its flags, more than one profile, or a
    --diff-base URL (the plain `top` handles the rest)."""
    from m3tui.profiles.fetch import is_url

    return (any(getattr(args, name, None) is not None for name in _NEW) or bool(getattr(args, "more", None))
            or bool(args.diff_base and is_url(args.diff_base)))


def _check(args: argparse.Namespace) -> None:
    from m3tui.profiles.fetch import is_url

    if args.nodecount is not None and args.nodecount < 0:
        raise UsageError("m3tui profile: --nodecount must be 0 or more")
    if args.nodefraction is not None:  # the Profiles pane's form checks it too (reportflags)
        from m3tui.profiles.pprof.reportflags import check_nodefraction

        try:
            check_nodefraction(args.nodefraction)
        except UsageError as exc:
            raise UsageError(f"m3tui profile: {exc}") from None
    if args.timeout is not None and not 0 < args.timeout <= 24 * 3600:
        raise UsageError(f"m3tui profile: --timeout {args.timeout:g}: must be more than 0 seconds, at most a day")
    from m3tui.cli.profile import check_filter_flags

    check_filter_flags(args, ("focus", "ignore", "hide", "show", "show_from"))
    sources = [args.file, *args.more] + ([args.diff_base] if args.diff_base else [])
    if not any(is_url(s) for s in sources) and (args.seconds is not None or args.header or args.timeout is not None):
        raise UsageError("m3tui profile: --seconds, --header and --timeout apply to a URL, not to a file")


def top(args: argparse.Namespace, run_async: RunAsync) -> int:
    """`m3tui profile top FILE [FILE…]` with pprof's flags: its text (or --json) on stdout."""
    from m3tui.cli import profile_fetch
    from m3tui.cli.profile import _out, top_json
    from m3tui.core.jsonout import dumps_doc
    from m3tui.profiles.fetch import is_url
    from m3tui.profiles.pprof import analysis, pipeline
    from m3tui.profiles.pprof.decode import load_file
    from m3tui.profiles.pprof.diff import diff
    from m3tui.profiles.pprof.graph import Filters
    from m3tui.profiles.pprof.model import printable

    _check(args)
    timeout = args.timeout + 5 if args.timeout is not None else None  # pprof's client: -timeout plus 5 s

    def local(source: str) -> str:
        if not is_url(source):
            return source
        got = run_async(profile_fetch.fetch_one(source, args.seconds, args.header or [], timeout=timeout))
        return str(got.path)

    files = [local(s) for s in (args.file, *args.more)]
    base = local(args.diff_base) if args.diff_base else None
    filters = Filters(focus=args.focus, ignore=args.ignore, hide=args.hide, show=args.show, show_from=args.show_from,
                      tagfocus=args.tagfocus, tagignore=args.tagignore)  # fmt: skip
    sort = "cum" if args.cum else "flat"
    fraction = analysis.DEFAULT_NODE_FRACTION if args.nodefraction is None else args.nodefraction
    prepared = None
    if pipeline.needed(filters, args.granularity, len(files)):
        prepared = pipeline.prepare([pipeline.read_profile(f) for f in files], [printable(f) for f in files], filters,
                                    args.granularity, pipeline.read_profile(base) if base else None,
                                    printable(base) if base else "")  # fmt: skip
        for line in prepared.warnings:
            print(printable(line), file=sys.stderr)
        profile = prepared.profile
        report_filters = None  # applied: the report only lists them
    else:
        profile = load_file(files[0])
        if base:
            profile = diff(profile, load_file(base))
        report_filters = filters
    index = profile.sample_index(args.sample_index)
    report = analysis.top(profile, index, report_filters, nodecount=args.nodecount, sort=sort, node_fraction=fraction)
    for line in report.warnings:  # the plain path's "Focus expression matched no samples" (nomatch)
        print(line, file=sys.stderr)
    if prepared is not None:
        pipeline.finish(report, prepared, sort)
    if args.json:
        print(dumps_doc("profile top", top_json(report)))
        return EXIT_OK
    _out("\n".join(analysis.top_lines(report)))
    return EXIT_OK
