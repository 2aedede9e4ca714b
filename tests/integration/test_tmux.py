"""The real m3tui in a real terminal (tmux): start, switch panes, help, quit, hang-up.

tmux gives the app a real pty, so this covers what Pilot cannot: the console script, the
driver, 256-colour output with no COLORTERM, and what happens when the terminal goes away.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.appkit import write_executable
from tests.tmuxkit import M3TUI, Tmux, m3tui_env, tmux  # noqa: F401 - tmux: the fixture

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None and not os.environ.get("CI"), reason="tmux is not installed"),
]


@pytest.mark.parametrize("colorterm", ["", "truecolor"], ids=["256-colours", "truecolour"])
@pytest.mark.slow
def test_real_terminal_panes_help_and_quit(tmux: Tmux, m3tui_home: Path, real_go: Path, colorterm: str) -> None:
    # The truecolour run also turns the mouse off: every step below is keys only anyway.
    command = [*M3TUI, "--no-mouse"] if colorterm else M3TUI
    pid = tmux.start(command, m3tui_env(m3tui_home, os.environ["PATH"], colorterm))
    version = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    done = re.compile(r"doctor: (ok|\d+ problems?)(?!…)")
    screen = tmux.wait_for(lambda s: version in s and done.search(s) is not None, "the go version and the doctor's count")
    assert "1 Environment" in screen and "5 Logs" in screen and "System" in screen

    tmux("send-keys", "-t", "m3tui", "3")
    tmux.wait_for(lambda s: "-benchtime" in s and "l live" in s, "the Bench pane")
    tmux("send-keys", "-t", "m3tui", "?")
    tmux.wait_for(lambda s: "Keys: Bench" in s, "the help panel")
    tmux("send-keys", "-t", "m3tui", "Escape")
    tmux.wait_for(lambda s: "Keys: Bench" not in s, "the help panel to close")

    colours = tmux.screen(escapes=True)
    truecolour = "38;2;" in colours or "48;2;" in colours
    if colorterm:
        assert truecolour, "COLORTERM=truecolor but no 24-bit colour was used"
    else:
        assert "38;5;" in colours or "48;5;" in colours, "expected 256-colour output"
        assert not truecolour, "24-bit colour used without COLORTERM"

    tmux("send-keys", "-t", "m3tui", "q")
    psutil.Process(pid).wait(timeout=10)



def test_hangup_exits_and_leaves_no_child(tmux: Tmux, m3tui_home: Path, tmp_path: Path) -> None:
    # A go that hangs (as a cold `go env` can), with a child of its own: the app is probing
    # when the terminal goes away.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    write_executable(bindir / "go", "#!/bin/sh\nsleep 120 &\nsleep 121\n")
    pid = tmux.start(M3TUI, m3tui_env(m3tui_home, f"{bindir}{os.pathsep}{os.environ['PATH']}"))
    app = psutil.Process(pid)
    deadline = time.monotonic() + 20
    probes: list[psutil.Process] = []
    while time.monotonic() < deadline and len(probes) < 3:
        probes = app.children(recursive=True)  # the go script and its two sleeps
        time.sleep(0.1)
    assert len(probes) >= 3, f"the hanging go probe never started: {app.children(recursive=True)}"

    tmux.kill()  # the terminal goes away: SIGHUP to the app
    gone, alive = psutil.wait_procs([app, *probes], timeout=5)
    alive = [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"still running after hang-up: {alive}"


def test_piped_output_opens_in_the_logs_pane_with_keys_from_the_terminal(tmux: Tmux, m3tui_home: Path, tmp_path: Path) -> None:
    """`go test ./... 2>&1 | m3tui logs -`: the data comes on stdin, the keys from the tty (like less)."""
    script = tmp_path / "pipe.sh"
    script.write_text(f"printf 'INFO starting\\nERROR the piped failure\\n' | {sys.executable} -m m3tui logs -\n")
    pid = tmux.start(["sh", str(script)], m3tui_env(m3tui_home, os.environ["PATH"]), size=(100, 30))
    tmux.wait_for(lambda s: "ERROR the piped failure" in s and "stdin" in s, "the piped lines in the Logs pane")
    tmux("send-keys", "-t", "m3tui", "q")
    psutil.Process(pid).wait(timeout=10)
