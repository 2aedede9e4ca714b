"""`m3tui bench …`: run benchmarks with live progress, compare runs or files, browse the history.

`m3tui bench [PKG] [options]` is `m3tui bench run [PKG] [options]`. Progress goes to stderr and
the summary to stdout, so `m3tui bench > new.txt` keeps a clean table. ctrl+c stops the run like
the pane's cancel: the samples gathered so far are summarised and saved (marked cancelled), and
the exit status is 130; a second ctrl+c abandons even that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
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


def run(args: argparse.Namespace, run_async: RunAsync) -> int:
    if args.bench_command == "compare":
        return _compare(args)
    if args.bench_command == "history":
        return _history(args, run_async)
    return _run(args, run_async)


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop with an expected failure: main says it (and its JSON error object) and exits ``code``."""
    raise (UsageError if code == EXIT_USAGE else M3tuiError)(f"m3tui bench: {message}")


# --- run -----------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float | None:
    """A Go duration ("90s", "1m30s", "0") in seconds; None for 0 (no limit). UsageError if bad."""
    text = text.strip()
    if text == "0":
        return None
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise UsageError(f"bad duration {text!r} (like 90s, 10m, 1h30m; 0 for none)")
    return total or None


def _run(args: argparse.Namespace, run_async: RunAsync) -> int:
    from m3tui.bench.run import BenchSpec, parse_gomaxprocs_list

    try:
        timeout = parse_duration(args.timeout)
        cpu = parse_gomaxprocs_list(args.cpu) if args.cpu else None
    except UsageError as exc:  # the duration, or BadCpuList
        return _fail(str(exc), EXIT_USAGE)
    if args.count < 1:
        return _fail("--count must be at least 1", EXIT_USAGE)
    if len(args.go) > 2:
        return _fail("--go at most twice (A and B)", EXIT_USAGE)
    extra = tuple(args.extra)
    if any(not e.startswith("-") for e in extra):
        return _fail(f"one package at a time: {' '.join(e for e in extra if not e.startswith('-'))}", EXIT_USAGE)
    spec = BenchSpec(Path("."), bench=args.bench, cpu=cpu or (), count=args.count, benchtime=args.benchtime,
                     benchmem=args.benchmem, extra=extra)  # fmt: skip
    return run_async(_run_session(args, spec, timeout, explicit_cpu=cpu is not None))


async def _run_session(args: argparse.Namespace, spec: BenchSpec, timeout: float | None, *, explicit_cpu: bool) -> int:
    from dataclasses import replace

    from m3tui.bench.history import HistoryError
    from m3tui.bench.session import (
        BenchSession,
        SessionError,
        Toolchain,
        command_line,
        machine_facts,
        resolve_package,
        resolve_toolchains,
    )

    quiet = args.quiet

    def status(text: str) -> None:
        if not quiet:
            print(f"· {text}", file=sys.stderr, flush=True)

    try:
        toolchains = resolve_toolchains(args.go) if args.go else [Toolchain("go", spec.go)]
        directory, import_path = await resolve_package(args.package, toolchains[0].go)
        if not explicit_cpu:
            from m3tui.bench.run import default_cpu_list

            facts = await machine_facts(toolchains[0].go)
            spec = replace(spec, cpu=default_cpu_list(facts.cores, facts.perf_cores))
    except SessionError as exc:
        return _fail(str(exc))
    spec = replace(spec, package_dir=directory, go=toolchains[0].go)
    counts: dict[tuple[str, str, int], int] = {}
    many = len(toolchains) > 1

    def on_result(label: str, r: BenchResult) -> None:
        key = (label, r.name, r.procs)
        counts[key] = counts.get(key, 0) + 1
        if quiet:
            return
        from m3tui.bench.compare import display_name

        unit, value = next(iter(r.values.items()), ("", math.nan))
        side = f"{label}  " if many else ""
        print(f"  {side}{display_name(r)}  {counts[key]}/{spec.count}  {value:g} {unit}", file=sys.stderr, flush=True)

    status(f"{' '.join(command_line(spec))}  (in {directory})")
    session = BenchSession(spec, toolchains, package=import_path, save=not args.no_save, timeout=timeout,
                           on_result=on_result, on_status=status)  # fmt: skip
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
    except HistoryError as exc:
        return _fail(str(exc))
    except asyncio.CancelledError:
        if interrupts:
            return EXIT_INTERRUPTED
        raise
    finally:
        loop.remove_signal_handler(signal.SIGINT)

    if result.status == "failed" and not result.results:
        if result.run_id is not None:
            status(f"recorded as run {result.run_id}")
        _fail(f"{import_path}: {result.error}")
    for line_no, line, why in result.unparsed:
        status(f"output line {line_no} not understood ({why}): {line[:120]}")
    if args.json:
        print(json.dumps(session_json(result, holm=args.holm), indent=2, allow_nan=False))
    else:
        for line in summary_lines(result, holm=args.holm):
            print(line)
    if result.run_id is not None:
        status(f"saved as run {result.run_id} (m3tui bench history show {result.run_id})")
    if result.status == "cancelled":
        return EXIT_INTERRUPTED
    if result.status == "failed":
        print(f"m3tui bench: {import_path}: {result.error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _columns(result: SessionResult) -> list[tuple[str, list[BenchResult]]]:
    label = f"run {result.run_id}" if result.run_id is not None and len(result.runs) == 1 else None
    return [(label or name, run.results) for name, run in result.runs.items() if run.results]


def summary_lines(result: SessionResult, *, holm: bool = False) -> list[str]:
    """The benchstat-style table (one column, or A vs B), the scaling tables, the noise warnings."""
    from m3tui.bench.compare import build_tables, render_text
    from m3tui.bench.scaling import render_scaling, scaling_tables

    lines: list[str] = []
    columns = _columns(result)
    if columns:
        lines += render_text(build_tables(columns, holm=holm))
    if len(result.runs) == 1:
        scaling = scaling_tables(result.results)
        if scaling:
            lines += ["", "scaling (against the smallest GOMAXPROCS):", *render_scaling(scaling)]
    if result.status == "cancelled":
        lines += ["", "stopped before the end: these are the samples gathered so far"]
    if result.noise:
        lines += ["", "noise (the numbers may be less stable):", *(f"  ! {w}" for w in result.noise)]
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
    return [
        {"name": name, "full_name": full[(name, procs)], "procs": procs,
         "units": {unit: _summary_json(values) for unit, values in units.items()}}  # fmt: skip
        for (name, procs), units in grouped.items()
    ]


def session_json(result: SessionResult, *, holm: bool = False) -> dict[str, object]:
    from dataclasses import asdict

    from m3tui.bench.compare import build_tables, to_json
    from m3tui.bench.scaling import scaling_json, scaling_tables

    out: dict[str, object] = {
        "run_id": result.run_id,
        "status": result.status,
        "error": result.error,
        "package_dir": str(result.spec.package_dir),
        "toolchains": [asdict(t) for t in result.toolchains],
        "noise": result.noise,
        "unparsed": [{"line": n, "text": t, "why": w} for n, t, w in result.unparsed],
    }
    if len(result.runs) == 1:
        out["benchmarks"] = benchmarks_json(result.results)
        out["scaling"] = scaling_json(scaling_tables(result.results))
    else:
        out["sides"] = {label: benchmarks_json(run.results) for label, run in result.runs.items()}
        out["compare"] = to_json(build_tables(_columns(result), holm=holm))
    return _json_object(out)


def _json_object(value: dict[str, object]) -> dict[str, object]:
    """``value`` with its non-finite floats (JSON has none) as null, at any depth."""
    from m3tui.bench.export import json_safe

    safe: dict[str, object] = json_safe(value)  # a dict stays a dict
    return safe


# --- compare -------------------------------------------------------------------------------


def _load_column(name: str) -> tuple[str, list[BenchResult]] | str:
    """(label, results) for a file or a history run id; an error line otherwise."""
    from m3tui.bench.fmt import parse

    path = Path(name)
    if not path.exists() and name.lstrip("#").isdigit():
        from m3tui.bench.history import History, HistoryError, RunNotFound

        try:
            with History() as history:
                stored = history.get_run(int(name.lstrip("#")))
        except RunNotFound:
            return f"no run {name} in the history (m3tui bench history lists them)"
        except HistoryError as exc:
            return str(exc)
        results = [r for r in stored.results]
        if not results:
            return f"run {name} has no benchmark results"
        return f"run {stored.info.id}", results
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"cannot read {name}: {exc.strerror or exc}"
    parsed = parse(text)
    for line_no, _line, why in parsed.unparsed:
        print(f"m3tui bench compare: {name}:{line_no}: skipped ({why})", file=sys.stderr)
    if not parsed.results:
        return f"{name} has no benchmark results"
    return path.name, parsed.results


def _compare(args: argparse.Namespace) -> int:
    from m3tui.bench.compare import build_tables, render_text, to_json

    columns: list[tuple[str, list[BenchResult]]] = []
    for name in args.files:
        loaded = _load_column(name)
        if isinstance(loaded, str):
            raise UsageError(f"m3tui bench compare: {loaded}")
        columns.append(loaded)
    labels = [label for label, _ in columns]
    if len(set(labels)) != len(labels) and len(set(args.files)) == len(args.files):
        labels = list(args.files)  # two files of one name in different directories
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):  # still the same (a run against itself): number them
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} ({seen[label]})"
    columns = [(label, results) for label, (_, results) in zip(labels, columns)]
    tables = build_tables(columns, ignore=args.ignore, holm=args.holm)
    if args.json:
        from m3tui.bench.export import json_safe

        print(json.dumps(json_safe(to_json(tables)), indent=2))
    else:
        print("\n".join(render_text(tables)))
    return EXIT_OK


# --- history -------------------------------------------------------------------------------


def _history(args: argparse.Namespace, run_async: RunAsync) -> int:
    from m3tui.bench.history import History, HistoryError, RunNotFound

    if args.action != "list" and args.run_id is None:
        return _fail(f"history {args.action} needs a run id (m3tui bench history lists them)", EXIT_USAGE)
    try:
        history = History()
    except HistoryError as exc:
        return _fail(str(exc))
    with history:
        if args.action == "list":
            return _history_list(history, args)
        try:
            stored = history.get_run(args.run_id)
        except RunNotFound:
            return _fail(f"no run {args.run_id} in the history")
        if args.action == "delete":
            history.delete_run(args.run_id)
            print(f"deleted run {args.run_id}")
            return EXIT_OK
        if args.action == "export":
            return _export(stored, args)
        if args.action == "show":
            return _show(stored, args)
    return _rerun(stored, args, run_async)


def _run_line(info: RunInfo) -> str:
    meta = info.meta
    when = info.started_at.replace("T", " ")[:19]
    what = meta.label or meta.go_version or ""
    return (f"{info.id:>5}  {when}  {info.status:<11}  {info.benchmarks:>4} bench  {info.n_results:>5} samples  "
            f"{meta.package}  -bench {meta.bench}  {what}").rstrip()  # fmt: skip


def _info_json(info: RunInfo) -> dict[str, object]:
    from dataclasses import asdict

    return _json_object({**asdict(info), "meta": asdict(info.meta)})


def _history_list(history: History, args: argparse.Namespace) -> int:
    runs = history.list_runs(limit=args.limit)
    if args.json:
        print(json.dumps([_info_json(i) for i in runs], indent=2))
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
        print(json.dumps({**_info_json(stored.info), "benchmarks": benchmarks_json(stored.results)}, indent=2))
        return EXIT_OK
    info, meta = stored.info, stored.info.meta
    print(_run_line(info))
    print(f"command: {' '.join(meta.command)}")
    if meta.commit:
        print(f"commit:  {meta.commit}{' (uncommitted changes)' if meta.dirty else ''}")
    if info.error:
        print(f"error:   {info.error}")
    for w in meta.noise:
        print(f"noise:   {w}")
    for kind, name, procs, path in stored.profiles:
        print(f"profile: {kind} of {name} at GOMAXPROCS={procs}: {path}")
    if stored.results:
        split = "toolchain" if any("toolchain" in r.config for r in stored.results) else None
        print()
        print("\n".join(render_text(build_tables([(f"run {info.id}", stored.results)], col_key=split))))
    return EXIT_OK


def _export(stored: StoredRun, args: argparse.Namespace) -> int:
    from m3tui.bench.export import export, write_export

    fmt = args.format
    if not args.output:
        sys.stdout.write(export(stored, fmt))
        return EXIT_OK
    target = Path(args.output)
    try:
        write_export(stored, fmt, target)
    except OSError as exc:
        return _fail(f"cannot write {target}: {exc.strerror or exc}")
    print(f"exported run {stored.info.id} to {target}", file=sys.stderr)
    return EXIT_OK


def _rerun(stored: StoredRun, args: argparse.Namespace, run_async: RunAsync) -> int:
    """Run again with the recorded settings (same package, regex, -cpu, -count, flags)."""
    meta = stored.info.meta
    go = meta.command[0] if meta.command else "go"
    from m3tui.bench.run import BenchSpec

    spec = BenchSpec(Path(meta.package_dir), bench=meta.bench, cpu=tuple(meta.cpu), count=meta.count,
                     benchtime=meta.benchtime, benchmem=meta.benchmem, extra=tuple(meta.extra), go=go)  # fmt: skip
    rerun_args = argparse.Namespace(package=meta.package_dir, go=[], quiet=False, holm=False, json=args.json,
                                    no_save=False)  # fmt: skip
    if meta.label:  # an A/B run: the same two versions again
        rerun_args.go = meta.label.split(" vs ")
    return run_async(_run_session(rerun_args, spec, parse_duration("10m"), explicit_cpu=True))
