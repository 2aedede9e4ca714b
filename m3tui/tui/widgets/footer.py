"""Textual's Footer, remade only when what it shows changes, and cheaper to remake.

Textual's Footer recomposes (unmounts and mounts one widget per key) on every `bindings_updated`
signal, and the screen sends that on every focus change and most key presses, changed or not.
Each new key is also restyled twice (its `compact` starts True, then is bound to the footer's
False): about 45 ms at 200 columns, half of it for a footer identical to the one shown (measured
in the Profiles pane: `f`, `/` then enter each remade it twice). This one keeps the footer when
what it would show is the same, and makes its keys non-compact from the start. The look is
Textual's (same widgets, same CSS): m3tui has no binding groups, and with one the footer is
Textual's own compose.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class _Key(FooterKey):
    """A footer key born non-compact, as m3tui's footer is (no restyle when it mounts)."""

    DEFAULT_CSS = ""  # FooterKey's own applies (a subclass's empty CSS adds nothing)
    compact = reactive(False)


class QuietFooter(Footer):
    _shown: tuple[Any, ...] | None = None

    def _what_it_shows(self) -> tuple[Any, ...]:
        """Everything `compose` reads: the shown bindings in order, their key, display,
        description, action, group, state and tooltip, and the footer's own switches."""
        return (
            self._bindings_ready, self.compact, self.show_command_palette, self.combine_groups,
            tuple(
                (binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                 id(binding.group), binding.tooltip, enabled, tooltip)
                for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
                if binding.show or key == self.app.COMMAND_PALETTE_BINDING
            ),
        )  # fmt: skip

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        shown = self._what_it_shows()
        if shown == self._shown and self.children:
            return
        self._shown = shown
        await super().recompose()

    def compose(self) -> ComposeResult:
        """`Footer.compose` for a non-compact footer without binding groups: one key per action,
        in the order the actions first come, then the command palette's key on the right (a compact
        one, as Textual's footer makes it whatever the footer's style)."""
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        shown = [(binding, enabled, tooltip) for (_node, binding, enabled, tooltip) in active.values() if binding.show]
        if self.compact or any(binding.group is not None for binding, _e, _t in shown):
            yield from super().compose()
            return
        actions: set[str] = set()
        for binding, enabled, tooltip in shown:
            if binding.action in actions:
                continue
            actions.add(binding.action)
            yield _Key(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                       disabled=not enabled, tooltip=tooltip)  # fmt: skip
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                _node, binding, enabled, tooltip = palette
                yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                                classes="-command-palette", disabled=not enabled,
                                tooltip=binding.tooltip or binding.description)  # fmt: skip  (compact, as Textual's)
