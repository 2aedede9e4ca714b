"""No module under m3tui/ over 600 lines unless its docstring says why ("Long because: …")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "m3tui"
MAX_LINES = 600
GENERATED = {"profile_pb2.py"}  # protoc's output


def test_long_modules_say_why() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in GENERATED:
            continue
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(text, filename=str(path))) or ""
        if "Long because:" not in doc:
            offenders.append(f"{path.relative_to(PACKAGE.parent)}: {lines} lines")
    assert not offenders, (
        f"modules over {MAX_LINES} lines whose docstring has no 'Long because:' paragraph "
        "(split them, or say why they are one module):\n  " + "\n  ".join(offenders)
    )
