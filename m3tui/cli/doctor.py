"""`m3tui doctor [--json] [--offline] [--save-baseline] [-v] [--fix [--yes] | --undo]`: the headless front of the doctor.

Every check runs concurrently (m3tui.doctor.run) under one deadline (run.DEADLINE, 20 s: a go
that hangs is stopped then, and said to be); the findings print grouped, worst first, like
`flutter doctor`, or as strict JSON (schema 2: each check's fixes as data). Credentials never show: findings mask them.

Exit status: 0 no check is an error; 1 a check is an error (or crashed); 2 usage; 3 the
operation failed: the findings are printed all the same, then the one line of what failed
(``--save-baseline`` that cannot write the baseline). Under ``--json`` that failure is the
document's ``error`` object (``{"code", "exit", "message"}``, as every command's), in the same
one document as the findings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from m3tui.core.errors import M3tuiError

if TYPE_CHECKING:
    from m3tui.cli.main import RunAsync
    from m3tui.doctor.model import Finding

SYMBOLS = {"ok": "✓", "warn": "!", "error": "✗", "skipped": "-", "crashed": "‼"}


def run(args: argparse.Namespace, run_async: RunAsync) -> int:
    """Run every check; print like `flutter doctor`, or JSON. Exit 1 when a check is an error."""
    if args.fix or args.undo or args.yes:
        return fix_or_undo(args, run_async)
    from m3tui.doctor import run as doc

    failed: list[M3tuiError] = []
    saved: list[str] = []
    ctx_env: list[dict[str, str]] = []

    async def checks() -> list[Finding]:
        ctx = doc.DoctorContext(offline=args.offline, verbose=args.verbose)
        ctx_env.append(dict(ctx.env))
        findings = await doc.run_doctor(ctx)
        if args.save_baseline:
            try:
                saved.append(str(doc.save_baseline(await doc.snapshot(ctx))))
            except M3tuiError as exc:  # said after the findings, which are worth having anyway
                failed.append(exc)
        return findings

    findings = run_async(checks())
    if args.json:
        from m3tui.core.jsonout import dumps_doc

        document: dict[str, Any] = dict(doc.to_json(findings, offline=args.offline, env=ctx_env[0]))
        if args.save_baseline:
            document["baseline"] = {"saved": bool(saved), "path": saved[0] if saved else None}
        if failed:
            document["error"] = _error_object(failed[0])
        print(dumps_doc("doctor", document))
    else:
        for line in doctor_text(findings, verbose=args.verbose):
            print(line)
    if failed:
        _say(failed[0])
        return failed[0].exit_code
    if saved:
        print(f"baseline saved to {saved[0]}", file=sys.stderr)
    return doc.exit_status(findings)


def _error_object(exc: M3tuiError) -> dict[str, Any]:
    from m3tui.core.redact import redact

    return {"code": exc.code, "exit": exc.exit_code, "message": redact(str(exc))}


def _say(exc: M3tuiError) -> None:
    """The failure's one line on stderr, as cli.main says every M3tuiError."""
    from m3tui.core.redact import redact

    message = redact(str(exc))
    print(message if message.startswith("m3tui") else f"m3tui: {message}", file=sys.stderr)


def doctor_text(findings: Sequence[Finding], *, verbose: bool) -> list[str]:
    """Grouped, worst first; detail for problems (for everything with -v), the fix under each problem."""
    from m3tui.doctor.run import sort_findings

    lines: list[str] = []
    group = None
    for finding in sort_findings(findings):
        if finding.group != group:
            group = finding.group
            lines.append(f"{'' if not lines else chr(10)}{group.value}")
        lines.append(f"  {SYMBOLS[finding.status.value]} {finding.summary}")
        if finding.detail and (verbose or finding.is_problem):
            lines.extend(f"      {line}" for line in finding.detail.splitlines())
        if finding.fix and finding.is_problem:
            lines.append(f"      fix: {finding.fix}")
    counts = {s: sum(1 for f in findings if f.status.value == s) for s in SYMBOLS}
    problems = counts["error"] + counts["crashed"] + counts["warn"]
    summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    lines.append("")
    lines.append(f"{problems} problem{'s' if problems != 1 else ''} ({summary})" if problems else f"no problems ({summary})")
    return lines


# --- --fix and --undo (doctor/fixes.py) -----------------------------------------------------


def fix_or_undo(args: argparse.Namespace, run_async: RunAsync) -> int:
    """--fix: each fix offered, shown, asked (--yes: all), applied, journaled; the checks again. --undo: the last run's reverted."""
    from m3tui.core.errors import UsageError
    from m3tui.doctor import fixes

    if args.json or args.save_baseline or (args.fix and args.undo) or (args.yes and not args.fix):
        raise UsageError("m3tui doctor: --fix [--yes] and --undo go alone (no --json, --save-baseline, or each other)")
    if args.undo:
        done = run_async(fixes.undo_last())
        for change in done:
            print(f"undone: {change.said()}")
        if not done:
            print(f"nothing to undo: no m3tui doctor --fix changes are recorded ({fixes.journal_path()})")
        return 0
    if not args.yes and not sys.stdin.isatty():
        raise UsageError("m3tui doctor --fix: no terminal to ask on: pass --yes to apply every fix offered")
    from m3tui.doctor import run as doc

    ctx = doc.DoctorContext(offline=args.offline, verbose=args.verbose)
    findings = run_async(doc.run_doctor(ctx))
    offered = fixes.offered(findings, ctx.env)
    if not offered:
        print(f"nothing m3tui can fix for you ({doc.problem_count(findings)} problems; m3tui doctor says what to do)")
        return doc.exit_status(findings)
    journal = fixes.Journal()
    applied: list[fixes.Fix] = []
    for n, (finding, fix) in enumerate(offered, 1):
        print(f"[{n}/{len(offered)}] {SYMBOLS[finding.status.value]} {finding.summary}")
        print("\n".join(f"    {line}" for line in fix.describe().splitlines()))
        if not args.yes and not _confirm("    apply? [y/N] "):
            print("    skipped")
            continue
        try:
            journal.record(run_async(fix.apply()))
        except M3tuiError as exc:
            print(f"    not applied: {exc}")
            continue
        applied.append(fix)
        print("    applied")
    if not applied:
        print("nothing changed")
        return 0
    env = dict(ctx.env)
    for fix in applied:
        env = fix.env_after(env)
    ids = list(dict.fromkeys(fix.finding_id for fix in applied))
    print("\nchecked again" + (" (as a new shell would start)" if env != ctx.env else "") + ":")
    for finding in run_async(fixes.recheck(ids, env, offline=args.offline)):
        print(f"  {SYMBOLS[finding.status.value]} {finding.summary}")
    print(f"m3tui doctor --undo reverts these {len(journal.changes)} changes (recorded in {journal.path})")
    return 0


def _confirm(prompt: str) -> bool:
    try:
        return input(prompt).strip().lower() in ("y", "yes")
    except EOFError:
        return False
