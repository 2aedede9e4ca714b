"""<state root>/crash.log: where a bug's traceback goes, so the user sees one line, not a dump.

The file is private (0600; a traceback can hold paths, arguments and environment values) and
every line of it is redacted of URL credentials before it is written.
"""

from __future__ import annotations

import sys
import time
import traceback

from m3tui.core.config import state_root


def save(error: BaseException | None = None) -> str:
    """Append ``error``'s traceback (default: the one being handled); say where it went."""
    from m3tui import __version__
    from m3tui.core.errors import M3tuiError
    from m3tui.core.files import private_append
    from m3tui.core.redact import redact, redact_args

    try:
        path = state_root() / "crash.log"
        text = "".join(traceback.format_exception(error)) if error is not None else traceback.format_exc()
        head = f"--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} m3tui {__version__} {redact_args(sys.argv[1:])}\n"
        with private_append(path) as log:
            log.write((head + redact(text)).encode("utf-8", "backslashreplace"))
        return f"details in {path}"
    except (OSError, M3tuiError):
        return "no crash log could be written"
