"""goinstall against a real Go archive served from 127.0.0.1, and against hostile ones.

Every fault test ends with ``assert_consistent``: no go/<version>, no .tmp-* directory, and
installed_versions() as before. Crashes are real: a child Python process is SIGKILLed; disk
errors are real: a read-only store (root drops CAP_DAC_OVERRIDE first) and RLIMIT_FSIZE.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import json
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from m3tui.versions import install as goinstall, store as gostore
from m3tui.versions.install import (
    ChecksumMismatch,
    DownloadError,
    InstallError,
    Progress,
    UnsafeArchive,
    install,
    prune,
    remove,
)
from m3tui.versions.names import GoFile

from tests.goarchive import VERSION, ArchiveServer, GoArchive
from tests.wait import eventually, wait_until

REPO = Path(__file__).resolve().parents[2]
WRITE_BUFFER = io.DEFAULT_BUFFER_SIZE  # the .part's buffered writer may hold back this much


# --- helpers -------------------------------------------------------------------------------------


def _ram_disk() -> Path | None:
    """/dev/shm if it is a usable tmpfs: writable, exec allowed, 2 GiB free (Docker's default
    64 MB /dev/shm is not)."""
    shm = Path("/dev/shm")
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    if not os.access(shm, os.W_OK | os.X_OK) or st.f_flag & os.ST_NOEXEC or st.f_bavail * st.f_frsize < 2 << 30:
        return None
    return shm


@pytest.fixture(scope="session")
def _homes(tmp_path_factory):
    ram = _ram_disk()
    if ram is None:
        yield tmp_path_factory.mktemp("goinstall-homes")
        return
    base = Path(tempfile.mkdtemp(prefix="m3tui-goinstall-", dir=ram))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def m3tui_home(_homes, monkeypatch) -> Path:
    """Overrides conftest's: each install writes a 250 MB, 12k-file tree, so the state root
    lives on a RAM disk when there is one (where the disk is slow or shared, writeback made
    the file 2-3x slower and flaky in time), and is deleted after the test, not kept by pytest.
    The code paths are the same: rename, flock, permissions and RLIMIT_FSIZE all apply."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=_homes))
    monkeypatch.setenv("M3TUI_HOME", str(home))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def tmp_dirs() -> list[str]:
    store = gostore.store_dir()
    if not store.is_dir():
        return []
    return sorted(p.name for p in store.iterdir() if p.name.startswith(gostore.TMP_PREFIX))


def assert_consistent(version: str = VERSION, installed: list[str] | None = None) -> None:
    """Nothing partial left: no version dir, no unpack temps, the installed list unchanged."""
    assert not gostore.version_dir(version).exists()
    assert tmp_dirs() == []
    assert gostore.installed_versions() == (installed or [])


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text
    return text


def part_path(filename: str) -> Path:
    return gostore.downloads_dir() / f"{filename}.part"


def place_verified_archive(archive: GoArchive) -> None:
    """What a run that died while unpacking leaves: the verified archive in downloads/."""
    gostore.downloads_dir().mkdir(parents=True, exist_ok=True)
    shutil.copyfile(archive.path, gostore.downloads_dir() / archive.filename)


def go_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOROOT", "GOPATH", "GOFLAGS")}
    env.update(GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off")
    return env


def tiny_archive(
    version: str = "go1.21.99", entries: list[tarfile.TarInfo | tuple[str, bytes]] | None = None
) -> tuple[str, bytes]:
    """A small .tar.gz with go/bin/go (a shell script) and whatever ``entries`` add after it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:

        def add(name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            tf.addfile(info, io.BytesIO(data))

        for name in ("go", "go/bin"):
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tf.addfile(info)
        add("go/bin/go", f"#!/bin/sh\necho go version {version} linux/amd64\n".encode(), 0o755)
        add("go/VERSION", f"{version}\n".encode())
        for entry in entries or []:
            if isinstance(entry, tarfile.TarInfo):
                tf.addfile(entry, io.BytesIO(b"x" * entry.size) if entry.isreg() else None)
            else:
                add(*entry)
    return f"{version}.linux-amd64.tar.gz", buf.getvalue()


def gofile_for(filename: str, data: bytes, version: str, **changes: object) -> GoFile:
    fields = dict(
        filename=filename,
        os="linux",
        arch="amd64",
        version=version,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        kind="archive",
    )
    fields.update(changes)
    return GoFile(**fields)  # type: ignore[arg-type]


def serve_tiny(server: ArchiveServer, version: str = "go1.21.99", entries=None, **changes) -> tuple[GoFile, str]:
    filename, data = tiny_archive(version, entries)
    return gofile_for(filename, data, version, **changes), server.add(filename, data)


def fake_installed(version: str, size: int = 10_000) -> Path:
    """A version dir as install leaves it (for remove/prune)."""
    root = gostore.version_dir(version)
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_bytes(b"\x7fELF" + b"\0" * size)
    (root / "VERSION").write_text(version)
    return root


def make_current(version: str) -> None:
    os.symlink(version, gostore.current_link())


# A child process that installs, for crashes, disk errors and concurrency. It prints one JSON
# line: {"ok": path} or {"error": class name, "install_error": bool, "message": ...}.
CHILD = r"""
import asyncio, ctypes, json, resource, signal, sys
args = json.loads(sys.argv[1])
if args.get("drop_dac"):
    # Root ignores permission bits through CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: drop them.
    libc = ctypes.CDLL(None, use_errno=True)
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]
    header, data = Header(0x20080522, 0), (Data * 2)()
    assert libc.capget(ctypes.byref(header), data) == 0
    mask = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF
    data[0].effective &= mask
    data[0].permitted &= mask
    assert libc.capset(ctypes.byref(header), data) == 0, ctypes.get_errno()
if args.get("fsize"):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (args["fsize"], args["fsize"]))
from m3tui.versions import install as goinstall
from m3tui.versions.names import GoFile
try:
    path = asyncio.run(goinstall.install(GoFile(**args["file"]), args["url"], wait_for_lock=args.get("wait", True)))
    print(json.dumps({"ok": str(path)}), flush=True)
except Exception as exc:
    print(json.dumps({"error": type(exc).__name__, "install_error": isinstance(exc, goinstall.InstallError),
                      "message": str(exc)}), flush=True)
"""


def spawn(file: GoFile, url: str, **options: object) -> subprocess.Popen[str]:
    args = {"file": dataclasses.asdict(file), "url": url, **options}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(args)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def outcome(proc: subprocess.Popen[str], timeout: float = 60.0) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL


# --- the real archive ----------------------------------------------------------------------------


async def test_install_real_archive_then_go_version_and_go_test(go_archive, archive_server, tmp_path):
    reports: list[Progress] = []
    url = archive_server.url(go_archive.filename)
    start = time.monotonic()
    goroot = await install(go_archive.gofile(), url, on_progress=reports.append)
    seconds = time.monotonic() - start

    assert goroot == gostore.version_dir(VERSION)
    assert gostore.installed_versions() == [VERSION]
    assert tmp_dirs() == []
    assert list(gostore.downloads_dir().iterdir()) == []  # the archive is gone once installed
    assert os.access(goroot / "bin" / "go", os.X_OK)
    assert not os.access(goroot / "VERSION", os.X_OK)

    phases = [r.phase for r in reports]
    assert phases[0] == "download" and phases[-1] == "unpack" and "verify" in phases
    assert phases == sorted(phases, key=["download", "verify", "unpack"].index)
    for phase in ("download", "unpack"):
        done = [r.done_bytes for r in reports if r.phase == phase]
        assert done == sorted(done)
        assert len(done) <= seconds * 10 + 3  # at most ~10 reports a second
    last_download = [r for r in reports if r.phase == "download"][-1]
    assert last_download.done_bytes == last_download.total_bytes == go_archive.size
    assert reports[-1].done_bytes == reports[-1].total_bytes == go_archive.size

    version = subprocess.run([goroot / "bin" / "go", "version"], env=go_env(), capture_output=True, text=True)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith(f"go version {VERSION} ")
    env_goroot = subprocess.run([goroot / "bin" / "go", "env", "GOROOT"], env=go_env(), capture_output=True, text=True)
    assert Path(env_goroot.stdout.strip()).resolve() == goroot.resolve()

    pkg = tmp_path / "tiny"
    pkg.mkdir()
    (pkg / "go.mod").write_text("module example.com/tiny\n\ngo 1.22\n")
    (pkg / "tiny.go").write_text("package tiny\n\nfunc Add(a, b int) int { return a + b }\n")
    (pkg / "tiny_test.go").write_text(
        'package tiny\n\nimport "testing"\n\n'
        'func TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Fatal("2+3 != 5")\n\t}\n}\n'
    )
    test = subprocess.run(
        [goroot / "bin" / "go", "test", "./..."], cwd=pkg, env=go_env(), capture_output=True, text=True, timeout=240
    )
    assert test.returncode == 0, test.stdout + test.stderr
    assert "ok  \texample.com/tiny" in test.stdout

    # Installed: the next call answers from the store, without a request.
    requests = len(archive_server.requests)
    assert await install(go_archive.gofile(), url) == goroot
    assert len(archive_server.requests) == requests


async def test_wrong_bytes_fail_the_checksum(go_archive, archive_server):
    archive_server.set_faults(corrupt=True)
    with pytest.raises(ChecksumMismatch) as info:
        await install(go_archive.gofile(), archive_server.url(go_archive.filename))
    message = one_line(info.value)
    assert "checksum mismatch" in message
    assert f"expected sha256 {go_archive.sha256[:12]}…" in message
    assert go_archive.sha256 not in message  # shortened
    assert not part_path(go_archive.filename).exists()
    assert list(gostore.downloads_dir().iterdir()) == []
    assert_consistent()


async def test_truncated_download_is_a_size_mismatch(go_archive, archive_server):
    archive_server.set_faults(truncate_to=go_archive.size // 3)
    with pytest.raises(DownloadError) as info:
        await install(go_archive.gofile(), archive_server.url(go_archive.filename))
    assert one_line(info.value).endswith(f"size mismatch: expected {go_archive.size} bytes, got {go_archive.size // 3}")
    assert not part_path(go_archive.filename).exists()
    assert_consistent()


async def test_dropped_connection_keeps_the_part_and_the_next_install_resumes(go_archive, archive_server):
    cut = 20 * 1024 * 1024
    archive_server.set_faults(drop_after=cut, fault_times=1)
    url = archive_server.url(go_archive.filename)
    with pytest.raises(DownloadError) as info:
        await install(go_archive.gofile(), url)
    assert "run again to resume" in one_line(info.value)
    assert part_path(go_archive.filename).stat().st_size == cut
    assert_consistent()

    reports: list[Progress] = []
    assert await install(go_archive.gofile(), url, on_progress=reports.append) == gostore.version_dir(VERSION)
    assert [r.range for r in archive_server.requests] == [None, f"bytes={cut}-"]
    first_download = next(r for r in reports if r.phase == "download")
    assert first_download.done_bytes == cut  # continued, not restarted
    assert reports[0].phase == "verify"  # the kept part is hashed first
    assert gostore.installed_versions() == [VERSION] and tmp_dirs() == []


async def test_cancelled_while_unpacking_leaves_nothing(go_archive, archive_server):
    place_verified_archive(go_archive)
    task: asyncio.Task | None = None

    def on_progress(report: Progress) -> None:
        if report.phase == "unpack" and report.done_bytes > 0 and task is not None:
            task.cancel()

    task = asyncio.create_task(install(go_archive.gofile(), archive_server.url(go_archive.filename), on_progress=on_progress))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert archive_server.requests == []  # the verified archive was adopted, not fetched again
    assert_consistent()


async def test_cancelled_while_downloading_keeps_the_part(go_archive, archive_server, monkeypatch):
    archive_server.set_faults(pause_after=4 * 1024 * 1024, pause_s=20)
    real_sha256, fed = hashlib.sha256, [0]

    class CountingSha256:
        """sha256 that counts what it is fed: the installer hashes each chunk as it writes it."""

        def __init__(self, *args: bytes) -> None:
            self._h = real_sha256(*args)

        def update(self, data: bytes) -> None:
            fed[0] += len(data)
            self._h.update(data)

        def __getattr__(self, name: str) -> object:
            return getattr(self._h, name)

    monkeypatch.setattr(goinstall.hashlib, "sha256", CountingSha256)
    task = asyncio.create_task(install(go_archive.gofile(), archive_server.url(go_archive.filename)))
    part = part_path(go_archive.filename)
    # The server pauses after 4 MiB: wait until all of it has been received and written.
    await eventually(lambda: fed[0] >= 4 * 1024 * 1024, timeout=20, what="the first 4 MiB")
    assert part.exists() and part.stat().st_size >= 4 * 1024 * 1024 - WRITE_BUFFER
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert part.stat().st_size == 4 * 1024 * 1024
    assert_consistent()


# --- crashes, disk errors, concurrency (child processes) -----------------------------------------


async def test_sigkill_during_download_then_a_fresh_install_resumes(go_archive, archive_server):
    archive_server.set_faults(pause_after=8 * 1024 * 1024, pause_s=30, fault_times=1)
    url = archive_server.url(go_archive.filename)
    child = spawn(go_archive.gofile(), url)
    part = part_path(go_archive.filename)
    wait_until(lambda: part.exists() and part.stat().st_size >= 8 * 1024 * 1024 - WRITE_BUFFER, timeout=30,
               what="the child's .part")  # fmt: skip
    kill(child)
    assert_consistent()
    kept = part.stat().st_size  # what reached the disk (bytes in the child's write buffer died with it)
    assert 0 < kept <= 8 * 1024 * 1024

    assert await install(go_archive.gofile(), url) == gostore.version_dir(VERSION)
    assert archive_server.requests[-1].range == f"bytes={kept}-"
    assert gostore.installed_versions() == [VERSION] and tmp_dirs() == []


@pytest.mark.slow
async def test_sigkill_during_unpack_then_a_fresh_install_cleans_the_stale_temp(go_archive, archive_server):
    place_verified_archive(go_archive)
    url = archive_server.url(go_archive.filename)
    child = spawn(go_archive.gofile(), url)

    def unpacking() -> bool:
        temps = tmp_dirs()
        return bool(temps) and (gostore.store_dir() / temps[0] / "go" / "src").is_dir()

    wait_until(unpacking, timeout=30, what="the child's unpack")
    kill(child)
    stale = tmp_dirs()
    assert len(stale) == 1 and stale[0].startswith(f"{gostore.TMP_PREFIX}{VERSION}-")
    assert not gostore.version_dir(VERSION).exists()
    assert gostore.installed_versions() == []

    assert await install(go_archive.gofile(), url) == gostore.version_dir(VERSION)
    assert tmp_dirs() == []  # the stale unpack is gone
    assert archive_server.requests == []  # the verified archive was reused
    assert gostore.installed_versions() == [VERSION]


@pytest.mark.slow
async def test_two_processes_install_one_version_with_one_download(go_archive, archive_server):
    archive_server.set_faults(pause_after=1024 * 1024, pause_s=2.0, fault_times=1)
    url = archive_server.url(go_archive.filename)
    first = spawn(go_archive.gofile(), url)
    part = part_path(go_archive.filename)
    wait_until(part.exists, timeout=30, what="the first download")
    second = spawn(go_archive.gofile(), url)  # waits for the lock, then finds it installed
    with pytest.raises(gostore.LockBusy):
        await install(go_archive.gofile(), url, wait_for_lock=False)
    no_wait = outcome(spawn(go_archive.gofile(), url, wait=False))
    assert no_wait["error"] == "LockBusy"

    results = [outcome(first), outcome(second)]
    assert results == [{"ok": str(gostore.version_dir(VERSION))}] * 2
    assert [r.path for r in archive_server.requests] == [f"/dl/{go_archive.filename}"]
    assert gostore.installed_versions() == [VERSION] and tmp_dirs() == []


async def test_read_only_store_fails_before_unpacking(go_archive, archive_server):
    place_verified_archive(go_archive)
    gostore.lock_path(VERSION).parent.mkdir(parents=True)
    store = gostore.store_dir()
    store.chmod(0o555)
    try:
        result = outcome(spawn(go_archive.gofile(), archive_server.url(go_archive.filename), drop_dac=True))
    finally:
        store.chmod(0o755)
    assert result["install_error"], result
    assert result["message"] == f"cannot create a temporary directory in {store}: Permission denied"
    assert (gostore.downloads_dir() / go_archive.filename).is_file()  # kept for the retry
    assert_consistent()


async def test_a_file_that_cannot_be_written_fails_the_unpack(go_archive, archive_server):
    place_verified_archive(go_archive)  # the limit would stop the download itself otherwise
    result = outcome(spawn(go_archive.gofile(), archive_server.url(go_archive.filename), fsize=1024 * 1024))
    assert result["install_error"], result
    assert result["message"].startswith(f"unpacking {go_archive.filename} failed: File too large: ")
    assert "\n" not in result["message"]
    assert (gostore.downloads_dir() / go_archive.filename).is_file()
    assert archive_server.requests == []
    assert_consistent()


# --- hostile and odd archives (small, built here) ------------------------------------------------


def _entry(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "", size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = size
    info.mode = 0o644
    return info


HOSTILE = {
    "dotdot": [_entry("../evil", size=4)],
    "go-dotdot": [_entry("go/../../evil", size=4)],
    "absolute": [_entry("/abs/evil", size=4)],
    "symlink-out": [_entry("go/x", tarfile.SYMTYPE, "../../outside")],
    "symlink-absolute": [_entry("go/x", tarfile.SYMTYPE, "/etc/passwd")],
    "hardlink-out": [_entry("go/h", tarfile.LNKTYPE, "../../outside")],
    "hardlink-absolute": [_entry("go/h", tarfile.LNKTYPE, "/etc/passwd")],
    "symlink-chain": [
        _entry("go/d1/d2/n", tarfile.SYMTYPE, "../.."),  # go/d1/d2/n -> go/ (fine alone)
        _entry("go/l", tarfile.SYMTYPE, "d1/d2/n/../../../evil"),  # lexically go/evil, really ../evil
    ],
    "write-through-symlink": [_entry("go/up", tarfile.SYMTYPE, "."), _entry("go/up/evil", size=4)],
    "device": [_entry("go/null", tarfile.CHRTYPE)],
    "fifo": [_entry("go/fifo", tarfile.FIFOTYPE)],
    "second-top-level": [_entry("other/evil", size=4)],
    "duplicate": [_entry("go/VERSION", size=4)],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_hostile_archive_is_refused_and_writes_nothing_outside(case, archive_server, m3tui_home):
    outside = m3tui_home.parent / "outside"
    outside.write_text("sentinel")
    before = {p: sorted(os.listdir(p)) for p in (m3tui_home.parent, m3tui_home)}
    file, url = serve_tiny(archive_server, "go1.21.98", HOSTILE[case])

    with pytest.raises(UnsafeArchive) as info:
        await install(file, url)
    assert one_line(info.value).startswith(f"{file.filename}: refused, entry ")

    assert_consistent("go1.21.98")
    assert not (gostore.downloads_dir() / file.filename).exists()  # a bad archive is not kept
    assert sorted(os.listdir(m3tui_home.parent)) == before[m3tui_home.parent]
    assert sorted(p for p in os.listdir(m3tui_home) if p not in ("go", "downloads")) == before[m3tui_home]
    assert sorted(os.listdir(gostore.store_dir())) == [".locks"]
    assert outside.read_text() == "sentinel" and outside.stat().st_nlink == 1
    assert not Path("/abs/evil").exists()


async def test_in_tree_symlinks_and_hardlinks_are_kept(archive_server):
    file, url = serve_tiny(
        archive_server,
        "go1.21.97",
        [
            ("go/lib/data.txt", b"data"),
            _entry("go/lib/alias", tarfile.SYMTYPE, "data.txt"),
            _entry("go/misc/up", tarfile.SYMTYPE, "../lib/data.txt"),
            _entry("go/lib/hard", tarfile.LNKTYPE, "go/lib/data.txt"),
        ],
    )
    root = await install(file, url)
    assert (root / "lib" / "alias").read_text() == "data"
    assert os.readlink(root / "misc" / "up") == "../lib/data.txt"
    assert (root / "lib" / "hard").stat().st_ino == (root / "lib" / "data.txt").stat().st_ino


async def test_an_archive_without_bin_go_is_not_installed(archive_server):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("go/VERSION")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"go1"))
    file = gofile_for("go1.21.96.linux-amd64.tar.gz", buf.getvalue(), "go1.21.96")
    url = archive_server.add(file.filename, buf.getvalue())
    with pytest.raises(InstallError, match="has no go/bin/go"):
        await install(file, url)
    assert_consistent("go1.21.96")


async def test_not_gzip_is_an_install_error(archive_server):
    data = b"<html>captive portal</html>"
    file = gofile_for("go1.21.95.linux-amd64.tar.gz", data, "go1.21.95")
    with pytest.raises(InstallError, match="is not a valid archive"):
        await install(file, archive_server.add(file.filename, data))
    assert_consistent("go1.21.95")


async def test_zip_archives_install_with_exec_bits_and_refuse_dotdot(archive_server):
    def build(names: dict[str, tuple[bytes, int]]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, (data, mode) in names.items():
                info = zipfile.ZipInfo(name)
                info.create_system = 3
                info.external_attr = (stat.S_IFREG | mode) << 16
                zf.writestr(info, data)
        return buf.getvalue()

    good = build({"go/bin/go": (b"#!/bin/sh\n", 0o755), "go/VERSION": (b"go1.21.94\n", 0o644)})
    file = gofile_for("go1.21.94.windows-amd64.zip", good, "go1.21.94")
    root = await install(file, archive_server.add(file.filename, good))
    assert os.access(root / "bin" / "go", os.X_OK) and not os.access(root / "VERSION", os.X_OK)

    bad = build({"go/bin/go": (b"#!/bin/sh\n", 0o755), "../evil": (b"x", 0o644)})
    file = gofile_for("go1.21.93.windows-amd64.zip", bad, "go1.21.93")
    with pytest.raises(UnsafeArchive, match="'..' component"):
        await install(file, archive_server.add(file.filename, bad))
    assert_consistent("go1.21.93", installed=["go1.21.94"])


# --- download edge cases (small archives) --------------------------------------------------------


async def test_no_checksum_in_the_index_installs_with_a_warning(archive_server, caplog):
    file, url = serve_tiny(archive_server, "go1.21.92", sha256="")
    reports: list[Progress] = []
    with caplog.at_level(logging.WARNING, logger="m3tui.versions.install"):
        await install(file, url, on_progress=reports.append)
    notes = [r.note for r in reports if r.note]
    assert notes == [f"{file.filename}: the download index has no sha256 for it; installed unverified"]
    assert [r.phase for r in reports if r.note] == ["verify"]
    assert notes[0] in caplog.text
    assert gostore.installed_versions() == ["go1.21.92"]


async def test_server_without_ranges_restarts_from_zero(archive_server):
    file, url = serve_tiny(archive_server, "go1.21.91")
    part = part_path(file.filename)
    part.parent.mkdir(parents=True)
    part.write_bytes(b"garbage!")  # would fail the checksum if it were continued
    archive_server.set_faults(ranges=False)
    await install(file, url)
    assert [r.range for r in archive_server.requests] == ["bytes=8-"]
    assert gostore.installed_versions() == ["go1.21.91"]


async def test_a_part_larger_than_the_archive_restarts(archive_server):
    file, url = serve_tiny(archive_server, "go1.21.90")
    part = part_path(file.filename)
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\0" * (file.size + 10))
    await install(file, url)
    assert [r.range for r in archive_server.requests] == [None]
    assert gostore.installed_versions() == ["go1.21.90"]


async def test_http_error_is_a_download_error(archive_server):
    file, _ = serve_tiny(archive_server, "go1.21.89")
    with pytest.raises(DownloadError, match="answered HTTP 404 Not Found"):
        await install(file, archive_server.url("nothing-here.tar.gz"))
    assert_consistent("go1.21.89")


async def test_lock_busy_without_waiting(archive_server):
    file, url = serve_tiny(archive_server, "go1.21.88")
    with gostore.version_lock("go1.21.88"):
        with pytest.raises(gostore.LockBusy):
            await install(file, url, wait_for_lock=False)
    assert archive_server.requests == []
    assert_consistent("go1.21.88")


# --- remove / prune ------------------------------------------------------------------------------


def test_remove_frees_the_bytes_and_leaves_no_temp():
    fake_installed("go1.22.9", size=200_000)
    fake_installed("go1.22.10")
    freed = remove("1.22.9")
    assert freed >= 200_000
    assert gostore.installed_versions() == ["go1.22.10"]
    assert tmp_dirs() == []
    with pytest.raises(InstallError, match="^go1.22.9 is not installed$"):
        remove("go1.22.9")
    with pytest.raises(InstallError, match="not a Go version"):
        remove("current")


def test_remove_refuses_the_current_version_unless_forced():
    fake_installed("go1.22.10")
    make_current("go1.22.10")
    with pytest.raises(InstallError) as info:
        remove("go1.22.10")
    assert str(info.value) == "go1.22.10 is the current version; use another first or pass --force"
    assert gostore.installed_versions() == ["go1.22.10"]
    assert remove("go1.22.10", force=True) > 0
    assert gostore.installed_versions() == [] and gostore.current_version() is None


def test_remove_waits_for_or_refuses_a_locked_version():
    fake_installed("go1.22.10")
    with gostore.version_lock("go1.22.10"):
        with pytest.raises(gostore.LockBusy):
            remove("go1.22.10", wait_for_lock=False)
    assert gostore.installed_versions() == ["go1.22.10"]


def test_prune_keeps_the_newest_patches_of_each_line_and_the_current_one():
    for version in ("go1.21.12", "go1.21.13", "go1.22.8", "go1.22.9", "go1.22.10", "go1.23rc1", "go1.23.0"):
        fake_installed(version)
    make_current("go1.22.8")
    removed = prune()
    assert [version for version, _ in removed] == ["go1.21.12", "go1.22.9", "go1.23rc1"]
    assert all(freed > 0 for _, freed in removed)
    assert gostore.installed_versions() == ["go1.21.13", "go1.22.10", "go1.22.8", "go1.23.0"]
    assert prune() == [] and tmp_dirs() == []


def test_prune_keep_two_and_nothing_to_do():
    assert prune() == []
    for version in ("go1.22.8", "go1.22.9", "go1.22.10"):
        fake_installed(version)
    assert [v for v, _ in prune(keep_latest_patches=2)] == ["go1.22.8"]
    with pytest.raises(ValueError):
        prune(-1)


def test_install_error_messages_are_one_line():
    assert str(InstallError("a\nb   c")) == "a b c"
    assert issubclass(goinstall.ChecksumMismatch, InstallError)
    assert issubclass(goinstall.DownloadError, InstallError)
    assert issubclass(goinstall.UnsafeArchive, InstallError)
