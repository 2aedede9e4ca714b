"""Tests for m3tui.logs.lint and the `m3tui logs` front (cli_logs), in-process."""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from m3tui.cli import logs as cli_logs
from m3tui.cli.main import main
from m3tui.cli.parser import build_parser
from m3tui.core.config import config_path, load_config
from m3tui.logs.lint import (
    DEFAULT_RULES,
    LintConfig,
    check_rfc3339,
    check_trace_id,
    lint_lines,
    load_lint_config,
    make_rules,
    report_json,
)

GOOD = json.dumps(
    {
        "time": "2024-05-01T12:00:00.123456789+02:00",
        "level": "info",
        "msg": "ok",
        "component": "api-server",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    }
)
BAD = [
    '{"time":"2024-05-01T12:00:00Z","level":"VERBOSE","msg":"x"}',  # level
    '{"time":"2024-05-01T12:00:00Z","level":"INFO","component":"Api_Server"}',  # component
    '{"time":"2024-05-01T12:00:00Z","level":"INFO","trace_id":"00000000000000000000000000000000"}',
    '{"time":"2024-05-01T12:00:00Z","level":"INFO","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736"}',
    '{"time":"2024-13-01T12:00:00Z","level":"INFO"}',  # month 13
    '{"time":"yesterday","level":"INFO"}',
    '{"msg":"no level, no time"}',
]


def test_good_lines_are_clean() -> None:
    report = lint_lines([GOOD, GOOD.replace("info", "WARN"), "", "plain text line", "[1, 2]"])
    assert report.violations == []
    assert report.checked == 2
    assert report.non_json == 2
    assert report_json(report)["ok"] is True


def test_bad_lines_are_marked_and_counted() -> None:
    report = lint_lines([GOOD, *BAD])
    got = [(v.line, v.rule) for v in report.violations]
    assert got == [(2, "level"), (3, "component"), (4, "trace_id"), (5, "trace_id"), (6, "time"), (7, "time"),
                   (8, "level"), (8, "time")]  # fmt: skip
    assert report.counts == {"level": 2, "component": 1, "trace_id": 2, "time": 3}
    assert report.checked == 8
    doc = report_json(report)
    assert doc["violation_count"] == 8 and doc["violations"][0]["value"] == "VERBOSE"
    assert "missing" in report.violations[-1].message


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2024-05-01T12:00:00Z", True),
        ("2024-05-01t12:00:00.5z", True),
        ("2024-05-01T12:00:00.123456789-07:00", True),
        ("2016-12-31T23:59:60Z", True),  # leap second
        ("2024-05-01T12:00:00", False),  # no offset
        ("2024-02-30T12:00:00Z", False),
        ("2024-05-01", False),
        (1714564800, False),
    ],
)
def test_rfc3339(value: object, ok: bool) -> None:
    assert (check_rfc3339(value) is None) is ok


def test_trace_id() -> None:
    assert check_trace_id("4bf92f3577b34da6a3ce929d0e0e4736") is None
    assert check_trace_id("4bf92f3577b34da6a3ce929d0e0e473") is not None
    assert "zeros" in check_trace_id("0" * 32)


def test_config_table(tmp_path: Path) -> None:
    assert [r.name for r in DEFAULT_RULES] == ["level", "component", "trace_id", "time"]
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'theme = "x"\n[logs.lint]\nrules = ["level", "time"]\nrequired = []\nlevels = ["INFO", "NOTICE"]\n'
        '[logs.lint.fields]\ntime = "ts"\n'
    )
    before = path.read_text()
    cfg, warnings = load_lint_config()
    assert warnings == []
    assert cfg == LintConfig(rules=("level", "time"), required=(), levels=("INFO", "NOTICE"), fields={"time": "ts"})
    report = lint_lines(['{"level":"notice","ts":"bad"}', '{"level":"DEBUG","component":"X"}'], config=cfg)
    assert [(v.line, v.rule, v.field) for v in report.violations] == [(1, "time", "ts"), (2, "level", "level")]
    assert path.read_text() == before  # never written

    path.write_text('[logs.lint]\nrules = ["level", "nonsense"]\n')
    cfg, warnings = load_lint_config()
    assert cfg == LintConfig() and len(warnings) == 1 and "nonsense" in warnings[0]
    path.write_text("[logs.lint]\ncomponent_pattern = '('\n")
    cfg, warnings = load_lint_config()
    assert cfg == LintConfig() and "logs.lint.component_pattern cannot be used (pattern" in warnings[0]
    path.write_text("not toml = = =")
    assert load_lint_config() == (LintConfig(), [])  # the TOML itself is core.config's to say, once
    assert "not valid TOML" in load_config().warnings[0]
    assert make_rules(LintConfig(rules=("trace_id",)))[0].name == "trace_id"


# --- cli_logs --------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["logs", *argv])


def no_async(coro):  # cli_logs never needs the event loop
    raise AssertionError("run_async should not be used")


def test_cli_lint_text_and_json(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([GOOD, *BAD]) + "\n")
    assert cli_logs.run(parse(str(bad), "--lint"), no_async) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("line 2: level: level 'VERBOSE'")
    assert out[-1] == "8 JSON lines checked, 0 non-JSON, 8 violations (level 2, component 1, trace_id 2, time 3)"

    assert cli_logs.run(parse(str(bad), "--lint", "--json"), no_async) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["time"] == 3 and doc["checked"] == 8

    good = tmp_path / "good.jsonl.gz"
    good.write_bytes(gzip.compress((GOOD + "\nplain\n").encode()))
    assert cli_logs.run(parse(str(good), "--lint", "--json"), no_async) == 0
    assert json.loads(capsys.readouterr().out)["non_json"] == 1


def test_cli_stdin_errors_and_tui(tmp_path: Path, capsys, monkeypatch) -> None:
    """Through main, as the command runs: exit codes per the contract, one line on stderr."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((GOOD + "\n").encode())))
    assert main(["logs", "-", "--lint"]) == 0
    assert "1 JSON lines checked" in capsys.readouterr().out

    def fails(*argv: str, code: int, says: str) -> None:
        assert main(["logs", *argv]) == code
        out, err = capsys.readouterr()
        assert err.count("\n") == 1 and says in err and "Traceback" not in err and "internal error" not in err, err
        if "--json" in argv:  # the error object on stdout
            assert json.loads(out)["error"]["exit"] == code
        else:
            assert out == ""

    fails(str(tmp_path / "missing.log"), "--lint", code=2, says="No such file or directory")
    fails(str(tmp_path), "--lint", code=2, says="is a directory, not a regular file")
    notgz = tmp_path / "broken.gz"
    notgz.write_bytes(b"\x1f\x8b garbage")
    fails(str(notgz), "--lint", code=2, says="broken.gz: corrupt gzip data")

    fails("--lint", code=2, says="--lint takes exactly one FILE")
    fails("a", "b", "--lint", code=2, says="--lint takes exactly one FILE")
    fails("a", "--json", code=2, says="--json applies to --lint, --where and --tests only")
    assert cli_logs.run(parse(), no_async) == "tui"
    assert cli_logs.run(parse("x.log", "-"), no_async) == "tui"


def test_marks_know_each_lines_reasons_and_the_next_one() -> None:
    from m3tui.logs.lint import LintMarks, short_summary, summary

    report = lint_lines([GOOD, *BAD, GOOD, BAD[1]])
    marks = LintMarks(report.violations)
    assert marks.lines == [1, 2, 3, 4, 5, 6, 7, 9] and 0 not in marks and 1 in marks
    assert marks.reasons(1) == ["level 'VERBOSE' is not one of DEBUG, ERROR, INFO, WARN"]
    assert marks.reasons(7) == ["missing field 'level'", "missing field 'time'"]
    assert marks.next(1) == 2 and marks.next(7) == 9 and marks.next(9) is None
    assert marks.next(1, reverse=True) is None and marks.next(9, reverse=True) == 7 and marks.next(8, reverse=True) == 7
    grown = LintMarks()
    grown.add(report.violations[0], offset=100)  # lint of lines added from line 100 on
    assert grown.lines == [101] and grown.reasons(101) == marks.reasons(1)
    assert summary(report, len(marks)) == "lint: 9 violations on 8 lines (level 2, component 2, trace_id 2, time 3)"
    assert short_summary(report) == "lint 9 ⚠"
    assert summary(lint_lines([GOOD]), 0) == "lint ok: 1 record" and short_summary(lint_lines([GOOD])) == "lint ok"
    plain = lint_lines(["=== RUN   TestX", "--- PASS: TestX (0.00s)", ""])
    assert summary(plain, 0) == "lint: no JSON records to check (2 lines not JSON)" and short_summary(plain) == "lint: no JSON"
