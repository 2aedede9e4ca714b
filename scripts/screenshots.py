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
    ("bench", ["3", "run-gobench"], (100, 30), None),
    ("bench-scaling", ["3", "run-gobench", "s"], (100, 30), None),
    ("profiles", ["capture-gobench", "4"], (100, 30), None),
    ("profiles-flame", ["4", "f", "down", "down", "down", "down", "down"], (100, 30), None),
    ("logs", ["open-commands-log"], (100, 30), None),
    ("help", ["question_mark"], (100, 30), None),
    ("environment-80x24-ansi", ["1"], (80, 24), "ansi-dark"),
]


async def shoot(name: str, keys: list[str], size: tuple[int, int], theme: str | None) -> Path:
    from m3tui.tui.app import M3tuiApp
    from m3tui.core.config import load_config

    app = M3tuiApp(config=load_config(), theme=theme)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        for key in keys:
            if key == "run-gobench":
                await run_gobench(app, pilot)
            elif key == "capture-gobench":
                await capture_gobench()
            elif key == "open-commands-log":
                await open_commands_log(app, pilot)
            else:
                await pilot.press(key)
                await pilot.pause(0.1)
                await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        path = OUT / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(OUT))
        return path


async def run_gobench(app, pilot) -> None:
    """A real run of the test suite's Go package, so the Bench shots show real numbers."""
    from textual.widgets import Input

    pane = app.pane("bench")
    for name, value in (("regex", "^BenchmarkSum$|^BenchmarkSizes|^BenchmarkBytes$"), ("cpu", "1,2"),
                        ("count", "6"), ("benchtime", "20000x")):  # fmt: skip
        pane.query_one(f"#bench-{name}", Input).value = value
    pane.focus_target().focus()
    await pilot.press("r")
    while "done" not in pane._status_text and "failed" not in pane._status_text:
        await asyncio.sleep(0.2)
    await pilot.pause(0.2)


async def capture_gobench() -> None:
    """A real CPU profile of the test suite's Go package, for the Profiles shots."""
    from m3tui.profiles import capture as profcapture

    spec = profcapture.CaptureSpec(Path.cwd(), "^BenchmarkSizes$", "cpu", benchtime="1s")
    await profcapture.capture(spec)


async def open_commands_log(app, pilot) -> None:
    """The Logs pane on m3tui's own record of the commands it ran (real JSON lines)."""
    from m3tui.core import cmdlog

    await pilot.press("5")
    await pilot.pause(0.2)
    app.pane("logs").open_paths([cmdlog.commands_path()])
    await pilot.pause(0.5)
    await app.workers.wait_for_complete()


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    # A fresh state root: the user's config must not change the pictures.
    os.environ["M3TUI_HOME"] = tempfile.mkdtemp(prefix="m3tui-shots-")
    # The Bench shots run the test suite's Go package: work in a copy of it.
    import shutil

    work = Path(tempfile.mkdtemp(prefix="m3tui-shots-gobench-")) / "gobench"
    shutil.copytree(ROOT / "tests" / "data" / "gobench", work)
    os.chdir(work)
    os.environ.setdefault("GOFLAGS", "-mod=mod")
    for shot in SHOTS:
        print(await shoot(*shot))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(main())
