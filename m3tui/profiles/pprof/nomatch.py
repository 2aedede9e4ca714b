"""pprof's "matched no samples" warnings for -focus, -ignore and -hide.

pprof (internal/driver/driver_focus.go, applyFocus) prints ``Focus expression matched no samples``
(and ``Ignore``, ``Hide``) on stderr when `profile.FilterSamplesByName` found no *location* for the
expression, whatever the samples' values: a location matches when one of its lines' function name
or file name does, or its mapping's file. Ignore is asked first: a location it matches does not
count for focus. Here a location is a run of sites that ends on a non-inlined one (decode expands
each location into its lines that way), so the answer is pprof's, read off the profile's sites
(every location has them) and, for focus with ignore, its stacks: only the locations samples
reach (pprof counts a location no sample uses too; Go's profiles have none).
"""

from __future__ import annotations

from m3tui.profiles.pprof.graph import Filters, _compile, _matching_sites
from m3tui.profiles.pprof.model import Profile

__all__ = ["no_match_warnings"]


def no_match_warnings(p: Profile, filters: Filters | None) -> list[str]:
    """The lines pprof prints on stderr for these filters, in its order (Focus, Ignore, Hide)."""
    if filters is None:
        return []
    focus = _compile(filters.focus, "focus")
    ignore = _compile(filters.ignore, "ignore")
    hide = _compile(filters.hide, "hide")
    out = []
    ignored = _matching_sites(p, ignore) if ignore is not None else set()
    if focus is not None:
        focused = _matching_sites(p, focus)
        if focused and ignored:  # a location with an ignored line is ignored whole
            found = any(ignored.isdisjoint(loc) and not focused.isdisjoint(loc) for loc in _locations(p))
        else:
            found = bool(focused)
        if not found:
            out.append("Focus expression matched no samples")
    if ignore is not None and not ignored:
        out.append("Ignore expression matched no samples")
    if hide is not None and not _matching_sites(p, hide):
        out.append("Hide expression matched no samples")
    return out


def _locations(p: Profile) -> set[str]:
    """The distinct locations the stacks reach, each as its string of sites (inlined ones first)."""
    inl = p.site_inline
    locs: set[str] = set()
    for stack in p.site_stacks:
        start = 0
        for i, c in enumerate(stack):
            if not inl[ord(c)]:
                locs.add(stack[start:i + 1])
                start = i + 1
        if start < len(stack):
            locs.add(stack[start:])
    return locs
