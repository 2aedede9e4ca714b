"""Services: plain asyncio and typed dataclasses, never Textual.

The TUI panes and the headless CLI are two thin fronts over these modules.
"""
