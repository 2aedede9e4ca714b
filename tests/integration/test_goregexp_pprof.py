"""Go-regexp filters and pprof's "matched no samples" warnings: `m3tui profile top` against the real
`go tool pprof -top` with the same -focus/-ignore/-hide on real profiles of tests/data/goprof:
the same report on stdout, the same warning lines on stderr, Go's reason for a refused pattern."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.goprofiles import go_env
from tests.realgo import GO_BIN_DIR

pytestmark = pytest.mark.go

M3TUI = [sys.executable, "-m", "m3tui", "profile", "top"]

# (profile, flags): patterns Python's re refused or read otherwise, and filters that match nothing
CASES = [
    ("cpu", {"focus": "[[:upper:]]ib"}),
    ("cpu", {"focus": r"\pL+\.Fib\z"}),
    ("cpu", {"focus": r"\Qgoprof.Fib\E"}),
    ("cpu", {"focus": "(?U)Fi.+"}),
    ("cpu", {"focus": "(?i)FIB|hash"}),
    ("cpu", {"focus": r"[[:^lower:]]ash", "hide": r"\Aruntime\."}),
    ("cpu", {"ignore": r"runtime\..*\z", "focus": "(a+)+$"}),
    ("mem", {"focus": r"[[:alpha:]]+\.alloc\p{Lu}"}),
    ("mem", {"hide": r"\Qruntime.\E", "ignore": r"\PL\pL{5}\z"}),
    # warnings
    ("cpu", {"focus": "NoSuchFunction"}),
    ("cpu", {"ignore": "NoSuchFunction"}),
    ("cpu", {"hide": "NoSuchFunction"}),
    ("cpu", {"focus": "NoSuchFunction", "ignore": "Nor[[:upper:]]his", "hide": r"\z\A."}),
    ("cpu", {"focus": "Fib", "ignore": "Fib"}),  # focus only where ignore is: pprof warns
    ("cpu", {"focus": "Fib", "ignore": "goprof"}),
    ("mem", {"focus": r"\x{1F600}", "hide": "alloc"}),
]


def _flags(flags: dict[str, str], dashes: str) -> list[str]:
    return [f"{dashes}{k}={v}" for k, v in flags.items()]


def _pprof(path: str, flags: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert GO_BIN_DIR is not None
    return subprocess.run([str(GO_BIN_DIR / "go"), "tool", "pprof", "-top", *_flags(flags, "-"), path],
                          env=go_env(), capture_output=True, text=True, timeout=600)  # fmt: skip


def _ours(path: str, flags: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, path, *_flags(flags, "--")], capture_output=True, text=True, timeout=600)


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "matched no samples" in line]


@pytest.mark.parametrize(("name", "flags"), CASES, ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in f.items())}" for n, f in CASES])
def test_top_and_warnings_match_go_tool_pprof(real_profiles, name: str, flags: dict[str, str]) -> None:
    path = str(real_profiles.by_name(name))
    want, got = _pprof(path, flags), _ours(path, flags)
    assert want.returncode == 0 and got.returncode == 0, (want.stderr, got.stderr)
    assert got.stdout == want.stdout
    assert _warnings(got.stderr) == _warnings(want.stderr)
    assert got.stderr.strip().splitlines() == _warnings(got.stderr)  # nothing else said


def test_the_cases_warn_and_filter() -> None:
    # the table exercises both sides: some of pprof's warnings, some filters that keep rows
    assert sum("NoSuchFunction" in str(f) for _, f in CASES) >= 4


@pytest.mark.parametrize("pattern", ["a{1001}", "(?<=x)y", r"\C", "(?P<Ü>x)", "x**", "[[:word:]"])
def test_a_refused_pattern_says_gos_reason(real_profiles, pattern: str) -> None:
    path = str(real_profiles.by_name("cpu"))
    want, got = _pprof(path, {"focus": pattern}), _ours(path, {"focus": pattern})
    assert want.returncode != 0 and got.returncode == 2 and got.stdout == ""
    # pprof: "parsing focus regexp: error parsing regexp: REASON"; m3tui: "--focus regexp 'P': REASON"
    reason = want.stderr.split("error parsing regexp: ", 1)[1].splitlines()[0]
    assert got.stderr.strip() == f"m3tui profile: --focus regexp {pattern!r}: {reason}"
