"""The certificates m3tui trusts for HTTPS: the ones the go command trusts on this system.

Go's crypto/x509 (Go 1.18 on):

* **macOS**: the platform verifier (Security framework: the Keychain, with the roots and the
  trust settings a company's management profile installs). ``SSL_CERT_FILE`` and
  ``SSL_CERT_DIR`` are *not* read there (root_unix.go's build tags leave darwin out). m3tui
  does the same through ``truststore`` (the system verifier, from Python).
* **Linux and the other Unixes** (root_unix.go): ``SSL_CERT_FILE`` replaces the list of bundle
  files (the first one readable is loaded), ``SSL_CERT_DIR`` (':'-separated) replaces the
  directories whose every file is loaded; either or both may be set. When neither is set,
  m3tui uses ``truststore`` (OpenSSL's system store, the same bundle Go reads).

httpx alone would use certifi's bundle, which knows nothing of a corporate TLS-inspection root
that the system and go trust. Every httpx client m3tui makes takes :func:`ssl_context`.
"""

from __future__ import annotations

import functools
import os
import ssl
import sys
from collections.abc import Mapping

__all__ = ["GO_CERT_DIRS", "GO_CERT_FILES", "ssl_context", "trust_source", "tls_problem"]

# crypto/x509/root_linux.go: certFiles (the first readable one is used) and certDirectories.
GO_CERT_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian/Ubuntu/Gentoo etc.
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora/RHEL 6
    "/etc/ssl/ca-bundle.pem",  # OpenSUSE
    "/etc/pki/tls/cacert.pem",  # OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # CentOS/RHEL 7
    "/etc/ssl/cert.pem",  # Alpine Linux
)
GO_CERT_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs")


def _env_settings(env: Mapping[str, str] | None, platform: str | None) -> tuple[str, str, str]:
    platform = platform or sys.platform
    env = os.environ if env is None else env
    if platform == "darwin":
        return platform, "", ""  # as go: the Keychain, whatever SSL_CERT_* say
    return platform, env.get("SSL_CERT_FILE", ""), env.get("SSL_CERT_DIR", "")


def trust_source(env: Mapping[str, str] | None = None, *, platform: str | None = None) -> str:
    """What the context trusts, in words for a message: 'SSL_CERT_FILE=/x/ca.pem', 'the system store'."""
    _, cert_file, cert_dir = _env_settings(env, platform)
    parts = [f"SSL_CERT_FILE={cert_file}" if cert_file else "", f"SSL_CERT_DIR={cert_dir}" if cert_dir else ""]
    return ", ".join(p for p in parts if p) or "the system store"


def ssl_context(env: Mapping[str, str] | None = None, *, platform: str | None = None) -> ssl.SSLContext:
    """The SSL context for an httpx client (``verify=``): go's trust on this system; one per setting."""
    return _context(*_env_settings(env, platform))


@functools.lru_cache(maxsize=8)
def _context(platform: str, cert_file: str, cert_dir: str) -> ssl.SSLContext:
    if cert_file or cert_dir:
        return _go_unix_roots(cert_file, cert_dir)
    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _go_unix_roots(cert_file: str, cert_dir: str) -> ssl.SSLContext:
    """crypto/x509 loadSystemRoots on Linux, with SSL_CERT_FILE / SSL_CERT_DIR set."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for file in (cert_file,) if cert_file else GO_CERT_FILES:
        try:
            with open(file, encoding="ascii", errors="replace") as fh:
                data = fh.read()
        except OSError:
            continue
        _add_pem(ctx, data)
        break  # the first readable file, as go
    for directory in cert_dir.split(":") if cert_dir else GO_CERT_DIRS:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            path = os.path.join(directory, name)
            # readUniqueDirectoryEntries: skip symlinks to a name in the same directory (c_rehash's).
            if os.path.islink(path) and "/" not in os.readlink(path):
                continue
            try:
                with open(path, encoding="ascii", errors="replace") as fh:
                    _add_pem(ctx, fh.read())
            except OSError:
                continue
    return ctx


def _add_pem(ctx: ssl.SSLContext, data: str) -> None:
    """AppendCertsFromPEM: the certificates in the text; anything else is ignored."""
    if "-----BEGIN CERTIFICATE-----" not in data:
        return
    try:
        ctx.load_verify_locations(cadata=data)
    except (ssl.SSLError, ValueError):
        pass


def tls_problem(exc: BaseException, env: Mapping[str, str] | None = None) -> str | None:
    """One line for a failed TLS verification somewhere in ``exc``'s chain, else None."""
    seen: BaseException | None = exc
    for _ in range(16):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError):
            why = seen.verify_message or str(seen)
            return f"TLS certificate not trusted: {why} (trusting {trust_source(env)})"
        if isinstance(seen, ssl.SSLError):
            return f"TLS error: {seen.reason or seen}"
        seen = seen.__cause__ or seen.__context__
    return None
