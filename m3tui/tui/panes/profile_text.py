"""The Profiles pane's text views, drawn from the analysis results: peek (callers and callees
of a function), source lines with their flat and cum, the traces (each sample's stack with its
value), and the tuner's trade-off chart.

Pure functions from typed results to Rich text, so the pane only decides what to show.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from m3tui.profiles.pprof.analysis import PeekEntry, SourceFile
    from m3tui.profiles.pprof.traces import Traces
    from m3tui.profiles.tune import TuneResult

#: What the capture view says below the form before its first run (wrapped to the width).
TUNE_HELP = (
    "Name one benchmark of the package in this directory, choose its kind, then:\n"
    "• Capture (ctrl+s; n outside a field): build, run it once profiled, open the profile.\n"
    "• Tune (T outside a field): sweep the rate of a heap, block or mutex profile against an "
    "unprofiled run: overhead, fidelity and the flags to use.\n"
    "enter: next field · esc: leave the form · headless: m3tui profile capture / tune"
)
#: How the current report writes a value ("1.20s", "4.50MB"); `str` before any report.
Format = Callable[[int], str]


def screen_text(text: str | os.PathLike[str]) -> str:
    """A name or line fit for the screen: control characters escaped, URL credentials masked."""
    from m3tui.profiles.pprof.model import printable

    return printable(text)


def peek_text(entries: Sequence[PeekEntry], fmt: Format) -> Text:
    """Like `go tool pprof -peek`: callers above, the function in bold, callees below."""
    text = Text()
    for entry in entries:
        text.append("callers\n", style="dim italic")
        for caller, value in entry.callers:
            text.append(f"{fmt(value):>12}   ", style="dim")
            text.append(f"{caller}\n", style="dim")
        text.append(f"{fmt(entry.flat):>12} flat {fmt(entry.cum):>10} cum  ", style="bold")
        text.append(f"| {entry.name}\n", style="bold yellow")
        for callee, value in entry.callees:
            text.append(f"{fmt(value):>12}   ")
            text.append(f"   {callee}\n")
        text.append("callees\n\n", style="dim italic")
    return text


def source_text(listings: Sequence[SourceFile], fmt: Format) -> Text:
    """Like `go tool pprof -list`: each source line with its flat and cum, hot lines highlighted."""
    text = Text()
    for listing in listings:
        text.append(f"{listing.function}  {listing.path}\n", style="bold")
        if listing.missing or not listing.lines:
            text.append("  source file not on this disk\n\n", style="dim")
            continue
        for line in listing.lines:
            hot = line.flat or line.cum
            text.append(f"{fmt(line.flat) if line.flat else '.':>10} "
                        f"{fmt(line.cum) if line.cum else '.':>10} {line.number:>5} ",
                        style="yellow" if hot else "dim")  # fmt: skip
            text.append(f"{line.text}\n", style="" if hot else "dim")
        text.append("\n")
    return text


#: The traces the view draws (a million-sample profile has a million); the rest: the CLI's.
TRACES_SHOWN = 2000


def traces_text(report: Traces, limit: int = TRACES_SHOWN) -> Text:
    """Like `go tool pprof -traces`, the same lines: the profile's labels, then each sample (file
    order) between rules: its labels, its stack leaf first, the value on the leaf's line."""
    import dataclasses

    from m3tui.profiles.pprof.traces import traces_lines

    shown = dataclasses.replace(report, traces=report.traces[:limit])
    lines = iter(traces_lines(shown))
    head = len(traces_lines(dataclasses.replace(report, traces=[]))) - 1  # the profile's labels
    text = Text()
    for _ in range(head):
        text.append(screen_text(next(lines)) + "\n", style="dim")
    for t in shown.traces:
        text.append(next(lines) + "\n", style="dim")  # the rule
        for _ in range(len(t.labels) + len(t.num_labels)):
            text.append(screen_text(next(lines)) + "\n", style="cyan")
        for i in range(len(t.frames)):
            line = next(lines)
            if i == 0:
                text.append(line[:10], style="bold yellow")
            text.append(screen_text(line[10:] if i == 0 else line) + "\n", style="bold" if i == 0 else "")
    text.append(next(lines) + "\n", style="dim")
    if not report.traces:
        text.append("no samples match\n", style="dim")
    if len(report.traces) > limit:
        text.append(f"… {len(report.traces) - limit:,} more samples: m3tui profile traces FILE prints them all\n",
                    style="dim italic")  # fmt: skip
    return text


def tune_text(result: TuneResult) -> Text:
    """The tuner's view: its table, its flags and warnings, then the chart; fit for the screen."""
    from m3tui.profiles.tune import render_tune

    return Text("\n".join(map(screen_text, [*render_tune(result), "", *tune_chart(result)])))


def tune_chart(result: TuneResult) -> list[str]:
    """Overhead and fidelity per rate as two bars (the trade-off at a glance)."""
    lines = ["rate          overhead                fidelity"]
    for p in result.points:
        over = max(0.0, p.overhead_pct or 0.0)
        over_bar = "█" * min(20, round(over / 2.5)) or "·"
        if p.no_samples or p.fidelity is None:
            fid_text = "no samples" if p.no_samples else "–"
        else:
            fid_text = f"{'█' * round(p.fidelity * 20) or '·':<20} {p.fidelity:.2f}"
        mark = " ◀" if p.rate == result.recommendation else ""
        lines.append(f"{p.rate:<12}  {over_bar:<20} {over:5.1f}%  {fid_text}{mark}")
    return lines
