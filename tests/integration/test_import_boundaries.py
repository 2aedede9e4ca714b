"""Imports are lazy at feature boundaries: a command loads its own feature, nothing else.

Each case runs `m3tui.cli.main.main(argv)` in a fresh interpreter (the real go first on PATH,
M3TUI_HOME a temporary directory) and lists `sys.modules` afterwards. `m3tui doctor --offline`
must not load bench, profiles, logs, versions, the TUI, Textual or httpx (the network probes'
client); `m3tui --version` and `--help` must load no feature package and no command module.
The folder rules (tests/unit/test_layers.py) say what may be imported at all; this says what
is imported when.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Runs main(argv) and writes the names in sys.modules to the file named by argv[1].
PROBE = """
import json, sys
from pathlib import Path
out, argv, preload = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
for name in preload:  # the canary case: an import the checks must catch
    __import__(name)
from m3tui.cli.main import main
try:
    code = main(argv)
except SystemExit as exc:  # --version and --help end in argparse's exit
    code = exc.code
Path(out).write_text(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

FEATURES = ("m3tui.doctor", "m3tui.versions", "m3tui.bench", "m3tui.profiles", "m3tui.logs", "m3tui.tui")
COMMAND_MODULES = ("m3tui.cli.doctor", "m3tui.cli.versions", "m3tui.cli.bench", "m3tui.cli.profile", "m3tui.cli.logs")
#: What `m3tui doctor --offline` must leave alone: every other feature, the UI, the network client.
NOT_FOR_DOCTOR = (
    "m3tui.versions", "m3tui.bench", "m3tui.profiles", "m3tui.logs", "m3tui.tui", "textual", "rich", "httpx",
    "m3tui.cli.versions", "m3tui.cli.bench", "m3tui.cli.profile", "m3tui.cli.logs",
)  # fmt: skip
#: What `m3tui --version` / `--help` must leave alone: every feature and every command's module.
NOT_FOR_PARSER = (*FEATURES, *COMMAND_MODULES, "textual", "rich", "httpx")


def loaded(argv: list[str], tmp_path: Path, preload: tuple[str, ...] = ()) -> tuple[object, list[str]]:
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), json.dumps(argv), *preload],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and out.exists(), done.stderr
    result = json.loads(out.read_text())
    return result["code"], result["modules"]


def offenders(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f"{f}.") for f in forbidden)]


def test_doctor_offline_loads_only_the_doctor(real_go: Path, tmp_path: Path) -> None:
    code, modules = loaded(["doctor", "--offline", "--json"], tmp_path)
    assert code in (0, 1)  # 1: a check found an error on this machine; the doctor still ran
    assert "m3tui.doctor.run" in modules and "m3tui.cli.doctor" in modules
    stray = offenders(modules, NOT_FOR_DOCTOR)
    assert not stray, f"m3tui doctor --offline imported {', '.join(stray)}"


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["doctor", "--help"], ["bench", "--help"]])
def test_version_and_help_load_no_feature(argv: list[str], tmp_path: Path) -> None:
    code, modules = loaded(argv, tmp_path)
    assert code == 0
    stray = offenders(modules, NOT_FOR_PARSER)
    assert not stray, f"m3tui {' '.join(argv)} imported {', '.join(stray)}"


def test_the_doctor_check_catches_a_stray_import(real_go: Path, tmp_path: Path) -> None:
    """The canary: the same probe with one stray import fails the doctor's check."""
    _, modules = loaded(["doctor", "--offline", "--json"], tmp_path, ("m3tui.logs.format",))
    assert "m3tui.logs.format" in offenders(modules, NOT_FOR_DOCTOR)


def test_the_parser_check_catches_a_stray_import(tmp_path: Path) -> None:
    _, modules = loaded(["--version"], tmp_path, ("m3tui.doctor.model",))
    assert "m3tui.doctor.model" in offenders(modules, NOT_FOR_PARSER)
