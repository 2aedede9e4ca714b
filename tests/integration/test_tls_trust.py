"""issue 16 item 3: m3tui's HTTPS trusts what go trusts here (m3tui/core/tls.py).

A CA and a 127.0.0.1 server certificate are made in the test with the openssl CLI; an HTTPS
server on 127.0.0.1 serves a go.dev-shaped index with it. On Linux go reads SSL_CERT_FILE and
SSL_CERT_DIR (crypto/x509/root_unix.go): so does m3tui, and without them the CA is unknown and
the fetch fails with one line naming the certificate problem. On macOS go ignores both (the
Keychain decides): m3tui too (platform="darwin" below). The Keychain itself cannot be tested on
Linux: truststore's macOS path is not exercised here."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from m3tui.core import tls
from m3tui.doctor.netprobe import probe_proxies
from m3tui.versions.index import IndexUnavailable, fetch_index

from tests.goindex_server import sample_index

pytestmark = [
    pytest.mark.usefixtures("no_internet"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI to make a CA"),
]


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d: Path) -> tuple[Path, Path, Path]:
    """ca.pem (a CA made here) and server.pem/server.key for 127.0.0.1, signed by it."""
    (d / "ca.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                              "subjectKeyIdentifier=hash\n")  # fmt: skip
    (d / "server.ext").write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                  "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n"
                                  "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")  # fmt: skip
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
             "-out", "ca.pem", "-days", "2", "-subj", "/CN=m3tui test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)  # fmt: skip
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)  # fmt: skip
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=d)  # fmt: skip
    return d / "ca.pem", d / "server.pem", d / "server.key"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = json.dumps(sample_index()).encode()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802 - the go.dev index, or a module proxy's version list
        body = b"v0.14.0\nv0.15.0\n" if self.path.endswith("/@v/list") else self.body
        self.send_response(200)
        self.send_header("Content-Type", "text/plain" if body != self.body else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    d = tmp_path / "pki"
    d.mkdir()
    ca, cert, key = make_ca(d)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


UNTRUSTED = "TLS certificate not trusted: unable to get local issuer certificate (trusting the system store)"


async def test_versions_index_trusts_ssl_cert_file_as_go_on_linux(https, monkeypatch) -> None:
    url, ca = https
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(IndexUnavailable) as err:
        await fetch_index(url, timeout=5)
    message = str(err.value)
    assert "\n" not in message and UNTRUSTED in message, message

    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    result = await fetch_index(url, timeout=5)
    assert result.source == "network" and any(r.version == "go1.27.3" for r in result.releases)


async def test_ssl_cert_dir_as_go_reads_it(https, tmp_path, monkeypatch) -> None:
    url, ca = https
    certs = tmp_path / "certs"
    certs.mkdir()
    shutil.copy(ca, certs / "corp-root.pem")
    (certs / "README").write_text("not a certificate\n")  # ignored, as go ignores it
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", f"{tmp_path / 'missing'}:{certs}")
    result = await fetch_index(url, timeout=5)
    assert result.source == "network"


async def test_the_doctors_probe_uses_its_contexts_ssl_cert_file(https) -> None:
    url, ca = https
    bad = await probe_proxies([url], timeout=5, env={"PATH": "/usr/bin"})
    assert not bad[0].ok and bad[0].error.startswith("TLS certificate not trusted: unable to get local issuer certificate")
    good = await probe_proxies([url], timeout=5, env={"PATH": "/usr/bin", "SSL_CERT_FILE": str(ca)})
    assert good[0].ok and good[0].status_code == 200, good[0].error


async def test_on_macos_ssl_cert_file_is_ignored_as_go_ignores_it(https) -> None:
    """platform="darwin": go uses the Keychain only; here truststore's Linux store stands in for it."""
    url, ca = https
    env = {"SSL_CERT_FILE": str(ca)}
    assert tls.trust_source(env, platform="darwin") == "the system store"
    assert tls.trust_source(env, platform="linux") == f"SSL_CERT_FILE={ca}"
    async with httpx.AsyncClient(verify=tls.ssl_context(env, platform="darwin")) as client:
        with pytest.raises(httpx.ConnectError) as err:
            await client.get(url)
    assert tls.tls_problem(err.value, env) is not None
    async with httpx.AsyncClient(verify=tls.ssl_context(env, platform="linux")) as client:
        assert (await client.get(url)).status_code == 200
