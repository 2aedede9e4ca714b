"""`profile export` on the real cpu, heap (two rates), block and mutex profiles of tests/data/goprof
under the real Go: collapsed stacks sum to each sample type's total (the total `go tool pprof -top`
prints, tests/integration/test_pprof_top.py), speedscope JSON is valid, the SVG's widths follow the
flame graph, each also through the command."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from m3tui.profiles.pprof import analysis, export
from m3tui.profiles.pprof.decode import load_file
from m3tui.profiles.pprof.graph import Filters
from tests.unit.test_pprof_export import SCHEMA, check_svg_widths, parse_collapsed, validate

NAMES = ("cpu", "mem", "mem_default", "block", "mutex")


@pytest.fixture(scope="module")
def rp(real_profiles):
    return real_profiles


@pytest.mark.parametrize("name", NAMES)
def test_every_format_of_every_sample_type(rp, name: str) -> None:
    path = getattr(rp, name)
    profile = load_file(path)
    for index, st in enumerate(profile.sample_types):
        rows = parse_collapsed(export.collapsed(profile, index))
        assert sum(v for _, v in rows) == profile.total(index), (name, st)
        doc = json.loads(export.export(profile, index, "speedscope", name=path.name))
        validate(doc, SCHEMA)
        assert sum(doc["profiles"][0]["weights"]) == profile.total(index)
        tree = analysis.flame(profile, index)
        if tree.value:
            check_svg_widths(export.svg(profile, index, min_width=0), tree)
        else:  # e.g. inuse_objects at the default heap rate: nothing sampled in use
            assert not rows and "no samples" in export.svg(profile, index)
    focus = Filters(focus="goprof\\.", hide="runtime\\.")
    rows = parse_collapsed(export.collapsed(profile, 0, focus))
    assert sum(v for _, v in rows) == analysis.flame(profile, 0, focus).value


def test_the_command_on_a_real_block_profile(rp, tmp_path) -> None:
    out = tmp_path / "block.svg"
    r = subprocess.run([sys.executable, "-m", "m3tui", "profile", "export", str(rp.block), "--sample-index", "delay",
                        "-o", str(out)], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0 and r.stdout == "" and "wrote svg" in r.stderr, r.stderr
    ET.parse(out)
    r = subprocess.run([sys.executable, "-m", "m3tui", "profile", "export", str(rp.block), "--format", "collapsed"],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    profile = load_file(rp.block)
    assert r.returncode == 0 and sum(v for _, v in parse_collapsed(r.stdout)) == profile.total(profile.sample_index(None))
