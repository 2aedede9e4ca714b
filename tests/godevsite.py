"""A go.dev-shaped download site on 127.0.0.1 for the hostile-input tests of `m3tui versions`.

One server for both halves of the layout: ``/dl/?mode=json&include=all`` (the index: built
from the archives added, or any raw body a test sets) and ``/dl/<filename>`` (the archives).
It can ask for HTTP basic auth (a mirror URL with ``user:password@``), send archives slowly
(``pace_s`` between ``chunk``-byte chunks, 64 KiB by default: a download a test can kill
midway, or a trickle), trickle the index (``index_pace_s`` between single bytes, after a 200
and its headers: a mirror that never quite stops answering), and records every request with
whether it carried the right credentials.

`fake_go_archive` builds a small archive in go.dev's layout (``go/bin/go`` a shell script that
prints its version, ``go/VERSION``), optionally with a big file of zeros (compressed to almost
nothing, slow to write out: an unpack a test can kill midway).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

CHUNK = 64 * 1024


def fake_go_archive(version: str, *, zeros: int = 0) -> bytes:
    """``go/bin/go`` + ``go/VERSION`` as a .tar.gz; ``zeros`` bytes of ``go/pkg/big.a`` after them."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=6) as tar:
        script = f"#!/bin/sh\necho 'go version {version} linux/amd64'\n".encode()
        for name, data, mode in (("go/VERSION", f"{version}\n".encode(), 0o644), ("go/bin/go", script, 0o755)):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
        if zeros:
            info = tarfile.TarInfo("go/pkg/big.a")
            info.size, info.mode = zeros, 0o644
            tar.addfile(info, _Zeros(zeros))
    return buf.getvalue()


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


@dataclass(frozen=True)
class Hit:
    path: str
    authorized: bool  # the right credentials were sent (always True when none are asked for)


def index_entry(version: str, filename: str, data: bytes, *, goos: str = "linux", goarch: str = "amd64") -> dict[str, Any]:
    return {
        "version": version,
        "stable": True,
        "files": [{
            "filename": filename, "os": goos, "arch": goarch, "version": version,
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "kind": "archive",
        }],
    }  # fmt: skip


class GoDevSite:
    """The site; ``add`` publishes an archive (and its index entry), ``index_body`` overrides the index."""

    def __init__(self, *, auth: tuple[str, str] | None = None) -> None:
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.files: dict[str, bytes] = {}
        self.entries: list[dict[str, Any]] = []
        self.index_body: bytes | None = None
        self.auth = auth
        self.pace_s = 0.0
        self.chunk = CHUNK
        self.index_pace_s = 0.0
        self.hits: list[Hit] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                ok = site._authorized(self.headers.get("Authorization"))
                with site.lock:
                    site.hits.append(Hit(self.path, ok))
                    pace, chunk, index_pace = site.pace_s, site.chunk, site.index_pace_s
                if not ok:
                    self._send(401, b"unauthorized\n", {"WWW-Authenticate": 'Basic realm="mirror"'})
                    return
                if self.path.startswith("/dl/?"):
                    self._send(200, site.index(), {"Content-Type": "application/json"}, pace=index_pace)
                    return
                data = site.files.get(self.path.removeprefix("/dl/"))
                if data is None or not self.path.startswith("/dl/"):
                    self._send(404, b"not found\n", {})
                    return
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    for start in range(0, len(data), chunk):
                        self.wfile.write(data[start : start + chunk])
                        self.wfile.flush()
                        if pace and site.stopping.wait(pace):
                            return
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (or was killed)

            def _send(self, status: int, body: bytes, headers: dict[str, str], *, pace: float = 0.0) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not pace:
                        self.wfile.write(body)
                        return
                    self.wfile.flush()
                    for i in range(len(body)):  # one byte, then a pause: every read gets something
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        if site.stopping.wait(pace):
                            return
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def _authorized(self, header: str | None) -> bool:
        if self.auth is None:
            return True
        expected = "Basic " + base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
        return header == expected

    def add(self, version: str, data: bytes, *, goos: str = "linux", goarch: str = "amd64") -> str:
        filename = f"{version}.{goos}-{goarch}.tar.gz"
        with self.lock:
            self.files[filename] = data
            self.entries.append(index_entry(version, filename, data, goos=goos, goarch=goarch))
        return filename

    def index(self) -> bytes:
        with self.lock:
            return self.index_body if self.index_body is not None else json.dumps(self.entries).encode()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        """The mirror URL, with the credentials in it when the site asks for them."""
        creds = f"{self.auth[0]}:{self.auth[1]}@" if self.auth else ""
        return f"http://{creds}127.0.0.1:{self.port}"

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
