"""Where the tests' data is: tests/data/ (see tests/data/README.md for where each folder came from).

Nothing outside the checkout is read, so the tests pass from a fresh clone.
"""

import random
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
MACOS = DATA / "macos"  # real recorded outputs of macOS commands (provenance: macos/README.md)
BENCHSTAT = DATA / "benchstat"  # benchstat's own test data, golang.org/x/perf (BSD: benchstat/LICENSE)
GOBENCH = DATA / "gobench"  # a Go module with benchmarks
GOPROF = DATA / "goprof"  # a Go module whose benchmarks give CPU, heap, block and mutex profiles
GOTEST = DATA / "gotest"  # a Go module whose tests fail, and its recorded go test output (gotest/README.md)
PPROF = DATA / "pprof"  # two real profiles (cpu.pb.gz, mem.pb.gz) made from GOPROF (provenance: pprof/README.md)


def has_column(text: str, label: str, unit: str) -> bool:
    """A benchstat-style column header: the label on one `│` header line, its unit on the next."""
    lines = text.splitlines()
    return any("│" in a and label in a and "│" in b and unit in b for a, b in zip(lines, lines[1:]))


def write_big_log(path: Path, lines: int) -> Path:
    """A log of ``lines`` lines (JSON, plain, numbers; seeded, so always the same) plus a last
    line without a newline: what the index and tail are measured on (tests and benchmarks)."""
    rnd = random.Random(7)
    templates = [
        b'{"time":"2024-05-01T12:00:00.%06dZ","level":"INFO","msg":"request served","status":200}\n',
        b"2024/05/01 12:00:00 worker %d: processed batch\n",
        b'{"time":"2024-05-01T12:00:01Z","level":"ERROR","msg":"boom","n":%d}\n',
        b"%d\n",
    ]
    block = b"".join(rnd.choice(templates) % i for i in range(100_000))
    with open(path, "wb") as f:
        for _ in range(lines // 100_000):
            f.write(block)
        f.write(b"the very last line")
    return path
