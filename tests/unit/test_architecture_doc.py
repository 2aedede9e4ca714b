"""ARCHITECTURE.md's diagram matches the folders one to one: each package's row names exactly
its modules (subpackages as `name/ (modules)`), so a module added, moved or removed must find
its place in the picture."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^ m3tui/(\w+)/\s+(.*)$")
CONTINUATION = " " * 18


def diagram_rows(text: str) -> dict[str, str]:
    """package -> the text of its row (continuation lines joined), from the first fenced block."""
    block = re.search(r"```\n(.*?)```", text, re.S)
    assert block, "ARCHITECTURE.md has no diagram (a fenced block)"
    rows: dict[str, str] = {}
    current = None
    for line in block[1].splitlines():
        if match := ROW.match(line):
            current = match[1]
            rows[current] = match[2]
        elif current and line.startswith(CONTINUATION) and line.strip():
            rows[current] += " " + line.strip()
        else:
            current = None
    return rows


def listed_modules(row: str) -> set[str]:
    """`a, b, sub/ (c, d) [a note] ──> what it runs` -> {"a", "b", "sub/c", "sub/d"}."""
    row = re.sub(r"\[.*?\]", "", row).split("──")[0]
    listed = {f"{sub}/{name.strip()}" for sub, inner in re.findall(r"(\w+)/ \(([^)]*)\)", row) for name in inner.split(",")}
    rest = re.sub(r"\w+/ \([^)]*\)", "", row)
    return listed | set(re.findall(r"[a-z_][a-z0-9_]*", rest))


def modules_of(package: Path) -> set[str]:
    return {p.relative_to(package).with_suffix("").as_posix() for p in package.rglob("*.py") if p.name != "__init__.py"}


def test_the_diagram_names_every_package_and_module_and_nothing_else() -> None:
    rows = diagram_rows((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    packages = {p.name for p in (ROOT / "m3tui").iterdir() if (p / "__init__.py").exists() and p.name != "__pycache__"}
    assert set(rows) == packages, f"rows {sorted(rows)} vs packages {sorted(packages)}"
    problems = []
    for package, row in sorted(rows.items()):
        listed, actual = listed_modules(row), modules_of(ROOT / "m3tui" / package)
        problems += [f"m3tui/{package}/{m}.py is not in the diagram" for m in sorted(actual - listed)]
        problems += [f"the diagram names m3tui/{package}/{m}, which does not exist" for m in sorted(listed - actual)]
    assert not problems, "ARCHITECTURE.md's diagram and the folders differ:\n" + "\n".join(problems)


def test_the_parser_reads_subpackages_notes_and_arrows() -> None:
    rows = diagram_rows("```\n m3tui/x/         a, b, sub/ (c,\n                  d) [a note]   ──exec──> go\n```\n")
    assert listed_modules(rows["x"]) == {"a", "b", "sub/c", "sub/d"}
