"""`m3tui bench compare`: benchstat, from the command line (same arguments, same output).

Inputs are files in the Go benchmark format (``-``: standard input; ``LABEL=FILE`` names a
column) or history run ids; ``-table``/``-row``/``-col``/``-ignore`` projections and ``-filter``
as benchstat takes them. Exit 0 once the tables are printed, whatever they show; 2 for a
malformed projection or filter (said before any input is read), an input that is not a regular
file, is over ``COMPARE_LIMIT`` bytes, or holds no result at all.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from m3tui.bench.compare import Table
    from m3tui.bench.fmt import BenchResult

from m3tui.core.errors import EXIT_OK, InputError, M3tuiError, UsageError
from m3tui.core.jsonout import dumps_doc
from m3tui.core.text import one_line

#: The largest file `bench compare` reads (its results take about ten times that in memory).
COMPARE_LIMIT = 32 * 1024 * 1024
_RUN_ID = re.compile(r"#?([0-9]+)")


def _load_column(name: str, label: str, stdin_data: bytes | None = None,
                 assume: dict[str, str] | None = None) -> tuple[str, list[BenchResult]]:
    """(label, results) for a file (``-``: standard input, whose bytes are ``stdin_data``) or a
    history run id; InputError (or HistoryError) otherwise. A file's ``Unit … assume=…`` lines
    are added to ``assume``."""
    from m3tui.bench.compare import unit_assumptions_of_lines
    from m3tui.bench.fmt import parse
    from m3tui.core.files import read_input

    run_id = _RUN_ID.fullmatch(name)
    if run_id is not None and not _lexists(name):
        from m3tui.bench.history import History, RunNotFound

        number = int(run_id.group(1))
        try:
            with History() as history:
                stored = history.get_run(number)
        except RunNotFound:
            raise InputError(f"m3tui bench compare: no run {number} in the history, and no file {name} (m3tui bench history lists the runs)") from None
        if stored.damaged:
            from m3tui.cli.bench import _say_damaged

            _say_damaged(stored)
        if not stored.results:
            raise InputError(f"m3tui bench compare: run {number} has no benchmark results"
                             + (" (its rows are damaged)" if stored.damaged else ""))  # fmt: skip
        if label == name or label.startswith(f"{name}#"):  # not named by the user: "run 3", "run 3#1"
            label = f"run {stored.info.id}{label[len(name):]}"
        return label, stored.results
    if stdin_data is not None:
        data = stdin_data
    else:
        try:
            data = read_input(name, limit=COMPARE_LIMIT)
        except ValueError:  # a NUL in the name
            raise InputError(f"m3tui bench compare: {name!r}: not a file name") from None
        except M3tuiError as exc:
            raise type(exc)(f"m3tui bench compare: {exc}") from None
    text = data.decode("utf-8", errors="replace")
    parsed = parse(text)
    unit_assumptions_of_lines(parsed.unit_lines, assume)
    for line_no, _line, why in parsed.unparsed[:20]:
        print(one_line(f"m3tui bench compare: {name}:{line_no}: skipped ({why})"), file=sys.stderr)
    if len(parsed.unparsed) > 20:
        print(one_line(f"m3tui bench compare: {name}: {len(parsed.unparsed) - 20} more lines skipped"), file=sys.stderr)
    if not parsed.results:  # left out, as benchstat leaves it out; said, as benchstat does not
        print(one_line(f"m3tui bench compare: {name}: no benchmark results (left out)"), file=sys.stderr)
    return label, parsed.results


def compare_inputs(words: Sequence[str]) -> list[tuple[str, str]]:
    """(path, label) per input word, by benchstat's rules (benchfmt.Files): ``label=path`` names
    a column (inputs of one label are pooled); a path given more than once is told apart as
    ``path#0``, ``path#1``…; otherwise the label is the path as given (``-``: standard input)."""
    inputs: list[tuple[str, str, bool]] = []
    count: dict[str, int] = {}
    for word in words:
        label, eq, path = word.partition("=")
        if eq:
            inputs.append((path, label, True))
        else:
            inputs.append((word, word, False))
            count[word] = count.get(word, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for path, label, labelled in inputs:
        if not labelled and count[path] > 1:
            label = f"{path}#{seen.get(path, 0)}"
            seen[path] = seen.get(path, 0) + 1
        out.append((path, label))
    return out


def _lexists(name: str) -> bool:
    try:
        return os.path.lexists(name)
    except ValueError:
        return False


def compare(args: argparse.Namespace) -> int:
    """Exit 0 once the tables are printed, whatever they show (no threshold makes a slowdown a failure)."""
    from m3tui.bench.compare import render_csv, render_text, to_json

    if not 0 <= args.alpha <= 1:
        raise UsageError(f"m3tui bench: bad --alpha {args.alpha} (a number from 0 to 1)")
    if not 0 <= args.confidence <= 1:
        raise UsageError(f"m3tui bench: bad --confidence {args.confidence} (a number from 0 to 1)")
    from m3tui.bench.benchtab import group

    projections = {"table": args.table, "row": args.row, "col": args.col, "filter": args.filter, "ignore": ",".join(args.ignore)}
    try:
        group([], **projections)  # a malformed projection or filter is said before any input is read
    except UsageError as exc:
        raise UsageError(one_line(f"m3tui bench compare: {exc}")) from None
    inputs = compare_inputs(args.files)
    stdin_data = sys.stdin.buffer.read(COMPARE_LIMIT + 1) if any(path == "-" for path, _ in inputs) else None
    if stdin_data is not None and len(stdin_data) > COMPARE_LIMIT:
        raise InputError(f"m3tui bench compare: standard input: more than the {COMPARE_LIMIT:,}-byte limit")
    from m3tui.bench.fmt import gc_paused

    with gc_paused():  # results, cells and tables form no cycles: no collection walks 100k results
        tables = _tables(args, inputs, stdin_data)
    if args.json:
        print(dumps_doc("bench compare", {"tables": to_json(tables)}))
    elif args.format == "csv":
        text, warnings = render_csv(tables)
        sys.stdout.write(text)
        for warning in warnings:
            print(one_line(warning), file=sys.stderr)
    else:
        lines = render_text(tables)
        if lines:  # no table (everything filtered out): nothing, as benchstat prints
            print("\n".join(lines))
    return EXIT_OK


def _tables(args: argparse.Namespace, inputs: list[tuple[str, str]], stdin_data: bytes | None) -> list[Table]:
    """Read every input (``-``: ``stdin_data``) and build benchstat's tables."""
    from m3tui.bench.compare import build_tables

    columns = []
    assume: dict[str, str] = {}
    for path, label in inputs:
        columns.append(_load_column(path, label, stdin_data if path == "-" else None, assume))
        if path == "-":
            stdin_data = b""  # read once: a second - finds it at its end, as benchstat's does
    if not any(results for _, results in columns):  # one input without any is left out, as benchstat does
        raise InputError(f"m3tui bench compare: {', '.join(args.files)}: no benchmark results")
    try:
        tables = build_tables(columns, table=args.table, row=args.row, col=args.col, filter=args.filter, ignore=args.ignore,
                              assume=assume, holm=args.holm, alpha=args.alpha, confidence=args.confidence)  # fmt: skip
    except UsageError as exc:
        raise UsageError(one_line(f"m3tui bench compare: {exc}")) from None
    return tables
