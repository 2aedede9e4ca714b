"""`m3tui profile …`: pprof's top in the terminal, capture a benchmark's profile, tune sampling rates.

`m3tui profile FILE` is `m3tui profile open FILE` (the pane in a terminal, else the top). Decoding and aggregation are in
:mod:`m3tui.profiles.pprof`; capture and the tuner in :mod:`m3tui.profiles.capture` and
:mod:`m3tui.profiles.tune`. Imports stay inside the functions: `profile top` on a small file
should start about as fast as `go tool pprof -top`.

A profile FILE must be a regular file (a FIFO, a directory or a device is refused, never read)
of at most 256 MiB, gzip'd or not, that gunzips to at most 256 MiB (`PROFILE_LIMITS_HELP`):
anything else is invalid input, exit 2; a file that cannot be read (permissions, I/O) exits 3.
"""

from __future__ import annotations

import argparse
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

#: The caps on a profile file, for `m3tui profile --help` (m3tui.profiles.pprof.decode.MAX_PROFILE_BYTES).
PROFILE_LIMITS_HELP = (
    "A profile FILE is a regular file of at most 256 MiB, gzip'd or not, that gunzips to at most 256 MiB; "
    "a larger one, or a gzip stream that gunzips to more, is refused (exit 2) before memory runs out."
)


def run(args: argparse.Namespace, run_async: RunAsync) -> int | Literal["tui"]:
    if args.profile_command == "watch":
        from m3tui.cli import profile_fetch

        return run_async(profile_fetch.watch(args))
    if args.profile_command == "top":
        from m3tui.cli import profile_flags

        if profile_flags.wanted(args):  # pprof's other flags, merged profiles, a --diff-base URL
            return profile_flags.top(args, run_async)
    if args.profile_command in ("open", "top") and ":" in args.file:  # perhaps a URL: fetched first
        from m3tui.cli import profile_fetch

        profile_fetch.fetch_if_url(args, run_async)
    elif args.profile_command in ("open", "top") and (args.seconds is not None or args.header):
        return _fail("--seconds and --header apply to a URL, not to a file", EXIT_USAGE)
    if args.profile_command == "open":
        from m3tui.profiles.pprof.decode import check_file

        check_file(args.file, "profile")  # a regular file, readable: else its one line, exit 2 or 3
        if _isatty(sys.stdin) and _isatty(sys.stdout):
            return TUI
        for name, value in (("sample_index", None), ("nodecount", None), ("focus", None), ("ignore", None),
                            ("hide", None), ("diff_base", None), ("cum", False), ("json", False)):  # fmt: skip
            setattr(args, name, value)
        return _top(args)
    if args.profile_command == "top":
        return _top(args)
    if args.profile_command in ("peek", "list", "traces"):  # pprof's other views; list with no FILE: captured
        from m3tui.cli import profile_views

        return profile_views.run(args, run_async)
    if args.profile_command == "captured":
        return list_captured(args)
    if args.profile_command == "export":
        from m3tui.cli import profile_export

        return profile_export.run(args)
    if args.profile_command == "capture":
        return run_async(_capture(args))
    return run_async(_tune(args))


def check_filter_flags(args: argparse.Namespace, names: tuple[str, ...] = ("focus", "ignore", "hide")) -> None:
    """The regexp flags ``names`` (--focus/--ignore/--hide by default) as pprof takes them (Go's
    RE2 syntax): a UsageError naming the flag and the pattern, one line."""
    from m3tui.profiles.pprof.graph import check_regexp
    from m3tui.profiles.pprof.model import ProfileError

    for name in names:
        value = getattr(args, name)
        if value is not None:
            try:
                check_regexp(value, f"--{name.replace('_', '-')}")
            except ProfileError as exc:
                raise UsageError(f"m3tui profile: {exc}") from None


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop with an expected failure: main says it (and its JSON error object) and exits ``code``."""
    raise (UsageError if code == EXIT_USAGE else M3tuiError)(f"m3tui profile: {message}")


def _isatty(stream: object) -> bool:
    """Whether a standard stream is a terminal (False when it is closed or None)."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def _out(text: str) -> None:
    """Text for the terminal: each line's control characters escaped (a profile's function names
    are whatever the file says, and must not drive the terminal)."""
    from m3tui.profiles.pprof.model import printable

    sys.stdout.write("".join(printable(line) + "\n" for line in text.split("\n")) if text else "")


# --- top -----------------------------------------------------------------------------------


def _top(args: argparse.Namespace) -> int:
    from m3tui.core.jsonout import dumps_doc
    from m3tui.profiles.pprof import analysis
    from m3tui.profiles.pprof.decode import load_file
    from m3tui.profiles.pprof.diff import diff
    from m3tui.profiles.pprof.graph import Filters

    if args.nodecount is not None and args.nodecount < 0:
        return _fail("--nodecount must be 0 or more", EXIT_USAGE)
    check_filter_flags(args)
    # Paths as given (a str): pathlib would fold "a//b", and the messages name what the user typed.
    profile = load_file(args.file)
    if args.diff_base:
        profile = diff(profile, load_file(args.diff_base))
    index = profile.sample_index(args.sample_index)
    filters = Filters(focus=args.focus, ignore=args.ignore, hide=args.hide)
    report = analysis.top(profile, index, filters, nodecount=args.nodecount, sort="cum" if args.cum else "flat")
    for warning in report.warnings:  # pprof's "Focus expression matched no samples", as it prints them
        print(warning, file=sys.stderr)
    if args.json:
        print(dumps_doc("profile top", top_json(report)))
        return EXIT_OK
    _out("\n".join(analysis.top_lines(report)))
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
             "flat_pct": 100 * r.flat / total if total else 0.0, "cum_pct": 100 * r.cum / total if total else 0.0}
            for r in report.rows
        ],
    }


# --- capture, list, tune -------------------------------------------------------------------


async def _resolve(package: str) -> Path:
    """The package's directory; a package that is not there is bench's SessionError (its exit code)."""
    from m3tui.bench.session import resolve_package

    directory, _ = await resolve_package(package)
    return directory


async def _capture(args: argparse.Namespace) -> int:
    from m3tui.core.jsonout import dumps_doc
    from m3tui.profiles import capture
    from m3tui.profiles.naming import capture_name
    from m3tui.profiles.pprof.model import printable

    try:  # the spec first: a bad flag is said before anything runs
        capture.CaptureSpec(Path("."), args.bench, args.kind, procs=args.cpu, rate=args.rate,
                            benchtime=args.benchtime, noinline=args.noinline)  # fmt: skip
    except capture.InvalidCaptureSpec as exc:
        return _fail(str(exc), EXIT_USAGE)
    directory = await _resolve(args.package)
    spec = capture.CaptureSpec(directory, args.bench, args.kind, procs=args.cpu, rate=args.rate,
                               benchtime=args.benchtime, noinline=args.noinline)  # fmt: skip
    print(f"· capturing a {args.kind} profile of {printable(args.bench)} in {printable(directory)}", file=sys.stderr)
    from m3tui.cli.progress import bar as progress_bar

    bar = progress_bar("items")  # a terminal: the steps on a bar too, the benchmark running after it
    total, now, named = capture.CAPTURE_STEPS, [0], [""]

    def step(n: int, text: str) -> None:
        now[0] = n
        print(f"· [{n}/{total}] {text}", file=sys.stderr, flush=True)
        if bar is not None:
            bar.update("· capture", n - 1, total, named[0])

    def line(text: str) -> None:  # the run's output: its result lines name the benchmark (kept on the bar)
        if bar is not None and text.startswith("Benchmark"):
            named[0] = printable(text.split(maxsplit=1)[0])
            bar.update("· capture", now[0] - 1, total, named[0])

    try:
        cap = await capture.capture(spec, wait_lock=not args.no_wait, on_step=step, on_line=line,
                                    on_wait=lambda text: print(f"· {printable(text)}", file=sys.stderr, flush=True))  # fmt: skip
    except capture.InvalidCaptureSpec as exc:  # the test binary refused a flag or the regexp
        return _fail(str(exc), EXIT_USAGE)
    except capture.CaptureError as exc:  # the build or the run failed
        return _fail(str(exc))
    else:
        if bar is not None:
            bar.update("· capture", total, total, named[0])
    finally:
        if bar is not None:
            bar.close()
    for warning in cap.warnings:
        print(f"· {printable(warning)}", file=sys.stderr)
    if args.json:
        print(dumps_doc("profile capture", {"id": cap.id, "name": capture_name(cap), "profile": str(cap.profile),
                     "binary": str(cap.binary), "kind": cap.kind}))  # fmt: skip
    else:
        print(f"· captured {capture_name(cap)}", file=sys.stderr)
        print(printable(cap.profile))
        print(f"· binary kept beside it: {printable(str(cap.binary))}; m3tui profile {printable(cap.profile)} shows its top",
              file=sys.stderr)  # fmt: skip
    return EXIT_OK


def list_captured(args: argparse.Namespace) -> int:
    """`m3tui profile captured`: the captured profiles, newest first."""
    from m3tui.core.jsonout import dumps_doc
    from m3tui.profiles import capture
    from m3tui.profiles.naming import capture_name
    from m3tui.profiles.pprof.model import printable

    captures = capture.list_captures()
    if args.json:
        print(dumps_doc("profile captured", {"captures": [{"id": c.id, "name": capture_name(c), "kind": c.kind,
                     "profile": str(c.profile), "binary": str(c.binary), "bench": _bench(c), "created": c.created}
                     for c in captures]}))  # fmt: skip
        return EXIT_OK
    if not captures:
        print("no captured profiles yet (m3tui profile capture --bench RE)")
    for c in captures:
        print(f"{c.id}  {capture_name(c):<36} {printable(c.profile)}")
    return EXIT_OK


def _bench(capture: Capture) -> str:
    """The benchmark a capture profiled (a stored capture always has its spec; an opened file has none)."""
    return capture.spec.bench if capture.spec is not None else ""


async def _tune(args: argparse.Namespace) -> int:
    from m3tui.core.jsonout import dumps_doc
    from m3tui.profiles import tune
    from m3tui.profiles.pprof.model import printable

    try:  # every flag checked before anything runs
        rates = None if args.rates is None else tune.parse_rates(args.rates)
        tune.check_spec(args.kind, rates, args.benchtime, args.rounds)
    except tune.InvalidTuneSpec as exc:
        return _fail(printable(str(exc)), EXIT_USAGE)
    directory = await _resolve(args.package)
    from m3tui.cli.progress import bar as progress_bar

    bar = progress_bar("items")  # a terminal: the steps so far on a bar too

    def progress(text: str, done: int, total: int) -> None:
        print(f"· [{done}/{total}] {printable(text)}", file=sys.stderr, flush=True)
        if bar is not None:
            bar.update("· tune", done, total)

    try:
        result = await tune.tune(directory, args.bench, args.kind, rates=rates, rounds=args.rounds,
                                 benchtime=args.benchtime, noinline=args.noinline, on_progress=progress,
                                 wait_lock=not args.no_wait)  # fmt: skip
    except (tune.InvalidTuneSpec, tune.TuneError) as exc:  # usage (e.g. --rates 0): 2; a failed tune: 3
        return _fail(str(exc), exc.exit_code)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(dumps_doc("profile tune", tune.tune_json(result)))
    else:
        _out("\n".join(tune.render_tune(result)))
    return EXIT_OK
