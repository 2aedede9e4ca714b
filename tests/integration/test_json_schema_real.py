"""The ``--json`` outputs that start processes (go, the go.dev-shaped site's installs, the doctor's
checks), run as a user runs them, checked against tests/unit/test_json_schema.py's SHAPES: the
schema number first, and keys recorded for that number."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.godevsite import GoDevSite, fake_go_archive
from tests.unit.test_json_schema import check_shape


def m3tui(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(M3TUI_HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "m3tui", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False, stdin=subprocess.DEVNULL)  # fmt: skip


def test_versions_outputs_carry_their_schema(m3tui_home: Path, tmp_path: Path) -> None:
    with GoDevSite() as site:
        site.add("go1.22.1", fake_go_archive("go1.22.1"))
        site.add("go1.22.2", fake_go_archive("go1.22.2"))
        (m3tui_home / "default-go-packages").write_text("# nothing yet\n")
        runs = [
            ("versions list", ["list", "--remote", "--mirror", site.url]),
            ("versions install", ["install", "1.22.1", "--mirror", site.url]),
            ("versions install", ["install", "1.22.2", "--mirror", site.url]),
            ("versions default-packages", ["default-packages", "1.22.1"]),
            ("versions use", ["use", "1.22.1"]),
            ("versions use", ["use", "1.22.2", "--here"]),
            ("versions list", ["list"]),
            ("versions current", ["current"]),
            ("versions remove", ["remove", "1.22.2"]),
            ("versions prune", ["prune"]),
            ("error", ["use", "1.99.0"]),
        ]
        for command, args in runs:
            done = m3tui(m3tui_home, "versions", *args, "--json", cwd=tmp_path)
            assert done.returncode in ((2, 3) if command == "error" else (0, 1)), (args, done.stderr)  # current: 1 when no go runs
            check_shape(command, done.stdout)


def test_doctor_and_bench_run_carry_their_schema(pkg: Path, m3tui_home: Path) -> None:
    done = m3tui(m3tui_home, "doctor", "--offline", "--json", cwd=pkg)
    assert done.returncode in (0, 1), done.stderr
    check_shape("doctor", done.stdout)
    done = m3tui(m3tui_home, "bench", "--bench", "^BenchmarkSum$", "--count", "1", "--benchtime", "10x", "--json", cwd=pkg)
    assert done.returncode == 0, done.stderr
    check_shape("bench run", done.stdout)


@pytest.mark.slow
def test_profile_capture_carries_its_schema(pkg: Path, m3tui_home: Path) -> None:
    done = m3tui(m3tui_home, "profile", "capture", "--bench", "Sum", "--benchtime", "10x", "--json", str(pkg), cwd=pkg)
    assert done.returncode == 0, done.stderr
    check_shape("profile capture", done.stdout)
    check_shape("profile captured", m3tui(m3tui_home, "profile", "captured", "--json").stdout)
