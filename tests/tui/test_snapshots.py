"""How the app looks: every pane at 80x24 and at 200x60, the help panel, the ANSI theme.

The Go facts come from a fixed report (tests/appkit.py) so the pictures do not depend on
the machine. Update after a deliberate UI change with `pytest --snapshot-update`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from m3tui.tui.panes import PANES

from tests.appkit import settle, snapshot_app

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("number", range(1, len(PANES) + 1), ids=[p.pane_id for p in PANES])
def test_pane(snap_compare, number: int, size: str) -> None:
    async def show(pilot) -> None:  # the pane's own start-up work (workers) done before the picture
        await settle(pilot)
        await pilot.press(str(number))
        await settle(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=show)


@pytest.mark.parametrize("size", list(SIZES))
def test_help(snap_compare, size: str) -> None:
    assert snap_compare(snapshot_app(), press=["question_mark"], terminal_size=SIZES[size], run_before=settle)


def test_ansi_theme(snap_compare) -> None:
    assert snap_compare(snapshot_app(theme="ansi-dark"), terminal_size=(80, 24), run_before=settle)


def test_light_theme_bench(snap_compare) -> None:
    async def show(pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(snapshot_app(theme="textual-light"), terminal_size=(80, 24), run_before=show)


def test_environment_problems_expanded(snap_compare) -> None:
    assert snap_compare(snapshot_app(), press=["e"], terminal_size=(200, 60), run_before=settle)


async def _versions(pilot) -> None:
    await settle(pilot)
    await pilot.press("2")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("outcome", ["wait", "fail"], ids=["install-in-progress", "install-error"])
def test_versions_install(snap_compare, outcome: str) -> None:
    from tests.appkit import FixedVersionsBackend

    app = snapshot_app(versions=FixedVersionsBackend(install_outcome=outcome))

    async def run_before(pilot) -> None:
        await _versions(pilot)
        await pilot.press("tab", "down", "down", "i")  # the release list, third row: go1.26.6
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


async def _bench_with_results(pilot) -> None:
    from tests.appkit import m3_bench_results

    await settle(pilot)
    await pilot.press("3")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    pane = pilot.app.query_one("#pane-bench")
    pane.load_results({"run 12": m3_bench_results()}, "example.com/shop/cart · run 12")
    await pilot.pause()


async def _bench_ab(pilot) -> None:
    from tests.appkit import m3_bench_results

    await _bench_with_results(pilot)
    pane = pilot.app.query_one("#pane-bench")
    pane.load_results({"go1.23.4": m3_bench_results(), "go1.24.2": m3_bench_results(speedup=1.06, seed=9)}, "A/B")
    await pilot.press("c")
    await pilot.pause()


@pytest.mark.parametrize("size", list(SIZES))
def test_bench_live_table(snap_compare, size: str) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=_bench_with_results)


@pytest.mark.parametrize("size", list(SIZES))
def test_bench_compare_view(snap_compare, size: str) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=_bench_ab)


async def _bench_revisions(pilot) -> None:
    """main against the working tree, run to its end (a fixed session), the cursor on the working
    tree's sixth row: both sides' rows on screen, labelled by revision."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = pilot.app.query_one("#pane-bench")
    pane.query_one("#bench-rev").value = "main"
    pane.focus_target().focus()
    await pilot.press("r")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press(*["j"] * 17)
    await pilot.pause()


def test_bench_revision_run(snap_compare) -> None:
    from tests.appkit import FixedBenchBackend

    assert snap_compare(snapshot_app(bench=FixedBenchBackend()), terminal_size=(80, 24), run_before=_bench_revisions)


async def _bench_scaling(pilot) -> None:
    await _bench_with_results(pilot)
    await pilot.press("s")
    await pilot.pause()


async def _bench_history(pilot) -> None:
    await _bench_with_results(pilot)
    await pilot.press("h")
    await pilot.app.workers.wait_for_complete()
    await pilot.press("space", "j", "space")
    await pilot.pause()


@pytest.mark.parametrize("view", ["scaling", "history"])
def test_bench_views(snap_compare, view: str) -> None:
    before = {"scaling": _bench_scaling, "history": _bench_history}[view]
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=before)


def _snapshot_profile_dir() -> Path:
    """A path of one length in every run, and per process (two runs at once do not collide)."""
    return Path("/tmp") / f"m3tui-snap-{os.getpid():08d}"


@pytest.fixture(autouse=True)
def profile_dir():
    """Every test here: the profile a Profiles snapshot opened goes with the test."""
    yield _snapshot_profile_dir()
    shutil.rmtree(_snapshot_profile_dir(), ignore_errors=True)


def _profiles(keys: tuple[str, ...] = ()):
    async def run_before(pilot) -> None:
        from tests.appkit import m3_cpu_profile_bytes

        await settle(pilot)
        await pilot.press("4")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        # The info box wraps the file's path, so its length is part of the picture: M3TUI_HOME's
        # (m3tui-home0 … m3tui-home1234, by test order) is not fixed, this one is. The
        # profile_dir fixture removes it.
        path = _snapshot_profile_dir() / "cpu.pprof"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(m3_cpu_profile_bytes())
        pilot.app.query_one("#pane-profiles").open_path(path)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("view", ["top", "flame"])
def test_profiles_views(snap_compare, view: str, size: str) -> None:
    keys = {"top": (), "flame": ("f", "down", "down", "down", "down")}[view]
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=_profiles(keys))


@pytest.mark.parametrize("view", ["peek", "source", "traces"])
def test_profiles_function_views(snap_compare, view: str) -> None:
    keys = {"peek": ("down", "g"), "source": ("down", "s"), "traces": ("a",)}[view]
    assert snap_compare(snapshot_app(), terminal_size=(100, 30), run_before=_profiles(keys))


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("state", ["form", "applied"])
def test_profiles_pprof_flags(snap_compare, state: str, size: str) -> None:
    """F: the flags form over the pane; applied (--show, --nodefraction): the rows and the view bar."""
    keys = ("F", "tab", "tab", *"json|main", "tab", "tab", "tab", *"0.01")
    keys = keys if state == "form" else (*keys, "enter")
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=_profiles(keys))


# --- the Logs pane -----------------------------------------------------------------------------

LOGS_PLAIN = [
    "2026/11/20 10:15:00 INFO server starting addr=:8080 version=1.4.2",
    "2026/11/20 10:15:00 DEBUG config loaded from /etc/shop/config.toml",
    "2026/11/20 10:15:01 INFO connected to postgres pool=8",
    "2026/11/20 10:15:02 INFO GET /healthz 200 0.4ms",
    "2026/11/20 10:15:07 WARN slow query took 812ms: SELECT * FROM carts WHERE user_id = $1",
    "2026/11/20 10:15:09 INFO POST /cart/items 201 3.1ms",
    "2026/11/20 10:15:12 ERROR payment gateway timeout after 5s: context deadline exceeded",
    "2026/11/20 10:15:12 INFO retrying payment attempt=2",
    "2026/11/20 10:15:13 INFO POST /checkout 200 41.7ms",
    "=== RUN   TestCheckout/expired_card",
    "--- FAIL: TestCheckout/expired_card (0.02s)",
    "    checkout_test.go:88: got status 200, want 402",
    "2026/11/20 10:15:20 INFO GET /cart 200 1.2ms",
    "2026/11/20 10:15:21 DEBUG cache hit key=cart:1042",
    "2026/11/20 10:15:30 INFO shutting down: received terminated",
]

LOGS_JSON = [
    '{"time":"2026-11-20T10:15:00Z","level":"INFO","msg":"server starting","component":"api","port":8080}',
    '{"time":"2026-11-20T10:15:01Z","level":"DEBUG","msg":"config loaded","component":"api"}',
    '{"time":"2026-11-20T10:15:02Z","level":"INFO","msg":"request","component":"api","method":"GET","path":"/cart","status":200}',
    '{"time":"2026-11-20T10:15:07Z","level":"WARN","msg":"slow query","component":"db","ms":812}',
    '{"time":"2026-11-20T10:15:12Z","level":"ERROR","msg":"payment failed","component":"Payments","trace_id":"abc"}',
    '{"time":"2026-11-20 10:15:13","level":"info","msg":"retrying","component":"payments","attempt":2}',
    '{"level":"NOTICE","msg":"no time here","component":"api"}',
    '{"time":"2026-11-20T10:15:20Z","level":"INFO","msg":"request","component":"api","method":"POST","path":"/checkout","status":200,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
]


def _logs_snapshot(tmp_path, name: str, lines: list[str], keys: tuple[str, ...] = (), search: str | None = None):
    path = tmp_path / name
    path.write_text("".join(f"{line}\n" for line in lines))

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()
        pane = pilot.app.main_screen.query_one("#pane-logs")
        pane.open_paths([path])
        for _ in range(200):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if pane.source is not None and pane.source.indexed:
                break
        if search is not None:
            await pilot.press("g")
            pane.set_search(search)
            await pilot.app.workers.wait_for_complete()  # the first match found before `n` looks for the next
            await pilot.pause()
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", list(SIZES))
def test_logs_plain(snap_compare, tmp_path, size: str) -> None:
    run_before = _logs_snapshot(tmp_path, "shop.log", LOGS_PLAIN)
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=run_before)


def test_logs_json_lines(snap_compare, tmp_path) -> None:
    run_before = _logs_snapshot(tmp_path, "shop.jsonl", LOGS_JSON)
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=run_before)


def test_logs_lint(snap_compare, tmp_path) -> None:
    run_before = _logs_snapshot(tmp_path, "shop.jsonl", LOGS_JSON, keys=("L",))
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=run_before)


def test_logs_search(snap_compare, tmp_path) -> None:
    run_before = _logs_snapshot(tmp_path, "shop.log", LOGS_PLAIN, keys=("n",), search="post")
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_logs_go_test_tree(snap_compare, tmp_path, size: str) -> None:
    """go test -json output as tests: failures first (the build failure at the top), `e` on the next one."""
    lines = (Path(__file__).resolve().parents[1] / "data" / "gotestmod" / "recordings" / "go-test-json.txt").read_text()
    run_before = _logs_snapshot(tmp_path, "go-test.json", lines.splitlines(), keys=("e",))
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_logs_merged(snap_compare, tmp_path, size: str) -> None:
    """Two files as one timeline (`m3tui logs shop.log shop.jsonl --tz UTC`): each line's file in the gutter."""
    import datetime as dt

    (tmp_path / "shop.jsonl").write_text("".join(f"{line}\n" for line in LOGS_JSON))
    (tmp_path / "shop.log").write_text("".join(f"{line}\n" for line in LOGS_PLAIN))

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()
        pane = pilot.app.main_screen.query_one("#pane-logs")
        pane.merging.tz = dt.timezone.utc  # the plain file's times have no zone
        pane.open_paths([tmp_path / "shop.log", tmp_path / "shop.jsonl"])
        for _ in range(200):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if pane.source is not None and pane.source.kind == "merged" and pane.source.indexed:
                break
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_logs_histogram(snap_compare, tmp_path, monkeypatch, size: str) -> None:
    """H: the strip of lines per time bucket over the log, filled, the last bucket selected (UTC labels)."""
    import time

    monkeypatch.setenv("TZ", "UTC")  # the labels are local times
    time.tzset()
    lines = []
    for m in range(0, 30, 3):  # 30 minutes, a warning every 9, an error at 12
        for s, lvl in ((5, "INFO"), (20, "INFO"), (40, "WARN" if m % 9 == 0 else "INFO"), (50, "ERROR" if m == 12 else "DEBUG")):
            lines.append(json.dumps({"time": f"2026-11-20T10:{m:02d}:{s:02d}Z", "level": lvl, "msg": f"step {m}.{s}"}))
    before = _logs_snapshot(tmp_path, "steps.jsonl", lines, keys=("H",))

    async def run_before(pilot) -> None:
        await before(pilot)
        strip = pilot.app.main_screen.query_one("#logs-histogram")
        for _ in range(500):
            if strip.snapshot is not None and strip.snapshot.done:
                break
            await pilot.pause(0.01)
        await pilot.pause()

    try:
        assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=run_before)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_logs_trace(snap_compare, tmp_path) -> None:
    """t on a line with a trace_id: that trace's lines (here one), named in the status; esc goes back."""
    before = _logs_snapshot(tmp_path, "shop.jsonl", LOGS_JSON, keys=("t",))

    async def run_before(pilot) -> None:
        await before(pilot)
        pane = pilot.app.main_screen.query_one("#pane-logs")
        for _ in range(500):
            if pane.trace.shown:
                break
            await pilot.pause(0.01)
        await pilot.pause()

    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=run_before)


def _logs_where(tmp_path, typed: str, enter: bool):
    """The Logs pane on LOGS_JSON, `&` pressed and ``typed`` typed into its prompt (then enter, or not)."""
    before = _logs_snapshot(tmp_path, "shop.jsonl", LOGS_JSON)

    async def run_before(pilot) -> None:
        from m3tui.tui.panes.log_where import WhereScreen

        await before(pilot)
        await pilot.press("ampersand")
        for _ in range(500):
            if isinstance(pilot.app.screen, WhereScreen):
                break
            await pilot.pause(0.01)
        await pilot.press(*typed, *(["enter"] if enter else []))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


def test_logs_where_prompt(snap_compare, tmp_path) -> None:
    """&: the field filter's prompt, the fields seen with their few values, the name being typed completed."""
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=_logs_where(tmp_path, "level>=info comp", False))


@pytest.mark.parametrize("size", list(SIZES))
def test_logs_where_filtered(snap_compare, tmp_path, size: str) -> None:
    """& applied: only the lines whose fields match, the filter said in the status line."""
    run_before = _logs_where(tmp_path, "level>=info component=api status>=200", True)
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=run_before)


# --- keyboard and focus (issue 12): the new states, in the dark and the ANSI theme -----------------

THEMES = ["textual-dark", "ansi-dark"]


@pytest.mark.parametrize("theme", THEMES)
def test_versions_current_and_global(snap_compare, theme: str) -> None:
    """● on the Go that runs here, `global` on m3tui's choice, the note saying why they differ."""
    from tests.tui.test_versions_pane import HereVersions

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(snapshot_app(theme=theme, versions=HereVersions()), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_logs_lint_reason_at_the_cursor(snap_compare, tmp_path, theme: str) -> None:
    run_before = _logs_snapshot(tmp_path, "shop.jsonl", LOGS_JSON, keys=("L", "g", "right_square_bracket"))
    assert snap_compare(snapshot_app(theme=theme), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_flame_selection_scrolled_into_view(snap_compare, theme: str) -> None:
    keys = ("f", *["j"] * 12)
    assert snap_compare(snapshot_app(theme=theme), terminal_size=(80, 24), run_before=_profiles(keys))


@pytest.mark.parametrize("theme", THEMES)
def test_bench_form_field_focused(snap_compare, theme: str) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f", *"Sum|Sizes")
        await pilot.pause()

    assert snap_compare(snapshot_app(theme=theme), terminal_size=(80, 24), run_before=run_before)
