"""`m3tui profile …`: pprof's top in the terminal, capture a benchmark's profile, tune sampling rates.

`m3tui profile FILE` is `m3tui profile open FILE` (the pane in a terminal, else the top). Decoding and aggregation are in
:mod:`m3tui.profiles.pprof`; capture and the tuner in :mod:`m3tui.profiles.capture` and
:mod:`m3tui.profiles.tune`. Imports stay inside the functions: `profile top` on a small file
should start about as fast as `go tool pprof -top`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, NoReturn

if TYPE_CHECKING:
    from m3tui.cli.main import RunAsync
    from m3tui.profiles.capture import Capture
    from m3tui.profiles.pprof.analysis import TopReport

from m3tui.core.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, M3tuiError, UsageError

#: What run returns for `profile open FILE` in a terminal: main opens the Profiles pane on FILE.
TUI: Final = "tui"


def run(args: argparse.Namespace, run_async: RunAsync) -> int | Literal["tui"]:
    if args.profile_command == "open":
        if not Path(args.file).is_file():
            return _fail(f"{args.file}: no such file")
        if sys.stdin.isatty() and sys.stdout.isatty():
            return TUI
        for name, value in (("sample_index", None), ("nodecount", None), ("focus", None), ("ignore", None),
                            ("hide", None), ("diff_base", None), ("cum", False), ("json", False)):  # fmt: skip
            setattr(args, name, value)
        return _top(args)
    if args.profile_command == "top":
        return _top(args)
    if args.profile_command == "list":
        return _list(args)
    if args.profile_command == "capture":
        return run_async(_capture(args))
    return run_async(_tune(args))


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop with an expected failure: main says it (and its JSON error object) and exits ``code``."""
    raise (UsageError if code == EXIT_USAGE else M3tuiError)(f"m3tui profile: {message}")


# --- top -----------------------------------------------------------------------------------


def _top(args: argparse.Namespace) -> int:
    from m3tui.profiles.pprof import analysis
    from m3tui.profiles.pprof.decode import load_file
    from m3tui.profiles.pprof.diff import diff
    from m3tui.profiles.pprof.graph import Filters
    from m3tui.profiles.pprof.model import ProfileError

    if args.nodecount is not None and args.nodecount < 0:
        return _fail("--nodecount must be 0 or more", EXIT_USAGE)
    for name in ("focus", "ignore", "hide"):
        value = getattr(args, name)
        if value is not None:
            import re

            try:
                re.compile(value)
            except re.error as exc:
                return _fail(f"--{name} {value!r} is not a regexp: {exc}", EXIT_USAGE)
    try:
        profile = load_file(Path(args.file))
        if args.diff_base:
            profile = diff(profile, load_file(Path(args.diff_base)))
        index = profile.sample_index(args.sample_index)
    except ProfileError as exc:
        return _fail(str(exc))
    filters = Filters(focus=args.focus, ignore=args.ignore, hide=args.hide)
    report = analysis.top(profile, index, filters, nodecount=args.nodecount, sort="cum" if args.cum else "flat")
    if args.json:
        print(json.dumps(top_json(report), indent=2))
        return EXIT_OK
    sys.stdout.write("\n".join(analysis.top_lines(report)) + "\n")
    return EXIT_OK


def top_json(report: TopReport) -> dict[str, object]:
    total = report.total or 0
    return {
        "sample_type": report.sample_type,
        "unit": report.unit,
        "total": total,
        "shown": report.shown,
        "dropped_nodes": report.dropped_nodes,
        "rows": [
            {"name": r.name, "flat": r.flat, "cum": r.cum,
             "flat_pct": 100 * r.flat / total if total else 0.0, "cum_pct": 100 * r.cum / total if total else 0.0}  # fmt: skip
            for r in report.rows
        ],
    }


# --- capture, list, tune -------------------------------------------------------------------


async def _resolve(package: str) -> tuple[Path, str] | str:
    from m3tui.bench.session import SessionError, resolve_package

    try:
        return await resolve_package(package)
    except SessionError as exc:
        return str(exc)


async def _capture(args: argparse.Namespace) -> int:
    from m3tui.profiles import capture

    resolved = await _resolve(args.package)
    if isinstance(resolved, str):
        return _fail(resolved)
    directory, _ = resolved
    try:
        spec = capture.CaptureSpec(directory, args.bench, args.kind, procs=args.cpu, rate=args.rate,
                                   benchtime=args.benchtime, noinline=args.noinline)  # fmt: skip
    except capture.InvalidCaptureSpec as exc:
        return _fail(str(exc), EXIT_USAGE)
    print(f"· capturing a {args.kind} profile of {args.bench} in {directory}", file=sys.stderr)
    try:
        cap = await capture.capture(spec)
    except capture.CaptureError as exc:
        return _fail(str(exc))
    for warning in cap.warnings:
        print(f"· {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps({"id": cap.id, "profile": str(cap.profile), "binary": str(cap.binary), "kind": cap.kind}, indent=2))
    else:
        print(f"{cap.profile}")
        print(f"· binary kept beside it: {cap.binary}; m3tui profile {cap.profile} shows its top", file=sys.stderr)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from m3tui.profiles import capture

    captures = capture.list_captures()
    if args.json:
        print(json.dumps([{"id": c.id, "kind": c.kind, "profile": str(c.profile), "binary": str(c.binary),
                           "bench": _bench(c), "created": c.created} for c in captures], indent=2))  # fmt: skip
        return EXIT_OK
    if not captures:
        print("no captured profiles yet (m3tui profile capture --bench RE)")
    for c in captures:
        print(f"{c.id}  {c.kind:<6} {_bench(c):<30} {c.profile}")
    return EXIT_OK


def _bench(capture: Capture) -> str:
    """The benchmark a capture profiled (a stored capture always has its spec; an opened file has none)."""
    return capture.spec.bench if capture.spec is not None else ""


async def _tune(args: argparse.Namespace) -> int:
    from m3tui.profiles import tune

    rates = None
    if args.rates:
        try:
            rates = [int(r) for r in args.rates.split(",") if r.strip()]
        except ValueError:
            return _fail(f"bad --rates {args.rates!r} (like 1,4096,524288)", EXIT_USAGE)
    if args.rounds < 1:
        return _fail("--rounds must be at least 1", EXIT_USAGE)
    resolved = await _resolve(args.package)
    if isinstance(resolved, str):
        return _fail(resolved)
    directory, _ = resolved

    def progress(text: str, done: int, total: int) -> None:
        print(f"· [{done}/{total}] {text}", file=sys.stderr, flush=True)

    try:
        result = await tune.tune(directory, args.bench, args.kind, rates=rates, rounds=args.rounds,
                                 benchtime=args.benchtime, noinline=args.noinline, on_progress=progress)  # fmt: skip
    except (tune.InvalidTuneSpec, tune.TuneError) as exc:  # usage (e.g. --rates 0): 2; a failed tune: 1
        return _fail(str(exc), exc.exit_code)
    if args.json:
        print(json.dumps(tune.tune_json(result), indent=2))
    else:
        print("\n".join(tune.render_tune(result)))
    return EXIT_OK
