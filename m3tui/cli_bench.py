"""`m3tui bench …`: for now `bench compare` (files in the Go benchmark format, like benchstat).

Running benchmarks and the history arrive with the Bench pane; until then those say so.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    bench = sub.add_parser("bench", help="compare benchmark results like benchstat (running them: not built yet)")
    bsub = bench.add_subparsers(dest="bench_command", metavar="ACTION", parser_class=parser_class, required=True)
    cmp = bsub.add_parser("compare", help="compare files in the Go benchmark format (the first is the base)")
    cmp.add_argument("files", nargs="+", metavar="FILE")
    cmp.add_argument("--json", action="store_true", help="print JSON")
    cmp.add_argument("--ignore", action="append", default=[], metavar="KEY",
                     help="config key not to split tables by (e.g. note); repeatable")  # fmt: skip
    for name, what in (("run", "run go test -bench with live statistics"), ("history", "browse saved runs")):
        planned = bsub.add_parser(name, help=f"{what} (not built yet)")
        planned.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.bench_command != "compare":
        print(f"m3tui bench {args.bench_command}: not built yet", file=sys.stderr)
        return EXIT_USAGE
    from .services.benchcompare import build_tables, render_text, to_json
    from .services.benchfmt import parse

    columns = []
    for name in args.files:
        try:
            text = Path(name).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            print(f"m3tui bench compare: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_FAILED
        parsed = parse(text)
        for line_no, _line, why in parsed.unparsed:
            print(f"m3tui bench compare: {name}:{line_no}: skipped ({why})", file=sys.stderr)
        if not parsed.results:
            print(f"m3tui bench compare: {name} has no benchmark results", file=sys.stderr)
            return EXIT_FAILED
        columns.append((Path(name).name, parsed.results))
    tables = build_tables(columns, ignore=args.ignore)
    if args.json:
        print(json.dumps(to_json(tables), indent=2))
    else:
        print("\n".join(render_text(tables)))
    return EXIT_OK
