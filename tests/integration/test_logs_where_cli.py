"""`m3tui logs FILE --where EXPR [--json]` and `--lint --where`, and .m3tui-lint.toml, run for real."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

M3TUI = [sys.executable, "-m", "m3tui"]
LINES = [
    '{"time":"2024-05-01T12:00:00Z","level":"WARN","msg":"slow","component":"m3-query","duration":600000000,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
    'time=2024-05-01T12:00:01Z level=info msg="all good" component=m3-db duration=1.5s',
    "2024/05/01 12:00:02 plain text level=error",
    '{"time":"2024-05-01T12:00:03Z","level":"ERROR","msg":"boom","component":"Bad_Name","duration":"2s"}',
]


def m3tui(*args: str, home: Path, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "M3TUI_HOME": str(home), "HOME": str(home)}
    done = subprocess.run([*M3TUI, *args], input=stdin, capture_output=True, env=env, cwd=cwd, timeout=60, check=False)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def write_log(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "app.log"
    log.write_text("\n".join(LINES) + "\n")
    return log


def test_where_prints_the_matching_lines_exit_0_or_1(tmp_path: Path) -> None:
    log = write_log(tmp_path / "logs")
    done = m3tui("logs", str(log), "--where", "level>=warn duration>500ms", home=tmp_path)
    assert (done.returncode, done.stdout.splitlines()) == (0, [LINES[0], LINES[3]]), done.stderr
    done = m3tui("logs", str(log), "--where", "component=m3-*", home=tmp_path)
    assert done.stdout.splitlines() == LINES[:2]
    done = m3tui("logs", str(log), "--where", "component=nothing", home=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "")


def test_where_on_stdin_gzip_and_json(tmp_path: Path) -> None:
    log = write_log(tmp_path)
    data = gzip.compress(log.read_bytes())
    done = m3tui("logs", "-", "--where", "trace_id=4bf9*", home=tmp_path, stdin=data)
    assert (done.returncode, done.stdout.splitlines()) == (0, [LINES[0]]), done.stderr
    gz = tmp_path / "app.log.gz"
    gz.write_bytes(data)
    done = m3tui("logs", str(gz), "--where", 'msg~"good|boom"', "--json", home=tmp_path)
    doc = json.loads(done.stdout)
    assert doc["schema"] == 1 and doc["where"] == 'msg~"good|boom"'
    assert [(x["line"], x["text"]) for x in doc["lines"]] == [(2, LINES[1]), (4, LINES[3])]
    assert doc["lines"][0]["fields"]["duration"] == "1.5s" and (doc["matched"], doc["scanned"]) == (2, 4)


def test_a_gz_cut_half_way_ends_the_json_document_with_the_error_in_it(tmp_path: Path) -> None:
    """What was found before the read failed, then the error, in one document (not half of one and a
    second); the line on stderr; exit 2, as for any input that is not what it must be."""
    lines = [LINES[0]] * 20_000  # past the first reads, so matches are written before the cut is met
    gz = tmp_path / "cut.log.gz"
    gz.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode())[:-2000])
    done = m3tui("logs", str(gz), "--where", "level=warn", "--json", home=tmp_path)
    doc = json.loads(done.stdout)  # one document
    assert done.returncode == 2 and doc["schema"] == 1 and 0 < doc["matched"] == len(doc["lines"]) < 20_000
    assert doc["error"]["exit"] == 2 and doc["error"]["message"] == done.stderr.strip()
    assert doc["error"]["message"].endswith("cut.log.gz: truncated gzip data (Compressed file ended before the end-of-stream marker was reached)")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_bad_expression_is_one_line_exit_2(tmp_path: Path) -> None:
    log = write_log(tmp_path)
    for expr, says in (("level>=loud", "unknown level 'loud'"), ("msg~(a+)+", "repetition inside a repetition"), ("", "needs an expression")):
        done = m3tui("logs", str(log), "--where", expr, home=tmp_path)
        assert done.returncode == 2 and done.stdout == "", done
        assert len(done.stderr.strip().splitlines()) == 1 and says in done.stderr and "Traceback" not in done.stderr


def test_lint_where_lints_only_the_matching_lines(tmp_path: Path) -> None:
    log = write_log(tmp_path)
    done = m3tui("logs", str(log), "--lint", "--json", home=tmp_path)
    assert json.loads(done.stdout)["counts"]["component"] == 1  # line 4's Bad_Name
    done = m3tui("logs", str(log), "--lint", "--where", "level<error", "--json", home=tmp_path)
    report = json.loads(done.stdout)
    assert (done.returncode, report["checked"], report["violation_count"]) == (0, 1, 0), done.stderr  # line 1 only
    done = m3tui("logs", str(log), "--lint", "--where", "component=Bad_Name", home=tmp_path)
    assert done.returncode == 1 and done.stdout.startswith("line 4: component:"), done.stdout  # its own number


def test_the_rule_file_is_found_upwards_and_overrides_the_config(tmp_path: Path) -> None:
    log = write_log(tmp_path / "repo" / "logs" / "today")
    done = m3tui("logs", str(log), "--lint", "--json", home=tmp_path)
    assert json.loads(done.stdout)["counts"]["component"] == 1
    (tmp_path / "repo" / ".m3tui-lint.toml").write_text('component_pattern = "^[A-Za-z0-9_-]+$"\nlevels = ["WARN"]\n')
    done = m3tui("logs", str(log), "--lint", "--json", home=tmp_path)
    report = json.loads(done.stdout)
    assert report["counts"]["component"] == 0 and report["counts"]["level"] == 1, report  # ERROR is not WARN now
    (tmp_path / "repo" / ".m3tui-lint.toml").write_text("levels = [\n")
    done = m3tui("logs", str(log), "--lint", "--json", home=tmp_path)
    assert json.loads(done.stdout)["counts"]["component"] == 1  # the defaults again
    warning = [line for line in done.stderr.splitlines() if ".m3tui-lint.toml" in line]
    assert len(warning) == 1 and "not valid TOML" in warning[0] and "warning" in warning[0], done.stderr
    assert (tmp_path / "repo" / ".m3tui-lint.toml").read_text() == "levels = [\n"


def test_a_missing_file_is_said_before_any_output_and_tests_refuse_where(tmp_path: Path) -> None:
    log = write_log(tmp_path)
    done = m3tui("logs", str(log), str(tmp_path / "missing.log"), "--where", "level", "--json", home=tmp_path)
    doc = json.loads(done.stdout)  # one document: the error, not half a list of lines
    assert done.returncode == 2 and "missing.log" in doc["error"]["message"] and "lines" not in doc
    done = m3tui("logs", str(log), "--tests", "--where", "level", home=tmp_path)
    assert done.returncode == 2 and "--where does not apply to --tests" in done.stderr
