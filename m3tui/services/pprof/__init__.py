"""pprof profiles: decode profile.proto (gzip'd or not) and aggregate like `go tool pprof`.

Plain Python over the protobuf runtime (upb); never imports Textual.

    from m3tui.services.pprof import load_file, top, top_lines
    p = load_file("cpu.out")
    print("\n".join(top_lines(top(p, p.sample_index(None)))))

`analysis.flame` (the call tree) is exported here as `flame_graph`, so that `pprof.flame` stays
the layout module.
"""

from .analysis import (
    Filters,
    FlameNode,
    PeekEntry,
    SourceFile,
    SourceLine,
    TopReport,
    TopRow,
    diff,
    format_value,
    header_lines,
    peek,
    peek_lines,
    percentage,
    source_listing,
    top,
    top_lines,
)
from .analysis import flame as flame_graph
from .decode import load, load_file
from .flame import FlameBox, layout, zoom  # the submodule `flame` stays the package attribute
from .model import Frame, Profile, ProfileError, SampleType

__all__ = [
    "Filters",
    "FlameBox",
    "FlameNode",
    "Frame",
    "PeekEntry",
    "Profile",
    "ProfileError",
    "SampleType",
    "SourceFile",
    "SourceLine",
    "TopReport",
    "TopRow",
    "diff",
    "flame_graph",
    "format_value",
    "header_lines",
    "layout",
    "load",
    "load_file",
    "peek",
    "peek_lines",
    "percentage",
    "source_listing",
    "top",
    "top_lines",
    "zoom",
]
