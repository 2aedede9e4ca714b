"""Tests for m3tui.logs.format: levels in plain text and JSON (real log/slog and `go test` output:
tests/integration/test_logformat_real_go.py)."""

from __future__ import annotations

import pytest

from m3tui.logs.format import (
    GoTestMark,
    GoTestScanner,
    LogRecord,
    go_test_marks,
    level_rank,
    looks_like_go_test,
    parse_line,
    pretty,
)
from tests.testdata import DATA


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('{"ts":"2024-01-01T00:00:00Z","severity":"warning","message":"x"}', "WARN"),
        ('{"level":"DEBUG-4","msg":"x"}', "DEBUG"),
        ("level=error msg=oops", "ERROR"),
        ("2024/05/01 12:00:00 ERROR something broke", "ERROR"),
        ("[warn] disk nearly full", "WARN"),
        ("[Error] caps", "ERROR"),
        ("E1128 10:11:12.123456   12345 main.go:42] glog error", "ERROR"),
        ("W1128 10:11:12.123456   12345 main.go:42] glog warn", "WARN"),
        ('ERRO[0001] logrus says no', "ERROR"),
        ("panic: runtime error: index out of range", "FATAL"),
        ("--- FAIL: TestX (0.00s)", "ERROR"),
        ("FAIL\texample.com/demo\t0.01s", "ERROR"),
        ("just a line", None),
        ("information is not a level", None),
    ],
)
def test_levels_in_plain_text_and_json(line: str, level: str | None) -> None:
    assert parse_line(line).level == level


def test_ranks_and_odd_input() -> None:
    assert level_rank("debug") < level_rank("INFO") < level_rank("warning") < level_rank("ERROR") < level_rank("FATAL")
    assert level_rank(None) == level_rank("bogus") == 0
    assert parse_line("{not json}") == LogRecord(None, None, "{not json}", None, False)
    assert parse_line("[1,2]").is_json is False
    glog = parse_line("I1128 10:11:12.123456   12345 main.go:42] hello")
    assert (glog.level, glog.time, glog.message) == ("INFO", "1128 10:11:12.123456", "hello")
    assert pretty(parse_line("2024/05/01 12:00:00 WARN x")).startswith("2024/05/01 12:00:00 WARN")


# --- go test output: which lines belong to a failure (tests/data/gotest, recorded with the real go) ---

GOTEST = DATA / "gotest"  # a Go module whose tests fail, and its recorded go test output (README there)


def recorded(name: str) -> list[str]:
    return (GOTEST / name).read_text().splitlines()


def test_go_test_v_failures_are_errors_and_e_lands_on_each_failure_message() -> None:
    lines = recorded("go-test-v.txt")
    marks = go_test_marks(lines)
    errors = sorted(marks)
    assert errors == [4, 5, 8, 9, 10, *range(12, 18), 28, *range(33, 37), *range(40, 61)]
    firsts = [i for i in errors if marks[i].first]
    assert [lines[i].strip() for i in firsts] == [
        "calc_test.go:17: Add(1, 2) = 4, want 3",  # the failure, not the --- FAIL line after it
        "calc_test.go:28: Add(0, 0) = 1, want 0",
        "calc_test.go:28: Add(2, 2) = 5, want 4",
        "calc_test.go:41: A: about to fail",  # a parallel test's output, between another's
        "calc_test.go:43: A: wrong answer",
        "crash_test.go:12: dividing by zero",
    ]
    assert marks[4] == GoTestMark("ERROR", True, "TestAdd")
    assert marks[9].test == "TestTable/zero" and not marks[9].first  # the message's next lines
    assert marks[42] == GoTestMark("FATAL", False, "TestRatioZero")  # panic:
    assert all(marks[i].level == "ERROR" and not marks[i].first for i in range(43, 61))  # the trace, FAIL
    passed = [i for i, line in enumerate(lines) if "B: fine" in line or "subtracting" in line or "not on this" in line]
    assert len(passed) == 3 and not set(passed) & set(marks)  # passing and skipped tests' output


def test_go_test_without_v_lines_under_a_fail_header_are_errors() -> None:
    lines = recorded("go-test.txt")
    marks = go_test_marks(lines)
    assert sorted(marks) == list(range(len(lines)))  # every line is part of a failure
    assert [lines[i] for i in sorted(marks) if marks[i].first] == [
        "--- FAIL: TestAdd (0.00s)", "--- FAIL: TestTable (0.00s)", "--- FAIL: TestParallelA (0.04s)",
        "--- FAIL: TestRatioZero (0.00s)",
    ]  # fmt: skip
    assert marks[1].test == "TestAdd" and marks[4].test == "TestTable/zero"


def test_go_test_marks_stream_in_pieces_and_leave_other_logs_alone() -> None:
    lines = recorded("go-test-v.txt")
    scanner = GoTestScanner()
    got: dict[int, GoTestMark] = {}
    for line in lines:  # fed one line at a time, as a followed file grows
        got.update(scanner.feed(line))
    assert got == go_test_marks(lines)
    assert looks_like_go_test(lines) and looks_like_go_test(recorded("go-test.txt"))
    assert not looks_like_go_test(['{"level":"INFO","msg":"x"}', "2024/05/01 12:00:00 FAIL to connect", "    indented"])
    assert go_test_marks(["INFO start", "    indented detail", "ERROR boom"]) == {}
    # an unfinished test's output stays undecided (not an error) until its --- line comes
    assert go_test_marks(["=== RUN   TestX", "    x_test.go:3: hmm"]) == {}
