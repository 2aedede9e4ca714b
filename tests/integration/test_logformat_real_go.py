"""m3tui.logs.format on real log/slog output (`go run`) and real `go test -v` failures."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from m3tui.logs.format import columns, go_test_failures, is_error, parse_line, pretty

SLOG_MAIN = """package main

import (
	"errors"
	"log/slog"
	"os"
)

func main() {
	j := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, l := range []*slog.Logger{j, t} {
		l.Debug("starting", "component", "api-server")
		l.Info("request served", "status", 200, "path", "/v1/items")
		l.Warn("slow request", "ms", 1234)
		l.Error("request failed", "err", errors.New("connection refused"), "trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")
		l.Log(nil, slog.LevelInfo+2, "between info and warn")
	}
}
"""

FAILING_TEST = """package demo

import "testing"

func TestGood(t *testing.T) {}

func TestBad(t *testing.T) {
	t.Log("about to fail")
	t.Errorf("want %d, got %d", 1, 2)
}

func TestSub(t *testing.T) {
	t.Run("inner", func(t *testing.T) { t.Fatal("inner broke") })
}
"""


def go_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOROOT", "GOOS", "GOARCH", "GOFLAGS")}
    env.update(GOTOOLCHAIN="local", CGO_ENABLED="0", GOPROXY="off", GOWORK="off", GOFLAGS="-mod=mod")
    if not env.get("HOME"):
        env["GOCACHE"] = str(tmp_path / "gocache")
        env["GOPATH"] = str(tmp_path / "gopath")
    return env


@pytest.fixture
def slog_lines(real_go: Path, tmp_path: Path) -> list[str]:
    (tmp_path / "go.mod").write_text("module example.com/slogdemo\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text(SLOG_MAIN)
    out = subprocess.run(
        [str(real_go), "run", "."], cwd=tmp_path, env=go_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_real_slog_json_and_text(slog_lines: list[str]) -> None:
    assert len(slog_lines) == 10
    recs = [parse_line(line) for line in slog_lines]
    json_recs, text_recs = recs[:5], recs[5:]
    assert all(r.is_json for r in json_recs)
    assert not any(r.is_json for r in text_recs)
    for group in (json_recs, text_recs):
        assert [r.level for r in group] == ["DEBUG", "INFO", "WARN", "ERROR", "INFO"]
        assert [r.message for r in group] == [
            "starting", "request served", "slow request", "request failed", "between info and warn",
        ]  # fmt: skip
        assert all(r.time and r.time.startswith("20") for r in group)
        assert group[0].fields == {"component": "api-server"}
        assert group[3].fields["err"] == "connection refused"
        assert is_error(group[3]) and not is_error(group[2])
    assert json_recs[1].fields == {"status": 200, "path": "/v1/items"}
    assert text_recs[1].fields == {"status": "200", "path": "/v1/items"}
    lvl, when, msg = columns(json_recs[1])
    assert (lvl, msg) == ("INFO", "request served status=200 path=/v1/items")
    pretty_json = json.loads(pretty(json_recs[3]))
    assert list(pretty_json)[:3] == ["time", "level", "msg"]
    assert pretty_json["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_real_go_test_failures(real_go: Path, tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/demo\n\ngo 1.22\n")
    (tmp_path / "demo_test.go").write_text(FAILING_TEST)
    out = subprocess.run(
        [str(real_go), "test", "-v", "./..."], cwd=tmp_path, env=go_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert out.returncode != 0
    lines = out.stdout.splitlines()
    fails = go_test_failures(lines)
    assert [lines[i].strip() for i in fails] == [
        lines[i].strip() for i in range(len(lines)) if lines[i].lstrip().startswith("--- FAIL:")
    ]
    names = [lines[i].split()[2] for i in fails]
    assert names == ["TestBad", "TestSub", "TestSub/inner"]
    assert all(is_error(parse_line(lines[i])) for i in fails)
    final = [line for line in lines if line.startswith("FAIL")]
    assert final and all(parse_line(line).level == "ERROR" for line in final)
    assert parse_line(next(line for line in lines if "--- PASS" in line)).level is None


def test_real_go_test_output_lines_of_failures_are_errors(real_go: Path, tmp_path: Path) -> None:
    """tests/data/gotest run again by the real go, with and without -v: the same lines are
    failures as in its recordings (the unit tests read those), whatever the interleaving."""
    import shutil

    from m3tui.logs.format import go_test_marks, looks_like_go_test
    from tests.testdata import DATA

    module = tmp_path / "gotest"
    shutil.copytree(DATA / "gotest", module, ignore=shutil.ignore_patterns("*.txt", "*.md"))
    messages = {
        "calc_test.go:17: Add(1, 2) = 4, want 3", "calc_test.go:28: Add(0, 0) = 1, want 0",
        "calc_test.go:28: Add(2, 2) = 5, want 4", "calc_test.go:41: A: about to fail",
        "calc_test.go:43: A: wrong answer", "crash_test.go:12: dividing by zero",
    }  # fmt: skip
    for verbose in (True, False):
        out = subprocess.run([str(real_go), "test", *(["-v"] if verbose else []), "./..."], cwd=module,
                             env=go_env(tmp_path), capture_output=True, text=True, timeout=300)  # fmt: skip
        assert out.returncode == 1, out.stderr
        lines = out.stdout.splitlines()
        assert looks_like_go_test(lines)
        marks = go_test_marks(lines)
        marked = {lines[i].strip() for i in marks}
        assert messages <= marked, (verbose, messages - marked)
        assert not {"calc_test.go:9: subtracting", "calc_test.go:49: B: fine", "calc_test.go:35: not on this machine"} & marked
        assert {"{name:zero a:0 b:0 want:0}", "FAIL"} <= marked
        assert any(line.startswith("goroutine ") for line in marked) and any(line.startswith("panic: ") for line in marked)
        firsts = [lines[i].strip() for i in sorted(marks) if marks[i].first]
        if verbose:  # -v: each failure starts at its message (they come before its --- FAIL line)
            # (A's two messages are one failure when B's output does not come between them)
            assert messages - {"calc_test.go:43: A: wrong answer"} <= set(firsts) <= messages
        else:  # without: at the --- FAIL line, the messages under it
            assert [f.split(" (")[0] for f in firsts] == ["--- FAIL: TestAdd", "--- FAIL: TestTable",
                                                          "--- FAIL: TestParallelA", "--- FAIL: TestRatioZero"]  # fmt: skip
