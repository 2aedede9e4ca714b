"""versions.listing.origin: where the Go that runs here comes from, as the header says it (issue 15,
"Current is visible"): a pin file, M3TUI_GO_VERSION, m3tui's global `current`, or just PATH, and
a warning when m3tui's choice is not what runs."""

from __future__ import annotations

from pathlib import Path

from m3tui.core.pins import Pin
from m3tui.versions.current import Current, repaired_line
from m3tui.versions.listing import origin

HOME = "/home/gopher"
SHOP = Path("/home/gopher/src/shop")
STORE = Path("/home/gopher/.local/share/m3tui/go")
GO_VERSION = Pin(".go-version", "1.22.10", SHOP / ".go-version", "go1.22.10", "go1.22.10")


def here(version: str | None = "go1.22.10", *, cwd: Path = SHOP, reason: str = "path", why: str = "the first go on PATH: /x/bin/go",
         global_version: str | None = None, global_state: str = "none", runs_global: bool = False) -> Current:  # fmt: skip
    goroot = STORE / version if runs_global and version else None
    return Current(cwd=cwd, version=version, goroot=goroot, reason=reason, why=why,  # type: ignore[arg-type]
                   global_version=global_version, global_goroot=STORE / global_version if global_version else None,
                   global_state=global_state, global_link=STORE / "current")  # type: ignore[arg-type]  # fmt: skip


def global_pin(version: str, installed: bool = True) -> Pin:
    return Pin("global", version, STORE / "current", version, version if installed else None)


def test_a_pin_file_in_this_directory_is_named_alone() -> None:
    said = origin(here(), GO_VERSION, home=HOME)
    assert said.forms == ("from .go-version",) and not said.warn


def test_a_pin_file_above_names_its_directory_shorter_and_shorter() -> None:
    mise = Pin("mise.toml", "1.22", SHOP / "mise.toml", "go1.22", "go1.22.10")
    said = origin(here(cwd=SHOP / "cmd" / "api"), mise, home=HOME)
    assert said.forms == ("from mise.toml in ~/src/shop", "from mise.toml") and not said.warn
    deep = Pin("mise.toml", "1.22", Path("/home/gopher/work/src/github.com/acme/shop/mise.toml"), "go1.22", "go1.22.10")
    said = origin(here(cwd=SHOP / "x"), deep, home=HOME)
    assert said.forms == ("from mise.toml in ~/…/src/github.com/acme/shop", "from mise.toml in ~/…/acme/shop", "from mise.toml")


def test_the_environment_variable() -> None:
    said = origin(here(), Pin("env", "1.22", None, "go1.22", "go1.22.10"), home=HOME)
    assert said.forms == ("from M3TUI_GO_VERSION",) and not said.warn


def test_go_mod_switching_away_from_the_pin_is_a_warning_naming_go_mod() -> None:
    switched = here("go1.23.4", reason="go.mod", why="go.mod toolchain go1.23.4 (/home/gopher/src/shop/go.mod)")
    said = origin(switched, GO_VERSION, home=HOME)
    assert said.warn
    assert said.forms == (".go-version pins 1.22.10, go.mod asks go1.23.4", ".go-version pins 1.22.10", ".go-version")
    toolchain = here("go1.23.4", reason="GOTOOLCHAIN", why="GOTOOLCHAIN=go1.23.4 (environment)")
    assert origin(toolchain, GO_VERSION).forms[0] == ".go-version pins 1.22.10, GOTOOLCHAIN asks go1.23.4"


def test_another_go_first_on_path_or_a_pin_not_installed_is_a_warning() -> None:
    said = origin(here("go1.27.3"), GO_VERSION, home=HOME)
    assert said.warn and said.forms[0] == ".go-version pins 1.22.10, go1.27.3 on PATH runs"
    missing = Pin(".go-version", "1.22.10", SHOP / ".go-version", "go1.22.10", None)
    said = origin(here("go1.27.3"), missing, home=HOME)
    assert said.warn and said.forms[0] == ".go-version pins 1.22.10, not installed"


def test_the_global_current_when_it_runs_and_when_it_does_not() -> None:
    runs = here("go1.27.3", reason="global", global_version="go1.27.3", global_state="ok", runs_global=True)
    said = origin(runs, global_pin("go1.27.3"), home=HOME)
    assert said.forms[-1] == "from global" and not said.warn
    other = here("go1.24.2", global_version="go1.27.3", global_state="ok")
    said = origin(other, global_pin("go1.27.3"), home=HOME)
    assert said.warn and said.forms == ("global go1.27.3 is not first on PATH", "global go1.27.3 not on PATH", "global go1.27.3")


def test_just_path_when_nothing_is_chosen_and_a_broken_link_with_its_fix() -> None:
    said = origin(here("go1.24.2"), Pin("none", "", None, None, None), home=HOME)
    assert said.forms == ("from PATH",) and not said.warn
    dangling = here("go1.24.2", global_state="dangling")
    said = origin(dangling, global_pin("go1.23.4", installed=False), home=HOME)
    assert said.warn and said.forms == ("global link broken: m3tui versions use VERSION", "global link broken", "global broken")
    assert origin(here(None, reason="none", why="no go on PATH"), None).forms == ()


def test_the_repaired_line_is_the_clis() -> None:
    assert repaired_line("go1.22.10") == "repaired m3tui's current link: it named go1.22.10, which is not installed"
    assert repaired_line("") == "repaired m3tui's current link: it named no version"
