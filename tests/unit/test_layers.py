"""The architecture as folder rules: which package of m3tui may import which.

Floors, each using only those below it (ARCHITECTURE.md draws the same picture):

    core  ->  doctor, logs  ->  versions  ->  bench  ->  profiles  ->  tui  ->  cli

`core` imports no feature; doctor and logs use only core; versions may use doctor and logs;
bench may use versions (toolchains); profiles may use bench (builds); feature packages never
import `tui` or `cli`; only `tui` imports Textual (or Rich, its renderer). Every import counts,
also those inside functions and under TYPE_CHECKING: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "m3tui"

#: What each top-level package of m3tui may import (besides itself).
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "doctor": frozenset({"core"}),
    "logs": frozenset({"core"}),
    "versions": frozenset({"core", "doctor", "logs"}),
    "bench": frozenset({"core", "doctor", "logs", "versions"}),
    "profiles": frozenset({"core", "doctor", "logs", "versions", "bench"}),
    "tui": frozenset({"core", "doctor", "logs", "versions", "bench", "profiles", "styles"}),
    "cli": frozenset({"core", "doctor", "logs", "versions", "bench", "profiles", "tui"}),
}
#: Third-party packages only the TUI may import.
TUI_ONLY = frozenset({"textual", "rich"})
#: m3tui/__init__.py and __main__.py sit above every floor.
TOP = frozenset({"__init__", "__main__"})


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file, relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from m3tui import bench` imports the package m3tui.bench
            if module == "m3tui":
                found += [(node.lineno, f"m3tui.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            arg = node.args[0]  # importlib.import_module("textual.app"), __import__("m3tui.bench")
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _names_a_module(node.value):
            found.append((node.lineno, node.value))  # a module path kept for later (a lazy registry)
    return sorted(set(found))


#: A string that names an m3tui module ("m3tui.bench.run"): imported later by whoever holds it.
MODULE_PATH = re.compile(r"m3tui\.([a-z_][a-z0-9_]*)(\.[a-z_][a-z0-9_]*)*")


def _names_a_module(text: str) -> bool:
    match = MODULE_PATH.fullmatch(text)
    return match is not None and match[1] in ALLOWED  # "m3tui.log" (a file name) is no module


def _is_dynamic_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("import_module", "__import__")


def violations(path: Path, found: list[tuple[int, str]]) -> list[str]:
    rel = path.relative_to(PACKAGE.parent)
    parts = rel.parts
    if len(parts) == 2:  # m3tui/__init__.py, m3tui/__main__.py
        assert rel.stem in TOP, f"{rel}: a module at the top of m3tui/ belongs in a package"
        return []
    layer = parts[1]
    if layer not in ALLOWED:
        return [f"{rel}: m3tui/{layer}/ is not a known layer (add it to ALLOWED and ARCHITECTURE.md)"]
    out = []
    for line, module in found:
        top, _, rest = module.partition(".")
        if top in TUI_ONLY and layer != "tui":
            out.append(f"{rel}:{line}: imports {module}; only m3tui/tui/ may import {top}")
        if top != "m3tui":
            continue
        target = rest.partition(".")[0]
        if target in ("", "__version__") or target == layer:
            continue
        if target not in ALLOWED[layer]:
            out.append(f"{rel}:{line}: m3tui/{layer}/ imports m3tui.{rest}; {layer} may use only "
                       f"{', '.join(sorted(ALLOWED[layer])) or 'the standard library and third parties'}")  # fmt: skip
    return out


def test_every_import_respects_the_floors() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50, "the walk found too few modules"
    problems = [v for path in modules for v in violations(path, imports(path))]
    assert not problems, "layer rule broken:\n" + "\n".join(problems)


def test_every_package_has_a_floor() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(ALLOWED)


@pytest.mark.parametrize(
    ("where", "source", "broken"),
    [
        ("core/x.py", "from m3tui.doctor.model import Finding", "m3tui/core/ imports m3tui.doctor.model"),
        ("doctor/x.py", "def f():\n    from m3tui.logs import index", "m3tui/doctor/ imports m3tui.logs"),
        ("versions/x.py", "from ..bench import run", "m3tui/versions/ imports m3tui.bench"),
        ("bench/x.py", "from m3tui import profiles", "m3tui/bench/ imports m3tui.profiles"),
        ("profiles/x.py", "from m3tui.cli.bench import parse", "m3tui/profiles/ imports m3tui.cli.bench"),
        ("tui/panes/x.py", "from m3tui.cli import main", "m3tui/tui/ imports m3tui.cli"),
        ("logs/x.py", "if TYPE_CHECKING:\n    from textual.app import App", "only m3tui/tui/ may import textual"),
        ("bench/x.py", "import rich.text", "only m3tui/tui/ may import rich"),
        ("doctor/x.py", "import importlib\nimportlib.import_module('m3tui.bench.run')", "m3tui/doctor/ imports m3tui.bench"),
        ("doctor/x.py", "__import__('textual.app')", "only m3tui/tui/ may import textual"),
        ("logs/x.py", "LATER = ('m3tui.versions.index', 'load')", "m3tui/logs/ imports m3tui.versions"),
    ],
)
def test_the_checker_catches(tmp_path: Path, where: str, source: str, broken: str, monkeypatch) -> None:
    """The rule can fail: each kind of upward or sideways import is reported."""
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "m3tui")
    path = tmp_path / "m3tui" / where
    path.parent.mkdir(parents=True)
    path.write_text(source + "\n")
    (problem,) = violations(path, imports(path))
    assert broken in problem


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("bench/x.py", "from m3tui.versions.installed import discover\nfrom m3tui.core import runner"),
        ("tui/panes/x.py", "from textual.app import App\nfrom ..widgets import key_scroll\nfrom m3tui import __version__"),
        ("cli/x.py", "from m3tui.tui.app import M3tuiApp"),
    ],
)
def test_the_checker_allows(tmp_path: Path, where: str, source: str, monkeypatch) -> None:
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "m3tui")
    path = tmp_path / "m3tui" / where
    path.parent.mkdir(parents=True)
    path.write_text(source + "\n")
    assert violations(path, imports(path)) == []
