"""`m3tui logs [FILE|-]... [--lint] [--json]`: the headless front of the Logs services.

Without ``--lint`` :func:`run` returns the string ``"tui"``: the main CLI then
opens the TUI's Logs pane on the given sources (``-`` is stdin).

With ``--lint`` on one FILE (or ``-`` for stdin): print the lint report, as
text (``line N: rule: message`` and a summary) or ``--json``.
Exit status: 0 clean, 1 violations or an unreadable file, 2 bad usage.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, Literal, NoReturn

if TYPE_CHECKING:
    from m3tui.cli.main import RunAsync

from m3tui.core.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    M3tuiError,
    UsageError,
)

#: What run returns without --lint: main opens the Logs pane on the files.
TUI: Final = "tui"


def run(args: argparse.Namespace, run_async: RunAsync | None = None) -> int | Literal["tui"]:
    files: list[str] = args.files
    if not args.lint:
        if args.json:
            return _fail("--json applies to --lint only", EXIT_USAGE)
        return TUI
    if len(files) != 1:
        return _fail("--lint takes exactly one FILE (or - for stdin)", EXIT_USAGE)
    return _lint(files[0], as_json=args.json)


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop with an expected failure: main says it (and its JSON error object) and exits ``code``."""
    raise (UsageError if code == EXIT_USAGE else M3tuiError)(f"m3tui logs: {message}")


def _lines(source: str) -> Iterator[str]:
    """Decoded lines of a file, .gz or stdin, read lazily."""
    import gzip

    if source == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
        yield from (line.rstrip("\r\n") for line in stream)
        return
    with open(source, "rb") as raw:
        magic = raw.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(source, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            yield line.rstrip("\r\n")


def _lint(source: str, *, as_json: bool) -> int:
    from m3tui.logs.lint import lint_lines, load_lint_config, report_json

    cfg, warnings = load_lint_config()
    try:
        report = lint_lines(_lines(source), config=cfg)
    except (OSError, EOFError) as exc:
        what = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return _fail(f"{source}: cannot read ({what})")
    report.warnings.extend(warnings)
    for w in warnings:
        print(f"m3tui logs: warning: {w}", file=sys.stderr)
    if as_json:
        print(json.dumps(report_json(report), indent=2, default=str, ensure_ascii=False))
    else:
        for v in report.violations:
            print(f"line {v.line}: {v.rule}: {v.message}")
        counts = ", ".join(f"{k} {n}" for k, n in report.counts.items() if n)
        summary = f"{report.checked} JSON lines checked, {report.non_json} non-JSON, {len(report.violations)} violations"
        print(summary + (f" ({counts})" if counts else ""))
    return EXIT_PROBLEMS if report.violations else EXIT_OK
