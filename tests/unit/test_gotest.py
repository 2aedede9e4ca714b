"""m3tui.logs.gotest on real go test output (tests/data/gotestmod/recordings, README there):
the tree of packages and tests from -json events and from plain text, -count runs, t.Parallel
output, build failures, panics, corrupt lines; and `m3tui logs FILE --tests` in-process."""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from m3tui.cli.main import main
from m3tui.logs.gotest import GoTestTree, failure_first, looks_like_go_test_output
from m3tui.logs.gotest_summary import summary_json, summary_text
from tests.testdata import DATA

REC = DATA / "gotestmod" / "recordings"
MATHX, SERVER, BROKEN = (f"example.com/gotestmod/{p}" for p in ("mathx", "server", "broken"))


def tree_of(name: str) -> GoTestTree:
    return GoTestTree().feed_all(REC.joinpath(name).read_text().splitlines())


def go_events(name: str) -> Counter[str]:
    """pass/fail/skip events of tests, counted from go's own JSON stream without m3tui's parser."""
    events = [json.loads(line) for line in REC.joinpath(name).read_text().splitlines()]
    return Counter(e["Action"] for e in events if e.get("Test") and e["Action"] in ("pass", "fail", "skip"))


def node(tree: GoTestTree, pkg: str, test: str):  # noqa: ANN201 - a TestNode
    return tree.packages[pkg].every[test]


def own_text(tree: GoTestTree, pkg: str, test: str) -> list[str]:
    return [o.text.strip() for run in node(tree, pkg, test).runs for o in run.output]


@pytest.mark.parametrize("name", ["go-test-json.txt", "go-test-json-count2.txt"])
def test_counts_equal_go_s_own_events(name: str) -> None:
    tree = tree_of(name)
    events = go_events(name)
    counts = tree.counts()
    assert {k: counts[k] for k in ("pass", "fail", "skip")} == {k: events[k] for k in ("pass", "fail", "skip")}
    assert counts["run"] == 0 and tree.corrupt_count == 0


def test_json_tree_failures_first_with_build_failure_and_panic() -> None:
    tree = tree_of("go-test-json.txt")
    pkgs = tree.sorted_packages()
    assert [p.name for p in pkgs] == [BROKEN, MATHX, SERVER]
    broken = pkgs[0]
    assert broken.build_failed and broken.status == "fail"
    assert "broken/broken.go:3:28: undefined: undefinedThing" in broken.build_output
    mathx = [n.name for n in tree.packages[MATHX].sorted_tests()]
    assert mathx[:3] == ["TestAddTwo", "TestTable", "TestParallelA"]  # the failures first, in run order
    assert set(mathx[3:]) == {"TestAddOK", "TestSkipped", "TestParallelB"}
    table = node(tree, MATHX, "TestTable")
    assert [c.short for c in table.sorted_children()] == ["two", "zero", "big"]
    assert node(tree, MATHX, "TestSkipped").status == "skip"
    assert node(tree, SERVER, "TestSlow/inner").status == "skip"
    panic = node(tree, SERVER, "TestRatioZero")
    assert panic.status == "fail"
    first = failure_first(panic.runs[0])
    assert first[0].text.startswith("panic: runtime error: integer divide by zero")
    assert any("server_test.go" in o.text and "TestRatioZero" not in o.text for o in first[1:])
    assert any(o.text.startswith("goroutine ") for o in first)


def test_parallel_output_goes_to_its_own_test() -> None:
    for name in ("go-test-json.txt", "go-test-v.txt", "go-test.txt"):
        tree = tree_of(name)
        a = own_text(tree, MATHX, "TestParallelA")
        assert a == [f"mathx_test.go:41: A step {i}" for i in range(3)] + ["mathx_test.go:44: A: wrong answer"], name
        if name != "go-test.txt":  # without -v a passing test prints nothing
            assert own_text(tree, MATHX, "TestParallelB") == [f"mathx_test.go:50: B step {i}" for i in range(3)], name


def test_failure_lines_come_first() -> None:
    tree = tree_of("go-test-json.txt")  # go marks t.Error's lines (OutputType "error"): t.Log's go after them
    assert [o.text.strip() for o in failure_first(node(tree, MATHX, "TestAddTwo").runs[0])] == [
        "mathx_test.go:17: Add(2, 2) = 5, want 4", "mathx_test.go:15: adding two and two"]  # fmt: skip
    assert failure_first(node(tree, MATHX, "TestParallelA").runs[0])[0].text.strip() == "mathx_test.go:44: A: wrong answer"


def test_plain_v_gives_the_same_tree_as_json() -> None:
    js, v = tree_of("go-test-json.txt"), tree_of("go-test-v.txt")
    assert v.counts() == js.counts()

    def shape(t: GoTestTree) -> list[tuple[str, str, str]]:
        return [(p.name, n.name, n.status) for p, n in t.walk()]

    assert shape(v) == shape(js)
    assert [(p.name, p.status, p.build_failed) for p in v.sorted_packages()] == [
        (p.name, p.status, p.build_failed) for p in js.sorted_packages()]  # fmt: skip
    assert "broken/broken.go:3:28: undefined: undefinedThing" in v.packages[BROKEN].build_output
    assert failure_first(node(v, SERVER, "TestRatioZero").runs[0])[0].text.startswith("panic: ")


def test_plain_without_v_recovers_the_failures() -> None:
    tree = tree_of("go-test.txt")
    failed = {(p.name, n.name) for p, n in tree.walk() if n.status == "fail"}
    assert failed == {(MATHX, "TestAddTwo"), (MATHX, "TestTable"), (MATHX, "TestTable/two"), (MATHX, "TestParallelA"),
                      (SERVER, "TestRatioZero")}  # fmt: skip
    assert own_text(tree, MATHX, "TestTable/two") == ["mathx_test.go:28: Add(2, 1) = 4, want 3"]
    assert tree.packages[BROKEN].build_failed


def test_count_runs_are_kept_per_test() -> None:
    tree = tree_of("go-test-json-count2.txt")
    add = node(tree, MATHX, "TestAddTwo")
    assert [r.status for r in add.runs] == ["fail", "fail"] and add.failed_runs == 2
    assert [r.status for r in node(tree, MATHX, "TestTable/zero").runs] == ["pass", "pass"]
    assert len(tree.packages[MATHX].every) == 9  # the same tests, not twice as many
    text = "\n".join(summary_text(tree))
    assert "TestAddTwo (0.00s, 2 of 2 runs failed)" in text


def test_streamed_line_by_line_shows_running_tests_then_their_end() -> None:
    lines = REC.joinpath("go-test-json.txt").read_text().splitlines()
    tree = GoTestTree()
    cut = next(i for i, line in enumerate(lines) if '"Action":"pause"' in line)
    for line in lines[:cut]:
        tree.feed(line)
    assert node(tree, MATHX, "TestParallelA").status == "run"
    assert tree.counts()["run"] >= 1
    for line in lines[cut:]:
        tree.feed(line)
    assert tree.counts() == tree_of("go-test-json.txt").counts()


def test_corrupt_lines_are_reported_and_skipped() -> None:
    lines = REC.joinpath("go-test-json.txt").read_text().splitlines()
    bad = [*lines[:10], '{"Action":"output","Package":"x', '{"no":"action"}', *lines[10:]]
    tree = GoTestTree().feed_all(bad)
    assert tree.corrupt_count == 2
    assert [n for n, _ in tree.corrupt] == [11, 12]
    assert "not a go test -json event" in tree.corrupt[0][1]
    assert tree.counts() == tree_of("go-test-json.txt").counts()
    doc = summary_json(tree)
    assert doc["corrupt"] == 2 and doc["first_corrupt_line"] == 11


def test_detection() -> None:
    assert looks_like_go_test_output(REC.joinpath("go-test-json.txt").read_text().splitlines()[:3])
    assert looks_like_go_test_output(REC.joinpath("go-test-v.txt").read_text().splitlines()[:6])
    assert not looks_like_go_test_output(['{"level":"info","msg":"up"}', "plain words", "ok fine"])


def test_summary_text_lists_failures_then_the_slowest() -> None:
    lines = summary_text(tree_of("go-test-json.txt"))
    assert lines[0] == ("go test: 14 test runs: 7 passed, 5 failed, 2 skipped · 3 packages: 0 ok, 3 failed "
                        "(1 did not build)")  # fmt: skip
    text = "\n".join(lines)
    assert text.index("BUILD FAILED example.com/gotestmod/broken") < text.index("FAIL example.com/gotestmod/mathx TestAddTwo")
    assert "FAIL example.com/gotestmod/mathx TestAddTwo (0.00s)\n    mathx_test.go:17: Add(2, 2) = 5, want 4\n" in text
    assert "FAIL example.com/gotestmod/mathx TestTable (0.00s)\n    (its subtests failed: two)" in text
    assert "FAIL example.com/gotestmod/server TestRatioZero (0.00s)\n    panic: runtime error" in text
    slow = lines[lines.index("slowest:") + 1]
    assert slow.endswith("example.com/gotestmod/server TestSlow") and float(slow.split()[0].rstrip("s")) >= 0.06


def cli(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.ExitStack() as stack:
        if stdin is not None:
            import sys

            fake = io.TextIOWrapper(io.BufferedReader(io.BytesIO(stdin)))  # type: ignore[arg-type]
            stack.enter_context(_swap_stdin(sys, fake))
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def _swap_stdin(sys_mod, fake):  # noqa: ANN001, ANN202
    old = sys_mod.stdin
    sys_mod.stdin = fake
    try:
        yield
    finally:
        sys_mod.stdin = old


def test_cli_tests_exit_status_text_and_json(tmp_path: Path) -> None:
    code, out, _ = cli("logs", str(REC / "go-test-json.txt"), "--tests")
    assert code == 1 and out.startswith("go test: 14 test runs") and "BUILD FAILED" in out
    code, out, _ = cli("logs", str(REC / "go-test-json.txt"), "--tests", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["schema"] == 1 and doc["counts"] == {"pass": 7, "fail": 5, "skip": 2, "run": 0}
    assert doc["failures"][0]["build_failed"] and doc["failure_count"] == 6
    passed = tmp_path / "ok.txt"
    passed.write_text("=== RUN   TestA\n--- PASS: TestA (0.01s)\nPASS\nok  \texample.com/a\t0.02s\n")
    code, out, _ = cli("logs", str(passed), "--tests")
    assert code == 0 and out.startswith("go test: 1 test run: 1 passed, 0 failed, 0 skipped · 1 package: 1 ok")
    code, out, _ = cli("logs", "-", "--tests", stdin=REC.joinpath("go-test-v.txt").read_bytes())
    assert code == 1 and out.startswith("go test: 14 test runs: 7 passed, 5 failed")
    cut = tmp_path / "cut.json"  # go test killed after a test started: nothing failed, but not all passed either
    cut.write_text("".join(line + "\n" for line in REC.joinpath("go-test-json.txt").read_text().splitlines()[6:12]))
    code, out, _ = cli("logs", str(cut), "--tests")
    assert code == 1 and out.startswith("go test: 2 test runs: 1 passed, 0 failed, 0 skipped, 1 not finished"), out


def test_cli_tests_bad_input_is_one_line(tmp_path: Path) -> None:
    other = tmp_path / "app.log"
    other.write_text('{"level":"info","msg":"up"}\n')
    code, out, err = cli("logs", str(other), "--tests")
    assert code == 2 and out == "" and err.strip().endswith("no go test output in it (neither go test -json events nor go test's text)")
    assert len(err.strip().splitlines()) == 1
    code, _, err = cli("logs", str(tmp_path / "missing.json"), "--tests")
    assert code == 2 and "missing.json" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("logs", str(other), str(other), "--tests")
    assert code == 2 and "--tests takes exactly one FILE" in err


def test_a_source_s_tests_grow_with_it_and_other_logs_have_none() -> None:
    from m3tui.logs.gotest_source import SNIFF, is_json, tests_of
    from m3tui.logs.sources import MemSource

    lines = [line.encode() for line in REC.joinpath("go-test-json.txt").read_text().splitlines()]
    held: list[bytes] = lines[:40]
    src = MemSource("go test", held)
    tree = tests_of(src)
    assert tree is not None and is_json(tree) and SERVER not in tree.packages
    held.extend(lines[40:])  # the source grows (a command still running): only the new lines are read
    grown = tests_of(src)
    assert grown is tree and grown.counts() == tree_of("go-test-json.txt").counts()
    assert tests_of(MemSource("app", [b'{"level":"info","msg":"up"}'] * SNIFF)) is None
    plain = tests_of(MemSource("v", [line.encode() for line in REC.joinpath("go-test-v.txt").read_text().splitlines()]))
    assert plain is not None and not is_json(plain) and plain.counts()["fail"] == 5


def test_hostile_events_never_raise_and_names_cannot_nest_without_end() -> None:
    deep = "/".join(["T"] * 100_000)
    tree = GoTestTree().feed_all([
        json.dumps({"Action": "run", "Package": "p", "Test": deep}),
        json.dumps({"Action": "fail", "Package": "p", "Test": deep, "Elapsed": "soon"}),
        json.dumps({"Action": 7, "Package": "p"}),  # not an event: corrupt
        json.dumps({"Action": "output", "Package": ["p"], "Output": None}),  # no package to hang it on
        json.dumps({"Action": "pass", "Package": "p", "Test": "\x1b[31mred", "Elapsed": True}),
        json.dumps({"Action": "output", "Package": "p", "Test": "/", "Output": 12}),
        "[" * 100_000,
        "{" + "[" * 100_000,  # too deeply nested for json: corrupt, not a crash
    ])  # fmt: skip
    assert tree.counts() == {"pass": 1, "fail": 1, "skip": 0, "run": 1}
    assert max(n.name.count("/") for _, n in tree.walk()) == 99_999
    assert max(len(list(_ancestry(tree, n.name))) for _, n in tree.walk()) <= 32
    assert tree.corrupt_count == 2
    assert summary_text(tree)[0].startswith("go test: 3 test runs")
    json.dumps(summary_json(tree))


def _ancestry(tree: GoTestTree, name: str):  # noqa: ANN202
    """The nodes from the top-level test down to ``name``."""
    nodes = tree.packages["p"].tests
    while nodes:
        hit = next((n for n in nodes.values() if name == n.name or name.startswith(n.name + "/")), None)
        if hit is None:
            return
        yield hit
        nodes = hit.children
