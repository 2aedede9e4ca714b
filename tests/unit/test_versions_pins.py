"""pins.resolve_pin on real trees of files: the one resolution order (environment, then the
nearest directory with a pin naming go: .tool-versions, mise.toml, .mise.toml, .go-version; then
the global link), what each form selects from the store, and what is warned about."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from m3tui.versions.pins import resolve_pin, store_versions


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    for version in ("go1.22.10", "go1.23.4", "go1.23.12", "go1.24rc1"):
        (root / version / "bin").mkdir(parents=True)
        (root / version / "bin" / "go").write_text("")
    (root / "go1.25.0").mkdir()  # no bin/go: not installed
    os.symlink("go1.22.10", root / "current")
    return root


def test_store_versions_are_complete_directories_only(store: Path) -> None:
    assert sorted(store_versions(store)) == ["go1.22.10", "go1.23.12", "go1.23.4", "go1.24rc1"]


def test_nearest_directory_wins_and_walks_up(store: Path, tmp_path: Path) -> None:
    (tmp_path / "p" / "a" / "b").mkdir(parents=True)
    (tmp_path / "p" / ".go-version").write_text("go1.23.4\n")
    pin = resolve_pin(tmp_path / "p" / "a" / "b", {}, store)
    assert (pin.kind, pin.source, pin.value, pin.version, pin.installed) == (
        ".go-version", tmp_path / "p" / ".go-version", "go1.23.4", "go1.23.4", "go1.23.4")  # fmt: skip
    (tmp_path / "p" / "a" / ".tool-versions").write_text("golang 1.22.10\n")
    assert resolve_pin(tmp_path / "p" / "a" / "b", {}, store).source == tmp_path / "p" / "a" / ".tool-versions"


def test_order_within_one_directory(store: Path, tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("1.22.10\n")
    assert resolve_pin(tmp_path, {}, store).kind == ".go-version"
    (tmp_path / ".mise.toml").write_text('[tools]\ngo = "1.23.4"\n')
    assert resolve_pin(tmp_path, {}, store).kind == ".mise.toml"
    (tmp_path / "mise.toml").write_text("[tools]\ngo = '1.23'\n")
    pin = resolve_pin(tmp_path, {}, store)
    assert (pin.kind, pin.version, pin.installed) == ("mise.toml", "go1.23", "go1.23.12")  # newest patch
    (tmp_path / ".tool-versions").write_text("nodejs 20\n")  # no go: the next file is read
    assert resolve_pin(tmp_path, {}, store).kind == "mise.toml"
    (tmp_path / ".tool-versions").write_text("nodejs 20\ngo 1.22.10 1.21.0  # mise's name\r\n")
    pin = resolve_pin(tmp_path, {}, store)
    assert (pin.kind, pin.value, pin.installed) == (".tool-versions", "1.22.10", "go1.22.10")


def test_environment_first_then_global(store: Path, tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("1.23.4\n")
    pin = resolve_pin(tmp_path, {"M3TUI_GO_VERSION": "1.22.10"}, store)
    assert (pin.kind, pin.source, pin.installed, pin.where) == ("env", None, "go1.22.10", "M3TUI_GO_VERSION")
    (tmp_path / ".go-version").unlink()
    pin = resolve_pin(tmp_path, {}, store)
    assert (pin.kind, pin.installed, pin.pinned) == ("global", "go1.22.10", False)
    os.unlink(store / "current")
    assert resolve_pin(tmp_path, {}, store).kind == "none"


def test_pinned_but_not_installed(store: Path, tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("1.21.0\n")
    pin = resolve_pin(tmp_path, {}, store)
    assert (pin.version, pin.installed, pin.warnings) == ("go1.21.0", None, ())
    (tmp_path / ".go-version").write_text("1.25.0\n")  # a directory without bin/go
    assert resolve_pin(tmp_path, {}, store).installed is None
    (tmp_path / ".go-version").write_text("1.24rc1\n")  # named exactly: a prerelease is fine
    assert resolve_pin(tmp_path, {}, store).installed == "go1.24rc1"


def test_go_version_file_comment_lines_are_skipped(store: Path, tmp_path: Path) -> None:
    # As the shell hook reads it: the first word of the first line that has one after `#…` goes.
    (tmp_path / ".go-version").write_text("# pinned for the 1.23 runtime\n\n  1.23.4 # x\n1.22.10\n")
    assert resolve_pin(tmp_path, {}, store).installed == "go1.23.4"


def test_mise_forms(store: Path, tmp_path: Path) -> None:
    mise = tmp_path / "mise.toml"
    mise.write_text("tools.go = 'prefix:1.23'\n")
    assert resolve_pin(tmp_path, {}, store).installed == "go1.23.12"
    mise.write_text('[tools]\ngo = { version = "1.23.4" }\n')
    (tmp_path / ".go-version").write_text("1.22.10\n")
    pin = resolve_pin(tmp_path, {}, store)  # warned about, skipped: the .go-version beside it
    assert pin.kind == ".go-version" and pin.warnings == (
        f'{mise}: go = \'{{ version = "1.23.4" }}\' is not a version string m3tui reads (write go = "1.22.10")',)  # fmt: skip
    mise.write_text('[tools]\ngo = ["1.23.4", "1.22"]\n')
    assert len(resolve_pin(tmp_path, {}, store).warnings) == 1
    mise.write_text('[settings]\ngo = "1.23.4"\n[tools]\nnode = "20"\n')  # not under [tools]
    assert resolve_pin(tmp_path, {}, store).kind == ".go-version"


def test_a_value_that_is_no_version_falls_back_to_global(store: Path, tmp_path: Path) -> None:
    (tmp_path / ".tool-versions").write_text("golang system\n")
    pin = resolve_pin(tmp_path, {}, store)
    assert pin.kind == "global" and pin.installed == "go1.22.10"
    assert pin.warnings == (f"{tmp_path}/.tool-versions: 'system' is not a Go version m3tui can run "
                            "(expected e.g. 1.22.10 or 1.22); m3tui's global choice runs",)  # fmt: skip


def test_a_fifo_or_directory_named_like_a_pin_is_skipped(store: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".go-version")
    (tmp_path / ".tool-versions").mkdir()
    assert resolve_pin(tmp_path, {}, store).kind == "global"
