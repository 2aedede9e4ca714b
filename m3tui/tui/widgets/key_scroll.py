"""A scrollable container whose keys all carry ids (so a keymap can remap them) and include j/k."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding
from textual.containers import VerticalScroll


class KeyScroll(VerticalScroll, inherit_bindings=False):
    """Textual's scroll bindings restated with ids, plus vi keys."""

    BINDINGS: ClassVar = [
        Binding("up,k", "scroll_up", "Scroll up", show=False, id="scroll.up"),
        Binding("down,j", "scroll_down", "Scroll down", show=False, id="scroll.down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="scroll.page_up"),
        Binding("pagedown,ctrl+f,space", "page_down", "Page down", show=False, id="scroll.page_down"),
        Binding("home,g", "scroll_home", "Top", show=False, id="scroll.top"),
        Binding("end,G", "scroll_end", "Bottom", show=False, id="scroll.bottom"),
    ]
