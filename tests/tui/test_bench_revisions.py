"""The Bench pane's revision axis: the rev field (completion, the list of revisions, the usage
error), a revision A/B run live with both sides' rows, a side that does not build, a saved
revision run opened and run again (its very commits); and one run with the real backend: a git
repository made here, the real git and go."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from m3tui.bench.backend import LocalBench
from m3tui.bench.history import History
from m3tui.bench.revisions import WORKTREE_LABEL
from m3tui.tui.panes.bench import BenchPane
from m3tui.tui.panes.bench_revs import RevInput, RevisionPicker, RevisionTable
from tests.gitrepo import git, make_revab_repo, set_n
from tests.appkit import M3_BUILD_LINES, M3_REVISIONS, FixedBenchBackend, snapshot_app
from tests.screen import screen_text
from tests.tui.test_bench_pane import column, fill, open_bench, status, wait_for


async def _type_rev(pilot, pane: BenchPane, keys: str) -> RevInput:
    field = pane.query_one(RevInput)
    field.focus()
    await pilot.pause()
    await pilot.press(*keys)
    await pilot.pause()
    await pilot.pause()
    return field


async def test_the_rev_field_completes_the_word_being_typed_from_the_repositorys_revisions(tmp_path: Path,
                                                                                            monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    backend = FixedBenchBackend()
    app = snapshot_app(bench=backend)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        field = await _type_rev(pilot, pane, "ma")
        assert field._suggestion == "main", "the branch main, suggested after ma"
        await pilot.press("right")  # at the end: takes the suggestion
        assert field.value == "main"
        await pilot.press("space", "f", "a")
        await pilot.pause()
        await pilot.pause()
        assert field._suggestion == "main faster-encode", "the second word completes on its own"
        await pilot.press("end")
        await pilot.press("right")
        assert field.value == "main faster-encode"
        await pilot.press("space", "7", "7")
        await pilot.pause()
        await pilot.pause()
        assert field._suggestion == "main faster-encode 77aa01e", "a recent commit too"
        price = tmp_path / "internal" / "price"
        pane.query_one("#bench-package").value = str(price)  # another package: its repository's revisions
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert tmp_path in backend.choice_dirs and backend.choice_dirs[-1] == price


async def test_down_lists_the_revisions_and_enter_puts_one_in_place_of_the_word_being_typed(tmp_path: Path,
                                                                                           monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    app = snapshot_app(bench=FixedBenchBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        field = await _type_rev(pilot, pane, "main v")
        await pilot.press("down")
        await pilot.pause()
        assert isinstance(app.screen, RevisionPicker)
        table = app.screen.query_one(RevisionTable)
        assert app.focused is table
        assert column(table, "revision") == ["main", "faster-encode", "v1.4.0", "3f2c1d0", "77aa01e"]
        assert column(table, "kind") == ["branch", "branch", "tag", "commit", "commit"]
        assert "release v1.4.0" in screen_text(app)
        assert table.cursor_row == 2, "on the first revision that starts with the word being typed (v)"
        await pilot.press("k", "k", "j", "j", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, RevisionPicker) and app.focused is field
        assert field.value == "main v1.4.0"
        await pilot.press("down", "escape")  # esc closes, nothing changed
        await pilot.pause()
        assert field.value == "main v1.4.0" and app.focused is field


async def test_two_gos_and_a_rev_is_the_one_line_usage_error_and_runs_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    backend = FixedBenchBackend()
    app = snapshot_app(bench=backend)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, go="go1.22.10 go1.23.4", rev="main")
        await pilot.press("r")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("one axis at a time" in m for m in messages) and not pane.running and backend.prepared == []
        fill(pane, go="", rev="main v1.4.0 faster-encode")
        await pilot.press("r")
        await pilot.pause()
        assert any("at most two revisions" in n.message for n in app._notifications) and backend.prepared == []
        fill(pane, rev="nosuchbranch")
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert status(pane) == "revision 'nosuchbranch': no such commit in /Users/gopher/shop"


async def test_a_revision_run_shows_both_sides_rows_live_and_compares_them(tmp_path: Path, monkeypatch) -> None:
    import asyncio

    monkeypatch.chdir(tmp_path)
    backend = FixedBenchBackend()
    backend.hold = asyncio.Event()
    app = snapshot_app(bench=backend)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, rev="main")
        pane.focus_target().focus()
        await pilot.press("r")
        await wait_for(lambda: pane.live.samples >= 24, timeout=10)  # the first round of both sides
        await wait_for(lambda: pane.query_one("#bench-live", DataTable).row_count == 24, timeout=5)
        assert pane.running
        table = pane.query_one("#bench-live", DataTable)
        assert column(table, "rev").count("main@3f2c1d0") == 12
        assert column(table, "rev").count(WORKTREE_LABEL) == 12, "both sides' rows while it runs"
        assert backend.prepared[-1][2] == ["main"] and [r.label for r in backend.sessions[-1].revisions] == [
            "main@3f2c1d0", WORKTREE_LABEL]
        backend.hold.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(pane).startswith("done: 240 samples")
        assert set(pane.results) == {"main@3f2c1d0", WORKTREE_LABEL}
        await pilot.press("c")
        await pilot.pause()
        text = screen_text(app)
        assert "main@3f2c1d0" in text and WORKTREE_LABEL in text and "-10." in text, "the working tree is faster"
        await pilot.press("l", "p")  # a main row: measured in another tree than the package's
        await pilot.pause()
        assert any("measured at main@3f2c1d0" in n.message for n in app._notifications)


async def test_a_side_that_does_not_build_says_the_compilers_lines_and_keeps_the_others_rows(tmp_path: Path,
                                                                                             monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    backend = FixedBenchBackend()
    backend.fail = WORKTREE_LABEL
    app = snapshot_app(bench=backend)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, rev="main")
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = status(pane)
        assert said.startswith(f"{WORKTREE_LABEL}: the build failed: ./price.go:41:9: undefined: priceCache · kept main@3f2c1d0")
        assert all(line in said for line in M3_BUILD_LINES), "every compiler line (e shows them all)"
        table = pane.query_one("#bench-live", DataTable)
        assert table.row_count == 12 and set(column(table, "benchmark")) == {"Checkout/items=10", "Checkout/items=100", "Encode"}
        await pilot.press("e")
        await pilot.pause()
        assert "too many return values" in screen_text(app)


async def test_a_saved_revision_run_shows_each_sides_commit_and_R_runs_the_very_same_commits(tmp_path: Path,
                                                                                             monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    backend = FixedBenchBackend(revision_run=True)
    main, tree = M3_REVISIONS["main"], M3_REVISIONS[WORKTREE_LABEL]
    app = snapshot_app(bench=backend)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("enter")  # run 13, the newest
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = status(pane)
        assert f"A: main@3f2c1d0 {main.commit[:12]}" in said and f"B: working tree {tree.commit[:12]} (uncommitted changes)" in said
        table = pane.query_one("#bench-live", DataTable)
        assert sorted(set(column(table, "rev"))) == ["main@3f2c1d0", WORKTREE_LABEL]
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.query_one("#bench-rev", Input).value == f"{main.commit} {tree.commit}", "the full hashes: the same trees"
        assert pane.query_one("#bench-go", Input).value == "go1.24.2", "the one Go of the run"
        assert backend.prepared[-1][1:] == (["go1.24.2"], [main.commit, tree.commit])
        assert any(n.message.startswith("run 13 again at its very commits: A: main@3f2c1d0") for n in app._notifications)
        session = backend.sessions[-1]
        assert [(r.label, r.commit, r.dirty) for r in session.revisions] == [
            ("main@3f2c1d0", main.commit, False), (WORKTREE_LABEL, tree.commit, True)], "labelled as the run it repeats"
        assert status(pane).startswith("done: 240 samples")


async def test_the_rev_fields_keys_are_named_in_the_help() -> None:
    from textual.binding import Binding

    from m3tui.tui.widgets.help_screen import HelpScreen

    for binding in [*RevInput.BINDINGS, *(b for node in (RevisionTable, RevisionPicker) for _, b in node._merge_bindings())]:
        if True:
            assert isinstance(binding, Binding) and binding.id and binding.description, binding
    app = snapshot_app(bench=FixedBenchBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        pane.query_one(RevInput).focus()
        await pilot.pause()
        app.action_help()  # `?` would be typed into the field: the palette's "Help" does the same
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {k.binding_id: k.keys for k in app.screen.pane_keys}
        assert rows["bench.rev_choices"] == "↓"


# --- the real backend: a git repository made here, the real git and go ---------------------------

@pytest.fixture
def repo(real_go: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding a module (tests/integration/test_bench_rev_ab.py's): main has
    N = 100, the working tree N = 2000."""
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    return make_revab_repo(tmp_path)


@pytest.mark.slow
async def test_a_real_revision_run_shows_both_sides_rows_and_R_repeats_its_commits(repo: Path, monkeypatch,
                                                                                m3tui_home: Path) -> None:  # fmt: skip
    monkeypatch.chdir(repo)
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        field = await _type_rev(pilot, pane, "ma")
        await wait_for(lambda: field._suggestion == "main", timeout=10)  # from the repository's own branches
        fill(pane, rev="main", cpu="1", count="4", benchtime="1000x")
        pane.focus_target().focus()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(pane).startswith("done: 16 samples"), status(pane)
        table = pane.query_one("#bench-live", DataTable)
        labels = column(table, "rev")
        assert labels.count(WORKTREE_LABEL) == 2 and sum(label.startswith("main@") for label in labels) == 2
        with History() as history:
            meta = history.list_runs(1)[0].meta
        (a_label, a_commit, a_dirty), (b_label, _, b_dirty) = meta.revisions
        assert a_label in labels and a_label.startswith("main@") and not a_dirty and len(a_commit) == 40
        assert (b_label, b_dirty) == (WORKTREE_LABEL, True), "the working tree, with its uncommitted change"
        set_n(repo, 7)  # the tree changes: R still runs the snapshot
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(pane).startswith("done: 16 samples"), status(pane)
        with History() as history:
            again = history.list_runs(1)[0].meta
        assert again.revisions == meta.revisions, "the very same commits, labelled as before"


@pytest.mark.slow
async def test_a_real_side_that_does_not_build_says_the_compilers_lines_and_the_other_sides_rows_stay(
        repo: Path, monkeypatch, m3tui_home: Path) -> None:  # fmt: skip
    fixed = (repo / "n.go").read_text()  # main: broken at a commit of its own; the working tree: fixed
    set_n(repo, "undefinedThing")
    git(repo, "commit", "-q", "-am", "broken")
    (repo / "n.go").write_text(fixed)
    monkeypatch.chdir(repo)
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, rev="main", cpu="1", count="2", benchtime="100x")
        pane.focus_target().focus()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = status(pane)
        assert said.startswith("main@") and "the build failed" in said and "kept working tree: 4 samples" in said, said
        assert "undefined: undefinedThing" in said, "the compiler's own line"
        assert set(column(pane.query_one("#bench-live", DataTable), "rev")) == {WORKTREE_LABEL}
