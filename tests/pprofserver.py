"""tests/data/pprofserver (a Go program serving net/http/pprof on 127.0.0.1) built with the real Go
and started: for the Profiles pane's fetch tests. ``header`` ("Name: value", or several) makes it
a service behind auth: a request without those headers gets a 401."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.goprofiles import go_env
from tests.realgo import GO_BIN_DIR
from tests.testdata import DATA


#: The server built by the session's first caller (in its tmp_path, which lasts the session): the
#: program is the same for every test (a header is given by the environment), so it is built once.
_BUILT: list[Path] = []


def _binary(root: Path) -> Path:
    if _BUILT and _BUILT[0].is_file():
        return _BUILT[0]
    src = root / "src"
    shutil.copytree(DATA / "pprofserver", src)
    assert GO_BIN_DIR is not None
    binary = root / "pprofserver"
    built = subprocess.run([str(GO_BIN_DIR / "go"), "build", "-o", str(binary), "."], cwd=src, env=go_env(),
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stderr
    _BUILT[:] = [binary]
    return binary


@contextmanager
def pprof_server(root: Path, header: str | Sequence[str] | None = None) -> Iterator[str]:
    """Run the server (built under ``root`` if no test has built it yet); its base URL (http://127.0.0.1:PORT)."""
    binary = _binary(root)
    headers = [header] if isinstance(header, str) else list(header or ())
    env = {**os.environ, **({"PPROFSERVER_HEADER": "\n".join(headers)} if headers else {})}
    proc = subprocess.Popen([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        m = re.fullmatch(r"port (\d+)\n", first)
        assert m, first
        time.sleep(1.0)  # a second of work to profile
        yield f"http://127.0.0.1:{m.group(1)}"
    finally:
        proc.kill()
        proc.wait(timeout=30)
