"""Making hostile inputs and running under limits, for the hostile-input tests of every feature.

- `zeros_gzip`: a real gzip bomb, streamed (memory stays flat while it is written).
- `measured`: run a command with an address-space and file-size limit set in the child itself
  (then exec'd, so what is measured is the command alone); its exit, output and own peak RSS.
- `deadline`: fail instead of blocking for ever (a FIFO read, a regexp that backtracks).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


def zeros_gzip(path: Path, size: int, *, line: int | None = None) -> Path:
    """A gzip bomb: ``size`` bytes of zeros (a newline every ``line`` bytes) streamed through zlib."""
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = bytearray(1 << 20)
    if line:
        chunk[line - 1 :: line] = b"\n" * len(chunk[line - 1 :: line])
    with path.open("wb") as f:
        for _ in range(size >> 20):
            f.write(z.compress(chunk))
        f.write(z.flush())
    return path


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str
    max_rss: int  # bytes


#: Sets the limits in the child itself, then becomes the command (no preexec_fn: unsafe with threads).
LAUNCH = """
import os, resource, signal, sys
limit_as, limit_fsize, close_stdin = (int(a) for a in sys.argv[1:4])
if limit_as:
    resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))
if limit_fsize:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit_fsize, limit_fsize))
if close_stdin:
    os.close(0)
os.execv(sys.argv[4], sys.argv[4:])
"""


def measured(argv: Sequence[str], *, env: Mapping[str, str], limit_as: int = 0, limit_fsize: int = 0,
             close_stdin: bool = False, timeout: float = 120) -> Done:  # fmt: skip
    """Run ``argv`` under the limits; its exit status, output and its own peak RSS (wait4)."""
    program = shutil.which(argv[0]) or argv[0]
    full = [sys.executable, "-c", LAUNCH, str(limit_as), str(limit_fsize), str(int(close_stdin)), program, *argv[1:]]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(full, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=dict(env))
        deadline_at = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline_at:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise AssertionError(f"{argv} did not end in {timeout} s")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Done(proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                    usage.ru_maxrss * 1024)  # fmt: skip


class Hung(BaseException):  # not an Exception: code under test must not turn it into an answer
    pass


@contextlib.contextmanager
def deadline(seconds: int, what: object = "") -> Iterator[None]:
    """Fail (raise `Hung`, naming ``what``) when the block is still running after ``seconds``."""

    def hung(signum: int, frame: object) -> None:
        raise Hung(f"{what or 'the call'} still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
