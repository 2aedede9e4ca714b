"""The footer (widgets/footer.py): remade when the keys it shows change, kept when they do not,
and the same keys as Textual's own Footer would show (the snapshots hold its look)."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from m3tui.tui.widgets.footer import QuietFooter
from tests.appkit import settle, snapshot_app


def _keys(footer: QuietFooter) -> list[tuple[str, str, bool]]:
    return [(k.key_display, k.description, k.has_class("-compact")) for k in footer.query(FooterKey)]


async def test_the_footer_follows_the_focus_and_is_kept_when_nothing_changes() -> None:
    app = snapshot_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        footer = app.main_screen.query_one(QuietFooter)
        made = [0]
        compose = footer.compose

        def counted():  # type: ignore[no-untyped-def]
            made[0] += 1
            return compose()

        footer.compose = counted  # type: ignore[method-assign]
        await pilot.press("4")  # the Profiles pane: its keys
        await settle(pilot)
        profiles = _keys(footer)
        assert made[0] >= 1
        assert any(desc for _key, desc, _c in profiles if desc.startswith("Open")), profiles
        children = list(footer.children)
        before = made[0]
        app.main_screen.bindings_updated_signal.publish(app.main_screen)  # what Textual sends, nothing changed
        await settle(pilot)
        assert made[0] == before and list(footer.children) == children  # kept, not remade

        await pilot.press("1")  # another pane: other keys, remade
        await settle(pilot)
        environment = _keys(footer)
        assert made[0] > before and environment != profiles
        assert ("r", "Re-run checks", False) in environment
        # the command palette's key stays compact, as in Textual's footer; the others are not
        assert environment[-1] == ("^p", "Commands", True)
        assert not any(compact for _k, _d, compact in environment[:-1])
