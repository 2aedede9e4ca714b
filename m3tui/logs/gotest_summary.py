"""What `m3tui logs FILE --tests` prints of a :class:`~m3tui.logs.gotest.GoTestTree`: counts,
build failures, failures with their first output lines (the failure first), the slowest tests.

Text and the ``--json`` payload are built from the same facts. Reading a stream line by line is
here too (capped lines, like lint's), so the whole input is never held.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from m3tui.logs.gotest import GoTestTree, PackageNode, TestNode, failure_first

if TYPE_CHECKING:
    from m3tui.logs.lint import LineReader

#: Output lines shown of each failure (the rest are counted).
FIRST_LINES = 6
#: Failures listed (all are counted).
MAX_FAILURES = 200
#: Slowest tests listed.
SLOWEST = 5
#: Longest line read; a longer one is cut there (the rest skipped).
MAX_LINE = 1 << 20


def stream_lines(stream: LineReader) -> Iterator[str]:
    """Decoded lines of a binary stream, each at most MAX_LINE bytes (a longer one is cut)."""
    readline = stream.readline
    while True:
        line = readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while True:
                more = readline(MAX_LINE)
                if not more or more.endswith(b"\n"):
                    break
        yield line.decode("utf-8", "replace").rstrip("\r\n")


@dataclass(frozen=True, slots=True)
class Failure:
    package: str
    test: str  # "" for a package's own failure (a build failure, a crash outside any test)
    build: bool
    elapsed: float | None
    runs: int
    failed_runs: int
    lines: list[str]  # the first FIRST_LINES, the failure first
    more: int  # lines not shown


def _clean(text: str) -> str:
    return text.replace("\t", "    ")


def failures(tree: GoTestTree) -> tuple[list[Failure], int]:
    """The failures in tree order (build failures first), the first MAX_FAILURES, and their count."""
    out: list[Failure] = []
    total = 0
    for pkg in tree.sorted_packages():
        items: list[Failure] = []
        if pkg.build_failed:
            lines = pkg.build_output
            items.append(Failure(pkg.name, "", True, pkg.elapsed, 1, 1, [_clean(x) for x in lines[:FIRST_LINES]],
                                 max(0, len(lines) - FIRST_LINES)))  # fmt: skip
        failed_tests = [n for n in pkg.walk() if n.status == "fail"]
        for node in failed_tests:
            items.append(_test_failure(pkg, node))
        if pkg.status == "fail" and not pkg.build_failed and not failed_tests:  # TestMain exited, a timeout, …
            own = [o.text for o in pkg.output.output if o.text.strip()]
            items.append(Failure(pkg.name, "", False, pkg.elapsed, 1, 1, [_clean(x) for x in own[:FIRST_LINES]],
                                 max(0, len(own) - FIRST_LINES)))  # fmt: skip
        total += len(items)
        out.extend(items[: max(0, MAX_FAILURES - len(out))])
    return out, total


def _dedent(lines: list[str]) -> list[str]:
    """Without the indent go puts before a test's lines (the least of theirs)."""
    cut = min((len(x) - len(x.lstrip(" ")) for x in lines if x.strip()), default=0)
    return [x[cut:] for x in lines]


def _test_failure(pkg: PackageNode, node: TestNode) -> Failure:
    lines: list[str] = []
    for run in node.runs:
        if run.status == "fail":
            lines.extend(o.text for o in failure_first(run) if o.text.strip())
            break  # the first failed run's (with -count the others usually say the same)
    if not lines:
        failed = [c.short for c in node.sorted_children() if c.status == "fail"]
        if failed:
            lines = [f"(its subtests failed: {', '.join(failed)})"]
    shown = _dedent([_clean(x) for x in lines[:FIRST_LINES]])
    return Failure(pkg.name, node.name, False, node.elapsed, len(node.runs), node.failed_runs, shown,
                   max(0, len(lines) - FIRST_LINES))  # fmt: skip


def slowest(tree: GoTestTree, most: int = SLOWEST) -> list[tuple[str, str, float]]:
    """(package, test, seconds) of the slowest tests (all runs together), slowest first."""
    timed = [(pkg.name, node.name, node.elapsed) for pkg, node in tree.walk() if node.elapsed]
    timed.sort(key=lambda t: -(t[2] or 0.0))
    return [(p, n, e or 0.0) for p, n, e in timed[:most]]


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}s"


def summary_head(tree: GoTestTree) -> str:
    """The report's first line: test runs and packages by status."""
    c, p = tree.counts(), tree.package_counts()
    runs = c["pass"] + c["fail"] + c["skip"] + c["run"]
    head = f"go test: {runs} test run{'' if runs == 1 else 's'}: {c['pass']} passed, {c['fail']} failed, {c['skip']} skipped"
    if c["run"]:
        head += f", {c['run']} not finished"
    packages = sum(p[k] for k in ("pass", "fail", "skip", "run"))
    pk = f"{packages} package{'' if packages == 1 else 's'}: {p['pass']} ok, {p['fail']} failed"
    if p["build_failed"]:
        pk += f" ({p['build_failed']} did not build)"
    if p["skip"]:
        pk += f", {p['skip']} without tests"
    return f"{head} · {pk}"


def summary_text(tree: GoTestTree) -> list[str]:
    """The report as lines (not yet made safe for a terminal: the caller escapes them)."""
    out = [summary_head(tree)]
    items, total = failures(tree)
    for f in items:
        out.append("")
        if f.build:
            out.append(f"BUILD FAILED {f.package}")
        else:
            what = f"FAIL {f.package} {f.test}" if f.test else f"FAIL {f.package} (outside any test)"
            notes = [x for x in (_secs(f.elapsed), f"{f.failed_runs} of {f.runs} runs failed" if f.runs > 1 else "") if x]
            out.append(what + (f" ({', '.join(notes)})" if notes else ""))
        out.extend(f"    {line}" for line in f.lines)
        if f.more:
            out.append(f"    … {f.more} more lines")
    if total > len(items):
        out += ["", f"… and {total - len(items)} more failures"]
    slow = slowest(tree)
    if slow:
        out += ["", "slowest:"]
        out += [f"  {secs:7.2f}s  {pkg} {name}" for pkg, name, secs in slow]
    if tree.corrupt_count:
        first = tree.corrupt[0]
        out += ["", f"{tree.corrupt_count} corrupt lines skipped (first: line {first[0]}: {first[1]})"]
    if not tree.is_go_test():
        out += ["", "no go test output found (neither go test -json events nor go test's text)"]
    return out


def summary_json(tree: GoTestTree) -> dict[str, Any]:
    """The ``logs --tests`` ``--json`` payload (JSON.md)."""
    items, total = failures(tree)
    return {
        "ok": tree.passed,
        "go_test": tree.is_go_test(),
        "counts": tree.counts(),
        "packages": [
            {"name": pkg.name, "status": pkg.status, "elapsed": pkg.elapsed, "build_failed": pkg.build_failed,
             "cached": pkg.cached, "tests": len(pkg.every)}
            for pkg in tree.sorted_packages()
        ],  # fmt: skip
        "failures": [
            {"package": f.package, "test": f.test, "build_failed": f.build, "elapsed": f.elapsed, "runs": f.runs,
             "failed_runs": f.failed_runs, "lines": f.lines, "more_lines": f.more}
            for f in items
        ],  # fmt: skip
        "failure_count": total,
        "slowest": [{"package": p, "test": n, "elapsed": e} for p, n, e in slowest(tree)],
        "corrupt": tree.corrupt_count,
        "first_corrupt_line": tree.corrupt[0][0] if tree.corrupt else None,
    }
