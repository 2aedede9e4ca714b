"""A profile's view written for other tools: collapsed stacks, speedscope JSON, an SVG flame graph.

Each is the view `profile top` and the Profiles pane show for the same sample type and filters
(focus, ignore, hide): the root-first call paths of the flame graph (`analysis.flame`, function
granularity, inlined frames expanded), with their summed values.

- ``collapsed``: Brendan Gregg's stackcollapse text, one ``frame;frame;…;leaf value`` line per
  distinct path, root first, sorted (what flamegraph.pl, inferno and speedscope read).
- ``speedscope``: https://www.speedscope.app/file-format-schema.json, one "sampled" profile: a
  sample per distinct path, weighted by its value, in the sample type's unit.
- ``svg``: a static flame graph (icicle: root on top, as in the pane), one ``<g>`` per frame,
  nested as the call tree, holding a ``<title>`` (name, value, share), a ``<rect>`` as wide as its
  value's share of the full width, and its name clipped to the box (a nested ``<svg>``); no script.

Names are written as the terminal shows them (`model.escape_controls`: no control characters in
XML or in a line-oriented file); ``;`` in a name would split a collapsed frame and becomes ``:``
there. A diff (negative values) has no flame graph to draw and is refused. A sample without a
single location has no path and is left out (Go's runtime writes none: the tests check that each
format sums to the profile's total).
"""

from __future__ import annotations

import zlib
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from m3tui.profiles.pprof.analysis import FlameNode, flame, path_sums
from m3tui.profiles.pprof.graph import Filters, _funcs
from m3tui.profiles.pprof.measure import format_value
from m3tui.profiles.pprof.model import Profile, ProfileError, escape_controls

__all__ = ["FORMATS", "SUFFIXES", "collapsed", "default_name", "export", "paths", "speedscope", "svg"]

FORMATS = ("collapsed", "speedscope", "svg")
#: the file name ending each format is written with (the pane's default names, `-o` guessing)
SUFFIXES = {"collapsed": ".folded", "speedscope": ".speedscope.json", "svg": ".svg"}

#: speedscope's units (FileFormat.ValueUnit); any other pprof unit is "none"
_SPEEDSCOPE_UNITS = {"nanoseconds": "nanoseconds", "microseconds": "microseconds", "milliseconds": "milliseconds",
                     "seconds": "seconds", "bytes": "bytes"}  # fmt: skip


def paths(profile: Profile, sample_index: int, filters: Filters | None = None) -> tuple[list[str], list[tuple[tuple[int, ...], int]]]:
    """The function names and the distinct root-first paths (indexes into them) with their value,
    sorted by path: the same paths and sums `analysis.flame` builds its tree from."""
    _check(profile, sample_index)
    names = _funcs(profile).names
    groups = path_sums(profile, sample_index, filters)
    out = []
    for k in sorted(groups):
        v = groups[k]
        if v < 0:
            raise ProfileError("a profile with negative values (a diff) cannot be exported: export each profile")
        if v:
            out.append((tuple(ord(c) >> 1 for c in k), v))
    return names, out


def _check(profile: Profile, sample_index: int) -> None:
    if profile.diff_base_totals is not None:
        raise ProfileError("a diff cannot be exported (its values are negative): export each profile")
    if not 0 <= sample_index < len(profile.sample_types):
        raise ProfileError(f"sample_index {sample_index} is outside the range [0..{len(profile.sample_types) - 1}]")


# --- collapsed stacks ----------------------------------------------------------------------------


def collapsed(profile: Profile, sample_index: int, filters: Filters | None = None) -> str:
    """stackcollapse text: ``root;…;leaf value`` per distinct path, sorted (empty when nothing is left)."""
    names, rows = paths(profile, sample_index, filters)
    shown = [escape_controls(n).replace(";", ":") for n in names]
    return "".join(sorted(f"{';'.join(shown[i] for i in path)} {value}\n" for path, value in rows))


# --- speedscope ------------------------------------------------------------------------------------


def speedscope(profile: Profile, sample_index: int, filters: Filters | None = None, *, name: str = "profile") -> dict[str, object]:
    """A speedscope file (FileFormat.File) holding one sampled profile of the view."""
    names, rows = paths(profile, sample_index, filters)
    used: dict[int, int] = {}
    samples = []
    for path, _value in rows:
        samples.append([used.setdefault(i, len(used)) for i in path])
    files: dict[int, str] = {}
    for frame, func in zip(profile.frames, _funcs(profile).frame_func):
        if frame.file:
            files.setdefault(func, frame.file)
    frames: list[dict[str, str]] = []
    for i in used:  # a frame is a function (pprof's granularity), with the file it is in
        frames.append({"name": escape_controls(names[i])} | ({"file": escape_controls(files[i])} if i in files else {}))
    st = profile.sample_types[sample_index]
    total = sum(v for _p, v in rows)
    title = escape_controls(f"{name} {st.type}" if name else st.type)
    return {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": frames},
        "profiles": [{
            "type": "sampled", "name": title, "unit": _SPEEDSCOPE_UNITS.get(st.unit, "none"),
            "startValue": 0, "endValue": total, "samples": samples, "weights": [v for _p, v in rows],
        }],
        "name": title,
        "activeProfileIndex": 0,
        "exporter": "m3tui",
    }  # fmt: skip


# --- SVG flame graph -------------------------------------------------------------------------------

WIDTH = 1200
ROW = 17  # pixels per frame row
_TOP = 40  # room for the heading
_FONT = 12
_CHAR = 7.2  # a character's advance at _FONT in a monospace face (0.6em), to cut labels


def _colour(name: str) -> str:
    """A warm colour fixed by the name (flamegraph.pl's "hot" palette, kept light enough for black
    text: contrast at least 4:1)."""
    h = zlib.crc32(name.encode("utf-8", "surrogatepass"))
    r = 205 + (h & 0xFF) * 50 // 255
    g = 80 + ((h >> 8) & 0xFF) * 150 // 255
    b = ((h >> 16) & 0xFF) * 55 // 255
    return f"rgb({r},{g},{b})"


def _label(name: str, width: float) -> str:
    """The name cut to what fits ``width`` pixels ("…" at the end), or nothing."""
    fits = int((width - 6) / _CHAR)
    if fits < 3:
        return ""
    return name if len(name) <= fits else name[: fits - 1] + "…"


def _num(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".") or "0"


def svg(profile: Profile, sample_index: int, filters: Filters | None = None, *, name: str = "profile",
        width: int = WIDTH, min_width: float = 0.1) -> str:  # fmt: skip
    """A flame graph in SVG: every frame whose box is at least ``min_width`` pixels wide (a narrower
    one is left out with its subtree); x and width are value shares of ``width``, unrounded."""
    _check(profile, sample_index)
    root = flame(profile, sample_index, filters)
    st = profile.sample_types[sample_index]
    total = root.value
    body: list[str] = []
    depth = _draw(root, float(width), total, st.unit, min_width, body) if total > 0 else 0
    height = _TOP + max(depth, 1) * ROW + 10
    heading = f"{name} · {st.type} ({st.unit}) · total {format_value(total, st.unit)}"
    if filters is not None and filters.active():
        heading += " · " + " ".join(filters.active())
    if total <= 0:
        heading += " · no samples"
    return "".join([
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="{_FONT}">\n',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f8f8f4"/>\n',
        f'<text x="{width / 2:g}" y="22" text-anchor="middle" font-size="15" fill="#000">'
        f"{escape(escape_controls(heading))}</text>\n",
        *body,
        "</svg>\n",
    ])  # fmt: skip


def _draw(root: FlameNode, width: float, total: int, unit: str, min_width: float, out: list[str]) -> int:
    """Append the frames' groups (each frame's children nested in its group); return the rows drawn.
    A loop, not recursion: a hostile profile may be thousands of frames deep."""
    todo: list[tuple[FlameNode, float, float, int] | None] = [(root, 0.0, width, 0)]
    rows = 0
    while todo:
        item = todo.pop()
        if item is None:
            out.append("</g>\n")
            continue
        node, x, w, depth = item
        rows = max(rows, depth + 1)
        name = escape_controls(node.name)
        y = _TOP + depth * ROW
        title = f"{name} ({format_value(node.value, unit)}, {100 * node.value / total:.2f}%)"
        xs, ws = _num(x), _num(w)
        out.append(f'<g class="frame" data-value="{node.value}"><title>{escape(title)}</title>'
                   f'<rect x="{xs}" y="{y}" width="{ws}" height="{ROW - 1}" fill="{_colour(node.name)}"/>')  # fmt: skip
        label = _label(name, w)
        if label:
            out.append(f'<svg x="{xs}" y="{y}" width="{ws}" height="{ROW - 1}">'
                       f'<text x="3" y="{ROW - 5}" fill="#000">{escape(label)}</text></svg>')  # fmt: skip
        out.append("\n")
        todo.append(None)  # the group closes after its children
        kids = []
        kx = x
        for kid in node.children:
            kw = w * kid.value / node.value if node.value else 0.0
            if kw >= min_width:
                kids.append((kid, kx, kw, depth + 1))
            kx += kw
        todo.extend(reversed(kids))
    return rows


# --- one entry point -------------------------------------------------------------------------------


def export(profile: Profile, sample_index: int, fmt: str, filters: Filters | None = None, *, name: str = "profile") -> str:
    """The view in ``fmt`` (one of `FORMATS`) as text."""
    if fmt == "collapsed":
        return collapsed(profile, sample_index, filters)
    if fmt == "speedscope":
        from m3tui.core.jsonout import dumps

        return dumps(speedscope(profile, sample_index, filters, name=name), indent=None) + "\n"
    if fmt == "svg":
        return svg(profile, sample_index, filters, name=name)
    raise ProfileError(f"unknown export format {fmt!r}: use {', '.join(FORMATS)}")


def default_name(label: str, sample_type: str, fmt: str, now: datetime | None = None) -> str:
    """A file name for the pane's export: the profile's label and sample type, the UTC time, the
    format's ending; only letters, digits, ``.``, ``_`` and ``-``."""
    when = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    stem = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "-" for c in f"{label}-{sample_type}")
    return f"{stem.strip('.-')[:80] or 'profile'}-{when}{SUFFIXES[fmt]}"

