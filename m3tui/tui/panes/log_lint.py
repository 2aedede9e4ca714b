"""Lint in the Logs pane (`L`): the source shown checked against the `[logs.lint]` rules.

:class:`PaneLint` holds lint's own state (on or off, the report, its rules, the summaries) and
runs the check in a thread; the lines it marks go to the viewer (a ▌ in the gutter) as
:class:`~m3tui.logs.lintmarks.LintMarks`, which know each line's reasons. What the line under the
status says comes from :meth:`PaneLint.line_text`: the cursor's line's reasons, else the report
and the keys; `]`/`[` (:meth:`PaneLint.jump`) go from one marked line to the next. The pane
starts a run when the source or its lines change (its generation makes a stale run's result
go unused) and extends the report as a followed file grows (:meth:`PaneLint.more`).
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from m3tui.logs.lint import LintConfig, LintReport
    from m3tui.logs.sources import Source
    from m3tui.tui.panes.logs import LogsPane


class PaneLint:
    """Lint of the source a Logs pane shows."""

    def __init__(self, pane: LogsPane) -> None:
        self.pane = pane
        self.on = False
        self.summary = ""  # the report in a sentence (the lint line, when the cursor is on no violation)
        self.short = ""  # in a few characters, for the status
        self.report: LintReport | None = None  # the current source's, extended as it grows
        self.config: LintConfig | None = None
        self._warned = False

    def toggle(self) -> None:
        from m3tui.logs.lintmarks import LintMarks

        pane = self.pane
        self.on = not self.on
        pane._mount_rest()
        pane.query_one("#logs-lint").set_class(not self.on, "hidden")
        if not self.on:
            pane.view.lint_marks = LintMarks()
            self.summary = self.short = ""
            pane.view.invalidate()
            pane._update_status()
            return
        self.start(pane._gen)

    def start(self, gen: int) -> None:
        """Lint the source shown, in a thread (a run still going gives way)."""
        self.pane.run_worker(self._run(gen), group="logs-lint", exclusive=True)

    async def _run(self, gen: int) -> None:
        from m3tui.logs.lint import (
            LintMarks,
            LintReport,
            lint_lines,
            short_summary,
            summary,
        )
        from m3tui.logs.sources import lint_texts

        pane = self.pane
        src = pane.source
        if src is None:
            return
        try:
            path = getattr(src, "path", None)  # a file's .m3tui-lint.toml is found from its folder
            config = pane.backend.lint_config(path.parent if isinstance(path, Path) else None)
        except Exception:  # noqa: BLE001 - a bad config: the defaults
            config = None
        if config is not None and config.warnings and not self._warned:
            self._warned = True  # said once per pane, not at every lint
            for warning in config.warnings:
                pane._say(warning, title="lint config", severity="warning", timeout=10)
        self.short = "linting…"
        pane._update_status()

        stop = threading.Event()
        report = LintReport()
        texts = lint_texts(src, report, halt=stop, where=pane.where.filter)  # with & on: its lines only
        try:
            await asyncio.to_thread(lambda: lint_lines(texts, config=config, report=report))
        finally:
            stop.set()
        if gen != pane._gen or src is not pane.source or not self.on:
            return
        self.report = report
        self.config = config
        marks = pane.view.lint_marks = LintMarks(report.violations)
        self.summary = summary(report, len(marks))
        self.short = short_summary(report)
        pane.view.refresh()
        pane._update_status()

    def more(self, src: Source, start: int, stop: int) -> None:
        """Lines [start, stop) were added to the source: lint them and extend the report."""
        from dataclasses import replace

        from m3tui.logs.lint import LintReport, lint_lines, short_summary, summary
        from m3tui.logs.sources import lint_texts

        report = self.report
        if report is None:
            return
        more = LintReport()
        lint_lines(list(lint_texts(src, more, start, stop, where=self.pane.where.filter)), config=self.config, report=more)
        marks = self.pane.view.lint_marks
        for v in more.violations:
            listed = len(report.violations)
            report.add(replace(v, line=start + v.line))
            if len(report.violations) > listed:  # marks stay as bounded as the report's list
                marks.add(v, start)
        report.checked += more.checked
        report.non_json += more.non_json
        report.malformed += more.malformed
        report.too_long += more.too_long
        if report.first_malformed is None and more.first_malformed is not None:
            report.first_malformed = start + more.first_malformed
        self.summary = summary(report, len(marks))
        self.short = short_summary(report)

    def jump(self, reverse: bool) -> None:
        """`]`/`[`: the cursor to the next (previous) marked line the filters show."""
        from m3tui.logs.sources import shown

        pane = self.pane
        view = pane.view
        marks, line = view.lint_marks, view.cursor_line
        if not self.on:
            pane.app.notify("L lints the lines first; then ] and [ go from one violation to the next", title="lint")
            return
        if line is None or not marks:
            pane.app.notify("no violations marked" if self.report is not None else "still linting…", title="lint", timeout=3)
            return
        target = marks.next(line, reverse)
        while target is not None and view.rows is not None and not shown(view.rows, target):
            target = marks.next(target, reverse)
        if target is None:
            pane.app.notify("no violations above" if reverse else "no violations below", title="lint", timeout=3)
            return
        view.move_to(view.row_of(target))

    def line_text(self, width: int) -> Text:
        """The line under the status: what is wrong with the cursor's line, else the report and
        the keys. At most three rows of ``width``; `enter` says all of it."""
        view = self.pane.view
        marks, line = view.lint_marks, view.cursor_line
        text = Text()
        if line is not None and line in marks:
            text.append(f"⚠ line {line + 1}: ", style="bold red")
            text.append(" · ".join(marks.reasons(line)))
        else:
            text.append(self.summary or self.short, style="red" if marks else "green")
            if marks:
                text.append(" · ] next  [ previous", style="dim")
        room = 3 * max(10, width)
        if text.cell_len > room:
            text.truncate(room - 16)
            text.append(" … ⏎ shows all", style="dim")
        return text
