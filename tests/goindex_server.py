"""A go.dev-shaped download index server on 127.0.0.1, for the goindex tests.

Serves ``/dl/?mode=json...`` with an ETag and a Last-Modified, answers If-None-Match /
If-Modified-Since with 304 the way go.dev does, and records every request (path and headers).
``mode`` switches it to failing: "500" (server error), "hang" (accepts, never answers, until
closed), "garbage" (200 with a body that is not JSON), "object" (200 with a JSON object).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("ok", "500", "hang", "garbage", "object")


def _file(version: str, goos: str, arch: str, kind: str, ext: str = "tar.gz", sha: str | None = None) -> dict[str, Any]:
    if kind == "source":
        filename = f"{version}.src.tar.gz"
    else:
        filename = f"{version}.{goos}-{arch}.{ext}"
    digest = hashlib.sha256(filename.encode()).hexdigest() if sha is None else sha
    return {
        "filename": filename,
        "os": goos,
        "arch": arch,
        "version": version,
        "sha256": digest,
        "size": 60_000_000 + len(filename),
        "kind": kind,
    }


def release_entry(version: str, *, stable: bool = True, sha: str | None = None) -> dict[str, Any]:
    """One go.dev index entry with the usual files: source, the archives, the macOS .pkg."""
    files = [
        _file(version, "", "", "source", sha=sha),
        _file(version, "darwin", "amd64", "archive", sha=sha),
        _file(version, "darwin", "amd64", "installer", "pkg", sha=sha),
        _file(version, "darwin", "arm64", "archive", sha=sha),
        _file(version, "darwin", "arm64", "installer", "pkg", sha=sha),
        _file(version, "linux", "amd64", "archive", sha=sha),
        _file(version, "linux", "arm64", "archive", sha=sha),
        _file(version, "linux", "armv6l", "archive", sha=sha),
        _file(version, "windows", "amd64", "archive", "zip", sha=sha),
        _file(version, "windows", "amd64", "installer", "msi", sha=sha),
    ]
    return {"version": version, "stable": stable, "files": files}


def sample_index() -> list[dict[str, Any]]:
    """In go.dev's order (prereleases on top) with a pre-sha256 go1.4 at the bottom."""
    old = {
        "version": "go1.4",
        "stable": True,
        "files": [
            {"filename": "go1.4.src.tar.gz", "os": "", "arch": "", "version": "go1.4", "sha256": "", "size": 10_000_000, "kind": "source"},
            {"filename": "go1.4.linux-amd64.tar.gz", "os": "linux", "arch": "amd64", "version": "go1.4", "sha256": "", "size": 62_000_000, "kind": "archive"},
            {"filename": "go1.4.darwin-amd64-osx10.8.pkg", "os": "darwin", "arch": "amd64", "version": "go1.4", "sha256": "", "size": 60_000_000, "kind": "installer"},
        ],
    }
    return [
        release_entry("go1.27rc1", stable=False),
        release_entry("go1.27.3"),
        release_entry("go1.26.6"),
        release_entry("go1.27.2"),
        old,
    ]


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]  # lower-cased names


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        owner = self.server.owner
        with owner.lock:
            owner._requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
            mode, body, etag, last_modified = owner.mode, owner.body, owner.etag, owner.last_modified
        try:
            if mode == "hang":
                owner.stopping.wait(30)
                self.close_connection = True
                return
            if not self.path.startswith("/dl/?mode=json"):
                self._send(404, b"not found\n", {"Content-Type": "text/plain"})
                return
            if mode == "500":
                self._send(500, b"internal error\n", {"Content-Type": "text/plain"})
                return
            if mode == "garbage":
                self._send(200, b"<html><body>Please log in to the hotel Wi-Fi</body></html>", {"Content-Type": "text/html"})
                return
            if mode == "object":
                self._send(200, b'{"error": "nope"}', {"Content-Type": "application/json"})
                return
            validators = {k: v for k, v in (("ETag", etag), ("Last-Modified", last_modified)) if v}
            if _not_modified(self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"), etag, last_modified):
                self._send(304, b"", validators)
                return
            self._send(200, body, {"Content-Type": "application/json", **validators})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first


def _not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified: str) -> bool:
    """RFC 9110: If-None-Match wins when present; else compare If-Modified-Since by date."""
    if if_none_match is not None and etag:
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or etag in tags or etag.removeprefix("W/") in [t.removeprefix("W/") for t in tags]
    if if_modified_since is not None:
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: GoIndexServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)


class GoIndexServer:
    """The index server; ``set_index`` publishes a new body (new ETag, new Last-Modified)."""

    def __init__(self, index: list[dict[str, Any]] | None = None, *, send_etag: bool = True) -> None:
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._requests: list[Request] = []
        self.mode = "ok"
        self.send_etag = send_etag
        self.body = b""
        self.etag = ""
        self.last_modified = ""
        self._generation = 0
        self.set_index(sample_index() if index is None else index)
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def set_index(self, index: list[dict[str, Any]] | bytes) -> None:
        body = index if isinstance(index, bytes) else json.dumps(index, indent=1).encode()
        with self.lock:
            self._generation += 1
            self.body = body
            self.etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"' if self.send_etag else ""
            # A fixed clock a generation apart, so If-Modified-Since comparisons are exact.
            self.last_modified = formatdate(1_700_000_000 + 3600 * self._generation, usegmt=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[Request]:
        with self.lock:
            return list(self._requests)

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> GoIndexServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
