"""The tests tree on what the real go prints now: `go test -json ./...` over tests/data/gotestmod
(two test packages with passing, failing, skipped and panicking tests, subtests, a t.Parallel
pair, and a package that does not build), `-count=2`, `-v`, and `go test -json | m3tui logs - --tests`.

The counts are checked against go's own JSON events, counted here without m3tui's parser."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from m3tui.logs.gotest import GoTestTree, failure_first
from tests.integration.test_logformat_real_go import go_env
from tests.testdata import DATA

pytestmark = [pytest.mark.go, pytest.mark.slow]

MATHX, SERVER, BROKEN = (f"example.com/gotestmod/{p}" for p in ("mathx", "server", "broken"))


@pytest.fixture
def module(real_go: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "gotestmod"
    shutil.copytree(DATA / "gotestmod", dst, ignore=shutil.ignore_patterns("recordings", "README.md"))
    return dst


def go_test(go: Path, module: Path, *args: str) -> str:
    out = subprocess.run([str(go), "test", *args], cwd=module, env=go_env(module.parent), capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert out.returncode == 1, out.stderr  # tests fail: exit 1
    return out.stdout + out.stderr


def go_counts(text: str) -> Counter[str]:
    """Go's own pass/fail/skip events of tests (Test set), from its JSON stream."""
    events = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return Counter(e["Action"] for e in events if e.get("Test") and e["Action"] in ("pass", "fail", "skip"))


def counts(tree: GoTestTree) -> dict[str, int]:
    c = tree.counts()
    assert c["run"] == 0  # every test ended
    return {k: c[k] for k in ("pass", "fail", "skip")}


def test_real_go_test_json_tree_equals_go_s_events(real_go: Path, module: Path) -> None:
    text = go_test(real_go, module, "-json", "./...")
    tree = GoTestTree().feed_all(text.splitlines())
    events = go_counts(text)
    assert counts(tree) == {k: events[k] for k in ("pass", "fail", "skip")}
    assert events["fail"] >= 4 and events["skip"] >= 2 and events["pass"] >= 5  # the module is as described
    assert tree.corrupt_count == 0
    broken = tree.packages[BROKEN]
    assert broken.build_failed and tree.sorted_packages()[0] is broken
    assert any("undefined: undefinedThing" in line for line in broken.build_output)
    panic = tree.packages[SERVER].every["TestRatioZero"]
    assert panic.status == "fail"
    first = failure_first(panic.runs[-1])
    assert first[0].text.startswith("panic: runtime error: integer divide by zero")
    assert any("server_test.go" in o.text for o in first[1:])
    parallel_a = [o.text.strip() for o in tree.packages[MATHX].every["TestParallelA"].runs[0].output]
    assert [x for x in parallel_a if "step" in x] == [f"mathx_test.go:41: A step {i}" for i in range(3)]


def test_real_go_test_count_2_and_plain_v(real_go: Path, module: Path) -> None:
    text = go_test(real_go, module, "-json", "-count=2", "./mathx")
    tree = GoTestTree().feed_all(text.splitlines())
    events = go_counts(text)
    assert counts(tree) == {k: events[k] for k in ("pass", "fail", "skip")}
    assert [len(n.runs) for n in tree.packages[MATHX].every.values()] == [2] * 9
    v_count = GoTestTree().feed_all(go_test(real_go, module, "-v", "-count=2", "./mathx").splitlines())
    assert counts(v_count) == counts(tree)  # the same runs from the text
    plain_count = GoTestTree().feed_all(go_test(real_go, module, "-count=2", "./mathx").splitlines())
    assert counts(plain_count)["fail"] == events["fail"]  # without -v only the failures are printed: each run's
    json_tree = GoTestTree().feed_all(go_test(real_go, module, "-json", "./...").splitlines())
    v_tree = GoTestTree().feed_all(go_test(real_go, module, "-v", "./...").splitlines())
    assert counts(v_tree) == counts(json_tree)
    assert v_tree.packages[BROKEN].build_failed
    assert failure_first(v_tree.packages[SERVER].every["TestRatioZero"].runs[-1])[0].text.startswith("panic: ")


def test_go_test_json_piped_into_m3tui_logs_tests(real_go: Path, module: Path, tmp_path: Path) -> None:
    text = go_test(real_go, module, "-json", "./...")
    out = subprocess.run([sys.executable, "-m", "m3tui", "logs", "-", "--tests", "--json"], input=text,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    events = go_counts(text)
    assert {k: doc["counts"][k] for k in ("pass", "fail", "skip")} == {k: events[k] for k in ("pass", "fail", "skip")}
    assert doc["failures"][0] == {**doc["failures"][0], "package": BROKEN, "build_failed": True}
    panic = next(f for f in doc["failures"] if f["test"] == "TestRatioZero")
    assert panic["lines"][0].startswith("panic: runtime error: integer divide by zero")
