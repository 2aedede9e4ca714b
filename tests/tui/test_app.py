"""Pilot tests of the app shell: panes, focus, help, palette, keymap, theme, quitting."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual import events
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Input, Static

from m3tui.core.config import load_config
from m3tui.tui.app import M3tuiApp, MainScreen, bindable_nodes, binding_ids
from m3tui.tui.panes import PANES, pane_classes
from m3tui.tui.panes.base import Pane, PaneSlot
from m3tui.tui.panes.environment import EnvironmentPane, FindingView
from m3tui.tui.panes.profiles import ProfilesPane
from m3tui.tui.widgets.help_screen import HelpScreen
from m3tui.tui.widgets.key_scroll import KeyScroll
from m3tui.tui.widgets.pane_tabs import PaneTabs
from m3tui.tui.widgets.status_line import StatusLine
from tests.appkit import fixed_doctor, settle, snapshot_app
from tests.screen import screen_text


def active(app: M3tuiApp) -> str:
    return app.active_pane.PANE_ID


async def test_number_keys_jump_to_panes_and_focus_their_body() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert active(app) == "environment"
        for number, pane in reversed(list(enumerate(PANES, start=1))):
            await pilot.press(str(number))
            await pilot.pause()
            assert active(app) == pane.pane_id
            assert app.focused is app.active_pane.focus_target()
            assert app.active_pane in app.focused.ancestors


async def test_tab_cycles_inside_the_pane_and_the_pane_bar_never_takes_focus() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for number in ("1", "4", "5"):
            await pilot.press(number)
            await pilot.pause()
            start = app.focused
            seen = []
            for _ in range(12):
                await pilot.press("tab")
                seen.append(app.focused)
            assert not any(isinstance(w, PaneTabs) for w in seen)
            assert all(w is not None and app.active_pane in w.ancestors for w in seen), "tab stays in the pane"
            await pilot.press(*["shift+tab"] * 12)
            assert app.focused is start


async def test_letters_never_switch_panes_and_pane_keys_work_after_a_click_on_the_bar() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tabs = app.main_screen.query_one(PaneTabs)
        x = sum(len(label) + 1 for _, label in tabs.labels()[:3]) + 2  # inside " 4 Profiles "
        await pilot.click(PaneTabs, offset=(x, 0))
        await pilot.pause()
        assert active(app) == "profiles" and not isinstance(app.focused, PaneTabs)
        tabs.focus()  # any way of reaching the bar (it used to be a tab stop)
        await pilot.pause()
        assert not isinstance(app.focused, PaneTabs)
        await pilot.press("h", "l")
        assert active(app) == "profiles", "h and l are not pane switches"
        await pilot.press("1")
        await pilot.pause()
        calls = len(app.findings)
        await pilot.press("r")  # the Environment pane's key works at once
        await settle(pilot)
        assert app.main_screen.query_one(EnvironmentPane).findings and calls


async def test_focus_is_never_lost_and_returns_after_help_and_palette() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        third = app.focused
        assert isinstance(third, FindingView)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.focused is third, "the help gives focus back"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is third, "the palette gives focus back"
        app.screen.set_focus(None)  # e.g. the focused row was removed with nothing beside it
        await pilot.pause()
        await pilot.pause()
        assert app.focused is not None and app.active_pane in app.focused.ancestors_with_self
        await pilot.press("k")
        second = app.focused
        app.post_message(events.AppBlur())  # the terminal lost focus (another window)
        await pilot.pause()
        await pilot.pause()
        assert app.focused is None
        app.post_message(events.AppFocus())
        await pilot.pause()
        assert app.focused is second, "back in the terminal: the same widget, not the pane's default"


async def test_help_lists_enter_and_the_keys_of_the_focused_widget_as_remapped(m3tui_home: Path) -> None:
    (m3tui_home / "config.toml").write_text('[keymap]\n"environment.next" = "n"\n')
    app = snapshot_app(config=load_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = app.focused
        await pilot.press("n")
        assert app.focused is not first and isinstance(app.focused, FindingView), "the remapped key moves"
        await pilot.press("question_mark")
        rows = {k.binding_id: k.keys for k in app.screen.pane_keys}
        assert rows["environment.toggle"] == "⏎"  # Textual shows enter as ⏎
        assert rows["environment.next"] == "n"
        assert "j" in rows["scroll.down"], "j is free again: it scrolls the body, and ? says so"


async def test_help_lists_the_current_panes_keys_and_closes() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        pane_ids = [k.binding_id for k in app.screen.pane_keys]
        assert "environment.rerun" in pane_ids and "environment.next" in pane_ids
        assert "scroll.down" not in pane_ids, "the body's j/k are shadowed by the finding's: not listed"
        assert {"pane.logs", "app.quit", "app.help", "focus.next"} <= {k.binding_id for k in app.screen.global_keys}
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("question_mark")
        assert app.screen.pane_title == "Versions"
        assert "environment.rerun" not in [k.binding_id for k in app.screen.pane_keys]
        await pilot.press("question_mark")
        assert isinstance(app.screen, MainScreen)


async def test_q_quits() -> None:
    app = snapshot_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("q")
    assert app.return_code == 0
    assert not app.is_running


async def test_palette_reaches_every_pane_and_pane_action_and_q_types_there() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for pane in PANES:
            assert f"Go to {pane.title}" in titles
        assert "Environment: Re-run checks" in titles
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        # Typing into the palette's input: neither q nor a digit acts as an app key.
        await pilot.press("q", "3")
        assert app.is_running and isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).value == "q3"
        await pilot.press(*["backspace"] * 2, *"go to logs")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert active(app) == "logs"


async def test_palette_runs_a_pane_action() -> None:
    calls = []

    async def probe():
        calls.append(1)
        from tests.appkit import M3_REPORT

        return M3_REPORT

    app = M3tuiApp(config=load_config(), toolchain_probe=probe, doctor=fixed_doctor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert calls == [1]
        await pilot.press("2", "ctrl+p", *"re-run checks")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert calls == [1, 1]
        assert active(app) == "environment"


def test_every_binding_has_an_id() -> None:
    nodes = bindable_nodes()
    assert {M3tuiApp, MainScreen, HelpScreen, KeyScroll, FindingView, *pane_classes()} <= set(nodes)
    for node in nodes:
        for _key, binding in node._merge_bindings():
            assert isinstance(binding, Binding)
            assert binding.id, f"{node.__name__}: binding {binding.key} -> {binding.action} has no id"
    ids = binding_ids()
    assert len(ids) == len(set(ids))


async def test_keymap_from_config_remaps_a_binding(m3tui_home: Path) -> None:
    (m3tui_home / "config.toml").write_text(
        '[keymap]\n"pane.logs" = "l"\n"no.such.binding" = "x"\n"flame.zoom" = "z"\n"logs.down" = "down,j,ctrl+n"\n'
    )
    app = snapshot_app(config=load_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        assert active(app) == "environment", "5 was remapped away"
        await pilot.press("l")
        assert active(app) == "logs"
        messages = [n.message for n in app._notifications]
        assert any("no.such.binding" in m for m in messages)
        # Bindings of widgets a pane builds later (the flame graph, the log view) are known too.
        assert not any("flame.zoom" in m or "logs.down" in m for m in messages)


async def test_broken_config_warns_uses_defaults_and_is_left_alone(m3tui_home: Path) -> None:
    path = m3tui_home / "config.toml"
    path.write_text('theme = "ansi-dark\n')
    app = snapshot_app(config=load_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert any("not valid TOML" in n.message for n in app._notifications)
    assert path.read_text() == 'theme = "ansi-dark\n'


async def test_theme_from_config_and_command_line(m3tui_home: Path) -> None:
    (m3tui_home / "config.toml").write_text('theme = "ansi-dark"\n')
    app = snapshot_app(config=load_config())
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.theme == "ansi-dark"
    app = snapshot_app(config=load_config(), theme="textual-light")
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"
    (m3tui_home / "config.toml").write_text('theme = "no-such-theme"\n')
    app = snapshot_app(config=load_config())
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)


async def test_header_shows_the_real_go_after_first_paint(real_go: Path) -> None:
    app = M3tuiApp(config=load_config())
    real_version = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    async with app.run_test(size=(120, 30)) as pilot:
        status = app.main_screen.query_one(StatusLine)
        await settle(pilot)
        assert app.toolchain_report is not None and app.toolchain_report.error is None
        rendered = str(status.render())
        assert real_version in rendered
        host = f"{app.toolchain_report.host.goos}/{app.toolchain_report.host.goarch}"
        assert f"{real_version} {host}" in rendered, "go builds for this host"
        problems = sum(1 for f in app.findings if f.is_problem)
        assert app.findings, "the real doctor ran after the first paint"
        assert (f"doctor: {problems} problem" if problems else "doctor: ok") in rendered


def test_the_pane_registry_agrees_with_the_pane_classes() -> None:
    assert [(cls.PANE_ID, cls.TITLE) for cls in pane_classes()] == [(p.pane_id, p.title) for p in PANES]


async def test_hidden_panes_are_made_and_built_on_first_showing() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        built = {pane.PANE_ID: pane.built for pane in app.main_screen.query(Pane)}
        assert built == {"environment": True}, "the hidden panes are slots until shown"
        assert [slot.info.pane_id for slot in app.main_screen.query(PaneSlot)] == ["versions", "bench", "profiles", "logs"]
        await pilot.press("4")
        assert app.main_screen.query_one("#pane-profiles", Pane).built
        assert app.focused is app.main_screen.query_one("#prof-top")
        assert not app.main_screen.query("#slot-profiles"), "the slot gave way to the pane"
        await pilot.press("1", "4")  # shown again: the same pane, not a new one
        assert len(app.main_screen.query(ProfilesPane)) == 1 and app.focused is app.main_screen.query_one("#prof-top")


def test_the_first_paint_imports_no_hidden_pane_and_no_feature_service() -> None:
    """Start the real app headless in a fresh interpreter; after its first frame, nothing a
    hidden pane needs may be loaded (their modules, feature backends, Textual's DataTable)."""
    code = textwrap.dedent(
        """
        import asyncio, json, sys
        from m3tui.tui.app import M3tuiApp

        async def main():
            app = M3tuiApp(watch_terminal=False)
            app._after_first_paint = lambda: None  # no probe, no doctor: only the first frame
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                print(json.dumps(sorted(sys.modules)))

        asyncio.run(main())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert "m3tui.tui.panes.environment" in loaded and "textual.app" in loaded, "the probe saw the app start"
    forbidden = [
        m for m in loaded
        if m.startswith(("m3tui.tui.panes.versions", "m3tui.tui.panes.bench", "m3tui.tui.panes.profiles",
                         "m3tui.tui.panes.log", "m3tui.versions.", "m3tui.bench.", "m3tui.profiles.", "m3tui.logs.",
                         "m3tui.core.toolchain", "m3tui.tui.widgets.help_screen", "m3tui.tui.widgets.flame_graph"))
        or m in ("textual.widgets._data_table", "textual.widgets._progress_bar", "httpx")
    ]  # fmt: skip
    assert not forbidden, f"loaded before they are needed: {sorted(forbidden)}"


async def test_clicking_a_pane_label_switches() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tabs = app.main_screen.query_one(PaneTabs)
        labels = dict(tabs.labels())
        x = sum(len(label) + 1 for pane_id, label in tabs.labels()[:2]) + 2  # inside " 3 Bench "
        assert tabs.pane_at(x) == "bench" and labels["bench"] == " 3 Bench "
        await pilot.click(PaneTabs, offset=(x, 0))
        await pilot.pause()
        assert active(app) == "bench" and tabs.active == "bench"
        assert app.focused is not None and app.focused.id == "bench-live"


async def test_a_crash_in_the_tui_leaves_its_traceback_in_crash_log(m3tui_home) -> None:
    app = snapshot_app()
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.call_later(lambda: 1 / 0)
            await pilot.pause()
    log = (m3tui_home / "crash.log").read_text()
    assert "ZeroDivisionError" in log and "Traceback" in log


async def test_starting_on_a_log_file_shows_logs_first_and_the_doctor_still_runs(tmp_path) -> None:
    from tests.appkit import M3_FINDINGS, fixed_doctor, fixed_probe

    log = tmp_path / "svc.log"
    log.write_text("".join(f"INFO line {i}\n" for i in range(100)) + "ERROR the last line\n")
    app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=fixed_doctor, open_logs=[log])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.active_pane.PANE_ID == "logs"
        logs = app.active_pane
        assert logs.source is not None and logs.source.name == "svc.log"
        await pilot.pause(1.3)  # the doctor starts a second later, into a pane not yet built
        await app.workers.wait_for_complete()
        env = app.main_screen.query_one("#pane-environment", Pane)
        assert not env.built and len(env.findings) == len(M3_FINDINGS)
        await pilot.press("1")
        await pilot.pause()
        assert env.built and "problems" in str(env.query_one("#doctor-progress", Static).render())


async def test_own_log_records_the_start_after_the_first_paint(m3tui_home: Path) -> None:
    from m3tui.core import cmdlog
    from tests.appkit import fixed_probe

    app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=fixed_doctor, own_log=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert cmdlog.own_log_path().is_relative_to(m3tui_home)
        assert "started in" in cmdlog.own_log_path().read_text()


async def test_header_tags_m3tuis_global_go_when_another_runs_here_and_says_a_broken_link() -> None:
    from tests.tui.test_versions_pane import HereVersions

    backend = HereVersions()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = screen_text(app).splitlines()[0]
        assert "go1.24.2 darwin/arm64  ! global go1.26.6" in header, "m3tui's choice does not run here: marked"
        assert header.rstrip().endswith("doctor: 4 problems"), "the count is never cut at 80 columns"
        assert "host" not in header, "the host is the platform go builds for: not repeated"
        backend.link_state = "dangling"
        await pilot.press("r")
        await settle(pilot)
        assert "! global link broken" in screen_text(app).splitlines()[0]


def test_header_names_the_host_only_when_it_differs_from_the_target() -> None:
    from dataclasses import replace

    from m3tui.tui.widgets.status_line import status_text

    from tests.appkit import M3_REPORT

    assert "host" not in str(status_text(M3_REPORT, 0))
    rosetta = replace(M3_REPORT, host=replace(M3_REPORT.host, translated=True))
    assert "host darwin/arm64 (Rosetta)" in str(status_text(rosetta, 0))
    amd64 = replace(M3_REPORT, env={**M3_REPORT.env, "GOARCH": "amd64", "GOOS": "darwin"})
    assert "darwin/amd64  host darwin/arm64" in str(status_text(amd64, 0))
    no_go = replace(M3_REPORT, go=None, version=None, env={})  # no go on PATH: it was an UnboundLocalError
    assert "go: not on PATH  host darwin/arm64" in str(status_text(no_go, 0))


async def test_a_key_typed_right_after_a_pane_switch_reaches_the_new_pane() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")  # built once, as a user would have seen it before
        await settle(pilot)
        await pilot.press("1")
        await pilot.pause()
        for key, char in (("2", "2"), ("slash", "/")):  # queued together: a fast typist
            app.post_message(events.Key(key, char))
        await pilot.pause()
        await pilot.pause()
        assert active(app) == "versions"
        box = app.main_screen.query_one("#remote-filter", Input)
        assert box.display and app.focused is box, "/ opened the Versions filter, not nothing in Environment"
