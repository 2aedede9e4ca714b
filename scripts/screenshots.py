"""Regenerate screenshots/ (SVG) from the real app, with the real go probe of this machine.

    python scripts/screenshots.py

Run it after any UI change; the README shows these files.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"

# (file name, keys to press, terminal size, theme)
SHOTS: list[tuple[str, list[str], tuple[int, int], str | None]] = [
    ("environment", ["1"], (100, 30), None),
    ("versions", ["2"], (100, 30), None),
    ("bench", ["3"], (100, 30), None),
    ("profiles", ["4"], (100, 30), None),
    ("logs", ["5"], (100, 30), None),
    ("help", ["question_mark"], (100, 30), None),
    ("environment-80x24-ansi", ["1"], (80, 24), "ansi-dark"),
]


async def shoot(name: str, keys: list[str], size: tuple[int, int], theme: str | None) -> Path:
    from m3tui.app import M3tuiApp
    from m3tui.services.config import load_config

    app = M3tuiApp(config=load_config(), theme=theme)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press(*keys)
        await pilot.pause(0.2)
        path = OUT / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(OUT))
        return path


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    # A fresh state root: the user's config must not change the pictures.
    os.environ["M3TUI_HOME"] = tempfile.mkdtemp(prefix="m3tui-shots-")
    for shot in SHOTS:
        print(await shoot(*shot))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(main())
