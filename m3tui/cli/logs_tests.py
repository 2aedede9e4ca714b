"""`m3tui logs FILE --tests [--json]`: go test output (``-json`` or text, a file, gzip or ``-``)
summed up as tests: counts per status, build failures, failures with their first lines (the
failure first), the slowest tests.

Read as a stream, line by line (`m3tui.logs.gotest`): ``go test -json ./... | m3tui logs - --tests``
prints once go test is done. Corrupt event lines are counted, reported and skipped. Exit status:
0 every test passed, 1 a test, a package or a build failed (or go test was cut short: tests or
packages not finished), 2 bad input (no go test output in
it, missing, not a regular file, corrupt gzip), 3 the read failed.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

from m3tui.core.errors import EXIT_OK, EXIT_PROBLEMS, InputError, M3tuiError
from m3tui.logs.gotest import GoTestTree

if TYPE_CHECKING:
    from m3tui.logs.lint import LineReader


def _feed(tree: GoTestTree, stream: LineReader, label: str) -> None:
    from m3tui.logs.gotest_summary import stream_lines
    from m3tui.logs.index import DECOMPRESS_ERRORS, decompress_error

    try:
        for line in stream_lines(stream):
            tree.feed(line)
    except DECOMPRESS_ERRORS as exc:
        raise decompress_error(exc, label, user_input=label == "stdin") from None


def read_tree(source: str) -> GoTestTree:
    """The tests of a file, a gzip file or stdin (``-``), read as a stream."""
    import gzip

    from m3tui.logs.lint import open_log

    tree = GoTestTree()
    if source != "-":
        with open_log(source) as stream:
            _feed(tree, stream, source)
        return tree
    if sys.stdin is None:  # `m3tui logs - --tests <&-`
        raise InputError("m3tui logs -: nothing on stdin (it is closed)")
    stdin = sys.stdin.buffer
    try:
        magic = stdin.peek(2)[:2] if isinstance(stdin, io.BufferedReader) else b""
    except OSError as exc:
        from m3tui.core.errors import os_error

        raise os_error(exc, "stdin", "read", user_input=True) from None
    if magic == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=stdin, mode="rb") as unzipped:
            _feed(tree, unzipped, "stdin")
    else:
        _feed(tree, stdin, "stdin")
    return tree


def run_tests(source: str, *, as_json: bool) -> int:
    from m3tui.logs.gotest_summary import summary_json, summary_text
    from m3tui.logs.index import one_line

    label = "stdin" if source == "-" else source
    try:
        tree = read_tree(source)
    except M3tuiError as exc:  # its message safe for a terminal (the path came from the user)
        raise type(exc)(one_line(str(exc))) from None
    if not tree.is_go_test():
        raise InputError(f"m3tui logs --tests: {one_line(label)}: no go test output in it (neither go test -json events nor go test's text)")
    for line_no, why in tree.corrupt[:1]:
        print(f"m3tui logs: warning: {one_line(label)}: line {line_no}: {why} ({tree.corrupt_count} corrupt lines skipped)",
              file=sys.stderr)  # fmt: skip
    if as_json:
        from m3tui.core.jsonout import dumps_doc

        print(dumps_doc("logs --tests", summary_json(tree)))
    else:
        for line in summary_text(tree):
            print(one_line(line))
    return EXIT_OK if tree.passed else EXIT_PROBLEMS
