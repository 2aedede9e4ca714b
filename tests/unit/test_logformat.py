"""Tests for m3tui.logs.format: levels in plain text and JSON (real log/slog and `go test` output:
tests/integration/test_logformat_real_go.py)."""

from __future__ import annotations

import pytest

from m3tui.logs.format import LogRecord, level_rank, parse_line, pretty


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
