"""A real terminal for tests: one tmux server of the test's own, the screen as text, waits."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class Tmux:
    """One tmux server of our own (its own socket), so tests never touch a user's sessions."""

    def __init__(self, tmp: Path) -> None:
        self.socket = f"m3tui-test-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp

    def __call__(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24), cwd: Path | None = None) -> int:
        exports = [f"{k}={v}" for k, v in env.items()]
        self(
            "new-session", "-d", "-s", "m3tui", "-x", str(size[0]), "-y", str(size[1]), *(["-c", str(cwd)] if cwd else []),
            "env", *exports, *command,
        )
        return int(self("display-message", "-p", "-t", "m3tui", "#{pane_pid}").strip())

    def screen(self, escapes: bool = False) -> str:
        return self("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "m3tui")

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; screen was:\n{screen}")

    def kill(self) -> None:
        self("kill-server", check=False)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    t = Tmux(tmp_path)
    yield t
    t.kill()


def m3tui_env(m3tui_home: Path, path: str, colorterm: str = "") -> dict[str, str]:
    # No COLORTERM by default: as over SSH, where it is usually not forwarded; 256 colours only.
    return {"M3TUI_HOME": str(m3tui_home), "PATH": path, "TERM": "screen-256color", "COLORTERM": colorterm}


M3TUI = [sys.executable, "-m", "m3tui"]
