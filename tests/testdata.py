"""Where the tests' data is: tests/data/ (see tests/data/README.md for where each folder came from).

Nothing outside the checkout is read, so the tests pass from a fresh clone.
"""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
MACOS = DATA / "macos"  # real recorded outputs of macOS commands (provenance: macos/README.md)
BENCHSTAT = DATA / "benchstat"  # benchstat's own test data, golang.org/x/perf (BSD: benchstat/LICENSE)
GOBENCH = DATA / "gobench"  # a Go module with benchmarks
GOPROF = DATA / "goprof"  # a Go module whose benchmarks give CPU, heap, block and mutex profiles


def has_column(text: str, label: str, unit: str) -> bool:
    """A benchstat-style column header: the label on one `│` header line, its unit on the next."""
    lines = text.splitlines()
    return any("│" in a and label in a and "│" in b and unit in b for a, b in zip(lines, lines[1:]))
