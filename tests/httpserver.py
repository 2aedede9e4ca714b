"""Local HTTP servers for the network tests: every one listens on 127.0.0.1 only.

* :class:`ModuleProxyServer` speaks enough of the GOPROXY protocol: ``/<module>/@v/list``
  (version lines), ``/sumdb/<name>/supported`` and ``/latest`` (a checksum-database tree head);
  it can answer late, answer with a fixed status, or serve an HTML "login page". It records
  every request path.
* :class:`ForwardProxy` is an HTTP forward proxy that does not forward: it records the
  absolute-URI requests it gets and answers them itself, like the origin would.
* :class:`SilentServer` accepts TCP connections and never writes a byte.
* :func:`closed_port` is a port nothing listens on (connection refused).
* :func:`forbid_internet` makes any non-loopback DNS lookup or connect fail loudly, so a test
  that would reach out to the internet fails instead.
"""

from __future__ import annotations

import pytest
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSIONS = b"v0.3.0\nv0.14.0\n"
TREE_HEAD = b"go.sum database tree\n31415926\nAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg=\n\n\xe2\x80\x94 sum.golang.org Az3grnmrIj3vc8m0Zw5A\n"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        srv = self.server
        with srv.lock:
            srv.paths.append(self.path)
            srv.hosts.append(self.headers.get("Host", ""))
        if srv.delay and srv.stopping.wait(srv.delay):
            self.close_connection = True
            return  # shutting down: drop the request
        try:
            status, body, ctype = srv.answer(self.path)
            self._send(status, body, ctype)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out) first


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: ModuleProxyServer) -> None:
        self.lock = threading.Lock()
        self.paths: list[str] = []
        self.hosts: list[str] = []
        self.stopping = threading.Event()
        self.delay = owner.delay
        self.answer = owner.answer
        super().__init__(("127.0.0.1", 0), _Handler)


class ModuleProxyServer:
    """A module proxy on 127.0.0.1. ``status`` other than 200 answers every request with it;
    ``delay`` seconds pass before any answer; ``html=True`` serves a captive-portal page."""

    def __init__(self, *, delay: float = 0.0, status: int = 200, html: bool = False) -> None:
        self.delay = delay
        self.status = status
        self.html = html
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def paths(self) -> list[str]:
        with self._server.lock:
            return list(self._server.paths)

    @property
    def hosts(self) -> list[str]:
        with self._server.lock:
            return list(self._server.hosts)

    def answer(self, path: str) -> tuple[int, bytes, str]:
        if self.status != 200:
            return self.status, f"status {self.status}\n".encode(), "text/plain"
        if self.html:
            return 200, b"<html><body>Please log in to the hotel Wi-Fi</body></html>", "text/html"
        # An absolute URI (we are being used as a forward proxy): answer for its path.
        if "://" in path:
            path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
        if path.endswith("/@v/list"):
            return 200, VERSIONS, "text/plain; charset=utf-8"
        if path.startswith("/sumdb/") and path.endswith("/supported"):
            return 200, b"", "text/plain"
        if path.endswith("/latest"):
            return 200, TREE_HEAD, "text/plain; charset=utf-8"
        return 404, b"not found\n", "text/plain"

    def close(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ModuleProxyServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ForwardProxy(ModuleProxyServer):
    """An HTTP proxy for plain-http targets: records the absolute URIs and answers them itself."""

    @property
    def requests(self) -> list[str]:
        return [p for p in self.paths if "://" in p]


class SilentServer:
    """Accepts TCP connections, reads nothing, writes nothing, until closed."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)
        self._conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conns.append(conn)

    @property
    def accepted(self) -> int:
        return len(self._conns)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._conns:
            conn.close()
        self._sock.close()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def forbid_internet(monkeypatch) -> None:
    """Fail any DNS lookup or connect that is not to loopback (the network rule, enforced)."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, f"test guard: no DNS lookups for {name!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def _check(address) -> None:
        if isinstance(address, tuple) and address and address[0] not in LOOPBACK:
            raise AssertionError(f"test guard: connect to {address!r} (not loopback)")

    def connect(self, address):
        _check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        _check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


# --- fixtures shared by the network tests (import them by name into a test module) -----------

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture
def no_internet(monkeypatch):
    """No proxy settings from the machine, and any non-loopback connection fails the test."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    forbid_internet(monkeypatch)


@pytest.fixture
def fast():
    with ModuleProxyServer() as s:
        yield s


@pytest.fixture
def fast2():
    with ModuleProxyServer() as s:
        yield s


@pytest.fixture
def slow():
    with ModuleProxyServer(delay=2.0) as s:
        yield s


@pytest.fixture
def broken():
    with ModuleProxyServer(status=500) as s:
        yield s


@pytest.fixture
def silent():
    with SilentServer() as s:
        yield s


@pytest.fixture
def forward_proxy():
    with ForwardProxy() as s:
        yield s
