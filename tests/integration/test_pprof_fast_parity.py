"""The numpy paths (profiles/pprof/fastagg.py, fastflame.py) against `go tool pprof` itself.

Every case of test_pprof_top.py's parity table again, with the fast path forced on
(`BIG_STACKS = 0`: the real profiles of tests/data/goprof are smaller than a big one): the same
text as `go tool pprof -top`, byte for byte. And a real heap profile past the threshold (the
benchmark's Go program: 150,000 distinct deep recursive stacks), through `m3tui profile top`
as a user runs it, against `go tool pprof -top` of the same file.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from m3tui.profiles.pprof import analysis, fastagg
from m3tui.profiles.pprof.decode import load_file
from tests.goprofiles import go_env, pprof
from tests.integration.test_pprof_top import CASES, VARIANTS, _ours


@pytest.fixture(scope="module")
def rp(real_profiles):
    return real_profiles


@pytest.mark.parametrize(("name", "st", "variant"), CASES)
def test_fast_top_matches_go_tool_pprof(rp, monkeypatch, name, st, variant):
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    args = VARIANTS[variant]
    path = rp.by_name(name)
    want = pprof(rp, "-top", f"-sample_index={st}", *args, str(path))
    report = _ours(load_file(path), st, args)
    assert analysis.top_lines(report, binary=str(rp.binary)) == want


@pytest.mark.slow
def test_big_profile_top_matches_go_tool_pprof(real_go, tmp_path):
    from benchmarks.profiletop import GO_PROGRAM  # the program text only

    go = str(real_go)
    (tmp_path / "go.mod").write_text("module example.com/bigprof\n\ngo 1.21\n")
    (tmp_path / "main.go").write_text(GO_PROGRAM)
    env = go_env()
    subprocess.run([go, "build", "-o", "bigprof", "."], cwd=tmp_path, env=env, check=True, timeout=600)
    prof = tmp_path / "big.pb.gz"
    subprocess.run([str(tmp_path / "bigprof"), str(prof), "150000", "9"], cwd=tmp_path, check=True,
                   timeout=600)
    p = load_file(prof)
    assert fastagg.is_big(p)
    for st in ("alloc_space", "inuse_objects"):
        for extra, flags in (([], []), (["-focus=walkC"], ["--focus=walkC"]),
                             (["-ignore=walkB", "-cum"], ["--ignore=walkB", "--cum"])):
            want = subprocess.run([go, "tool", "pprof", "-top", f"-sample_index={st}", *extra, str(prof)],
                                  env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
            assert want.returncode == 0, want.stderr
            ours = subprocess.run([sys.executable, "-m", "m3tui", "profile", "top", f"--sample-index={st}",
                                   *flags, str(prof)], capture_output=True, text=True, timeout=600)
            assert ours.returncode == 0, ours.stderr
            assert ours.stdout == want.stdout, (st, extra)
