"""A terminal that dies without a SIGHUP (the pty's other end closed): m3tui must notice and exit.

Textual's driver alone would keep the app running forever with no terminal; the app's
one-second terminal check ends it and kills what it started.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import psutil

from tests.appkit import write_executable


def test_closed_pty_ends_the_app_and_its_children(m3tui_home: Path, tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    write_executable(bindir / "go", "#!/bin/sh\nsleep 120 &\nsleep 121\n")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    app = subprocess.Popen(
        [sys.executable, "-m", "m3tui"], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    try:
        painted = b""
        deadline = time.monotonic() + 20
        children: list[psutil.Process] = []
        while time.monotonic() < deadline and (b"Environment" not in painted or len(children) < 3):
            if select.select([master], [], [], 0.1)[0]:
                painted += os.read(master, 65536)
            children = psutil.Process(app.pid).children(recursive=True)
        assert b"Environment" in painted and len(children) >= 3, "the app never painted and probed"
        os.close(master)
        assert app.wait(timeout=5) == 129
        _, alive = psutil.wait_procs(children, timeout=3)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive
    finally:
        if app.poll() is None:
            app.kill()
