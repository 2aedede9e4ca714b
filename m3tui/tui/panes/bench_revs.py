"""The Bench pane's revision axis: the rev field and what a revision A/B run looks like in the pane.

The rev field (`RevInput`) completes the word being typed from the repository's branches, tags
and recent commits (Textual's own suggester: `right` at the end takes the suggestion), and
`down` in it lists them all (`RevisionPicker`: enter puts the chosen one in place of the word
being typed). Empty: no revision axis; one word: it against the working tree (snapshotted when
the run starts); two: A against B.

The rest are the small rules of a revision run as the pane shows it: results split by their
side (the config key `toolchain` or `revision`, bench.session.SIDE_KEYS), a side that did not
build (its compiler lines said, the other side's rows kept), a past run's revisions (label,
commit, uncommitted changes) and what runs exactly those trees again (their full commit hashes:
a working-tree snapshot's commit is kept under refs/m3tui/snapshots/, so it resolves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from m3tui.tui.panes.base import focus_now
from m3tui.tui.widgets.row_table import RowTable, fit_columns

if TYPE_CHECKING:
    from m3tui.bench.backend import BenchBackend
    from m3tui.bench.fmt import BenchResult
    from m3tui.bench.history import RunMeta
    from m3tui.bench.revisions import Revision, RevisionChoice

#: The usage error of two Gos and a revision (the CLI's and the backend's rule: one axis at a time).
ONE_AXIS = "two Gos and a revision: one axis at a time (compare revisions under one Go, or Gos at one revision)"


class RevSuggester(Suggester):
    """Completes the last word of the rev field from the repository's revision names."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.choices: list[RevisionChoice] = []

    async def get_suggestion(self, value: str) -> str | None:
        word = value.rsplit(" ", 1)[-1]
        if not word:
            return None
        found = next((c.word for c in self.choices if c.word.startswith(word) and c.word != word), None)
        return None if found is None else value[: len(value) - len(word)] + found


class RevInput(Input):
    """The rev field: completion of the word being typed; `down` lists every revision to pick one."""

    BINDINGS: ClassVar = [Binding("down", "choices", "List revisions", id="bench.rev_choices")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", suggester=RevSuggester(), **kwargs)

    @property
    def choices(self) -> list[RevisionChoice]:
        assert isinstance(self.suggester, RevSuggester)
        return self.suggester.choices

    @choices.setter
    def choices(self, choices: list[RevisionChoice]) -> None:
        assert isinstance(self.suggester, RevSuggester)
        self.suggester.choices = choices

    def action_choices(self) -> None:
        if not self.choices:
            self.app.notify("No revisions to list: the package is not in a git repository.", title="rev", severity="warning")
            return
        self.app.push_screen(RevisionPicker(self.choices, self.value.split(" ")[-1]), self.put_word)

    def put_word(self, word: str | None) -> None:
        """The picked revision in place of the word being typed (after the others: A, then B)."""
        if word is None:
            return
        words = self.value.split(" ")
        self.value = " ".join([*words[:-1], word]).strip()
        self.cursor_position = len(self.value)
        focus_now(self)


class RevisionTable(RowTable):
    """The revisions to pick from: enter picks the one under the cursor."""

    BINDINGS: ClassVar = [Binding("enter", "pick", "Put this revision in the rev field", id="bench.rev_pick")]

    def action_pick(self) -> None:
        key = self.cursor_key()
        if key is not None:
            self.screen.dismiss(key)


class RevisionPicker(ModalScreen[str | None], inherit_bindings=False):
    """Branches, tags and recent commits (word, kind, the commit), the cursor on the first that
    starts with the word being typed; enter picks one, esc closes."""

    BINDINGS: ClassVar = [Binding("escape,q", "close", "Close", id="bench.rev_picker_close")]

    def __init__(self, choices: Sequence[RevisionChoice], typed: str = "") -> None:
        super().__init__(classes="bench-status-screen")
        self.choices = list(choices)
        self.typed = typed

    def compose(self) -> ComposeResult:
        with Vertical(id="bench-rev-box"):
            yield Static("Revisions", id="bench-rev-title")
            yield RevisionTable(id="bench-rev-table")
            yield Static("enter puts it in the rev field · esc closes", id="bench-rev-hint")

    def on_mount(self) -> None:
        table = self.query_one(RevisionTable)
        table.add_columns("revision", "kind", "commit")
        seen = set()
        for c in self.choices:
            if c.word not in seen:  # a tag and a branch of one name: the first (git resolves it the same way)
                seen.add(c.word)
                table.add_row(c.word, Text(c.kind, style="dim"), c.about, key=c.word)
        fit_columns(table)
        words = table.row_keys()
        if self.typed:
            table.move_cursor(row=next((i for i, w in enumerate(words) if w.startswith(self.typed)), 0))
        focus_now(table)

    def action_close(self) -> None:
        self.dismiss(None)


async def load_revision_choices(pane: Widget, backend: BenchBackend) -> None:
    """The chosen package's repository's revisions into the rev field's completion (none outside git)."""
    value = pane.query_one("#bench-package", Select).value
    try:
        choices = await backend.revision_choices(Path(value if isinstance(value, str) else "."))
    except Exception:  # noqa: BLE001 - git missing or failing: the field still takes any revision typed
        choices = []
    pane.query_one(RevInput).choices = choices


def read_revs(text: str, versions: Sequence[str]) -> list[str]:
    """The rev field's words; ValueError with the line to show (more than two, two Gos and a rev)."""
    revs = text.split()
    if len(revs) > 2:
        raise ValueError("rev: at most two revisions (A and B; one: it against the working tree)")
    if revs and len(versions) > 1:
        raise ValueError(ONE_AXIS)
    return revs


# --- a revision run in the pane ---------------------------------------------------------------


def relabel(revisions: Sequence[Revision], words: Sequence[str], recorded: dict[str, tuple[str, bool]]) -> list[Revision]:
    """A re-run's revisions with the labels and dirty flags of the run it repeats: the rev field
    holds that run's full commit hashes (``recorded``: commit -> label, dirty), which resolve to
    bare hashes; a word typed since is left as it resolved."""
    out = []
    for revision, word in zip(revisions, [*words, ""], strict=False):
        if word == revision.commit and word in recorded:
            label, dirty = recorded[word]
            revision = replace(revision, label=label, dirty=dirty)
        out.append(revision)
    return out


def side_labels(revisions: Sequence[Revision]) -> list[str]:
    """The column of each revision (bench.session.BenchSession.side_labels: equal labels told apart)."""
    labels = [r.label for r in revisions]
    if len(set(labels)) < len(labels):
        labels = [f"{label} ({chr(ord('A') + i)})" for i, label in enumerate(labels)]
    return labels


def split_sides(results: Sequence[BenchResult], default: str) -> dict[str, list[BenchResult]]:
    """A saved run's results by side (its toolchain or revision: the config key it was saved with)."""
    from m3tui.bench.session import SIDE_KEYS

    key = next((k for k in SIDE_KEYS if any(k in r.config for r in results)), None)
    split: dict[str, list[BenchResult]] = {}
    for r in results:
        split.setdefault(r.config.get(key, default) if key else default, []).append(r)
    return split


def revision_lines(meta: RunMeta) -> str:
    """A past run's revisions for the status line: ``A: main@3f2c1d0 3f2c1d0e…`` per side."""
    return " · ".join(f"{side}: {label} {commit[:12]}{' (uncommitted changes)' if dirty else ''}"
                      for side, (label, commit, dirty) in zip("AB", meta.revisions, strict=False))  # fmt: skip


def rerun_revs(meta: RunMeta) -> tuple[str, dict[str, tuple[str, bool]]]:
    """The rev field that repeats a past run's very trees (the full commit hashes), and what
    :func:`relabel` gives them back their labels from."""
    return " ".join(commit for _, commit, _ in meta.revisions), {c: (label, dirty) for label, c, dirty in meta.revisions}
