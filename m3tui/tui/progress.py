"""The Rich progress bar the headless commands show on a terminal (m3tui/cli/progress.py decides
when; Rich is Textual's renderer, so only tui imports it). Text is never markup, and its control
characters are escaped (core.text.one_line): a file name or go's output cannot drive the terminal."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from m3tui.core.text import one_line


class RichBar:
    """One task on a Rich progress display on stderr (lines written to stderr meanwhile go above it)."""

    def __init__(self, unit: str) -> None:
        columns: list[ProgressColumn | str] = [TextColumn("{task.description}", markup=False), BarColumn()]
        if unit == "bytes":
            columns += [DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()]
        elif unit == "seconds":
            columns += [TextColumn("{task.completed:.0f}/{task.total:.0f} s", markup=False)]
        else:
            columns += [MofNCompleteColumn(), TimeElapsedColumn()]
        columns.append(TextColumn("{task.fields[info]}", markup=False))
        self._progress = Progress(*columns, console=Console(file=sys.stderr), redirect_stdout=False,
                                  redirect_stderr=True, refresh_per_second=8)  # fmt: skip
        self._task = self._progress.add_task("", total=None, info="")
        self._started = self._closed = False
        self._description = ""

    def update(self, description: str, completed: float, total: float | None, info: str = "") -> None:
        if self._closed:
            return
        if description != self._description:  # a new step (an install's phase, the next benchmark): its own rate and time
            self._description = description
            self._progress.reset(self._task, total=total, completed=int(completed), description=one_line(description),
                                 info=one_line(info))  # fmt: skip
        else:
            self._progress.update(self._task, completed=completed, total=total, info=one_line(info))
        if not self._started:  # drawn from the first report on, not empty before it
            self._started = True
            self._progress.start()

    def log(self, line: str) -> None:
        self._progress.console.print(Text(one_line(line)), highlight=False, soft_wrap=True)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._started:
                self._progress.stop()
