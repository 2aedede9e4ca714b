"""netprobe: GOPROXY/GOSUMDB parsing, GOPRIVATE matching, Go's proxy rules, and real probes.

Every server here is started by the test on 127.0.0.1; :func:`forbid_internet` turns any
other DNS lookup or connect into a failure.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time

import pytest

from m3tui.doctor import netprobe, proxyconf
from m3tui.doctor.netprobe import probe_proxies, probe_sumdb, proxy_for_url
from m3tui.doctor.proxyconf import (
    FIXED_MODULE_PATH,
    PrivateModuleError,
    ProxyEntry,
    match_prefix_patterns,
    parse_gosumdb,
    split_goproxy,
)

from tests.httpserver import ModuleProxyServer, closed_port
from tests.wait import eventually


pytestmark = pytest.mark.usefixtures("no_internet")


# --- GOPROXY -------------------------------------------------------------------------------


def test_split_goproxy_default():
    assert split_goproxy("https://proxy.golang.org,direct") == [
        ProxyEntry("https://proxy.golang.org", "url", "notfound"),
        ProxyEntry("direct", "direct"),
    ]


def test_split_goproxy_keeps_separator_semantics():
    entries = split_goproxy("https://a.example|https://b.example,https://c.example|direct")
    assert [(e.url, e.fallback) for e in entries] == [
        ("https://a.example", "any"),  # followed by |: any error falls through
        ("https://b.example", "notfound"),  # followed by ,: only 404/410
        ("https://c.example", "any"),
        ("direct", ""),
    ]
    assert [e.probed for e in entries] == [True, True, True, False]


def test_split_goproxy_off_direct_and_what_follows():
    assert split_goproxy("off") == [ProxyEntry("off", "off")]
    entries = split_goproxy("direct,https://never.example,off")
    assert [(e.url, e.kind, e.ignored) for e in entries] == [
        ("direct", "direct", False),
        ("https://never.example", "url", True),  # go stops at direct
        ("off", "off", True),
    ]
    assert not any(e.probed for e in entries)


def test_split_goproxy_bare_hosts_blanks_and_files():
    entries = split_goproxy(" goproxy.cn , ,http://127.0.0.1:3000/|file:///srv/goproxy ")
    assert [(e.url, e.kind) for e in entries] == [
        ("https://goproxy.cn", "url"),  # Go adds https:// to a bare host
        ("http://127.0.0.1:3000/", "url"),
        ("file:///srv/goproxy", "file"),
    ]
    assert split_goproxy("") == [] and split_goproxy(" , | ") == []


def test_module_list_url_is_the_fixed_path():
    assert proxyconf.module_list_url("https://proxy.golang.org/") == "https://proxy.golang.org/golang.org/x/text/@v/list"
    assert proxyconf.module_list_url("http://h/goproxy") == "http://h/goproxy/golang.org/x/text/@v/list"


# --- GOPRIVATE -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("globs", "target", "expected"),
    [
        ("golang.org/x/*", "golang.org/x/text", True),
        ("golang.org/x", "golang.org/x/text", True),  # a prefix by path elements
        ("golang.org", "golang.org/x/text", True),
        ("golang.org/x/te", "golang.org/x/text", False),  # not a string prefix
        ("golang.org/x/text/sub", "golang.org/x/text", False),  # more elements than the target
        ("*.corp.example", "git.corp.example/team/repo", True),
        ("*.corp.example", "corp.example/x", False),
        ("*", "golang.org/x/text", True),  # * never crosses a /, but matches the first element
        ("gol?ng.org", "golang.org/x/text", True),
        ("golang.org/[a-z]", "golang.org/x/text", True),
        ("golang.org/[^x]", "golang.org/x/text", False),
        ("github.com/me,,golang.org/x/", "golang.org/x/text", True),  # empty globs, trailing /
        ("github.com/me, example.com", "golang.org/x/text", False),
        ("golang.org/[", "golang.org/x/text", False),  # a bad pattern matches nothing
        ("", "golang.org/x/text", False),
    ],
)
def test_match_prefix_patterns(globs, target, expected):
    assert match_prefix_patterns(globs, target) is expected


def test_check_not_private():
    proxyconf.check_not_private("", None, "github.com/me/*")
    with pytest.raises(PrivateModuleError, match="golang.org/x/text"):
        proxyconf.check_not_private("github.com/me", "golang.org/x/*")


# --- HTTP(S)_PROXY / NO_PROXY, Go's rules --------------------------------------------------


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("http://example.invalid/", {"HTTP_PROXY": "http://p:3128"}, "http://p:3128"),
        ("http://example.invalid/", {"http_proxy": "p:3128"}, "http://p:3128"),  # lower case, no scheme
        ("http://example.invalid/", {"HTTP_PROXY": "http://U:1", "http_proxy": "http://l:1"}, "http://U:1"),
        ("https://example.invalid/", {"HTTP_PROXY": "http://p:1"}, None),  # https uses HTTPS_PROXY only
        ("https://example.invalid/", {"HTTPS_PROXY": "socks5://p:1080"}, "socks5://p:1080"),
        ("http://example.invalid/", {"ALL_PROXY": "http://p:1"}, None),  # Go has no ALL_PROXY
        ("http://example.invalid/", {"HTTP_PROXY": ""}, None),
        ("http://localhost:8080/", {"HTTP_PROXY": "http://p:1"}, None),  # never for loopback
        ("http://127.0.0.1:8080/", {"HTTP_PROXY": "http://p:1"}, None),
        ("http://[::1]:8080/", {"HTTP_PROXY": "http://p:1"}, None),
        ("https://a.corp.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "corp.example"}, None),
        ("https://corp.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "corp.example"}, None),
        ("https://corp.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".corp.example"}, "http://p:1"),
        ("https://a.corp.example/", {"HTTPS_PROXY": "http://p:1", "no_proxy": "*.corp.example"}, None),
        ("https://xcorp.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "corp.example"}, "http://p:1"),
        ("https://a.example:8443/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example:8443"}, None),
        ("https://a.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example:8443"}, "http://p:1"),
        ("https://10.1.2.3/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, None),
        ("https://10.1.2.3/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.1.2.3"}, None),
        ("https://10.1.2.4/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.1.2.3"}, "http://p:1"),
        ("https://anything.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "x.example, *"}, None),
    ],
)
def test_proxy_for_url_follows_go(url, env, expected):
    assert proxy_for_url(url, env) == expected


# --- GOSUMDB -------------------------------------------------------------------------------


def verifier_key(name: str, pub: bytes = bytes(range(32))) -> str:
    """A verifier key as golang.org/x/mod/sumdb/note.GenerateKey writes it (any 32 bytes as the Ed25519 key)."""
    key = b"\x01" + pub
    digest = hashlib.sha256(name.encode() + b"\n" + key).hexdigest()[:8]
    return f"{name}+{digest}+{base64.b64encode(key).decode()}"


def test_parse_gosumdb():
    default = parse_gosumdb("sum.golang.org")
    assert default.name == "sum.golang.org" and default.key.startswith("sum.golang.org+033de0ae+")
    assert default.latest_url == "https://sum.golang.org/latest"
    assert default.supported_url("https://proxy.golang.org/") == "https://proxy.golang.org/sumdb/sum.golang.org/supported"
    cn = parse_gosumdb("sum.golang.google.cn")
    assert (cn.name, cn.latest_url) == ("sum.golang.org", "https://sum.golang.google.cn/latest")
    custom = parse_gosumdb(f"{verifier_key('sum.corp.example')} https://sumdb.corp.example/base/")
    assert (custom.name, custom.url, custom.latest_url) == (
        "sum.corp.example",
        "https://sumdb.corp.example/base/",
        "https://sumdb.corp.example/base/latest",
    )
    assert parse_gosumdb("off") is None
    for bad in ("", "a b c", "sum.example+k not-a-url", "bad name/+k", "sum.corp.example+abcd1234+AAAA"):
        with pytest.raises(ValueError):
            parse_gosumdb(bad)


# --- Probes against real local servers -----------------------------------------------------


async def test_probe_proxies_outcomes(fast, slow, broken, silent):
    refused = f"http://127.0.0.1:{closed_port()}"
    with ModuleProxyServer(status=404) as missing, ModuleProxyServer(html=True) as portal:
        start = time.perf_counter()
        results = await probe_proxies(
            [fast.url, slow.url, broken.url, silent.url, refused, missing.url, portal.url], timeout=0.5, env={}
        )
        elapsed = time.perf_counter() - start
    by_url = {r.url.removesuffix(FIXED_MODULE_PATH): r for r in results}
    ok = by_url[fast.url]
    assert ok.ok and ok.status_code == 200 and ok.error == "" and 0 < ok.latency_ms < 500
    assert (by_url[slow.url].ok, by_url[slow.url].error) == (False, "timed out after 0.5 s")
    assert by_url[slow.url].status_code is None and by_url[slow.url].latency_ms >= 450
    assert (by_url[broken.url].status_code, by_url[broken.url].error) == (500, "HTTP 500")
    assert by_url[broken.url].reachable and not by_url[broken.url].ok
    assert by_url[silent.url].error == "timed out after 0.5 s"
    assert by_url[refused].error == "connection refused" and not by_url[refused].reachable
    assert by_url[missing.url].error == "HTTP 404 (not found)"
    assert not by_url[portal.url].ok and "not a module version list" in by_url[portal.url].error
    # Concurrent: the whole batch costs one timeout, not five.
    assert elapsed < 0.5 + 1.0, elapsed
    assert [r.url for r in results][0] == fast.url + FIXED_MODULE_PATH  # order kept
    assert all(isinstance(r.to_dict()["latency_ms"], float) for r in results)


async def test_only_the_fixed_module_is_ever_requested():
    with ModuleProxyServer() as server:
        results = await probe_proxies([server.url, server.url + "/", server.url + "/prefix/"], timeout=2, env={})
        assert all(r.ok for r in results)
        assert sorted(server.paths) == sorted([FIXED_MODULE_PATH, FIXED_MODULE_PATH, "/prefix" + FIXED_MODULE_PATH])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"private": "golang.org/x/*"},
        {"private": ("github.com/me", "golang.org")},
        {"env": {"GOPRIVATE": "golang.org/x"}},
        {"env": {"GONOPROXY": "*.org"}},
    ],
)
async def test_private_fixed_module_is_refused(kwargs):
    kwargs.setdefault("env", {})
    with ModuleProxyServer() as server:
        with pytest.raises(PrivateModuleError, match="private"):
            await probe_proxies([server.url], timeout=1, **kwargs)
        assert server.paths == []


async def test_private_patterns_for_other_modules_do_not_block():
    with ModuleProxyServer() as server:
        results = await probe_proxies([server.url], timeout=2, env={"GOPRIVATE": "github.com/me/*,*.corp.example"})
        assert results[0].ok and server.paths == [FIXED_MODULE_PATH]


async def test_http_proxy_from_the_given_env_is_used(forward_proxy):
    env = {"HTTP_PROXY": forward_proxy.url}
    results = await probe_proxies(["http://example.invalid"], timeout=2, env=env)
    assert results[0].ok, results[0]
    assert results[0].via == forward_proxy.url
    assert forward_proxy.requests == ["http://example.invalid" + FIXED_MODULE_PATH]
    assert forward_proxy.hosts == ["example.invalid"]


async def test_no_proxy_covering_the_host_bypasses_the_proxy(forward_proxy, fast):
    # Go never proxies loopback; exempt_loopback=False lets NO_PROXY itself be exercised on 127.0.0.1.
    target = fast.url + FIXED_MODULE_PATH
    env = {"HTTP_PROXY": forward_proxy.url}
    async with netprobe.make_client(env, timeout=2, exempt_loopback=False) as client:
        proxied = await netprobe.probe_url(client, target, 2)
    assert proxied.ok and proxied.via == forward_proxy.url
    assert forward_proxy.requests == [target] and fast.paths == []  # control: the proxy is in the way

    for no_proxy in ("127.0.0.1", "127.0.0.0/8", f"127.0.0.1:{fast.port}", "example.com, *"):
        async with netprobe.make_client({**env, "NO_PROXY": no_proxy}, timeout=2, exempt_loopback=False) as client:
            direct = await netprobe.probe_url(client, target, 2)
        assert direct.ok and direct.via is None, no_proxy
    assert forward_proxy.requests == [target]  # not used again
    assert fast.paths == [FIXED_MODULE_PATH] * 4


async def test_loopback_is_never_proxied_like_go(forward_proxy, fast):
    results = await probe_proxies([fast.url], timeout=2, env={"HTTP_PROXY": forward_proxy.url})
    assert results[0].ok and results[0].via is None
    assert forward_proxy.paths == [] and fast.paths == [FIXED_MODULE_PATH]


async def test_process_environment_is_not_used(monkeypatch, forward_proxy, fast):
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    async with netprobe.make_client({}, timeout=2, exempt_loopback=False) as client:
        result = await netprobe.probe_url(client, fast.url + FIXED_MODULE_PATH, 2)
    assert result.ok and result.via is None
    assert forward_proxy.paths == []


async def test_unreachable_proxy_is_reported(fast):
    env = {"HTTP_PROXY": f"http://127.0.0.1:{closed_port()}"}
    results = await probe_proxies(["http://example.invalid"], timeout=1, env=env)
    assert not results[0].ok and results[0].error == "connection refused"
    assert results[0].via == env["HTTP_PROXY"]


async def test_probe_sumdb_direct(fast, silent):
    probe = await probe_sumdb(f"sum.golang.org {fast.url}", timeout=1, env={}, proxy="http://ignored.invalid")
    assert probe.ok and probe.direct.ok and probe.via_proxy is None  # an explicit URL bypasses proxies
    assert fast.paths == ["/latest"]
    probe = await probe_sumdb(f"{verifier_key('sum.example')} {silent.url}/", timeout=0.5, env={})
    assert not probe.ok and probe.direct.error == "timed out after 0.5 s"
    assert probe.to_dict()["name"] == "sum.example"
    with pytest.raises(ValueError, match="off"):
        await probe_sumdb("off", env={})


async def test_probe_sumdb_through_the_proxy(fast):
    # A name without URL: Go asks $PROXY/sumdb/<name>/supported, and the name's https:// host.
    name = f"127.0.0.1:{closed_port()}"
    probe = await probe_sumdb(verifier_key(name), timeout=1, env={}, proxy=fast.url)
    assert probe.via_proxy is not None and probe.via_proxy.ok
    assert probe.via_proxy.url == f"{fast.url}/sumdb/{name}/supported"
    assert not probe.direct.ok and probe.direct.error == "connection refused"
    assert probe.ok
    assert fast.paths == [f"/sumdb/{name}/supported"]


async def test_tree_head_is_validated():
    with ModuleProxyServer(html=True) as portal:
        probe = await probe_sumdb(f"sum.golang.org {portal.url}", timeout=1, env={})
    assert not probe.ok and "tree head" in probe.direct.error


async def test_probe_is_cancellable(silent):
    task = asyncio.ensure_future(probe_proxies([silent.url], timeout=30, env={}))
    await eventually(lambda: silent.accepted >= 1, what="the probe to connect")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
