"""`m3tui logs [FILE|-]... [--lint] [--json]`: the headless front of the Logs services.

Without ``--lint`` :func:`run` returns the string ``"tui"``: the main CLI then
opens the TUI's Logs pane on the given sources (``-`` is stdin).

With ``--lint`` on one FILE (or ``-`` for stdin): print the lint report, as text
(``line N: rule: message`` and a summary; control characters from the log are escaped) or
``--json`` (strict JSON: a non-finite number in a log, such as 1e400, is null). The input is
read as a stream (a gzip file too, known by its magic bytes), one line of at most 1 MiB at a
time (longer ones are counted, not checked; so are corrupt JSON lines, with the first one's
number), and the first 10,000 violations are listed (the counts are complete): memory stays
bounded whatever its size. Exit status: 0 clean, 1 violations, 2 bad usage or input (missing,
not a regular file, corrupt or truncated gzip data, stdin closed), 3 the read failed
(permissions, I/O). The rules are config.toml's ``[logs.lint]``, overridden by the
``.m3tui-lint.toml`` nearest the file (m3tui/logs/lintfile.py); ``--where EXPR`` lints only the
lines it matches. ``--where`` without ``--lint``: the matching lines (m3tui/cli/logs_where.py).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, NoReturn

if TYPE_CHECKING:
    import datetime as dt

    from m3tui.cli.main import RunAsync
    from m3tui.logs.lint import LintConfig, LintReport
    from m3tui.logs.where import Where

from m3tui.core.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    InputError,
    M3tuiError,
    UsageError,
)

#: What run returns without --lint: main opens the Logs pane on the files.
TUI: Final = "tui"


def run(args: argparse.Namespace, run_async: RunAsync | None = None) -> int | Literal["tui"]:
    files: list[str] = args.files
    if getattr(args, "tests", False) and getattr(args, "where", None) is not None:
        return _fail("--where does not apply to --tests (go test output is not filtered by fields)", EXIT_USAGE)
    if getattr(args, "tests", False):  # go test output as tests (m3tui/cli/logs_tests.py)
        if args.lint or len(files) != 1:
            return _fail("--tests takes exactly one FILE (or - for stdin), without --lint", EXIT_USAGE)
        from m3tui.cli.logs_tests import run_tests

        return run_tests(files[0], as_json=args.json)
    where: str | None = getattr(args, "where", None)
    if where is not None and not args.lint:  # the matching lines, headless (m3tui/cli/logs_where.py)
        from m3tui.cli.logs_where import run_where

        if not files:
            return _fail("--where takes FILE... (or - for stdin)", EXIT_USAGE)
        return run_where(files, where, as_json=args.json)
    if not args.lint:
        if args.json:
            return _fail("--json applies to --lint, --where and --tests only", EXIT_USAGE)
        tz_option(args)  # a bad --tz is said before the TUI starts
        return TUI
    if len(files) != 1:
        return _fail("--lint takes exactly one FILE (or - for stdin)", EXIT_USAGE)
    return _lint(files[0], as_json=args.json, where=where)


def tz_option(args: argparse.Namespace) -> dt.tzinfo | None:
    """``--tz ZONE`` as a zone (None: not given, times without a zone are local); a bad one is a usage error."""
    text: str | None = getattr(args, "tz", None)
    if text is None:
        return None
    from m3tui.logs.index import one_line
    from m3tui.logs.timeparse import parse_tz

    try:
        return parse_tz(text)
    except ValueError as exc:
        raise UsageError(f"m3tui logs: {one_line(str(exc))}") from None


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop with an expected failure: main says it (and its JSON error object) and exits ``code``."""
    raise (UsageError if code == EXIT_USAGE else M3tuiError)(f"m3tui logs: {message}")


def prespool(paths: list[Path]) -> None:
    """Decompress the compressed files among ``paths`` into the cache before the TUI starts, with
    progress on stderr (the pane then finds each spool at once); Ctrl-C leaves no half spool."""
    from m3tui.cli.progress import bar
    from m3tui.logs.index import one_line
    from m3tui.logs.spool import compression, decompressed

    for path in paths:
        try:
            with path.open("rb") as f:
                kind = compression(f.read(4))
        except OSError:
            continue  # the pane says why it cannot be read
        if kind is None:
            continue
        size = path.stat().st_size
        shown = bar("bytes")
        label = f"decompressing {one_line(path.name)}"
        if shown is None:
            print(f"m3tui logs: {label} ({kind}) into the cache …", file=sys.stderr)
        try:
            decompressed(path, (lambda f: shown.update(label, f * size, size)) if shown is not None else None)
        finally:
            if shown is not None:
                shown.close()


def _read(source: str, config: LintConfig, where: Where | None = None) -> LintReport:
    """The lint report of a file, a gzip file or stdin (``-``), read as a stream (``where``: its matching lines only)."""
    import gzip

    from m3tui.logs.lint import lint_stream, open_log

    if where is not None:
        from m3tui.cli.logs_where import open_source
        from m3tui.logs.where import WhereLines

        with open_source(source) as stream:
            return lint_stream(WhereLines(stream, where), label="stdin" if source == "-" else source, config=config)
    if source != "-":
        with open_log(source) as stream:
            return lint_stream(stream, label=source, config=config)
    if sys.stdin is None:  # `m3tui logs - --lint <&-`
        raise InputError("m3tui logs -: nothing on stdin (it is closed)")
    stdin = sys.stdin.buffer
    try:  # a gzip stream is known by its first bytes, looked at without reading them
        magic = stdin.peek(2)[:2] if isinstance(stdin, io.BufferedReader) else b""
    except OSError as exc:  # stdin is a directory, …
        from m3tui.core.errors import os_error

        raise os_error(exc, "stdin", "read", user_input=True) from None
    if magic == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=stdin, mode="rb") as unzipped:
            return lint_stream(unzipped, label="stdin", config=config)
    return lint_stream(stdin, label="stdin", config=config)


def _lint(source: str, *, as_json: bool, where: str | None = None) -> int:
    from m3tui.logs.index import one_line
    from m3tui.cli.logs_where import parse_option
    from m3tui.logs.lint import MAX_LISTED, report_json
    from m3tui.logs.lintfile import load_rules

    filtered = parse_option(where) if where is not None else None

    config, warnings, _found = load_rules(None if source == "-" else Path(source).parent)  # .m3tui-lint.toml over config.toml
    for w in warnings:
        print(f"m3tui logs: warning: {one_line(w)}", file=sys.stderr)
    try:
        report = _read(source, config, filtered)
    except M3tuiError as exc:  # the same error, its message safe for a terminal (the path came from the user)
        raise type(exc)(one_line(str(exc))) from None
    report.warnings.extend(warnings)
    if as_json:
        from m3tui.core.jsonout import dumps_doc

        print(dumps_doc("logs --lint", report_json(report)))  # strict, control characters escaped (core.jsonout)
    else:
        for v in report.violations:
            print(f"line {v.line}: {v.rule}: {one_line(v.message)}")
        if report.total > len(report.violations):
            print(f"… and {report.total - len(report.violations):,} more violations (only the first {MAX_LISTED:,} are listed)")
        counts = ", ".join(f"{k} {n}" for k, n in report.counts.items() if n)
        summary = f"{report.checked} JSON lines checked, {report.non_json} non-JSON, {report.total} violations"
        if report.malformed:
            summary += f", {report.malformed} malformed JSON (first on line {report.first_malformed})"
        if report.too_long:
            summary += f", {report.too_long} lines over 1 MiB not checked"
        print(summary + (f" ({counts})" if counts else ""))
    return EXIT_PROBLEMS if report.total else EXIT_OK
