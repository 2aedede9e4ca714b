"""runs.what_runs on files only: a GOROOT with its VERSION and go.env, go.mod/go.work lines,
GOTOOLCHAIN from the environment or the `go env -w` file, the module cache; the chain's line
says each step and `matches` whether the pin is what runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from m3tui.versions.pins import resolve_pin
from m3tui.versions.runs import what_runs


def goroot(root: Path, version: str, gotoolchain: str | None = "auto") -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text("")
    (root / "bin" / "go").chmod(0o755)
    (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
    if gotoolchain:
        (root / "go.env").write_text(f"GOPROXY=off\nGOTOOLCHAIN={gotoolchain}\n")
    return root


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    store = tmp_path / "store"
    goroot(store / "go1.22.10", "go1.22.10")
    (store / "current").symlink_to("go1.22.10")
    project = tmp_path / "p"
    project.mkdir()
    (project / ".go-version").write_text("1.22.10\n")
    env = {"PATH": f"{store}/go1.22.10/bin:/nonexistent", "HOME": str(tmp_path), "GOMODCACHE": str(tmp_path / "mod")}
    return project, env, store


def runs(project: Path, env: dict[str, str], store: Path):  # type: ignore[no-untyped-def]
    return what_runs(project, env, resolve_pin(project, env, store))


def test_the_pin_runs(setup: tuple[Path, dict[str, str], Path]) -> None:
    project, env, store = setup
    chain = runs(project, env, store)
    assert (chain.runs, chain.runs_from, chain.asks, chain.matches) == ("go1.22.10", "PATH", None, True)
    assert (chain.gotoolchain, chain.gotoolchain_source) == ("auto", f"{store}/go1.22.10/go.env")
    assert chain.line() == "pinned 1.22.10 (.go-version) → runs go1.22.10"
    (project / "go.mod").write_text("module x\n\ngo 1.21\n\ntoolchain go1.21.5\n")  # older: no switch
    assert runs(project, env, store).runs == "go1.22.10"


def test_go_mod_toolchain_newer_than_the_pin(setup: tuple[Path, dict[str, str], Path], tmp_path: Path) -> None:
    project, env, store = setup
    (project / "go.mod").write_text("module x\n\ngo 1.22\n\ntoolchain go1.23.4 // the team's\n")
    chain = runs(project, env, store)
    assert (chain.asks, chain.runs, chain.matches) == ("go1.23.4", "go1.23.4", False)
    assert chain.asks_why == f"go.mod toolchain go1.23.4 ({project}/go.mod)"
    assert chain.line() == "pinned 1.22.10 (.go-version) → go.mod asks go1.23.4 → runs go1.23.4 from a download (GOTOOLCHAIN=auto)"
    goroot(tmp_path / "mod" / "golang.org" / f"toolchain@v0.0.1-go1.23.4.{chain_platform()}", "go1.23.4")
    assert runs(project, env, store).line().endswith("→ runs go1.23.4 from the module cache")
    # GOTOOLCHAIN=local (the environment, else the go env -w file) keeps the pin.
    assert runs(project, {**env, "GOTOOLCHAIN": "local"}, store).runs == "go1.22.10"
    (tmp_path / ".config" / "go").mkdir(parents=True)
    (tmp_path / ".config" / "go" / "env").write_text("GOTOOLCHAIN=local\n")
    chain = runs(project, env, store)
    assert (chain.runs, chain.gotoolchain_source) == ("go1.22.10", f"go env -w ({tmp_path}/.config/go/env)")


def chain_platform() -> str:
    import platform
    import sys

    from m3tui.core.host import goarch_for_machine, goos_for_platform

    return f"{goos_for_platform(sys.platform)}-{goarch_for_machine(platform.machine())}"


def test_go_line_language_version_and_go_work(setup: tuple[Path, dict[str, str], Path]) -> None:
    project, env, store = setup
    (project / "go.mod").write_text("module x\n\ngo 1.24\n")
    assert runs(project, env, store).runs == "go1.24.0"  # a language version: its first release
    (project / "go.work").write_text("go 1.25.1\n\nuse .\n")  # go.work decides in a workspace
    chain = runs(project, env, store)
    assert (chain.runs, chain.asks_why) == ("go1.25.1", f"go.work go 1.25.1 ({project}/go.work)")
    assert "→ go.work asks go1.25.1 →" in chain.line()


def test_gotoolchain_forced_and_path_mode(setup: tuple[Path, dict[str, str], Path], tmp_path: Path) -> None:
    project, env, store = setup
    (project / "go.mod").write_text("module x\n\ngo 1.26.0\n")
    chain = runs(project, {**env, "GOTOOLCHAIN": "go1.23.4"}, store)  # forced: go.mod not consulted
    assert (chain.runs, chain.line().split(" → ")[1]) == ("go1.23.4", "GOTOOLCHAIN asks go1.23.4")
    assert runs(project, {**env, "GOTOOLCHAIN": "go1.27.0+auto"}, store).runs == "go1.27.0"  # minimum above go.mod
    chain = runs(project, {**env, "GOTOOLCHAIN": "path"}, store)
    assert (chain.runs, chain.runs_from) == (None, "nowhere")  # no go1.26.0 on PATH
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "go1.26.0").write_text("")
    (tmp_path / "bin" / "go1.26.0").chmod(0o755)
    chain = runs(project, {**env, "GOTOOLCHAIN": "path", "PATH": f"{env['PATH']}:{tmp_path}/bin"}, store)
    assert (chain.runs, chain.runs_from) == ("go1.26.0", f"PATH ({tmp_path}/bin/go1.26.0)")


def test_the_go_on_path_is_not_the_pinned_one(setup: tuple[Path, dict[str, str], Path], tmp_path: Path) -> None:
    project, env, store = setup
    other = goroot(tmp_path / "usr-local-go", "go1.27.3")
    chain = runs(project, {**env, "PATH": f"{other}/bin"}, store)
    assert (chain.runs, chain.matches) == ("go1.27.3", False)
    assert chain.line() == (f"pinned 1.22.10 (.go-version) → the go on PATH is go1.27.3 ({other}/bin/go), not the pinned one: "
                            "is m3tui's env file sourced? (m3tui versions env --add-to-rc) → runs go1.27.3")  # fmt: skip
    (project / ".go-version").write_text("1.21.0\n")
    chain = runs(project, {**env, "PATH": f"{other}/bin"}, store)
    assert chain.line().startswith("pinned 1.21.0 (.go-version) → not installed (m3tui versions install) → the go on PATH is go1.27.3")
    (project / ".go-version").unlink()
    chain = runs(project, {**env, "PATH": f"{other}/bin"}, store)
    assert chain.matches and chain.line().startswith("nothing pinned here; m3tui's global choice go1.22.10 → the go on PATH")
    assert runs(project, {**env, "PATH": "/nonexistent"}, store).runs_from == "nowhere"
