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


#: Run by a small interpreter: forks, sets the limits in the child, which becomes the command;
#: waits for it and writes its peak RSS to a file. (Measured from pytest directly, a forked
#: child's peak would start at pytest's own size, hundreds of MB late in a full run.)
LAUNCH = """
import os, resource, signal, sys
limit_as, limit_fsize, close_stdin = (int(a) for a in sys.argv[1:4])
report = sys.argv[4]
pid = os.fork()
if pid == 0:
    if limit_as:
        resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))
    if limit_fsize:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_fsize, limit_fsize))
    if close_stdin:
        os.close(0)
    os.execv(sys.argv[5], sys.argv[5:])
signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as f:
    f.write(str(usage.ru_maxrss * 1024))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def measured(argv: Sequence[str], *, env: Mapping[str, str], limit_as: int = 0, limit_fsize: int = 0,
             close_stdin: bool = False, timeout: float = 120) -> Done:  # fmt: skip
    """Run ``argv`` under the limits; its exit status (128+N when killed by N), output and peak RSS."""
    program = shutil.which(argv[0]) or argv[0]
    with tempfile.TemporaryDirectory() as scratch:
        report = os.path.join(scratch, "maxrss")
        full = [sys.executable, "-c", LAUNCH, str(limit_as), str(limit_fsize), str(int(close_stdin)), report, program,
                *argv[1:]]  # fmt: skip
        with open(os.path.join(scratch, "out"), "w+b") as out, open(os.path.join(scratch, "err"), "w+b") as err:
            proc = subprocess.Popen(full, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=dict(env))
            try:
                code = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait()
                raise AssertionError(f"{argv} did not end in {timeout} s") from None
            out.seek(0)
            err.seek(0)
            with open(report) as f:
                max_rss = int(f.read())
            return Done(code, out.read().decode(errors="replace"), err.read().decode(errors="replace"), max_rss)


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
