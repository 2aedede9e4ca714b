"""`go test -json ./... | m3tui logs -` live: the tests tree shows while the writer still writes.

A real pipe from a real process (a recording of go test -json written in two halves, the second
only once the test has seen the first on screen) into `m3tui logs -` on a real pty that is its
controlling terminal (the keys come from /dev/tty, as with less).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

RECORDING = Path(__file__).parents[1] / "data" / "gotestmod" / "recordings" / "go-test-json.txt"
#: Lines of the recording written before the writer waits (through mathx's TestAddTwo failing, before server starts).
FIRST = 40

WRITER = """
import os, sys, time
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
first, gate = int(sys.argv[2]), sys.argv[3]
for line in lines[:first]:
    os.write(1, line)
    time.sleep(0.005)
while not os.path.exists(gate):
    time.sleep(0.05)
for line in lines[first:]:
    os.write(1, line)
"""

_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[=>]")


def _take_ctty() -> None:
    fcntl.ioctl(0 if os.isatty(0) else 1, termios.TIOCSCTTY, 0)


class Screen:
    """What the app painted on the pty, escapes taken out (words stay whole within a row's run)."""

    def __init__(self, master: int, app: subprocess.Popen[bytes]) -> None:
        self.master, self.app, self.raw = master, app, b""

    def text(self) -> str:
        return _ESCAPES.sub(b"", self.raw).decode("utf-8", "replace")

    def wait_for(self, *words: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(w in self.text() for w in words):
                return
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    self.raw += os.read(self.master, 65536)
                except OSError:
                    break
            if self.app.poll() is not None:
                break
        pytest.fail(f"never shown: {[w for w in words if w not in self.text()]} (app {self.app.poll()}): {self.text()[-2000:]!r}")


@pytest.mark.slow
def test_piped_go_test_json_grows_the_tree_live(m3tui_home: Path, tmp_path: Path) -> None:
    gate = tmp_path / "go-on"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(RECORDING), str(FIRST), str(gate)], stdout=subprocess.PIPE)
    assert writer.stdout is not None
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", PYTHONDONTWRITEBYTECODE="1")
    app = subprocess.Popen([sys.executable, "-m", "m3tui", "logs", "-"], stdin=writer.stdout, stdout=slave, stderr=slave,
                           env=env, start_new_session=True, preexec_fn=_take_ctty)  # fmt: skip
    writer.stdout.close()
    os.close(slave)
    screen = Screen(master, app)
    try:
        # the first half: the broken package and mathx's failures, while the writer still waits
        screen.wait_for("TestAddTwo", "broken")
        assert writer.poll() is None, "the writer ended before the tree was checked"
        assert "TestRatioZero" not in screen.text()
        gate.touch()
        assert writer.wait(timeout=30) == 0
        screen.wait_for("TestRatioZero")  # the second half's server package, followed in
        os.write(master, b"q")
        assert app.wait(timeout=15) == 0  # the copy thread does not hold up the exit
        assert not list(m3tui_home.rglob("stdin-*")), "the spool was left behind"
    finally:
        for proc in (app, writer):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        os.close(master)
