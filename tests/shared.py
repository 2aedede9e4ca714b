"""Where ../shared (design notes, recorded macOS outputs, benchstat's test data) is: beside the
checkout, as for the developers and for CI."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
MACOS_FIXTURES = SHARED / "fixtures" / "macos"
BENCHSTAT_ORACLES = SHARED / "oracles" / "benchstat"


def has_column(text: str, label: str, unit: str) -> bool:
    """A benchstat-style column header: the label on one `│` header line, its unit on the next."""
    lines = text.splitlines()
    return any("│" in a and label in a and "│" in b and unit in b for a, b in zip(lines, lines[1:]))
