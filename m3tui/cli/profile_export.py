"""`m3tui profile export FILE [FILE…] --format collapsed|speedscope|svg [-o OUT]`: the view `profile
top` shows (same --sample-index, --focus, --ignore, --hide, --show, --show-from, --tagfocus,
--tagignore; several FILEs merged) as collapsed stacks, speedscope JSON or an SVG flame graph
(:mod:`m3tui.profiles.pprof.export`).

To stdout without -o (or with ``-o -``), else all-or-nothing to a regular file, through symlinks
(`core.files.write_output`, as `bench history export`). Without --format, -o's ending says it
(``.svg``, ``.json``, ``.folded``/``.collapsed``/``.txt``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import PurePath

from m3tui.core.errors import EXIT_OK, UsageError

#: -o endings that name a format when --format is not given
_BY_SUFFIX = {".svg": "svg", ".json": "speedscope", ".folded": "collapsed", ".collapsed": "collapsed", ".txt": "collapsed"}


def export_format(fmt: str | None, output: str | None) -> str:
    """--format, else the one -o's ending names; else a usage error (exit 2)."""
    if fmt:
        return fmt
    if output and output != "-":
        for suffix, name in _BY_SUFFIX.items():
            if output.lower().endswith(suffix):
                return name
    raise UsageError("m3tui profile export: say --format collapsed, speedscope or svg (or an -o ending in .folded, .json or .svg)")


def run(args: argparse.Namespace) -> int:
    from m3tui.core.files import write_output
    from m3tui.profiles.pprof import export, pipeline
    from m3tui.profiles.pprof.decode import load_file
    from m3tui.profiles.pprof.graph import Filters
    from m3tui.profiles.pprof.model import printable

    fmt = export_format(args.format, args.output)
    from m3tui.cli.profile import check_filter_flags

    check_filter_flags(args)
    target = "-" if args.output is None else args.output
    if target != "-":
        from m3tui.core.files import output_target

        output_target(target)  # a FIFO, a directory or a missing folder: said before the profile is read
    filters = Filters(focus=args.focus, ignore=args.ignore, hide=args.hide, show=args.show, show_from=args.show_from,
                      tagfocus=args.tagfocus, tagignore=args.tagignore)  # fmt: skip
    files = [args.file, *args.more]
    if pipeline.needed(filters, None, len(files)):  # pprof's steps on the protobuf (cli/profile_flags.py)
        prepared = pipeline.prepare([pipeline.read_profile(f) for f in files], [printable(f) for f in files], filters,
                                    None, keep_total=False)  # fmt: skip
        for line in prepared.warnings:
            print(printable(line), file=sys.stderr)
        profile, used = prepared.profile, None
    else:
        profile, used = load_file(args.file), filters
    index = profile.sample_index(args.sample_index)
    text = export.export(profile, index, fmt, used, name=PurePath(args.file).name)
    write_output(target, text)
    if target != "-":
        st = profile.sample_types[index]
        print(f"· wrote {fmt} of {printable(args.file)} ({printable(st.type)}) to {printable(target)}", file=sys.stderr)
    return EXIT_OK
