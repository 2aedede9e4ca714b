"""`m3tui profile …`: pprof's top in the terminal, capture a benchmark's profile, tune sampling rates.

`m3tui profile FILE` is `m3tui profile top FILE`. Decoding and aggregation are in
:mod:`m3tui.profiles.pprof`; capture and the tuner in :mod:`m3tui.profiles.capture` and
:mod:`m3tui.profiles.tune`. Imports stay inside the functions: `profile top` on a small file
should start about as fast as `go tool pprof -top`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
ACTIONS = ("top", "open", "capture", "tune", "list")
TUI = "tui"
KIND_SAMPLE = {"mem": "alloc_space", "block": "delay", "mutex": "delay", "cpu": None}


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """`profile FILE` means `profile open FILE`: the Profiles pane in a terminal, the top when piped."""
    argv = list(argv)
    if "profile" not in argv:
        return argv
    at = argv.index("profile")
    if any(not a.startswith("-") for a in argv[:at]):
        return argv
    rest = argv[at + 1 :]
    if rest and rest[0] not in ACTIONS and rest[0] not in ("-h", "--help"):
        argv.insert(at + 1, "open")
    return argv


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    prof = sub.add_parser("profile", help="pprof profiles: top, capture from a benchmark, tune sampling rates",
                          description="m3tui profile FILE opens it in the Profiles pane (its top when not in a terminal).")  # fmt: skip
    psub = prof.add_subparsers(dest="profile_command", metavar="ACTION", parser_class=parser_class, required=True)

    top = psub.add_parser("top", help="the top functions of a profile, like go tool pprof -top")
    top.add_argument("file", metavar="FILE", help="a pprof profile (gzip'd or not)")
    top.add_argument("--sample-index", metavar="NAME", help="sample type, e.g. alloc_space, inuse_objects, delay")
    top.add_argument("--nodecount", type=int, default=None, metavar="N", help="show at most N functions")
    top.add_argument("--focus", metavar="RE", help="only samples through functions matching RE")
    top.add_argument("--ignore", metavar="RE", help="drop samples through functions matching RE")
    top.add_argument("--hide", metavar="RE", help="hide frames of functions matching RE")
    top.add_argument("--diff-base", metavar="BASE", help="show the change from the BASE profile")
    top.add_argument("--cum", action="store_true", help="sort by cumulative value")
    top.add_argument("--json", action="store_true", help="print JSON")

    opener = psub.add_parser("open", help="open a profile in the Profiles pane (in a pipe: print its top)")
    opener.add_argument("file", metavar="FILE")

    cap = psub.add_parser("capture", help="profile one benchmark at one GOMAXPROCS")
    cap.add_argument("package", nargs="?", default=".", metavar="PKG")
    cap.add_argument("--bench", required=True, metavar="RE", help="the benchmark (one)")
    cap.add_argument("--kind", choices=("cpu", "mem", "block", "mutex"), default="cpu")
    cap.add_argument("--rate", type=int, metavar="N", help="memprofilerate / blockprofilerate / mutexprofilefraction")
    cap.add_argument("--cpu", type=int, default=1, metavar="P", help="GOMAXPROCS (default 1)")
    cap.add_argument("--benchtime", metavar="T")
    cap.add_argument("--noinline", action="store_true", help="build with -gcflags=-l (clearer stacks)")
    cap.add_argument("--json", action="store_true", help="print JSON")

    tune = psub.add_parser("tune", help="sweep a sampling rate: overhead against fidelity")
    tune.add_argument("package", nargs="?", default=".", metavar="PKG")
    tune.add_argument("--bench", required=True, metavar="RE")
    tune.add_argument("--kind", choices=("mem", "block", "mutex"), default="mem")
    tune.add_argument("--rates", metavar="LIST", help="comma-separated rates (default: a sweep for the kind)")
    tune.add_argument("--rounds", type=int, default=5)
    tune.add_argument("--benchtime", metavar="T")
    tune.add_argument("--noinline", action="store_true", help="also show what -gcflags=-l changes")
    tune.add_argument("--json", action="store_true", help="print JSON")

    lst = psub.add_parser("list", help="captured profiles")
    lst.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace, run_async: Callable[[Any], Any]) -> int | str:
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


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"m3tui profile: {message}", file=sys.stderr)
    return code


# --- top -----------------------------------------------------------------------------------


def _top(args: argparse.Namespace) -> int:
    from m3tui.profiles.pprof import analysis
    from m3tui.profiles.pprof.decode import load_file
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
            profile = analysis.diff(profile, load_file(Path(args.diff_base)))
        index = profile.sample_index(args.sample_index)
    except ProfileError as exc:
        return _fail(str(exc))
    filters = analysis.Filters(focus=args.focus, ignore=args.ignore, hide=args.hide)
    report = analysis.top(profile, index, filters, nodecount=args.nodecount, sort="cum" if args.cum else "flat")
    if args.json:
        print(json.dumps(top_json(report), indent=2))
        return EXIT_OK
    sys.stdout.write("\n".join(analysis.top_lines(report)) + "\n")
    return EXIT_OK


def top_json(report: Any) -> dict[str, Any]:
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
    from m3tui.profiles import capture as profcapture

    resolved = await _resolve(args.package)
    if isinstance(resolved, str):
        return _fail(resolved)
    directory, _ = resolved
    try:
        spec = profcapture.CaptureSpec(directory, args.bench, args.kind, procs=args.cpu, rate=args.rate,
                                       benchtime=args.benchtime, noinline=args.noinline)  # fmt: skip
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    print(f"· capturing a {args.kind} profile of {args.bench} in {directory}", file=sys.stderr)
    try:
        cap = await profcapture.capture(spec)
    except profcapture.CaptureError as exc:
        return _fail(str(exc))
    for warning in getattr(cap, "warnings", []) or []:
        print(f"· {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps({"id": cap.id, "profile": str(cap.profile), "binary": str(cap.binary), "kind": cap.kind}, indent=2))
    else:
        print(f"{cap.profile}")
        print(f"· binary kept beside it: {cap.binary}; m3tui profile {cap.profile} shows its top", file=sys.stderr)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from m3tui.profiles import capture as profcapture

    captures = profcapture.list_captures()
    if args.json:
        print(json.dumps([{"id": c.id, "kind": c.kind, "profile": str(c.profile), "binary": str(c.binary),
                           "bench": c.spec.bench, "created": c.created} for c in captures], indent=2))  # fmt: skip
        return EXIT_OK
    if not captures:
        print("no captured profiles yet (m3tui profile capture --bench RE)")
    for c in captures:
        print(f"{c.id}  {c.kind:<6} {c.spec.bench:<30} {c.profile}")
    return EXIT_OK


async def _tune(args: argparse.Namespace) -> int:
    from m3tui.profiles import tune as proftune

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
        result = await proftune.tune(directory, args.bench, args.kind, rates=rates, rounds=args.rounds,
                                     benchtime=args.benchtime, noinline=args.noinline, on_progress=progress)  # fmt: skip
    except proftune.TuneError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(proftune.tune_json(result), indent=2))
    else:
        print("\n".join(proftune.render_tune(result)))
    return EXIT_OK
