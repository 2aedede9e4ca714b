"""The Environment pane's `f`: the focused finding's fix shown in a modal, applied on y (journaled
for `m3tui doctor --undo`, the checks run again), nothing done on escape. A real rc file."""

from __future__ import annotations

import json

from m3tui.core.config import load_config
from m3tui.doctor.model import Finding, Group, Offer, Status
from m3tui.tui.app import M3tuiApp
from m3tui.tui.panes.environment import EnvironmentPane, FixScreen
from tests.appkit import fixed_probe, settle
from tests.screen import screen_text


def _app(finding: Finding, runs: list[int]) -> M3tuiApp:
    async def doctor(on_finding):
        runs.append(1)
        on_finding(finding)
        return [finding]

    return M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=doctor)


async def test_f_shows_the_change_and_applies_it_on_y(tmp_path, m3tui_home) -> None:
    rc = tmp_path / ".zshrc"
    rc.write_bytes(b"export EDITOR=vim\n")
    line = f'source "{m3tui_home}/env.sh"'
    hook = Finding("go.shell_hook", Group.GO, Status.WARN, "m3tui's shell hook is not active in zsh", fix=line,
                   offers=(Offer("rc_line", (str(rc), line)),))  # fmt: skip
    runs: list[int] = []
    app = _app(hook, runs)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FixScreen)
        text = screen_text(app)
        assert f"add to {rc}:" in text and f"+ {line}" in text and "y applies · n cancels" in text
        await pilot.press("escape")  # nothing done
        await pilot.pause()
        assert not isinstance(app.screen, FixScreen) and rc.read_bytes() == b"export EDITOR=vim\n"
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert rc.read_bytes() == b"export EDITOR=vim\n" + line.encode() + b"\n"
        assert (tmp_path / ".zshrc.bak").read_bytes() == b"export EDITOR=vim\n"
        changes = json.loads((m3tui_home / "doctor-fixes.json").read_text())["changes"]
        assert [(c["kind"], c["path"]) for c in changes] == [("rc", str(rc))]
        assert len(runs) == 2  # the checks ran again
        assert app.main_screen.query_one(EnvironmentPane).findings


async def test_f_on_a_finding_without_an_offer_says_so() -> None:
    plain = Finding("go.path", Group.GO, Status.WARN, "2 different go binaries on PATH", fix="remove the others from PATH")
    app = _app(plain, [])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, FixScreen)
        assert "no fix it can make and undo" in " ".join(str(n.message) for n in app._notifications)
