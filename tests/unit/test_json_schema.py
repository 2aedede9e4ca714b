"""Every ``--json`` output carries ``"schema": N`` (core/jsonout.py:SCHEMAS), JSON.md documents each
command with that number, and a change of shape bumps N: SHAPES records each command's top-level
keys per schema number, and the outputs run here (in this process, on small real inputs: no child
process) must have exactly one of them. tests/integration/test_json_schema_real.py runs the
commands that need go (doctor, versions, bench run, profile capture) against the same table."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from m3tui.bench.fmt import BenchResult
from m3tui.bench.history import History, RunMeta
from m3tui.cli import parser as cli_parser
from m3tui.cli.main import main
from m3tui.core.errors import ERROR_SCHEMA
from m3tui.core.jsonout import SCHEMAS, document
from m3tui.doctor import run as doctor_run
from tests.testdata import DATA, PPROF

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "JSON.md"


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names)


_CURRENT = _keys("cwd", "go", "local", "gotoolchain", "gotoolchain_source", "modules", "pin", "effective",
                 "would_download", "error", "notes", "global_choice", "here", "chain")  # fmt: skip
_RUN = ("run_id", "status", "error", "package_dir", "toolchains", "revisions", "noise", "unparsed", "save_error")
_INFO = ("id", "started_at", "finished_at", "status", "meta", "error", "n_results", "benchmarks", "damaged")
_TUNE = _keys("kind", "bench", "benchmarks", "rounds", "sample_type", "rates", "reference_rate", "baseline_ns_op",
              "points", "recommendation", "flags", "noinline_delta", "warnings")  # fmt: skip
_DOCTOR = ("m3tui", "offline", "counts", "checks")

#: (command, schema number) -> every top-level key set (without "schema") that output may have.
#: Changing what a command prints means a new number here, in SCHEMAS and in JSON.md.
SHAPES: dict[tuple[str, int], tuple[frozenset[str], ...]] = {
    ("error", 1): (_keys("error"),),
    ("doctor", 2): (_keys(*_DOCTOR), _keys(*_DOCTOR, "baseline"), _keys(*_DOCTOR, "baseline", "error")),
    ("versions list", 1): (_keys("installed", "problems", "here"), _keys("source", "releases")),
    ("versions install", 1): (_keys("version", "goroot"), _keys("version", "goroot", "default_packages"),
                              _keys("version", "goroot", "pinned_by", "already_installed")),  # fmt: skip
    ("versions default-packages", 1): (_keys("version", "file", "default_packages"),
                                       _keys("version", "file", "gobin", "default_packages")),  # fmt: skip
    ("versions use", 1): (_keys("version", "previous", "link", "env_files", "rc_lines", "on_path", "shadowed_by",
                                "env_changed", "repaired"), _keys("written", "pin")),  # fmt: skip
    ("versions remove", 1): (_keys("removed", "freed_bytes", "global_cleared"),
                             _keys("removed", "freed_bytes", "global_cleared", "here")),  # fmt: skip
    ("versions prune", 1): (_keys("removed", "freed_bytes"),),
    ("versions current", 1): (_CURRENT,),
    ("versions project", 1): (_keys("cwd", "sources"), _keys("written")),
    ("bench run", 1): (_keys(*_RUN, "benchmarks", "scaling"), _keys(*_RUN, "sides", "compare")),
    ("bench compare", 1): (_keys("tables"),),
    ("bench history list", 1): (_keys("runs"),),
    ("bench history show", 1): (_keys(*_INFO),),  # its benchmarks are the results, not RunInfo's count
    ("bench history delete", 1): (_keys("deleted"),),
    ("profile top", 1): (_keys("sample_type", "unit", "total", "shown", "dropped_nodes", "rows"),),
    ("profile peek", 1): (_keys("sample_type", "unit", "total", "functions"),),
    ("profile list", 1): (_keys("sample_type", "unit", "total", "routines"),),
    ("profile traces", 1): (_keys("sample_type", "unit", "total", "traces"),),
    ("profile capture", 1): (_keys("id", "name", "profile", "binary", "kind"),),
    ("profile captured", 1): (_keys("captures"),),
    ("profile tune", 1): (_TUNE,),
    ("logs --lint", 1): (_keys("ok", "checked", "non_json", "malformed", "first_malformed_line", "too_long",
                               "violation_count", "counts", "violations", "violations_listed", "warnings"),),  # fmt: skip
    ("logs --where", 1): (_keys("where", "lines", "matched", "scanned", "too_long"),),
    ("logs --tests", 1): (_keys("ok", "go_test", "counts", "packages", "failures", "failure_count", "slowest", "corrupt",
                                "first_corrupt_line"),),  # fmt: skip
}

#: The parsers with --json (as the CLI's argparse tree names them) -> the SCHEMAS commands they print.
PARSERS = {
    "bench history": ("bench history list", "bench history show", "bench history delete", "bench run"),
    "bench run": ("bench run",),
    "logs": ("logs --lint", "logs --tests", "logs --where"),
    "profile list": ("profile list", "profile captured"),
}


def check_shape(command: str, text: str) -> dict[str, object]:
    """``text`` is ``command``'s document: strict JSON, schema first and its number, keys as recorded."""
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in {command}'s JSON"))
    assert isinstance(doc, dict) and next(iter(doc), None) == "schema", (command, text[:200])
    number = doc["schema"]
    assert number == SCHEMAS[command], (command, number)
    shapes = SHAPES.get((command, number))
    assert shapes is not None, f"{command} schema {number}: record its keys in SHAPES"
    keys = frozenset(doc) - {"schema"}
    assert keys in shapes, f"{command} schema {number} prints {sorted(keys)}: a new shape needs a new schema number"
    return doc


def cli(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.chdir(cwd or Path.cwd()):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _json_parsers() -> list[str]:
    build = getattr(cli_parser, "build_full_parser", cli_parser.build_parser)

    def walk(p: argparse.ArgumentParser, path: list[str]) -> list[str]:
        found = [" ".join(path)] if any("--json" in a.option_strings for a in p._actions) else []
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found += walk(sub, [*path, name])
        return found

    return walk(build(), [])


# --- the table, the parser and the doc agree ---------------------------------------------------


def test_every_json_flag_maps_to_a_schema_and_every_schema_to_recorded_keys() -> None:
    parsers = _json_parsers()
    assert "doctor" in parsers and "profile top" in parsers, parsers
    printed = {c for p in parsers for c in PARSERS.get(p, (p,))}
    assert printed <= set(SCHEMAS), sorted(printed - set(SCHEMAS))
    assert set(SCHEMAS) - printed == {"error"}, "a SCHEMAS command no parser prints"
    assert {(c, n) for c, n in SCHEMAS.items()} <= set(SHAPES), "each command's current number has its keys in SHAPES"
    assert SCHEMAS["error"] == ERROR_SCHEMA and SCHEMAS["doctor"] == doctor_run.SCHEMA


def test_json_md_documents_every_command_with_its_number_and_keys() -> None:
    text = DOC.read_text()
    sections = dict(re.findall(r"^## `([^`]+)` — schema \d+\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    heads = {c: int(n) for c, n in re.findall(r"^## `([^`]+)` — schema (\d+)$", text, re.M)}
    assert heads == SCHEMAS, "JSON.md's headings: each command and its schema number"
    for (command, number), shapes in SHAPES.items():
        if number != SCHEMAS[command]:
            continue
        body = sections[command]
        missing = sorted(k for k in frozenset().union(*shapes) if f"`{k}`" not in body)
        assert not missing, f"JSON.md's {command} does not name {missing}"


def test_document_puts_the_number_first_and_keeps_one_schema_key() -> None:
    assert list(document("doctor", {"m3tui": "x", "schema": 99})) == ["schema", "m3tui"]
    assert document("doctor", {"schema": 99})["schema"] == SCHEMAS["doctor"]
    with pytest.raises(KeyError):
        document("no such command", {})


# --- the outputs, run -----------------------------------------------------------------------------


def _meta() -> RunMeta:
    return RunMeta(command=("go", "test", "-bench", "."), package="example.com/a", package_dir="/src/a", bench=".",
                   cpu=(1,), count=6, benchtime=None, benchmem=False, extra=(), go_version="go1.22.1", goos="linux",
                   goarch="arm64", cpu_model="M2", commit=None, dirty=None)  # fmt: skip


def test_the_outputs_that_need_no_child_process_carry_their_schema(m3tui_home: Path, tmp_path: Path) -> None:
    bench = DATA / "benchstat"
    cpu = str(PPROF / "cpu.pb.gz")
    log = tmp_path / "app.log"
    log.write_text('{"level":"info","msg":"up","time":"2024-01-01T00:00:00Z"}\nnot json\n')
    tests_log = tmp_path / "go-test.txt"  # go test's text, all passed: exit 0
    tests_log.write_text("=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\nok  \texample.com/a\t0.01s\n")
    with History() as h:
        run_id = h.start_run(_meta())
        h.add_results(run_id, [BenchResult("Sum", 1, 1000, {"ns/op": 10.0 + i}, {}) for i in range(6)])
        h.finish_run(run_id, "done")
    runs = [
        ("error", ["bench", "compare", "--json", str(tmp_path / "missing.txt")]),
        ("bench compare", ["bench", "compare", "--json", str(bench / "old.txt"), str(bench / "new.txt")]),
        ("bench history list", ["bench", "history", "--json"]),
        ("bench history list", ["bench", "history", "list", "--json"]),
        ("bench history show", ["bench", "history", "show", str(run_id), "--json"]),
        ("profile top", ["profile", "top", cpu, "--json"]),
        ("profile peek", ["profile", "peek", cpu, ".", "--json"]),
        ("profile list", ["profile", "list", cpu, "Fib", "--json"]),
        ("profile traces", ["profile", "traces", cpu, "--json"]),
        ("profile captured", ["profile", "captured", "--json"]),
        ("profile captured", ["profile", "list", "--json"]),
        ("logs --lint", ["logs", str(log), "--lint", "--json"]),
        ("logs --tests", ["logs", str(tests_log), "--tests", "--json"]),
        ("logs --where", ["logs", str(log), "--where", "level", "--json"]),
        ("versions project", ["versions", "project", "--json"]),
        ("versions project", ["versions", "project", "--set", "1.22.1", "--json"]),
        ("versions prune", ["versions", "prune", "--json"]),
        ("bench history delete", ["bench", "history", "delete", str(run_id), "--json"]),
    ]
    seen = set()
    for command, argv in runs:
        code, out, err = cli(*argv, cwd=tmp_path)
        assert (code == 0) != (command == "error"), (argv, code, err)
        check_shape(command, out)
        seen.add(command)
    assert len(seen) == 15
