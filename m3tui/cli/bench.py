"""`m3tui bench …`: run benchmarks with live progress, compare runs or files, browse the history.

`m3tui bench [PKG] [options]` is `m3tui bench run [PKG] [options]`. Progress goes to stderr and
the summary to stdout, so `m3tui bench > new.txt` keeps a clean table. ctrl+c stops the run like
the pane's cancel: the samples gathered so far are summarised and saved (marked cancelled), and
the exit status is 130; a second ctrl+c abandons even that.

Exit status (m3tui.core.errors): 0 the run or comparison is done (a comparison that shows a
slowdown is still 0: telling whether it matters is the reader's call); 2 bad flags or values
(checked before anything runs or is saved: -benchtime, -count, -cpu, --timeout, run ids,
--limit; flags the test binary itself refuses; inputs of `compare` that are not regular files,
or over COMPARE_LIMIT bytes); 3 the run failed (the package does not build, a benchmark
panics: the summary of what was measured is still printed first) or the history could not be
used or saved to (a run whose history failed mid-way still prints its summary, then says so),
or a run's rows are damaged in place (`history show`/`export` print what they can read first,
then say what could not be read; `compare` of a run with no readable result is 2);
130 (128+N) when interrupted. Notices about the history (a damaged one moved aside) go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:  # the feature's types; its code is imported where a command needs it
    from m3tui.bench.fmt import BenchResult
    from m3tui.bench.history import History, RunInfo, StoredRun
    from m3tui.bench.run import BenchSpec
    from m3tui.bench.session import SessionResult
    from m3tui.cli.main import RunAsync

from m3tui.core.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    M3tuiError,
    UsageError,
)
from m3tui.core.jsonout import dumps_doc
from m3tui.core.redact import redact, redact_data
from m3tui.core.text import one_line



def run(args: argparse.Namespace, run_async: RunAsync) -> int:
    try:
        if args.bench_command == "compare":
            from m3tui.cli.bench_compare import compare

            return compare(args)
        if args.bench_command == "history":
            return _history(args, run_async)
        return _run(args, run_async)
    finally:
        _say_notices()


def _say_notices() -> None:
    """The history's notices (a damaged file moved aside), one line each on stderr."""
    if "m3tui.bench.history" not in sys.modules:
        return  # the history was never opened
    from m3tui.bench.history import take_notices

    for notice in take_notices():
        print(f"m3tui: {one_line(redact(notice))}", file=sys.stderr, flush=True)


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop with an expected failure: main says it (and its JSON error object) and exits ``code``."""
    raise (UsageError if code == EXIT_USAGE else M3tuiError)(f"m3tui bench: {message}")


# --- run -----------------------------------------------------------------------------------


def parse_duration(text: str) -> float | None:
    """A Go duration ("90s", "1m30s", "0") in seconds; None for 0 (no limit). UsageError if bad."""
    from m3tui.bench.run import parse_go_duration

    ns = parse_go_duration(text.strip())
    if ns is None or ns < 0:
        raise UsageError(f"bad duration {text!r} (like 90s, 10m, 1h30m; 0 for none)")
    return ns / 1e9 or None


def _run(args: argparse.Namespace, run_async: RunAsync) -> int:
    from m3tui.bench.run import (
        BenchSpec,
        check_benchtime,
        check_count,
        parse_gomaxprocs_list,
    )

    try:  # every flag checked before anything runs or is saved
        timeout = parse_duration(args.timeout)
        cpu = parse_gomaxprocs_list(args.cpu) if args.cpu is not None else None
        check_count(args.count)
        if args.benchtime is not None:
            check_benchtime(args.benchtime)
    except UsageError as exc:  # the duration, BadCpuList, BadFlag
        return _fail(str(exc), EXIT_USAGE)
    if "\0" in args.bench or "\0" in args.package or any("\0" in e for e in [*args.extra, *getattr(args, "stray", [])]):
        return _fail("arguments cannot hold NUL characters", EXIT_USAGE)
    if args.package.startswith("-"):
        return _fail(f"no package {args.package!r}: test binary flags go after the package (m3tui bench . -- {args.package})",
                     EXIT_USAGE)  # fmt: skip
    if len(args.go) > 2:
        return _fail("--go at most twice (A and B)", EXIT_USAGE)
    revs = getattr(args, "rev", [])
    if len(revs) > 2:
        return _fail("--rev at most twice (A and B)", EXIT_USAGE)
    if revs and len(args.go) > 1:
        return _fail("two --go and --rev: one axis at a time (compare revisions under one Go, or Gos at one revision)",
                     EXIT_USAGE)  # fmt: skip
    if any("\0" in r for r in revs):
        return _fail("arguments cannot hold NUL characters", EXIT_USAGE)
    extra = tuple(args.extra)
    stray = [one_line(word) for word in getattr(args, "stray", [])]
    if stray:  # test binary flags go after --
        return _fail(f"one package at a time: {' '.join(stray)} (test binary flags go after --: m3tui bench {one_line(args.package)} -- -test.benchmem)",
                     EXIT_USAGE)  # fmt: skip
    spec = BenchSpec(Path("."), bench=args.bench, cpu=cpu or (), count=args.count, benchtime=args.benchtime,
                     benchmem=args.benchmem, extra=extra)  # fmt: skip
    return run_async(_run_session(args, spec, timeout, explicit_cpu=cpu is not None))


async def _run_session(args: argparse.Namespace, spec: BenchSpec, timeout: float | None, *, explicit_cpu: bool,
                       recorded_revisions: Sequence[tuple[str, str, bool]] = ()) -> int:  # fmt: skip
    from dataclasses import replace

    from m3tui.bench import session as session_mod
    from m3tui.bench.history import HistoryError
    from m3tui.core.runlock import RunLockBusy
    from m3tui.bench.session import (
        LOCK_WAIT_STOPPED,
        BenchSession,
        Toolchain,
        command_line,
        machine_facts,
        resolve_package,
        resolve_toolchains,
    )

    quiet = args.quiet

    def status(text: str) -> None:
        _say_notices()
        if not quiet:
            print(f"· {one_line(redact(text))}", file=sys.stderr, flush=True)

    try:
        toolchains = resolve_toolchains(args.go) if args.go else [Toolchain("go", spec.go)]
        directory, import_path = await resolve_package(args.package, toolchains[0].go)
        revisions = []
        if recorded_revisions:
            revisions = await session_mod.recorded_revisions(directory, recorded_revisions)
        elif getattr(args, "rev", []):
            revisions = await session_mod.resolve_revisions(directory, args.rev)
        if not explicit_cpu:
            from m3tui.bench.run import default_cpu_list

            facts = await machine_facts(toolchains[0].go)
            spec = replace(spec, cpu=default_cpu_list(facts.cores, facts.perf_cores))
    except M3tuiError as exc:  # SessionError (no such package or version), no such revision: 2; go not found: 3
        return _fail(str(exc), exc.exit_code)
    spec = replace(spec, package_dir=directory, go=toolchains[0].go)
    counts: dict[tuple[str, str, int], int] = {}
    many = len(toolchains) > 1 or bool(revisions)
    from m3tui.cli import progress

    fancy = not quiet and progress.fancy()  # a terminal: a bar per benchmark; piped: a line per sample
    bar: progress.Bar | None = None

    def on_result(label: str, r: BenchResult) -> None:
        nonlocal bar
        key = (label, r.name, r.procs)
        counts[key] = counts.get(key, 0) + 1
        if quiet:
            return
        from m3tui.bench.compare import display_name

        unit, value = next(iter(r.values.items()), ("", math.nan))
        side = f"{label}  " if many else ""
        line = f"  {side}{display_name(r)}  {counts[key]}/{spec.count}  {value:g} {unit}"
        if fancy and bar is None:  # from the first sample on: the build's lines stay plain
            bar = progress.bar("items")
        if bar is None:
            print(one_line(line), file=sys.stderr, flush=True)
            return
        if counts[key] >= spec.count:  # a benchmark done: its last line stays above the bar
            bar.log(line)
        bar.update(f"{side}{display_name(r)}", counts[key], spec.count, info=f"{value:g} {unit}")

    status(f"{' '.join(command_line(spec))}  (in {directory})")
    if revisions:
        status(" vs ".join(f"{r.label} ({r.commit[:12]})" for r in revisions))
    session = BenchSession(spec, toolchains, package=import_path, save=not args.no_save, timeout=timeout,
                           on_result=on_result, on_status=status, wait_lock=not getattr(args, "no_wait", False),
                           revisions=revisions)  # fmt: skip
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    interrupts: list[int] = []

    def on_sigint() -> None:
        interrupts.append(1)
        if len(interrupts) == 1:
            status("stopping: keeping the samples so far (ctrl+c again to abandon)")
            session.stop()
        elif task is not None:
            task.cancel()

    loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        result = await session.run()
    except HistoryError as exc:  # at the start: nothing has run
        return _fail(f"{exc} (--no-save runs without the history)")
    except RunLockBusy as exc:  # --no-wait and another run is measuring: nothing has run
        return _fail(str(exc), exc.exit_code)
    except M3tuiError as exc:  # a revision's checkout (no such package at that revision: 2; git failed: 3)
        return _fail(str(exc), exc.exit_code)
    except asyncio.CancelledError:
        if interrupts:
            return EXIT_INTERRUPTED
        raise
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        if bar is not None:
            bar.close()

    if result.status == "cancelled" and result.error == LOCK_WAIT_STOPPED:
        return EXIT_INTERRUPTED
    if result.rejected:  # the test binary refused its flags: usage, nothing saved
        _fail(f"{import_path}: {result.error}", EXIT_USAGE)
    if result.status == "failed" and not result.results:
        if result.save_error is not None:
            print(f"m3tui bench: the run was not saved: {one_line(redact(result.save_error))}", file=sys.stderr, flush=True)
        elif result.run_id is not None:
            status(f"recorded as run {result.run_id}")
        _fail(f"{import_path}: {result.error}")
    for line_no, line, why in result.unparsed:
        status(f"output line {line_no} not understood ({why}): {line[:120]}")
    if args.json:
        print(dumps_doc("bench run", session_json(result, holm=args.holm)))
    else:
        for line in summary_lines(result, holm=args.holm):
            print(line)
    sys.stdout.flush()  # the summary is out before anything is said about saving it
    if result.save_error is not None:
        print(f"m3tui bench: the run was not saved: {one_line(redact(result.save_error))}", file=sys.stderr, flush=True)
    elif result.run_id is not None:
        status(f"saved as run {result.run_id} (m3tui bench history show {result.run_id})")
    if result.status == "cancelled":
        return EXIT_INTERRUPTED
    if result.status == "failed":
        for label, side in result.runs.items():  # a side that did not build: the compiler's lines
            for line in side.build_lines:
                print(one_line(f"m3tui bench: {label}: {redact(line)}"), file=sys.stderr)
        print(one_line(f"m3tui bench: {import_path}: {redact(result.error or 'failed')}"), file=sys.stderr)
        return EXIT_FAILED
    if result.save_error is not None:
        return EXIT_FAILED
    return EXIT_OK


def _columns(result: SessionResult) -> list[tuple[str, list[BenchResult]]]:
    label = f"run {result.run_id}" if result.run_id is not None and len(result.runs) == 1 else None
    return [(label or name, run.results) for name, run in result.runs.items() if run.results]


def summary_lines(result: SessionResult, *, holm: bool = False) -> list[str]:
    """The benchstat-style table (one column, or A vs B), the scaling tables, the noise warnings."""
    from m3tui.bench.compare import build_tables, render_text
    from m3tui.bench.gosource import read_benchmark_kinds
    from m3tui.bench.scaling import render_scaling, scaling_tables

    lines: list[str] = []
    columns = _columns(result)
    if columns:
        lines += render_text(build_tables(columns, holm=holm))
    if len(result.runs) == 1:  # serial or parallel: read from the package's *_test.go
        scaling = scaling_tables(result.results, kinds=read_benchmark_kinds(result.spec.package_dir))
        if scaling:
            lines += ["", "scaling (against the smallest GOMAXPROCS):", *render_scaling(scaling)]
    if result.status == "cancelled":
        lines += ["", "stopped before the end: these are the samples gathered so far"]
    if result.noise:
        lines += ["", "noise (the numbers may be less stable):", *(one_line(f"  ! {w}") for w in result.noise)]
    return lines


def _summary_json(samples: Sequence[float]) -> dict[str, object]:
    from m3tui.bench import stats as bs

    s = bs.summarize(samples, 0.95)
    pct = bs.pct_interval(s)
    return {"samples": list(samples), "median": s.center, "lo": _finite(s.lo), "hi": _finite(s.hi),
            "interval_pct": _finite(pct), "warning": s.warning}  # fmt: skip


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def benchmarks_json(results: Sequence[BenchResult]) -> list[dict[str, object]]:
    """Per benchmark (full name and GOMAXPROCS): every unit's raw samples, median and interval."""
    grouped: dict[tuple[str, int], dict[str, list[float]]] = {}
    full: dict[tuple[str, int], str] = {}
    for r in results:
        key = (r.name, r.procs)
        full.setdefault(key, r.full_name)
        units = grouped.setdefault(key, {})
        for unit, value in r.values.items():
            units.setdefault(unit, []).append(value)
    out = [
        {"name": name, "full_name": full[(name, procs)], "procs": procs,
         "units": {unit: _summary_json(values) for unit, values in units.items()}}
        for (name, procs), units in grouped.items()
    ]  # fmt: skip
    return out


def session_json(result: SessionResult, *, holm: bool = False) -> dict[str, object]:
    from dataclasses import asdict

    from m3tui.bench.compare import build_tables, to_json
    from m3tui.bench.gosource import read_benchmark_kinds
    from m3tui.bench.scaling import scaling_json, scaling_tables

    out: dict[str, object] = {
        "run_id": result.run_id,
        "status": result.status,
        "error": result.error,
        "package_dir": str(result.spec.package_dir),
        "toolchains": [asdict(t) for t in result.toolchains],
        "revisions": [{"label": label, "commit": r.commit, "dirty": r.dirty}
                      for label, r in zip(result.runs or [r.label for r in result.revisions], result.revisions, strict=False)],
        "noise": result.noise,
        "unparsed": [{"line": n, "text": t, "why": w} for n, t, w in result.unparsed],
        "save_error": result.save_error,
    }
    if len(result.runs) == 1:
        out["benchmarks"] = benchmarks_json(result.results)
        out["scaling"] = scaling_json(scaling_tables(result.results, kinds=read_benchmark_kinds(result.spec.package_dir)))
    else:
        out["sides"] = {label: benchmarks_json(run.results) for label, run in result.runs.items()}
        out["compare"] = to_json(build_tables(_columns(result), holm=holm))
    redacted: dict[str, object] = redact_data(out)  # a dict stays a dict
    return redacted


# --- history -------------------------------------------------------------------------------


def _history(args: argparse.Namespace, run_async: RunAsync) -> int:
    from m3tui.bench.history import MAX_RUN_ID, History, RunNotFound

    if args.action != "list" and args.run_id is None:
        return _fail(f"history {args.action} needs a run id (m3tui bench history lists them)", EXIT_USAGE)
    if args.run_id is not None and not 1 <= args.run_id <= MAX_RUN_ID:
        return _fail(f"bad run id {args.run_id} (a whole number from 1 to {MAX_RUN_ID})", EXIT_USAGE)
    if not 0 <= args.limit <= MAX_RUN_ID:
        return _fail(f"bad --limit {args.limit} (a whole number from 0 to {MAX_RUN_ID})", EXIT_USAGE)
    if args.action == "export" and args.output not in (None, "-"):
        from m3tui.core.files import output_target

        output_target(args.output)  # a device, FIFO or directory: refused before anything is read
    with History() as history:  # HistoryError: main says it (exit 3)
        if args.action == "list":
            return _history_list(history, args)
        try:
            stored = history.get_run(args.run_id)
        except RunNotFound:
            return _fail(f"no run {args.run_id} in the history (m3tui bench history lists them)", EXIT_USAGE)
        if args.action == "delete":
            history.delete_run(args.run_id)
            print(dumps_doc("bench history delete", {"deleted": args.run_id}) if args.json else f"deleted run {args.run_id}")
            return EXIT_OK
        if args.action == "export":
            return _export(stored, args)
        if args.action == "show":
            return _show(stored, args)
    return _rerun(stored, args, run_async)


def _say_damaged(stored: StoredRun) -> None:
    """One line on stderr: what of a run could not be read (its rows damaged in place)."""
    print(one_line(f"m3tui bench: run {stored.info.id} is damaged: {'; '.join(stored.damaged)}"), file=sys.stderr, flush=True)


def _run_line(info: RunInfo) -> str:
    meta = info.meta
    when = info.started_at.replace("T", " ")[:19]
    what = meta.label or meta.go_version or ""
    if info.damaged:
        what = f"{what}  [damaged]".strip()
    return one_line(f"{info.id:>5}  {when}  {info.status:<11}  {info.benchmarks:>4} bench  {info.n_results:>5} samples  "
                    f"{meta.package}  -bench {meta.bench}  {what}").rstrip()  # fmt: skip


def _info_json(info: RunInfo) -> dict[str, object]:
    from dataclasses import asdict

    data: dict[str, object] = redact_data({**asdict(info), "meta": asdict(info.meta)})
    return data


def _history_list(history: History, args: argparse.Namespace) -> int:
    runs = history.list_runs(limit=args.limit)
    if args.json:
        print(dumps_doc("bench history list", {"runs": [_info_json(i) for i in runs]}))
        return EXIT_OK
    if not runs:
        print("no saved runs yet (m3tui bench [PKG] runs and saves one)")
        return EXIT_OK
    print(f"{'id':>5}  {'started (UTC)':<19}  {'status':<11}  what")
    for info in runs:
        print(_run_line(info))
    return EXIT_OK


def _show(stored: StoredRun, args: argparse.Namespace) -> int:
    from m3tui.bench.compare import build_tables, render_text

    if args.json:
        print(dumps_doc("bench history show", {**_info_json(stored.info), "damaged": list(stored.damaged), "benchmarks": benchmarks_json(stored.results)}))
        return _damaged_exit(stored)
    info, meta = stored.info, stored.info.meta
    print(_run_line(info))
    print(one_line(f"command: {' '.join(meta.command)}"))
    if meta.commit:
        print(one_line(f"commit:  {meta.commit}{' (uncommitted changes)' if meta.dirty else ''}"))
    for side, (label, commit, dirty) in zip("AB", meta.revisions, strict=False):
        print(one_line(f"{side}: {label}  {commit}{' (uncommitted changes)' if dirty else ''}"))
    if info.error:
        print(one_line(f"error:   {info.error}"))
    for w in meta.noise:
        print(one_line(f"noise:   {w}"))
    for kind, name, procs, path in stored.profiles:
        print(one_line(f"profile: {kind} of {name} at GOMAXPROCS={procs}: {path}"))
    if stored.results:
        from m3tui.bench.session import SIDE_KEYS

        split = next((key for key in SIDE_KEYS if any(key in r.config for r in stored.results)), None)
        print()
        print("\n".join(render_text(build_tables([(f"run {info.id}", stored.results)], col_key=split))))
    return _damaged_exit(stored)


def _damaged_exit(stored: StoredRun) -> int:
    """After printing what could be read: a damaged run is said on stderr, exit 3 (corrupt state)."""
    if not stored.damaged:
        return EXIT_OK
    sys.stdout.flush()
    _say_damaged(stored)
    return EXIT_FAILED


def _export(stored: StoredRun, args: argparse.Namespace) -> int:
    """To stdout (no -o, or -o -), or all-or-nothing to a regular file (through a symlink)."""
    from m3tui.bench.export import export
    from m3tui.core.files import write_output

    target = "-" if args.output is None else args.output
    write_output(target, export(stored, args.format))
    if target != "-":
        print(f"exported run {stored.info.id} to {one_line(target)}", file=sys.stderr)
    return _damaged_exit(stored)


def _rerun(stored: StoredRun, args: argparse.Namespace, run_async: RunAsync) -> int:
    """Run again with the recorded settings (same package, regex, -cpu, -count, flags) and the
    run's own toolchains (bench.toolchains.rerun_refs: its go while it exists, else its version)."""
    meta = stored.info.meta
    from m3tui.bench.run import (
        MAX_GOMAXPROCS,
        BadFlag,
        BenchSpec,
        check_benchtime,
        check_count,
    )
    from m3tui.bench.toolchains import rerun_refs

    if not meta.package_dir or not meta.bench:
        return _fail(f"run {stored.info.id} does not record what it ran: nothing to run again", EXIT_USAGE)
    try:  # a run recorded by an earlier version may hold what is refused today
        check_count(meta.count)
        if meta.benchtime is not None:
            check_benchtime(meta.benchtime)
        if any(not 1 <= c <= MAX_GOMAXPROCS for c in meta.cpu):
            raise BadFlag(f"bad -cpu {','.join(map(str, meta.cpu))}")
    except BadFlag as exc:
        return _fail(f"run {stored.info.id} cannot be run again: {exc}", EXIT_USAGE)
    spec = BenchSpec(Path(meta.package_dir), bench=meta.bench, cpu=tuple(meta.cpu), count=meta.count,
                     benchtime=meta.benchtime, benchmem=meta.benchmem, extra=tuple(meta.extra))  # fmt: skip
    rerun_args = argparse.Namespace(package=meta.package_dir, go=rerun_refs(meta)[:1] if meta.revisions else rerun_refs(meta),
                                    quiet=False, holm=False, json=args.json, no_save=False, rev=[])  # fmt: skip
    return run_async(_run_session(rerun_args, spec, parse_duration("10m"), explicit_cpu=True,
                                  recorded_revisions=meta.revisions))  # fmt: skip
