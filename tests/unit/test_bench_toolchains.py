"""bench.toolchains: a toolchain by version or path, recorded with a run, and found again to re-run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m3tui.bench.history import RunMeta
from m3tui.bench.toolchains import (
    SessionError,
    Toolchain,
    join,
    recorded,
    rerun_refs,
    resolve,
    split,
)


def _goroot(root: Path, version: str) -> Path:
    """A GOROOT as the installs list it: VERSION and an executable bin/go (never run here)."""
    (root / "bin").mkdir(parents=True)
    (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
    go = root / "bin" / "go"
    go.write_bytes(b"#!/bin/sh\nexit 0\n")
    go.chmod(0o755)
    return go


def _meta(**changes: object) -> RunMeta:
    base: dict[str, object] = dict(command=("go", "test"), package="p", package_dir="/p", bench=".", cpu=(1,), count=1,
                                   benchtime=None, benchmem=False, extra=(), go_version=None, goos=None, goarch=None,
                                   cpu_model=None, commit=None, dirty=None)  # fmt: skip
    base.update(changes)
    return RunMeta(**base)  # type: ignore[arg-type]


def test_nothing_given_is_paths_go() -> None:
    assert resolve([]) == [Toolchain("go", "go")]


def test_a_version_resolves_through_the_store_and_a_path_is_exact(m3tui_home: Path, tmp_path: Path) -> None:
    store_go = _goroot(m3tui_home / "go" / "go1.22.10", "go1.22.10")
    other = _goroot(tmp_path / "elsewhere" / "go", "go1.21.3")
    assert resolve(["1.22.10"]) == [Toolchain("go1.22.10", str(store_go))]
    assert resolve(["go1.22"]) == [Toolchain("go1.22.10", str(store_go))]  # the newest 1.22.x installed
    assert resolve([str(other)]) == [Toolchain("go1.21.3", str(other))]  # its version from its GOROOT
    assert resolve(["1.22.10", str(other)]) == [Toolchain("go1.22.10", str(store_go)), Toolchain("go1.21.3", str(other))]


def test_a_missing_toolchain_is_one_line_naming_it_and_the_install_command(m3tui_home: Path, tmp_path: Path) -> None:
    with pytest.raises(SessionError) as missing:
        resolve(["1.19.13"])
    assert "Go go1.19.13 is not installed" in str(missing.value) and "m3tui versions install go1.19.13" in str(missing.value)
    assert "\n" not in str(missing.value)
    with pytest.raises(SessionError, match="no go binary at .*/gone/bin/go"):
        resolve([str(tmp_path / "gone" / "bin" / "go")])
    with pytest.raises(SessionError, match="not a Go version"):
        resolve(["banana"])
    _goroot(m3tui_home / "go" / "go1.22.10", "go1.22.10")
    with pytest.raises(SessionError, match="same version"):
        resolve(["1.22.10", "go1.22.10"])


def test_a_run_records_its_toolchains_and_keeps_them_through_json() -> None:
    meta = _meta(toolchains=(("go1.22.10", "/s/go1.22.10/bin/go"), ("go1.23.4", "/s/go1.23.4/bin/go")), label="go1.22.10 vs go1.23.4")
    again = RunMeta.from_json(json.loads(json.dumps(meta.to_json())))
    assert again == meta and recorded(again) == [("go1.22.10", "/s/go1.22.10/bin/go"), ("go1.23.4", "/s/go1.23.4/bin/go")]
    damaged = RunMeta.from_json({**meta.to_json(), "toolchains": [["go1.22.10"], "x", [1, 2], ["go1.23.4", "/b/go"]]})
    assert damaged.toolchains == (("go1.23.4", "/b/go"),)


def test_runs_saved_before_toolchains_were_recorded_give_what_they_can() -> None:
    assert recorded(_meta(go_version="go1.24.2")) == [("go1.24.2", None)]  # PATH's go then: its version
    assert recorded(_meta(command=("/s/go1.22.10/bin/go", "test"), go_version="go1.22.10")) == [("go1.22.10", "/s/go1.22.10/bin/go")]
    ab = _meta(command=("/s/go1.22.10/bin/go", "test"), label="go1.22.10 vs go1.23.4")
    assert recorded(ab) == [("go1.22.10", "/s/go1.22.10/bin/go"), ("go1.23.4", None)]
    assert recorded(_meta()) == []  # nothing known: PATH's go


def test_rerun_refs_the_path_while_it_exists_else_the_version(m3tui_home: Path, tmp_path: Path) -> None:
    store_go = _goroot(m3tui_home / "go" / "go1.22.10", "go1.22.10")
    other = _goroot(tmp_path / "usr local" / "go", "go1.27.3")
    meta = _meta(toolchains=(("go1.22.10", str(store_go)),))
    assert rerun_refs(meta) == ["go1.22.10"]  # the store's copy: its name says the same thing
    assert rerun_refs(_meta(toolchains=(("go1.27.3", str(other)),))) == [str(other)]  # exact, not "some go1.27.3"
    gone = _meta(toolchains=(("go1.21.0", str(tmp_path / "old" / "bin" / "go")),))
    assert rerun_refs(gone) == ["go1.21.0"]  # found again by version, or refused with the install command
    assert rerun_refs(_meta(toolchains=(("", str(tmp_path / "old" / "bin" / "go")),))) == [str(tmp_path / "old" / "bin" / "go")]
    # The form's go field holds them as one line, a path with a space quoted.
    refs = rerun_refs(_meta(toolchains=(("go1.22.10", str(store_go)), ("go1.27.3", str(other)))))
    assert split(join(refs)) == refs == ["go1.22.10", str(other)]
    assert resolve(split(join(refs))) == [Toolchain("go1.22.10", str(store_go)), Toolchain("go1.27.3", str(other))]
