"""The one base of every expected failure, and the exit-code contract every command keeps.

An `M3tuiError` is an answer, not a bug: its message is the one line the user sees, naming the
path or value and the cause ("cannot read cpu.out: Permission denied"). Both fronts show it as
it is (the CLI on stderr, and as ``{"schema": 1, "error": …}`` on stdout under ``--json``; the
TUI as a notification); any other exception is a bug, and its traceback goes to the crash log.
Raise it where the failure happens, with what the user needs to fix it; subclasses say which
feature failed, so callers can catch narrowly.

Exit codes, the same for every command:

====  ===========================================================================
0     done, nothing found
1     done, problems found (doctor errors, lint violations, regressions)
2     usage or invalid input: bad flags or values, files that are not what they
      must be (missing, a directory or FIFO, not a profile)
3     the operation failed: I/O, network, permissions, corrupt state
128+N ended by signal N (130 for Ctrl-C)
====  ===========================================================================
"""

from __future__ import annotations

import errno
import os
from typing import ClassVar

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_FAILED = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT

#: The schema number of the ``--json`` error object (``{"schema": 1, "error": {...}}``).
ERROR_SCHEMA = 1

EXIT_CODES_HELP = (
    "exit status: 0 done, nothing found; 1 done, problems found; 2 usage or invalid input; "
    "3 the operation failed (I/O, network, permissions, corrupt state); 128+N ended by signal N"
)


class M3tuiError(Exception):
    """An expected failure that stopped the operation (exit 3), with the one-line message the user sees."""

    #: The process exit status a headless command ends with (see the table above).
    exit_code: ClassVar[int] = EXIT_FAILED
    #: The ``error.code`` of the ``--json`` error object.
    code: ClassVar[str] = "failed"
    #: Set by a command whose ``--json`` document was under way: it closed that document with the
    #: error object inside, so the CLI prints the line on stderr only (stdout stays one document).
    in_document: bool = False


class UsageError(M3tuiError):
    """Bad usage or invalid input: a flag, a value, a file that is not what it must be (exit 2)."""

    exit_code: ClassVar[int] = EXIT_USAGE
    code: ClassVar[str] = "usage"


class InputError(UsageError):
    """An input file (or stdin) that cannot be used: missing, not a regular file, malformed, too big."""

    code: ClassVar[str] = "invalid_input"


#: errno values that mean "the input is not what it must be" rather than "the operation failed".
_INPUT_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP, errno.ENAMETOOLONG, errno.ENXIO})


def strerror(exc: BaseException) -> str:
    """The cause in words: an OSError's strerror ("Permission denied"), else the message or the type."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__


def os_error(exc: OSError, path: object, verb: str = "read", *, user_input: bool = False) -> M3tuiError:
    """An OSError as the one line the user sees: ``cannot <verb> <path>: <strerror>``.

    ``user_input`` marks a path the user named as input: then missing, a directory, or a bad
    name are invalid input (exit 2); everything else (permissions, I/O, a full disk) failed (3).
    """
    message = f"cannot {verb} {path}: {strerror(exc)}"
    if user_input and exc.errno in _INPUT_ERRNOS:
        return InputError(message)
    return M3tuiError(message)
