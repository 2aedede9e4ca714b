"""`profile export`: collapsed stacks, speedscope JSON and the SVG flame graph, on the real profiles
of tests/data/pprof and on a hand-built profile whose names need escaping; the command's exit codes.
(Real block and mutex profiles under the real Go: tests/integration/test_pprof_export_real.py.)"""

from __future__ import annotations

import gzip
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from m3tui.cli.main import main
from m3tui.profiles.pprof import analysis, export
from m3tui.profiles.pprof.decode import load, load_file
from m3tui.profiles.pprof.graph import Filters
from m3tui.profiles.pprof.model import Profile, ProfileError
from m3tui.profiles.pprof.profile_pb2 import Profile as Pb
from tests.testdata import DATA, PPROF

SCHEMA = json.loads((DATA / "speedscope" / "file-format-schema.json").read_text())
SVG_NS = "{http://www.w3.org/2000/svg}"
REAL = [PPROF / "cpu.pb.gz", PPROF / "mem.pb.gz"]
FILTERS = [None, Filters(focus="Allocate|PingPong"), Filters(ignore="runtime"), Filters(hide=r"runtime\.|testing\.")]


# --- a validator for the JSON Schema keywords speedscope's schema uses --------------------------


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any] = SCHEMA, where: str = "$") -> None:
    """Raise AssertionError naming the first place ``value`` breaks ``schema`` (draft-07 subset:
    $ref to #/definitions, type, enum, required, properties, items, anyOf)."""
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/definitions/"), ref
        validate(value, root["definitions"][ref[len("#/definitions/"):]], root, where)
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                validate(value, option, root, where)
                break
            except AssertionError as exc:
                errors.append(str(exc))
        else:
            raise AssertionError(f"{where}: matches none of anyOf: {errors}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        checks = {"number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
                  "string": lambda v: isinstance(v, str), "array": lambda v: isinstance(v, list),
                  "object": lambda v: isinstance(v, dict), "null": lambda v: v is None}  # fmt: skip
        assert any(checks[t](value) for t in types), f"{where}: {value!r:.60} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            assert key in value, f"{where}: {key} is required"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                validate(value[key], sub, root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], root, f"{where}[{i}]")


def test_the_validator_refuses_what_the_schema_refuses() -> None:
    good = {"$schema": "https://www.speedscope.app/file-format-schema.json", "shared": {"frames": [{"name": "a"}]},
            "profiles": [{"type": "sampled", "name": "x", "unit": "bytes", "startValue": 0, "endValue": 1,
                          "samples": [[0]], "weights": [1]}]}  # fmt: skip
    validate(good, SCHEMA)
    bad_unit = json.loads(json.dumps(good))
    bad_unit["profiles"][0]["unit"] = "count"
    no_weights = json.loads(json.dumps(good))
    del no_weights["profiles"][0]["weights"]
    for bad in (bad_unit, no_weights, {**good, "$schema": "x"}, {**good, "shared": {"frames": [{"file": "a.go"}]}},
                {**good, "profiles": [{**good["profiles"][0], "samples": [["a"]]}]}):  # fmt: skip
        with pytest.raises(AssertionError):
            validate(bad, SCHEMA)


# --- collapsed stacks -------------------------------------------------------------------------


def parse_collapsed(text: str) -> list[tuple[list[str], int]]:
    rows = []
    for line in text.splitlines():
        stack, _, value = line.rpartition(" ")
        rows.append((stack.split(";"), int(value)))
    return rows


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_collapsed_stacks_sum_to_the_total_of_every_sample_type(path: Path) -> None:
    profile = load_file(path)
    for index, st in enumerate(profile.sample_types):
        text = export.collapsed(profile, index)
        rows = parse_collapsed(text)
        assert rows and all(v > 0 and all(stack) for stack, v in rows), st
        assert sum(v for _, v in rows) == profile.total(index), st
        assert text.splitlines() == sorted(text.splitlines())  # stackcollapse's order
        assert len({";".join(s) for s, _ in rows}) == len(rows)  # one line per distinct path
        # root first: each line is a stack of the profile read from its root, with its summed value
        expected: dict[tuple[str, ...], int] = {}
        for stack, value in zip(profile.stacks, profile.values[index]):
            key = tuple(profile.frames[f].function for f in reversed(stack))
            expected[key] = expected.get(key, 0) + value
        assert {tuple(s): v for s, v in rows} == {k: v for k, v in expected.items() if v}


def _tree(rows: list[tuple[list[str], int]]) -> dict[tuple[str, ...], int]:
    """Every root-first prefix with the sum of the paths through it."""
    out: dict[tuple[str, ...], int] = {}
    for stack, value in rows:
        for i in range(1, len(stack) + 1):
            out[tuple(stack[:i])] = out.get(tuple(stack[:i]), 0) + value
    return out


def _flame_tree(node: analysis.FlameNode, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    out = {}
    for kid in node.children:
        out[(*prefix, kid.name)] = kid.value
        out.update(_flame_tree(kid, (*prefix, kid.name)))
    return out


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f.active()) if f else "none")
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_collapsed_is_the_flame_graph_the_pane_shows(path: Path, filters: Filters | None) -> None:
    profile = load_file(path)
    for index in range(len(profile.sample_types)):
        rows = parse_collapsed(export.collapsed(profile, index, filters))
        root = analysis.flame(profile, index, filters)
        assert sum(v for _, v in rows) == root.value
        assert _tree(rows) == _flame_tree(root)
    if filters is not None and filters.focus:
        assert all(any("goprof" in f for f in stack) for stack, _ in rows)
    if filters is not None and filters.hide:
        assert not any(f.startswith(("runtime.", "testing.")) for stack, _ in rows for f in stack)


# --- speedscope -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_speedscope_is_valid_and_its_weights_sum_to_the_total(path: Path) -> None:
    profile = load_file(path)
    for index, st in enumerate(profile.sample_types):
        doc = json.loads(export.export(profile, index, "speedscope", name=path.name))
        validate(doc, SCHEMA)
        (prof,) = doc["profiles"]
        frames = doc["shared"]["frames"]
        assert prof["type"] == "sampled" and len(prof["samples"]) == len(prof["weights"])
        assert sum(prof["weights"]) == profile.total(index) == prof["endValue"] and prof["startValue"] == 0
        assert prof["unit"] == {"nanoseconds": "nanoseconds", "bytes": "bytes"}.get(st.unit, "none")
        assert all(0 <= i < len(frames) for s in prof["samples"] for i in s)
        assert len({f["name"] for f in frames}) == len(frames)  # one frame per function
        assert all(f["file"].endswith(".go") for f in frames if "goprof" in f["name"])
        # the same paths as the collapsed stacks
        rows = parse_collapsed(export.collapsed(profile, index))
        ours = sorted(([frames[i]["name"] for i in s], w) for s, w in zip(prof["samples"], prof["weights"]))
        assert ours == sorted(rows)


# --- SVG --------------------------------------------------------------------------------------


def _frames(svg_text: str) -> ET.Element:
    root = ET.fromstring(svg_text)
    assert root.tag == f"{SVG_NS}svg"
    (top,) = root.findall(f"{SVG_NS}g")
    return top


def _box(g: ET.Element) -> tuple[float, float, int, str]:
    rect = g.find(f"{SVG_NS}rect")
    title = g.find(f"{SVG_NS}title")
    assert rect is not None and title is not None
    return float(rect.get("x", "")), float(rect.get("width", "")), int(g.get("data-value", "")), title.text or ""


def _check_svg(g: ET.Element, node: analysis.FlameNode, total: int, width: float) -> int:
    """The group matches the node; children nested, inside, in order, widths as the values; count."""
    x, w, value, title = _box(g)
    assert value == node.value and title.startswith(f"{node.name} (")
    assert w == pytest.approx(width * node.value / total, abs=2e-3)
    kids = g.findall(f"{SVG_NS}g")
    assert [int(k.get("data-value", "")) for k in kids] == [k.value for k in node.children]
    at = x
    for kid_g, kid in zip(kids, node.children):
        kx, kw, _, _ = _box(kid_g)
        assert kw <= w + 1e-9 and kx == pytest.approx(at, abs=2e-3)
        at += width * kid.value / total  # exact: the 3-decimal rounding of each number must not add up
    assert at <= x + w + 3e-3  # the children tile at most the parent
    assert sum(_box(k)[1] for k in kids) == pytest.approx(w * sum(k.value for k in node.children) / node.value, abs=5e-3)
    return 1 + sum(_check_svg(kg, kid, total, width) for kg, kid in zip(kids, node.children))


def _count(node: analysis.FlameNode) -> int:
    return 1 + sum(_count(k) for k in node.children)


def check_svg_widths(text: str, tree: analysis.FlameNode) -> None:
    """Well-formed; the root spans the full width; one group per frame, widths as the values."""
    top = _frames(text)
    assert _box(top)[:2] == (0.0, export.WIDTH)
    assert _check_svg(top, tree, tree.value, export.WIDTH) == _count(tree)
    assert "<script" not in text


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_svg_is_well_formed_and_its_widths_follow_the_values(path: Path) -> None:
    profile = load_file(path)
    for index in range(len(profile.sample_types)):
        check_svg_widths(export.svg(profile, index, name=path.name, min_width=0), analysis.flame(profile, index))
    # by default boxes under 0.1 px go with their subtrees: fewer, never a narrower one
    pruned = _frames(export.svg(profile, 0))
    widths = [float(r.get("width", "")) for r in pruned.iter(f"{SVG_NS}rect")]
    assert min(widths) >= 0.1 and len(widths) <= _count(analysis.flame(profile, 0))


def test_svg_labels_are_cut_to_their_box() -> None:
    profile = load_file(PPROF / "cpu.pb.gz")
    top = _frames(export.svg(profile, 0))
    for g in top.iter(f"{SVG_NS}g"):
        _, w, _, title = _box(g)
        inner = g.find(f"{SVG_NS}svg")
        if inner is None:  # too narrow for three characters
            assert w < 6 + 3 * 7
            continue
        assert float(inner.get("width", "")) == w  # the nested viewport clips the text to the box
        label = inner.findtext(f"{SVG_NS}text") or ""
        name = title.rsplit(" (", 1)[0]
        assert label == name or (label.endswith("…") and name.startswith(label[:-1]))
        assert len(label) * 7 <= w


# --- names that need escaping -----------------------------------------------------------------

ODD = ["main.Map[go.shape.struct { A int; B string }]", "pkg.<lambda>&co", 'q"uote\'s', "esc\x1b[31mred", "plain"]


def odd_profile() -> Profile:
    """A profile whose function names hold XML's specials, ';', a space and an escape sequence."""
    p = Pb()
    strings = [""]

    def s(x: str) -> int:
        if x not in strings:
            strings.append(x)
        return strings.index(x)

    for kind, unit in (("alloc_space", "bytes"), ("alloc_objects", "count")):
        st = p.sample_type.add()
        st.type, st.unit = s(kind), s(unit)
    for i, name in enumerate(ODD, 1):
        f = p.function.add()
        f.id, f.name, f.system_name, f.filename = i, s(name), s(name), s("odd.go")
        loc = p.location.add()
        loc.id, loc.address = i, 0x1000 + 16 * i
        line = loc.line.add()
        line.function_id, line.line = i, i
    for leaf_first, value in (([1, 5], 100), ([2, 1, 5], 30), ([3, 5], 20), ([4, 3, 5], 7)):
        smp = p.sample.add()
        smp.location_id.extend(leaf_first)
        smp.value.extend([value, value // 5 + 1])
    p.string_table.extend(strings)
    return load(gzip.compress(p.SerializeToString()))


def test_names_are_escaped_in_every_format() -> None:
    profile = odd_profile()
    text = export.svg(profile, 0, name="odd<&>.pb", min_width=0)
    top = _frames(text)  # well-formed: <, &, quotes escaped; no control character
    titles = [(g.findtext(f"{SVG_NS}title") or "").rsplit(" (", 1)[0] for g in top.iter(f"{SVG_NS}g")]
    assert set(titles) == {"root", ODD[0], ODD[1], ODD[2], "esc\\x1b[31mred", "plain"}
    assert "\x1b" not in text and "odd&lt;&amp;&gt;.pb" in text
    tree = analysis.flame(profile, 0)
    assert _check_svg(top, tree, tree.value, export.WIDTH) == _count(tree)

    rows = parse_collapsed(export.collapsed(profile, 0))
    assert sum(v for _, v in rows) == profile.total(0) == 157
    assert ["plain", "main.Map[go.shape.struct { A int: B string }]", "pkg.<lambda>&co"] in [s for s, _ in rows]
    assert ["plain", 'q"uote\'s', "esc\\x1b[31mred"] in [s for s, _ in rows]

    doc = json.loads(export.export(profile, 1, "speedscope"))
    validate(doc, SCHEMA)
    names = {f["name"] for f in doc["shared"]["frames"]}
    assert ODD[0] in names and ODD[1] in names and "esc\\x1b[31mred" in names
    assert sum(doc["profiles"][0]["weights"]) == profile.total(1)


def test_a_diff_and_an_unknown_format_are_refused() -> None:
    from m3tui.profiles.pprof.diff import diff

    profile = load_file(PPROF / "cpu.pb.gz")
    for fmt in export.FORMATS:
        with pytest.raises(ProfileError, match="diff"):
            export.export(diff(profile, profile), 0, fmt)
    with pytest.raises(ProfileError, match="unknown export format 'png'"):
        export.export(profile, 0, "png")


def test_a_view_with_no_samples_is_empty_not_an_error() -> None:
    profile = load_file(PPROF / "cpu.pb.gz")
    nothing = Filters(focus="^no such function$")
    assert export.collapsed(profile, 0, nothing) == ""
    doc = json.loads(export.export(profile, 0, "speedscope", nothing))
    validate(doc, SCHEMA)
    assert doc["profiles"][0]["samples"] == [] and doc["profiles"][0]["endValue"] == 0
    assert "no samples" in export.svg(profile, 0, nothing) and _frames(export.svg(profile, 0)) is not None


def test_default_names_are_safe_file_names() -> None:
    from datetime import datetime, timezone

    when = datetime(2026, 12, 5, 6, 7, 8, tzinfo=timezone.utc)
    assert export.default_name("cpu BenchmarkX/a=1 · M3", "cpu", "svg", when) == "cpu-BenchmarkX-a-1---M3-cpu-20261205-060708.svg"
    assert export.default_name("../..", "x", "collapsed", when) == "x-20261205-060708.folded"
    assert export.default_name("..", "", "speedscope", when) == "profile-20261205-060708.speedscope.json"


# --- the command ------------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["profile", "export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_each_format_to_stdout_or_a_file(capsys, m3tui_home: Path, tmp_path: Path) -> None:
    cpu = str(PPROF / "mem.pb.gz")
    code, out, err = run_cli(capsys, cpu, "--format", "collapsed", "--sample-index", "alloc_space", "--hide", "runtime")
    profile = load_file(PPROF / "mem.pb.gz")
    assert code == 0 and err == ""
    assert out == export.collapsed(profile, profile.sample_index("alloc_space"), Filters(hide="runtime"))
    code, out, _ = run_cli(capsys, cpu, "--format", "speedscope", "-o", "-", "--focus", "goprof")
    assert code == 0
    validate(json.loads(out), SCHEMA)
    for name, fmt in (("out.svg", "svg"), ("out.json", "speedscope"), ("out.folded", "collapsed")):
        code, out, err = run_cli(capsys, cpu, "-o", str(tmp_path / name))  # the format from the ending
        assert code == 0 and out == "" and f"wrote {fmt} " in err and err.count("\n") == 1
    ET.parse(tmp_path / "out.svg")
    json.loads((tmp_path / "out.json").read_text())
    assert sum(v for _, v in parse_collapsed((tmp_path / "out.folded").read_text())) == profile.total(profile.sample_index(None))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.folded", "out.json", "out.svg"]  # no temporary file left


def test_cli_exit_codes(capsys, m3tui_home: Path, tmp_path: Path) -> None:
    cpu = str(PPROF / "cpu.pb.gz")
    for args in (["--format", "png"], [], ["-o", str(tmp_path / "x.png")], ["--format", "svg", "--focus", "("],
                 ["--format", "svg", "--sample-index", "nope"]):  # fmt: skip
        code, out, err = run_cli(capsys, cpu, *args)
        assert code == 2 and out == "" and err.count("\n") == 1, (args, err)
    code, _, err = run_cli(capsys, str(tmp_path / "missing.pb.gz"), "--format", "svg")
    assert code == 2 and "missing.pb.gz" in err and err.count("\n") == 1
    directory = tmp_path / "dir"
    directory.mkdir()
    code, _, err = run_cli(capsys, cpu, "--format", "svg", "-o", str(directory))
    assert code == 2 and "a directory" in err and err.count("\n") == 1
    # a place that cannot be written: exit 3, one line naming it, nothing left behind
    if os.geteuid() == 0:  # root writes through permissions; /sys refuses even root
        target = "/sys/m3tui-export.svg"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "out.svg")
    code, out, err = run_cli(capsys, cpu, "--format", "svg", "-o", target)
    assert code == 3 and out == "" and target in err and err.count("\n") == 1, err
    assert not os.path.exists(target)
