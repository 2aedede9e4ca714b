"""Keep ``go tool pprof`` at hand: warm it once, build its argv, run ``-top``.

Since Go 1.25 ``go tool pprof`` is not prebuilt: the first call compiles it (seconds), later
calls use the build cache. :func:`warm` pays that cost once per process, in the background.

Every subprocess goes through :mod:`m3tui.core.runner`. Plain asyncio; never imports Textual.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from m3tui.core import runner
from m3tui.core.errors import M3tuiError

__all__ = [
    "PPROF_ENV",
    "PprofError",
    "is_warm",
    "pprof_argv",
    "serve_web",
    "top_text",
    "warm",
]

#: Environment for running pprof: never download a toolchain, never start a browser.
PPROF_ENV: dict[str, str | None] = {"GOTOOLCHAIN": "local", "BROWSER": ""}
WARM_TIMEOUT = 600.0
TOP_TIMEOUT = 120.0

#: go command -> seconds its first warm-up took (None: it failed).
_WARMED: dict[str, float | None] = {}


class PprofError(M3tuiError):
    """``go tool pprof`` failed; ``str()`` is its first error line (control characters escaped,
    URL credentials masked: it may name the file)."""

    def __init__(self, message: str) -> None:
        from m3tui.profiles.pprof.model import printable

        super().__init__(printable(message))


def is_warm(go: str = "go") -> bool:
    return _WARMED.get(go) is not None


def _looks_like_pprof_usage(lines: Sequence[str]) -> bool:
    text = "\n".join(lines[:40]).lower()
    return "usage" in text and "pprof" in text


async def warm(go: str = "go", *, timeout: float | None = WARM_TIMEOUT) -> float | None:
    """Run ``go tool pprof -h`` once per process (per go command) so pprof gets built and cached.

    Returns the seconds the (first) warm-up took, or None when pprof could not be run; later
    calls return the first result without running anything. The exit status of ``-h`` does
    not matter; its usage text does.
    """
    if go in _WARMED and _WARMED[go] is not None:
        return _WARMED[go]
    started = time.monotonic()
    try:
        res = await runner.run([go, "tool", "pprof", "-h"], env=PPROF_ENV, timeout=timeout)
    except runner.RunnerError:
        _WARMED[go] = None
        return None
    ok = not res.timed_out and not res.cancelled and _looks_like_pprof_usage(
        list(res.stderr) + list(res.stdout)
    )
    seconds = time.monotonic() - started if ok else None
    _WARMED[go] = seconds
    return seconds


def pprof_argv(
    profile: Path,
    binary: Path | None = None,
    *,
    http: str | None = None,
    extra: Sequence[str] = (),
    go: str = "go",
) -> list[str]:
    """argv for "open in pprof": ``go tool pprof [-http=ADDR -no_browser] [extra] [binary] profile``.

    ``http=None`` gives the interactive terminal mode; ``http=""`` means ``localhost:0`` (any
    free port; pprof prints the URL). With ``-http`` pprof would open a browser: ``-no_browser``
    stops it (and :data:`PPROF_ENV` blanks ``BROWSER`` too).
    """
    argv = [go, "tool", "pprof"]
    if http is not None:
        argv += [f"-http={http or 'localhost:0'}", "-no_browser"]
    argv += list(extra)
    if binary is not None:
        argv.append(str(binary))
    argv.append(str(profile))
    return argv


async def top_text(
    profile: Path,
    binary: Path | None = None,
    args: Sequence[str] = (),
    *,
    go: str = "go",
    timeout: float | None = TOP_TIMEOUT,
) -> str:
    """The text of ``go tool pprof -top [args] [binary] profile``; raises :class:`PprofError`."""
    argv = pprof_argv(profile, binary, extra=["-top", *args], go=go)
    try:
        res = await runner.run(argv, env=PPROF_ENV, timeout=timeout)
    except runner.RunnerError as exc:
        raise PprofError(str(exc)) from None
    if res.timed_out:
        raise PprofError(f"go tool pprof timed out after {timeout:g}s")
    if res.returncode != 0:
        errs = [ln.strip() for ln in res.stderr if ln.strip()]
        raise PprofError(errs[0] if errs else f"go tool pprof exited with status {res.returncode}")
    return res.stdout_text


async def serve_web(
    profile: Path, binary: Path | None, on_url: Callable[[str], None], *, go: str = "go"
) -> None:
    """Run ``go tool pprof -http`` on a profile until cancelled; ``on_url`` gets the address it
    prints, once. Raises :class:`PprofError` when pprof cannot start."""
    argv = pprof_argv(profile, binary, http="", go=go)
    seen = False

    def on_batch(lines: Sequence[runner.OutputLine]) -> None:
        nonlocal seen
        for line in lines:
            if "http://" in line.text and not seen:
                seen = True
                on_url(line.text[line.text.index("http://"):].strip())

    try:
        await runner.run(argv, env=PPROF_ENV, on_batch=on_batch, capture=False)
    except runner.RunnerError as exc:
        raise PprofError(str(exc)) from None
