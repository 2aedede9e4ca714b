"""<state root>/crash.log: where a bug's traceback goes, so the user sees one line, not a dump."""

from __future__ import annotations

import sys
import time
import traceback

from m3tui.core.config import state_root


def save(error: BaseException | None = None) -> str:
    """Append ``error``'s traceback (default: the one being handled); say where it went."""
    from m3tui import __version__

    try:
        path = state_root() / "crash.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(traceback.format_exception(error)) if error is not None else traceback.format_exc()
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} m3tui {__version__} {sys.argv[1:]}\n")
            log.write(text)
        return f"details in {path}"
    except OSError:
        return "no crash log could be written"
