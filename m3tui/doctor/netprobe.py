"""Module proxy and checksum database probes: can `go` download modules from here, and how fast?

What is probed, and what never is:

* A GOPROXY entry is probed with one GET of ``$PROXY/golang.org/x/text/@v/list``: a fixed,
  public module. No other module path is ever requested (the path is a constant, not a
  parameter), and if that fixed module is itself covered by GOPRIVATE/GONOPROXY the probe
  refuses to run (:class:`~m3tui.doctor.proxyconf.PrivateModuleError`), because then the user told Go not to send it
  to a proxy and we must not either.
* The checksum database is probed with ``<sumdb>/latest`` (the signed tree head: no module
  path either) and, when it would be reached through the first proxy,
  ``$PROXY/sumdb/<name>/supported``.

Every probe is a single short GET under a hard overall deadline (``asyncio.timeout``, on top of
httpx's per-phase timeouts, so a server that trickles bytes cannot stretch it), and
:func:`probe_proxies` runs them all at once, so a batch costs about one timeout.

Proxies (HTTPS_PROXY/HTTP_PROXY/NO_PROXY) are taken from the ``env`` mapping the caller passes
(the doctor's context), never implicitly from os.environ: the httpx client is built with
``trust_env=False`` and a small routing transport that picks, per request, the proxy Go itself
would use. We reimplement Go's rules (golang.org/x/net/http/httpproxy) rather than use
``httpx._utils.get_environment_proxies``, which reads os.environ (and the macOS system
settings through urllib) and differs from Go: Go reads only HTTP_PROXY/HTTPS_PROXY (upper case
first, then lower case), no ALL_PROXY; NO_PROXY entries are a domain (matching itself and its
subdomains), ``.domain`` (subdomains only), ``*.domain``, an IP, a CIDR, each with an optional
port, or ``*``; and requests to ``localhost`` and loopback IPs are never proxied.

GOPROXY, GOPRIVATE/GONOPROXY and GOSUMDB are parsed in :mod:`m3tui.doctor.proxyconf` (no
httpx).

This module is plain asyncio + httpx and must never import Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from m3tui.core import tls
from m3tui.core.redact import redact
from m3tui.doctor.proxyconf import (
    FIXED_MODULE_PATH,
    SumDB,
    check_not_private,
    module_list_url,
    parse_gosumdb,
)

__all__ = [
    "PROBE_TIMEOUT",
    "WELL_KNOWN_MIRRORS",
    "ProbeResult",
    "SumdbProbe",
    "make_client",
    "probe_proxies",
    "probe_sumdb",
    "probe_url",
    "proxy_for_url",
]

PROBE_TIMEOUT = 3.0

WELL_KNOWN_MIRRORS: tuple[str, ...] = (
    "https://proxy.golang.org",
    "https://goproxy.cn",
    "https://goproxy.io",
    "https://mirrors.aliyun.com/goproxy",
)

# A body larger than this is not a version list / tree head; stop reading.
_MAX_BODY = 1 << 20


# --------------------------------------------------------------------------------------------
# HTTP(S)_PROXY / NO_PROXY, the way Go reads them


def _getenv(env: Mapping[str, str], name: str) -> str:
    return env.get(name) or env.get(name.lower()) or ""


def _parse_proxy(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    scheme = urlsplit(value).scheme.lower() if "://" in value else ""
    if scheme not in ("http", "https", "socks5", "socks5h"):
        value = "http://" + value
    return value


def _split_host_port(addr: str) -> tuple[str, str] | None:
    if addr.startswith("["):
        end = addr.find("]")
        if end < 0 or not addr[end + 1 :].startswith(":"):
            return None
        return addr[1:end], addr[end + 2 :]
    if addr.count(":") != 1:
        return None
    host, port = addr.split(":")
    return host, port


def _no_proxy_matches(no_proxy: str, host: str, port: str) -> bool:
    host = host.lower().strip()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for raw in no_proxy.split(","):
        p = raw.strip().lower()
        if not p:
            continue
        if p == "*":
            return True
        if "/" in p:
            try:
                net = ipaddress.ip_network(p, strict=False)
            except ValueError:
                net = None
            if net is not None:
                if ip is not None and ip.version == net.version and ip in net:
                    return True
                continue
        hp = _split_host_port(p)
        if hp is not None:
            phost, pport = hp
            if not phost:
                continue
        else:
            phost, pport = p, ""
        try:
            pip = ipaddress.ip_address(phost)
        except ValueError:
            pip = None
        if pip is not None:
            if ip is not None and ip == pip and (not pport or pport == port):
                return True
            continue
        if ip is not None:
            continue
        if phost.startswith("*."):
            phost = phost[1:]
        match_host = not phost.startswith(".")
        if match_host:
            phost = "." + phost
        if (host.endswith(phost) or (match_host and host == phost[1:])) and (not pport or pport == port):
            return True
    return False


def proxy_for_url(url: str | httpx.URL, env: Mapping[str, str], *, exempt_loopback: bool = True) -> str | None:
    """The proxy URL Go would use for ``url`` given ``env``, or None for a direct connection.

    ``exempt_loopback=False`` drops Go's "never proxy localhost/loopback" rule (tests use it to
    exercise NO_PROXY against 127.0.0.1).
    """
    u = httpx.URL(str(url))
    if u.scheme == "https":
        proxy = _parse_proxy(_getenv(env, "HTTPS_PROXY"))
    elif u.scheme == "http":
        proxy = _parse_proxy(_getenv(env, "HTTP_PROXY"))
    else:
        return None
    if proxy is None:
        return None
    host = (u.host or "").lower()
    port = str(u.port or (443 if u.scheme == "https" else 80))
    if exempt_loopback:
        if host == "localhost":
            return None
        try:
            if ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            pass
    if _no_proxy_matches(_getenv(env, "NO_PROXY"), host, port):
        return None
    return proxy


class _RoutingTransport(httpx.AsyncBaseTransport):
    """Sends each request direct or through the proxy :func:`proxy_for_url` picks for it."""

    def __init__(self, env: Mapping[str, str], *, exempt_loopback: bool, verify: Any) -> None:
        self._env = dict(env)
        self._exempt_loopback = exempt_loopback
        self._verify = verify
        self._direct = httpx.AsyncHTTPTransport(verify=verify, trust_env=False)
        self._proxied: dict[str, httpx.AsyncBaseTransport] = {}

    def route(self, url: httpx.URL) -> str | None:
        return proxy_for_url(url, self._env, exempt_loopback=self._exempt_loopback)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self.route(request.url)
        if proxy is None:
            return await self._direct.handle_async_request(request)
        transport = self._proxied.get(proxy)
        if transport is None:
            # Raises for a proxy scheme httpx cannot speak (socks without socksio installed).
            transport = httpx.AsyncHTTPTransport(proxy=httpx.Proxy(proxy), verify=self._verify, trust_env=False)
            self._proxied[proxy] = transport
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._direct, *self._proxied.values()):
            await transport.aclose()


def make_client(
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = PROBE_TIMEOUT,
    exempt_loopback: bool = True,
    verify: Any = None,
) -> httpx.AsyncClient:
    """An httpx client whose proxy choice comes from ``env`` (Go's rules), not from os.environ,
    and whose trust is go's for that env (core/tls: the system store, or SSL_CERT_FILE/DIR off macOS)."""
    env = dict(os.environ) if env is None else env
    verify = tls.ssl_context(env) if verify is None else verify
    return httpx.AsyncClient(
        transport=_RoutingTransport(env, exempt_loopback=exempt_loopback, verify=verify),
        trust_env=False,
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        headers={"User-Agent": "m3tui-doctor (Go module proxy probe)"},
    )


# --------------------------------------------------------------------------------------------
# Probing


@dataclass(frozen=True)
class ProbeResult:
    """One GET: did it work, how long it took, and a one-line reason when it did not."""

    url: str
    ok: bool
    status_code: int | None = None
    latency_ms: float | None = None
    error: str = ""
    via: str | None = None  # the HTTP proxy the request went through, if any

    @property
    def reachable(self) -> bool:
        """Some HTTP answer came back (even a 404 or 500)."""
        return self.status_code is not None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["latency_ms"] is not None:
            d["latency_ms"] = round(d["latency_ms"], 1)
        return d


def _secs(t: float) -> str:
    return f"{t:.1f}" if abs(round(t, 1) - t) < 1e-9 else f"{t:g}"


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend([e.__cause__, e.__context__])
        todo.extend(a for a in e.args if isinstance(a, BaseException))
        if isinstance(e, BaseExceptionGroup):  # anyio's TaskGroup wraps what really failed
            todo.extend(e.exceptions)


def describe_error(exc: BaseException, timeout: float) -> str:
    """A one-line reason for a failed request, without credentials (httpx's messages quote URLs)."""
    return redact(_describe(exc, timeout))


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:  # say the first real failure
        return _describe(exc.exceptions[0], timeout)
    chain = list(_chain(exc))
    if any(isinstance(e, (TimeoutError, httpx.TimeoutException)) for e in chain):
        return f"timed out after {_secs(timeout)} s"
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or (isinstance(e, OSError) and e.errno == errno.ECONNREFUSED):
            return "connection refused"
        if isinstance(e, socket.gaierror):
            return "cannot resolve the host name"
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {e.verify_message or e}"
        if isinstance(e, ssl.SSLError):
            return f"TLS error: {e.reason or e}"
    text = " ".join(str(e) for e in chain if str(e))
    if "Connection refused" in text or "Connect call failed" in text:
        return "connection refused"
    if "nodename nor servname" in text or "Name or service not known" in text or "getaddrinfo failed" in text:
        return "cannot resolve the host name"
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error: {str(exc) or type(exc).__name__}"[:200]
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {str(exc) or 'server closed the connection'}"[:200]
    if isinstance(exc, (httpx.ConnectError, ConnectionError)):
        return f"cannot connect: {str(exc) or type(exc).__name__}"[:200]
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:200] if message else type(exc).__name__


Validator = Callable[[bytes], str | None]  # returns a problem, or None if the body looks right


def looks_like_version_list(body: bytes) -> str | None:
    """A ``@v/list`` body: zero or more lines, each a version starting with "v"."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "not a module version list (binary data)"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any(not re.fullmatch(r"v\d+\.\d+\.\d+\S*", line) for line in lines):
        return "not a module version list (a login page or a captive portal?)"
    return None


def looks_like_tree_head(body: bytes) -> str | None:
    """A sumdb ``/latest`` body: a signed note starting with the tree header."""
    if not body.startswith(b"go.sum database tree\n"):
        return "not a checksum database tree head (a login page or a captive portal?)"
    return None


async def probe_url(
    client: httpx.AsyncClient,
    url: str,
    timeout: float = PROBE_TIMEOUT,
    *,
    validate: Validator | None = None,
) -> ProbeResult:
    """One GET of ``url`` under a hard ``timeout`` (seconds). Never raises (but on cancellation)."""
    via = None
    transport = getattr(client, "_transport", None)
    if isinstance(transport, _RoutingTransport):
        try:
            via = transport.route(httpx.URL(url))
        except Exception:  # noqa: BLE001 - a malformed URL fails below with its own message
            via = None
    start = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - start) * 1000.0

    try:
        async with asyncio.timeout(timeout):
            async with client.stream("GET", url) as response:
                body = b""
                if response.status_code == 200:
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > _MAX_BODY:
                            break
    except Exception as exc:  # noqa: BLE001 - every failure becomes a one-liner
        return ProbeResult(url, False, None, elapsed(), describe_error(exc, timeout), via)
    latency = elapsed()
    code = response.status_code
    if code != 200:
        reason = f"HTTP {code}"
        if code in (404, 410):
            reason += " (not found)"
        return ProbeResult(url, False, code, latency, reason, via)
    problem = validate(body) if validate else None
    if problem:
        return ProbeResult(url, False, code, latency, problem, via)
    return ProbeResult(url, True, code, latency, "", via)


async def probe_proxies(
    urls: Sequence[str],
    *,
    timeout: float = PROBE_TIMEOUT,
    env: Mapping[str, str] | None = None,
    private: str | Sequence[str] = (),
    client: httpx.AsyncClient | None = None,
) -> list[ProbeResult]:
    """Probe each proxy base URL at once with ``$PROXY/golang.org/x/text/@v/list``.

    Results come back in the order of ``urls``. ``private`` is GOPRIVATE/GONOPROXY (one string
    or several); GOPRIVATE and GONOPROXY in ``env`` are honoured too. If the fixed module
    matches any of them this raises :class:`~m3tui.doctor.proxyconf.PrivateModuleError` and requests nothing.
    """
    env = dict(os.environ) if env is None else env
    private_lists = [private] if isinstance(private, str) else list(private)
    check_not_private(*private_lists, env.get("GOPRIVATE"), env.get("GONOPROXY"))
    if not urls:
        return []
    targets = [module_list_url(u) for u in urls]
    # The invariant this module exists to keep: one path, the fixed public module's.
    assert all(t.endswith(FIXED_MODULE_PATH) for t in targets), targets
    own = client is None
    client = make_client(env, timeout=timeout) if client is None else client
    try:
        return list(
            await asyncio.gather(*(probe_url(client, t, timeout, validate=looks_like_version_list) for t in targets))
        )
    finally:
        if own:
            await _aclose_quickly(client)


async def _aclose_quickly(client: httpx.AsyncClient) -> None:
    # Closing a pool with a connection to a server that never answered must not add seconds.
    with contextlib.suppress(Exception):  # best effort (TimeoutError included)
        async with asyncio.timeout(1.0):
            await client.aclose()


@dataclass(frozen=True)
class SumdbProbe:
    """The checksum database's reachability, direct and (when Go would use it) through a proxy."""

    sumdb: SumDB
    direct: ProbeResult
    via_proxy: ProbeResult | None = None

    @property
    def ok(self) -> bool:
        return self.direct.ok or (self.via_proxy is not None and self.via_proxy.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.sumdb.name,
            "url": self.sumdb.url,
            "direct": self.direct.to_dict(),
            "via_proxy": self.via_proxy.to_dict() if self.via_proxy else None,
        }


async def probe_sumdb(
    name_or_url: str | SumDB,
    *,
    timeout: float = PROBE_TIMEOUT,
    env: Mapping[str, str] | None = None,
    proxy: str | None = None,
    client: httpx.AsyncClient | None = None,
) -> SumdbProbe:
    """Probe ``<sumdb>/latest`` and, given the first GOPROXY URL, ``$PROXY/sumdb/<name>/supported``.

    Go reaches a database without an explicit URL through the first proxy that says it
    supports it, else directly; with an explicit URL ("name+key url") only directly, so
    ``proxy`` is ignored then. Raises ValueError for a GOSUMDB Go would reject (or ``off``).
    """
    sumdb = name_or_url if isinstance(name_or_url, SumDB) else parse_gosumdb(name_or_url)
    if sumdb is None:
        raise ValueError("GOSUMDB=off: nothing to probe")
    env = dict(os.environ) if env is None else env
    own = client is None
    client = make_client(env, timeout=timeout) if client is None else client
    try:
        jobs = [probe_url(client, sumdb.latest_url, timeout, validate=looks_like_tree_head)]
        if proxy and sumdb.url is None:
            jobs.append(probe_url(client, sumdb.supported_url(proxy), timeout))
        results = await asyncio.gather(*jobs)
    finally:
        if own:
            await _aclose_quickly(client)
    return SumdbProbe(sumdb, results[0], results[1] if len(results) > 1 else None)
