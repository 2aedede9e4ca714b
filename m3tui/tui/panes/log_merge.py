"""Merged files in the Logs pane: `m3tui logs A B C` (and `o` with several paths) as one timeline.

:class:`PaneMerge` holds what the merge adds to the pane: the merged sources (a row each in the
source list, above the files they merge, which are listed too), whether several files open
merged (`--no-merge`: not) and the zone of times without one (`--tz`). It opens the files, shows
their merged tails at once (:class:`~m3tui.logs.merge.MergedSource`), merges them whole in a
thread (the files' indexes with it) and switches to numbered rows keeping the cursor's line,
and follows all the files at once: new lines are merged in time order at the end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from m3tui.core.errors import M3tuiError

if TYPE_CHECKING:
    from m3tui.logs.merge import MergedSource
    from m3tui.logs.sources import FileSource
    from m3tui.tui.panes.logs import LogsPane

#: Colours of the files' marks in the gutter (the n-th file, round robin).
MARK_COLOURS = ("cyan", "magenta", "green", "yellow", "bright_blue", "bright_red", "bright_cyan", "bright_magenta")
#: Columns of a file's short name in the gutter (cut with … beyond).
MARK_WIDTH = 10


def merged_key(paths: list[Path]) -> str:
    return "merged:" + "\0".join(str(p) for p in paths)


class PaneMerge:
    """The merged sources of a Logs pane and their workers."""

    def __init__(self, pane: LogsPane) -> None:
        self.pane = pane
        self.merge = True  # several paths open as one timeline (--no-merge: False)
        self.tz: dt.tzinfo | None = None  # times without a zone (--tz); None: local time
        self.sources: dict[str, MergedSource] = {}  # row key -> merged source, newest last

    def open(self, paths: list[Path]) -> None:
        key = merged_key(paths)
        self.pane._selected_key = key  # claimed now: nothing else is shown meanwhile
        self.pane._opening += 1
        self.pane.run_worker(self._open(paths, key), group="logs-open")

    async def _open(self, paths: list[Path], key: str) -> None:
        from m3tui.logs.merge import MergedSource
        from m3tui.tui.panes.log_sources import file_key

        pane = self.pane
        try:
            existing = self.sources.get(key)
            if existing is not None:
                pane._show(existing, key)
                return
            parts: list[FileSource] = []
            for p in paths:
                src = pane.files.get(str(p))
                if src is None:
                    try:
                        src = await pane.backend.open(p, p.name, progress=pane.decompress_progress(p.name))
                    except M3tuiError as exc:  # that file is left out of the merge, said once
                        pane._say(str(exc), severity="error")
                        continue
                    pane.files[str(p)] = src
                parts.append(src)
            if len(parts) < 2:  # one file left: shown as itself
                pane._fill_sources()
                if parts:
                    pane._selected_key = file_key(parts[0].path)
                    pane._show(parts[0], pane._selected_key)
                    pane.set_timer(0.3, lambda: pane._build_index(parts[0]))
                return
            try:
                merged = await asyncio.to_thread(MergedSource, parts, self.tz)
            except M3tuiError as exc:  # too many files
                pane._say(str(exc), severity="error")
                pane._fill_sources()
                return
        finally:
            pane._opening = max(0, pane._opening - 1)
        self.sources.pop(key, None)
        self.sources[key] = merged
        pane._selected_key = key
        pane._fill_sources()
        pane._show(merged, key)
        pane.set_timer(0.3, lambda: self.build(merged))

    # --- the whole timeline ---------------------------------------------------------------

    def build(self, src: MergedSource) -> None:
        self.pane.run_worker(self._build(src), group="logs-index")

    async def _build(self, src: MergedSource) -> None:
        pane = self.pane
        src.stop.set()
        stop = src.stop = threading.Event()
        for part in src.parts:
            part.builds += 1
        if pane._ticker is None:
            pane._ticker = pane.set_interval(0.2, pane._tick)

        def progress(fraction: float) -> None:
            if not stop.is_set():
                src.progress = fraction

        try:
            done = await asyncio.to_thread(src.build, progress, stop)
        except (OSError, M3tuiError) as exc:
            pane._say(f"{src.name}: {exc}", severity="error")
            done = False
        finally:
            for part in src.parts:
                part.builds -= 1
        if not done or stop is not src.stop or stop.is_set():
            return
        for part in src.parts:  # their indexes are built: shown alone, they are numbered too
            if not part.indexed:
                pane._indexed(part)
        self._adopt(src)

    def _adopt(self, src: MergedSource) -> None:
        """The whole timeline is merged: numbered rows, the cursor on its line (or at the end)."""
        pane = self.pane
        view = pane.view
        current = src is pane.source
        bottom = view.at_bottom or pane.following
        row = view.cursor_line if current and not bottom and view.rows is None else None
        src.adopt()
        if not current:
            return
        view.rows = None
        view.marks = {}
        pane._classify(src)
        view.invalidate()
        moved = src.tail_row(row) if row is not None else None
        if moved is not None:
            view.move_to(moved)
        else:
            view.to_bottom()
        pane._recompute()
        pane._update_status()

    # --- following all the files ----------------------------------------------------------

    def follow(self, src: MergedSource) -> None:
        pane = self.pane
        pane.following = True
        stop = pane._follow_stop = asyncio.Event()
        ready = pane.follow_ready = asyncio.Event()  # set once every file is watched
        pane.run_worker(self._follow(src, stop, ready), group="logs-follow", exclusive=True)
        self.caught_up(src)
        pane.view.to_bottom()

    async def _follow(self, src: MergedSource, stop: asyncio.Event, ready: asyncio.Event) -> None:
        pane = self.pane
        readies = [asyncio.Event() for _ in src.parts]

        async def all_ready() -> None:
            for r in readies:
                await r.wait()
            self.caught_up(src)  # what was written before the watches were in place
            ready.set()

        waiter = asyncio.create_task(all_ready())
        try:
            await asyncio.gather(*(pane.backend.follow(p.path, lambda _lines: self.caught_up(src), stop, r)
                                   for p, r in zip(src.parts, readies, strict=True)))  # fmt: skip
        except (OSError, M3tuiError) as exc:
            pane._say(f"cannot follow {src.name}: {exc}", title="follow", severity="error")
            stop.set()
            if pane._follow_stop is stop:
                pane.following = False
                pane._update_status()
        finally:
            waiter.cancel()

    def caught_up(self, src: MergedSource) -> None:
        """New data in some of the files: merged in at the end (the cursor at the end follows)."""
        pane = self.pane
        stick = src is pane.source and pane.view.at_bottom
        grew = reset = False
        for part in src.parts:
            try:
                state = part.index.refresh()
            except (OSError, M3tuiError) as exc:
                pane._say(f"cannot follow {part.name}: {exc}", title="follow", severity="error")
                continue
            if state == "reset":
                reset = True
                part.indexed = False
                part.progress = 0.0
                part.retail()
            elif state == "grew":
                grew = True
                if not part.indexed:
                    part.retail()
        if not (grew or reset):
            return
        if reset:
            src.stop.set()
            src.reset()
            pane._say(f"{src.name}: a file was rotated or truncated: merging again", title="follow", timeout=3)
            self.build(src)
        elif src.indexed and all(p.index.complete for p in src.parts):
            src.extend()
        else:
            src.retail()
        if src is not pane.source:
            return
        view = pane.view
        view._cache.clear()
        if reset or not src.indexed or pane._rx is not None or pane.level:
            view.marks = {}
            pane._recompute()
        view.grown(stick)
        pane.histogram_changed(src)  # the strip counts the new lines
        pane._update_status()

    def stop_all(self) -> None:
        for src in self.sources.values():
            src.stop.set()


def prompt_paths(value: str) -> list[Path]:
    """What `o` was given: one path (spaces and all, when it names a file), or several separated
    by spaces (quoted as in a shell; a glob such as ``logs/*.log`` expanded, sorted): merged."""
    import glob
    import shlex

    whole = Path(value).expanduser()
    if whole.exists():
        return [whole]
    try:
        words = shlex.split(value)
    except ValueError:  # an unclosed quote: taken as one path (the open says it is missing)
        return [whole]
    out: list[Path] = []
    for word in words:
        word = str(Path(word).expanduser())
        found = sorted(glob.glob(word)) if glob.has_magic(word) else []
        out += [Path(p) for p in found] or [Path(word)]
    return out or [whole]
