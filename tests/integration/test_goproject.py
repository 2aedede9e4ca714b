"""Per-project Go: reading and writing pins in real files, and what the real go runs here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from m3tui.core import runner
from m3tui.versions.project import read_project_version, set_project_version, what_runs_here

from tests.appkit import write_executable
from tests.httpserver import ModuleProxyServer

GO_MOD = (
    "// A module with everything go.mod can hold.\n"
    "module example.com/m // the module\n"
    "\n"
    "go 1.22.0\n"
    "\n"
    "require (\n"
    "\tgolang.org/x/mod v0.17.0 // indirect\n"
    "\tgo.example.com/toolchain v1.0.0\n"
    ")\n"
    "\n"
    "replace example.com/old => ../old\n"
    "\n"
    "exclude (\n"
    "\texample.com/bad v1.0.0\n"
    ")\n"
)


# --- reading ----------------------------------------------------------------------------


def test_go_version_file_nearest_up(tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("go1.22.10\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    pin = read_project_version(deep)
    (src,) = pin.sources
    assert (src.kind, src.path, src.value, src.version) == (".go-version", tmp_path / ".go-version", "go1.22.10", "go1.22.10")
    assert pin.pinned == src

    (tmp_path / "a" / ".go-version").write_text("# comment\n\n  1.23.4  \n")
    src = read_project_version(deep).source(".go-version")
    assert src is not None and (src.path, src.value, src.version) == (tmp_path / "a" / ".go-version", "1.23.4", "go1.23.4")


def test_tool_versions_asdf_and_mise_spelling(tmp_path: Path) -> None:
    (tmp_path / ".tool-versions").write_text("nodejs 20.11.0\ngolang 1.22.10 1.21.0 # fallback\npython 3.12.1\n")
    inner = tmp_path / "svc"
    inner.mkdir()
    # A nearer .tool-versions without Go: asdf walks past it, and so do we.
    (inner / ".tool-versions").write_text("nodejs 18.0.0\n")
    src = read_project_version(inner).source(".tool-versions")
    assert src is not None and (src.path, src.value, src.version) == (tmp_path / ".tool-versions", "1.22.10", "go1.22.10")

    (inner / ".tool-versions").write_text("go 1.23.4\n")  # mise's name
    src = read_project_version(inner).source(".tool-versions")
    assert src is not None and (src.path, src.version) == (inner / ".tool-versions", "go1.23.4")

    (inner / ".tool-versions").write_text("golang system\n")
    src = read_project_version(inner).source(".tool-versions")
    assert src is not None and (src.value, src.version) == ("system", None)


def test_go_mod_lines_and_every_source(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.21\n\ntoolchain go1.22.10 // pinned\n")
    (tmp_path / ".go-version").write_text("1.21.13\n")
    (tmp_path / ".tool-versions").write_text("golang 1.22.1\n")
    sub = tmp_path / "internal" / "x"
    sub.mkdir(parents=True)
    pin = read_project_version(sub)
    assert [(s.kind, s.value, s.version) for s in pin.sources] == [
        (".go-version", "1.21.13", "go1.21.13"),
        (".tool-versions", "1.22.1", "go1.22.1"),
        ("go.mod go", "1.21", "go1.21"),
        ("go.mod toolchain", "go1.22.10", "go1.22.10"),
    ]
    assert all(s.path.parent == tmp_path for s in pin.sources)
    assert pin.pinned is not None and pin.pinned.kind == ".tool-versions"  # same directory: asdf's order


def test_nothing_pinned(tmp_path: Path) -> None:
    pin = read_project_version(tmp_path)
    assert pin.sources == () and pin.pinned is None


# --- writing ----------------------------------------------------------------------------


def test_set_go_version_round_trip(tmp_path: Path) -> None:
    path = set_project_version(tmp_path, "go1.22.10", how="go-version")
    assert path == tmp_path / ".go-version" and path.read_text() == "1.22.10\n"
    assert read_project_version(tmp_path).source(".go-version").version == "go1.22.10"  # type: ignore[union-attr]
    set_project_version(tmp_path, "1.23.4", how="go-version")
    assert path.read_text() == "1.23.4\n"


def test_set_tool_versions_keeps_other_lines(tmp_path: Path) -> None:
    path = tmp_path / ".tool-versions"
    path.write_text("# tools\nnodejs 20.11.0\ngolang 1.21.0 # old\npython 3.12.1")
    assert set_project_version(tmp_path, "1.22.10", how="tool-versions") == path
    assert path.read_text() == "# tools\nnodejs 20.11.0\ngolang 1.22.10 # old\npython 3.12.1"
    assert read_project_version(tmp_path).source(".tool-versions").version == "go1.22.10"  # type: ignore[union-attr]

    path.write_text("nodejs 20.11.0\r\ngo 1.21.0\r\n")  # mise's name and CRLF stay
    set_project_version(tmp_path, "go1.23.4", how="tool-versions")
    assert path.read_bytes() == b"nodejs 20.11.0\r\ngo 1.23.4\r\n"

    path.write_text("nodejs 20.11.0")  # no Go yet: a line is added
    set_project_version(tmp_path, "1.22.10", how="tool-versions")
    assert path.read_text() == "nodejs 20.11.0\ngolang 1.22.10\n"

    path.unlink()
    set_project_version(tmp_path, "1.22.10", how="tool-versions")
    assert path.read_text() == "golang 1.22.10\n"


def test_set_toolchain_inserts_after_the_go_line_and_nothing_else(tmp_path: Path) -> None:
    gomod = tmp_path / "go.mod"
    gomod.write_bytes(GO_MOD.encode())
    gomod.chmod(0o640)
    sub = tmp_path / "cmd" / "tool"
    sub.mkdir(parents=True)
    assert set_project_version(sub, "1.22.10", how="toolchain") == gomod  # the nearest go.mod
    expected = GO_MOD.replace("go 1.22.0\n", "go 1.22.0\ntoolchain go1.22.10\n", 1)
    assert gomod.read_bytes() == expected.encode()
    assert gomod.stat().st_mode & 0o777 == 0o640
    assert read_project_version(sub).source("go.mod toolchain").version == "go1.22.10"  # type: ignore[union-attr]

    set_project_version(sub, "go1.23.4", how="toolchain")  # replaced in place
    assert gomod.read_bytes() == GO_MOD.replace("go 1.22.0\n", "go 1.22.0\ntoolchain go1.23.4\n", 1).encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmd", "go.mod"]  # no temp file left


def test_set_toolchain_replaces_in_place_keeping_comment_and_crlf(tmp_path: Path) -> None:
    gomod = tmp_path / "go.mod"
    gomod.write_bytes(b"module m\r\n\r\ngo 1.21\r\n\r\ntoolchain  go1.21.5 // keep me\r\n\r\nrequire x.y/z v1.0.0\r\n")
    set_project_version(tmp_path, "1.22.10", how="toolchain")
    assert gomod.read_bytes() == b"module m\r\n\r\ngo 1.21\r\n\r\ntoolchain  go1.22.10 // keep me\r\n\r\nrequire x.y/z v1.0.0\r\n"

    gomod.write_bytes(b"module m\r\n\r\ngo 1.21")  # the go line ends the file
    set_project_version(tmp_path, "1.22.10", how="toolchain")
    assert gomod.read_bytes() == b"module m\r\n\r\ngo 1.21\ntoolchain go1.22.10\n"


async def test_go_accepts_the_written_toolchain_line(tmp_path: Path, real_go: Path) -> None:
    """The real go reads back the go.mod we wrote (go mod edit -json parses it)."""
    (tmp_path / "go.mod").write_bytes(GO_MOD.encode())
    set_project_version(tmp_path, "1.22.10", how="toolchain")
    result = await runner.run([str(real_go), "mod", "edit", "-json"], cwd=tmp_path, env={"GOTOOLCHAIN": "local"}, timeout=30)
    assert result.ok, result.stderr_text
    parsed = json.loads(result.stdout_text)
    assert parsed["Go"] == "1.22.0" and parsed["Toolchain"] == "go1.22.10"
    assert [r["Path"] for r in parsed["Require"]] == ["golang.org/x/mod", "go.example.com/toolchain"]


def test_set_rejects_bad_versions_and_missing_go_mod(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a Go version"):
        set_project_version(tmp_path, "1.22.x", how="go-version")
    with pytest.raises(ValueError, match=r"names a release, e.g. go1\.22\.0, not go1\.22"):
        (tmp_path / "go.mod").write_text("module m\n\ngo 1.21\n")
        set_project_version(tmp_path, "1.22", how="toolchain")
    with pytest.raises(ValueError, match="unknown pin"):
        set_project_version(tmp_path, "1.22.10", how="gvmrc")  # type: ignore[arg-type]
    assert (tmp_path / "go.mod").read_text() == "module m\n\ngo 1.21\n"
    assert not (tmp_path / ".go-version").exists()
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    os.remove(tmp_path / "go.mod")
    with pytest.raises(FileNotFoundError, match="no go.mod"):
        set_project_version(empty, "1.22.10", how="toolchain")


# --- what runs here ---------------------------------------------------------------------


@pytest.fixture
def user_env(tmp_path: Path, real_go: Path, monkeypatch) -> dict[str, str]:
    """A user's environment: the real go on PATH, no go env -w settings, an empty module cache."""
    for key in ("GOTOOLCHAIN", "GOFLAGS", "GOPROXY", "GONOSUMDB", "GOSUMDB", "GOROOT", "GOPATH"):
        monkeypatch.delenv(key, raising=False)
    env = dict(os.environ)
    env.update(PATH=f"{real_go.parent}:/usr/bin:/bin", GOENV=str(tmp_path / "goenv"),
               GOPATH=str(tmp_path / "gopath"), GOMODCACHE=str(tmp_path / "modcache"))  # fmt: skip
    return env


def real_version(real_go: Path) -> str:
    return (real_go.parent.parent / "VERSION").read_text().splitlines()[0]


async def test_go_mod_asking_for_a_newer_go_would_download(tmp_path: Path, real_go: Path, user_env: dict[str, str]) -> None:
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "go.mod").write_text("module example.com/m\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    with ModuleProxyServer() as proxy:
        # The user's GOPROXY is a local server that records every request: none must come.
        view = await what_runs_here(project / "pkg", {**user_env, "GOPROXY": proxy.url, "GOSUMDB": "off"})
        assert proxy.paths == []
    assert view.local is not None and view.local.version == real_version(real_go)
    assert view.go is not None and view.go.path == real_go.parent / "go"
    assert (view.effective, view.would_download, view.error) == ("go1.99.1", True, None)
    assert view.switches
    assert view.modules["go.mod"] == {"path": str(project / "go.mod"), "go": "1.21", "toolchain": "go1.99.1"}
    # Unset by the user: the Go distribution's own go.env says auto.
    assert (view.gotoolchain, view.gotoolchain_source) == ("auto", f"{real_go.parent.parent}/go.env")
    # Nothing was fetched: go leaves only its download lock file in the module cache.
    fetched = [p for p in (tmp_path / "modcache").rglob("*") if p.is_file() and p.suffix != ".lock"]
    assert fetched == []
    assert view.pin.source("go.mod toolchain").version == "go1.99.1"  # type: ignore[union-attr]


async def test_without_go_mod_the_local_go_runs(tmp_path: Path, real_go: Path, user_env: dict[str, str]) -> None:
    (tmp_path / "plain").mkdir()
    view = await what_runs_here(tmp_path / "plain", user_env)
    assert view.local is not None and view.local.version == real_version(real_go)
    assert (view.effective, view.would_download, view.error) == (real_version(real_go), False, None)
    assert not view.switches and view.modules == {} and view.pin.sources == ()


async def test_gotoolchain_auto_in_the_environment(tmp_path: Path, real_go: Path, user_env: dict[str, str]) -> None:
    """The user's GOTOOLCHAIN=auto switches the effective go, never the look at the go on PATH."""
    (tmp_path / "go.mod").write_text("module m\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    view = await what_runs_here(tmp_path, {**user_env, "GOTOOLCHAIN": "auto"})
    assert view.local is not None and view.local.version == real_version(real_go)
    assert (view.gotoolchain, view.gotoolchain_source) == ("auto", "environment")
    assert (view.effective, view.would_download, view.error) == ("go1.99.1", True, None)


async def test_gotoolchain_local_in_the_environment_wins(tmp_path: Path, real_go: Path, user_env: dict[str, str]) -> None:
    (tmp_path / "go.mod").write_text("module m\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    view = await what_runs_here(tmp_path, {**user_env, "GOTOOLCHAIN": "local"})
    assert (view.gotoolchain, view.gotoolchain_source) == ("local", "environment")
    assert (view.effective, view.would_download) == (real_version(real_go), False)


async def test_gotoolchain_from_go_env_w(tmp_path: Path, real_go: Path, user_env: dict[str, str]) -> None:
    Path(user_env["GOENV"]).write_text("GOTOOLCHAIN=go1.99.2\n")
    (tmp_path / "plain").mkdir()
    view = await what_runs_here(tmp_path / "plain", user_env)
    assert view.gotoolchain == "go1.99.2" and view.gotoolchain_source.startswith("go env -w")
    assert (view.effective, view.would_download) == ("go1.99.2", True)


async def test_a_broken_go_is_reported_not_raised(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    write_executable(bindir / "go", "#!/bin/sh\necho 'go: cannot find GOROOT directory' >&2\nexit 2\n")
    view = await what_runs_here(tmp_path, {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path)})
    assert view.go is not None and view.local is None and view.effective is None
    assert view.error == "go version fails here: go: cannot find GOROOT directory"


async def test_no_go_on_path(tmp_path: Path) -> None:
    view = await what_runs_here(tmp_path, {"PATH": str(tmp_path / "nothing"), "HOME": str(tmp_path)})
    assert view.go is None and view.local is None and view.effective is None
    assert view.error == "no go on PATH"


def test_services_do_not_import_textual() -> None:
    code = "import sys, m3tui.versions.project, m3tui.versions.switch; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
