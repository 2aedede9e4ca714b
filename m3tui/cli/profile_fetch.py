"""`m3tui profile top|open URL` and `m3tui profile watch URL`: profiles from a running program.

A URL where a FILE goes (`is_url`) is fetched first (:mod:`m3tui.profiles.fetch`: pprof's URL
rules, ``--seconds``, ``--header``), kept under the state root, then shown as that file is.
Progress goes to stderr (``·`` lines; a CPU profile's seconds counted on a terminal), so stdout
is only the report. ``--header`` values are never printed.

`watch` fetches every ``--every`` (from the start of one fetch to the start of the next), prints
the growth since the previous sample (``-diff_base`` of the two: the top of what grew), and keeps
the last ``--keep`` profiles it fetched (older ones it fetched are deleted). A failed fetch after
the first is a ``·`` line and the watch goes on; ctrl+c stops it (exit 130).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import re
import sys
import time
from collections import deque
from typing import TYPE_CHECKING

from m3tui.core.errors import EXIT_OK, M3tuiError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from m3tui.cli.main import RunAsync
    from m3tui.profiles.fetch import FetchedProfile

_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
DEFAULT_KEEP = 10


def parse_every(text: str) -> float:
    """A Go-style duration (``30s``, ``1m30s``, ``500ms``) or plain seconds, at least 0.1 s."""
    t = text.strip()
    try:
        seconds = float(t)
    except ValueError:
        parts = _DURATION.findall(t)
        if not parts or "".join(n + u for n, u in parts) != t:
            raise UsageError(f"m3tui profile watch: --every {t!r}: not a duration (30s, 1m, 500ms)") from None
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not 0.1 <= seconds <= 7 * 24 * 3600:
        raise UsageError(f"m3tui profile watch: --every {t!r}: must be from 100ms to 168h")
    return seconds


def _say(text: str) -> None:
    print(f"· {text}", file=sys.stderr, flush=True)


def _progress() -> tuple[Callable[[float, float], None], Callable[[], None]]:
    """An on_progress that shows the seconds on a terminal (a bar, cli/progress.py; piped: nothing), and its finish."""
    from m3tui.cli import progress

    fancy = progress.fancy()
    bars: list[progress.Bar] = []

    def on_progress(elapsed: float, total: float) -> None:
        if not fancy:
            return
        if not bars:  # started by the first report: a fetch without --seconds shows none
            made = progress.bar("seconds")
            if made is None:
                return
            bars.append(made)
        bars[0].update("· profiling", min(elapsed, total), total)

    def finish() -> None:
        for bar in bars:
            bar.close()

    return on_progress, finish


async def fetch_one(url: str, seconds: int | None, headers: list[str], timeout: float | None = None) -> FetchedProfile:
    """Fetch with the `·` lines on stderr; the headers checked before anything is sent. ``timeout``:
    the whole fetch's, in seconds (default: pprof's, from the seconds)."""
    from m3tui.core.redact import redact
    from m3tui.profiles import fetch
    from m3tui.profiles.pprof.model import printable

    full, wait = fetch.adjust_url(url, seconds)
    for header in headers:
        fetch.parse_header(header)
    _say(f"fetching {printable(redact(full))}" + (f" (the profile takes {wait} s)" if wait else ""))
    on_progress, finish = _progress()
    try:
        got = await fetch.fetch(url, seconds=seconds, headers=headers, timeout=timeout, on_progress=on_progress)
    finally:
        finish()
    _say(f"saved {printable(str(got.path))} ({got.size:,} bytes)")
    return got


def fetch_timeout(args: argparse.Namespace) -> float | None:
    """--timeout as `profile top` takes it (and peek, list, traces): checked, then pprof's client's
    (-timeout plus 5 s); None: not given (the fetch's own default)."""
    timeout: float | None = getattr(args, "timeout", None)
    if timeout is None:
        return None
    if not 0 < timeout <= 24 * 3600:
        raise UsageError(f"m3tui profile: --timeout {timeout:g}: must be more than 0 seconds, at most a day")
    return timeout + 5


def fetch_if_url(args: argparse.Namespace, run_async: RunAsync, timeout: float | None = None) -> None:
    """`profile top|open URL`: fetch, then point ``args.file`` at the saved profile. A FILE that is
    not a URL stays as it is (--seconds / --header with it are a usage error). ``timeout``:
    `fetch_timeout`'s."""
    from m3tui.profiles.fetch import is_url

    if is_url(args.file):
        got = run_async(fetch_one(args.file, args.seconds, args.header or [], timeout=timeout))
        args.file = str(got.path)
    elif args.seconds is not None or args.header:
        raise UsageError("m3tui profile: --seconds and --header apply to a URL, not to a file")


async def watch(args: argparse.Namespace) -> int:
    from m3tui.core.redact import redact
    from m3tui.profiles import fetch
    from m3tui.profiles.pprof import analysis
    from m3tui.profiles.pprof.decode import load_file
    from m3tui.profiles.pprof.diff import diff
    from m3tui.profiles.pprof.graph import Filters
    from m3tui.profiles.pprof.model import Profile, printable

    every = parse_every(args.every)
    if args.keep < 1:
        raise UsageError("m3tui profile watch: --keep must be 1 or more")
    if args.nodecount is not None and args.nodecount < 0:
        raise UsageError("m3tui profile watch: --nodecount must be 0 or more")
    full, _ = fetch.adjust_url(args.url, args.seconds)
    for header in args.header or []:
        fetch.parse_header(header)
    kept: deque[FetchedProfile] = deque()
    previous: Profile | None = None
    n = 0
    _say(f"watching {printable(redact(full))} every {every:g}s, keeping the last {args.keep}; ctrl+c stops")
    try:
        while True:
            started = time.monotonic()
            n += 1
            try:
                got = await fetch_one(args.url, args.seconds, args.header or [])
                profile = await asyncio.to_thread(load_file, got.path)
            except UsageError:
                raise
            except M3tuiError as exc:
                if previous is None and n == 1:
                    raise
                _say(f"sample {n}: {exc}")
            else:
                kept.append(got)
                while len(kept) > args.keep:
                    fetch.delete_fetched(kept.popleft())
                when = _dt.datetime.fromisoformat(got.fetched_at).astimezone().strftime("%H:%M:%S")
                index = profile.sample_index(args.sample_index)
                st = profile.sample_types[index]
                if previous is None:
                    print(f"== sample {n} at {when} ({got.kind}): the first; the growth shows from the next one",
                          flush=True)  # fmt: skip
                else:
                    grown = await asyncio.to_thread(diff, profile, previous)
                    report = await asyncio.to_thread(analysis.top, grown, index, Filters(),
                                                     nodecount=args.nodecount if args.nodecount is not None else 10,
                                                     sort="flat")  # fmt: skip
                    print(f"== sample {n} at {when} ({got.kind}): growth of {st.type} since the previous sample",
                          flush=True)  # fmt: skip
                    lines = analysis.top_lines(report)
                    print("".join(printable(line) + "\n" for line in lines), end="", flush=True)
                previous = profile
            await asyncio.sleep(max(0.0, every - (time.monotonic() - started)))
    finally:
        if kept:
            _say(f"{n} fetch{'es' if n != 1 else ''}; kept the last {len(kept)} in {printable(str(fetch.fetched_root()))}")
    return EXIT_OK  # not reached: the loop ends by ctrl+c or an error
