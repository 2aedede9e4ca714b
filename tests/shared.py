"""Where ../shared (design notes, recorded macOS outputs, benchstat's test data) is: beside the
checkout, as for the developers and for CI."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
MACOS_FIXTURES = SHARED / "fixtures" / "macos"
BENCHSTAT_ORACLES = SHARED / "oracles" / "benchstat"
