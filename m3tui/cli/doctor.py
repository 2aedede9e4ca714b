"""`m3tui doctor [--json] [--offline] [--save-baseline] [-v]`: the headless front of the doctor.

Every check runs concurrently (m3tui.doctor.run); the findings print grouped, worst first,
like `flutter doctor`, or as JSON (schema 1). Exit status 1 when a check is an error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from m3tui.cli.main import RunAsync
    from m3tui.doctor.model import Finding

SYMBOLS = {"ok": "✓", "warn": "!", "error": "✗", "skipped": "-", "crashed": "‼"}


def run(args: argparse.Namespace, run_async: RunAsync) -> int:
    """Run every check; print like `flutter doctor`, or JSON. Exit 1 when a check is an error."""
    from m3tui.doctor import run as doc

    async def checks() -> list[Finding]:
        ctx = doc.DoctorContext(offline=args.offline)
        findings = await doc.run_doctor(ctx)
        if args.save_baseline:
            path = doc.save_baseline(await doc.snapshot(ctx))
            print(f"baseline saved to {path}", file=sys.stderr)
        return findings

    findings = run_async(checks())
    if args.json:
        print(json.dumps(doc.to_json(findings, offline=args.offline), indent=2))
    else:
        for line in doctor_text(findings, verbose=args.verbose):
            print(line)
    return doc.exit_status(findings)


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
