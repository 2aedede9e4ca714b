"""`m3tui logs FILE... --where EXPR [--json]`: the lines whose fields match a filter, headless.

The expression is m3tui.logs.where's (``level>=warn component=m3-query duration>500ms``). Each
source (a file, a gzip file known by its magic bytes, or ``-`` for stdin) is read as a stream,
one line of at most 1 MiB at a time (longer ones are counted on stderr, not matched): any size in
bounded memory. Lines are printed as they are (grep-like; with several sources each is prefixed
``NAME:``); on a terminal, control characters are escaped. ``--json`` streams one strict JSON
document (schema ``logs --where``): ``where``, ``lines`` (``source``, ``line`` 1-based, ``text``,
``fields``), ``matched``, ``scanned``, ``too_long``. Exit status (grep's): 0 a line matched, 1 none
did, 2 a bad expression or input, 3 the read failed.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from m3tui.core.errors import EXIT_OK, EXIT_PROBLEMS, InputError, M3tuiError, UsageError

if TYPE_CHECKING:
    from m3tui.logs.lint import LineReader
    from m3tui.logs.where import Where


@contextlib.contextmanager
def open_source(source: str) -> Iterator[LineReader]:
    """A file (gzip by its magic bytes) or stdin (``-``) as a byte stream; `M3tuiError` when it cannot be."""
    import gzip

    from m3tui.logs.lint import open_log

    if source != "-":
        with open_log(source) as stream:
            yield stream
        return
    if sys.stdin is None:  # `m3tui logs - --where … <&-`
        raise InputError("m3tui logs -: nothing on stdin (it is closed)")
    stdin = sys.stdin.buffer
    try:  # a gzip stream is known by its first bytes, looked at without reading them
        magic = stdin.peek(2)[:2] if isinstance(stdin, io.BufferedReader) else b""
    except OSError as exc:
        from m3tui.core.errors import os_error

        raise os_error(exc, "stdin", "read", user_input=True) from None
    if magic == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=stdin, mode="rb") as unzipped:
            yield unzipped
    else:
        yield stdin


class Scan:
    """What was read: lines scanned, matched, too long to look at."""

    def __init__(self) -> None:
        self.scanned = self.matched = self.too_long = 0


def matching(stream: LineReader, where: Where, label: str, scan: Scan) -> Iterator[tuple[int, bytes]]:
    """(1-based line, its bytes without the newline) of each matching line of ``stream``."""
    from m3tui.logs.index import DECOMPRESS_ERRORS, decompress_error
    from m3tui.logs.lint import MAX_LINE

    n = 0
    try:
        while True:
            line = stream.readline(MAX_LINE + 1)
            if not line:
                return
            n += 1
            scan.scanned += 1
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                scan.too_long += 1
                while line and not line.endswith(b"\n"):
                    line = stream.readline(MAX_LINE)
                continue
            line = line.rstrip(b"\r\n")
            if where.matches(line):
                scan.matched += 1
                yield n, line
    except DECOMPRESS_ERRORS as exc:
        raise decompress_error(exc, label, user_input=label == "stdin") from None


def parse_option(text: str) -> Where:
    """``--where EXPR`` parsed; a bad or empty one is a usage error (one line naming the term)."""
    from m3tui.logs.where import parse_where

    where = parse_where(text)
    if not where:
        raise UsageError("m3tui logs: --where needs an expression, e.g. --where 'level>=warn component=api'")
    return where


def run_where(sources: list[str], text: str, *, as_json: bool) -> int:
    from m3tui.logs.index import one_line

    where = parse_option(text)
    if sources.count("-") > 1:
        raise UsageError("m3tui logs: - (stdin) can be read once only")
    scan = Scan()
    out = sys.stdout
    try:
        from m3tui.core.files import check_input

        for source in sources:  # a missing or irregular file is said before any output (--json stays one document)
            if source != "-":
                check_input(source)
        if as_json:
            _json(sources, where, scan, out)
        else:
            _text(sources, where, scan, out)
    except M3tuiError as exc:  # the same error, its message safe for a terminal (the path came from the user)
        again = type(exc)(one_line(str(exc)))
        again.in_document = exc.in_document
        raise again from None
    if scan.too_long:
        print(f"m3tui logs: warning: {scan.too_long:,} lines over 1 MiB were not matched", file=sys.stderr)
    return EXIT_OK if scan.matched else EXIT_PROBLEMS


def _text(sources: list[str], where: Where, scan: Scan, out: TextIO) -> None:
    from m3tui.logs.index import safe_text

    binary = getattr(out, "buffer", None)
    tty = out.isatty()
    for source in sources:
        label = "stdin" if source == "-" else source
        prefix = f"{label}:" if len(sources) > 1 else ""
        with open_source(source) as stream:
            for _, line in matching(stream, where, label, scan):
                if binary is not None and not tty:
                    out.flush()
                    binary.write(prefix.encode("utf-8", "surrogateescape") + line + b"\n")
                else:
                    out.write(f"{safe_text(prefix.encode(), 4096)}{safe_text(line, 1 << 20)}\n")


def _json(sources: list[str], where: Where, scan: Scan, out: TextIO) -> None:
    from m3tui.core.jsonout import SCHEMAS, dumps
    from m3tui.logs.fields import record_fields

    from m3tui.core.redact import redact
    from m3tui.logs.index import one_line

    out.write(f'{{"schema": {SCHEMAS["logs --where"]}, "where": {dumps(where.text)}, "lines": [')
    first = True
    end = f'"matched": {{}}, "scanned": {{}}, "too_long": {{}}'
    try:
        for source in sources:
            label = "stdin" if source == "-" else source
            with open_source(source) as stream:
                for n, line in matching(stream, where, label, scan):
                    item = {"source": label, "line": n, "text": line.decode("utf-8", "replace"), "fields": record_fields(line)}
                    out.write(("\n  " if first else ",\n  ") + dumps(item, indent=None))
                    first = False
    except M3tuiError as exc:  # a read failed half-way (a truncated .gz): the document is closed with it inside
        message = one_line(redact(str(exc)))
        message = message if message.startswith("m3tui") else f"m3tui: {message}"
        error = {"code": exc.code, "exit": exc.exit_code, "message": message}
        out.write(f'\n], {end.format(scan.matched, scan.scanned, scan.too_long)}, "error": {dumps(error, indent=None)}}}\n')
        exc.in_document = True
        raise
    out.write(f'\n], {end.format(scan.matched, scan.scanned, scan.too_long)}}}\n')
