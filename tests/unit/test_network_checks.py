"""The doctor's network checks, against module proxies the tests run on 127.0.0.1.

Settings, mirrors and the probe timeout are injected through ``ctx._memo`` ("network.settings",
"network.mirrors", "network.timeout"); GOSUMDB always names a local URL or is off, so nothing
defaults to a public host (and :func:`forbid_internet` would fail the test if it did).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from m3tui.doctor import checks_network as nc
from m3tui.doctor.model import DoctorContext, Group, Status
from m3tui.doctor.proxyconf import FIXED_MODULE_PATH

from tests.httpserver import ModuleProxyServer, closed_port
from tests.unit.test_netprobe import verifier_key

TIMEOUT = 0.5


pytestmark = pytest.mark.usefixtures("no_internet")


@pytest.fixture
def refused() -> str:
    return f"http://127.0.0.1:{closed_port()}"


def make_ctx(tmp_path: Path, settings: dict | None, mirrors: list[str], *, offline=False, env=None) -> DoctorContext:
    memo: dict = {"network.mirrors": mirrors, "network.timeout": TIMEOUT}
    if settings is not None:
        memo["network.settings"] = settings
    return DoctorContext(env=env if env is not None else {"PATH": ""}, cwd=tmp_path, offline=offline, _memo=memo)


async def run_check(check, ctx):
    findings = await check(ctx)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.group is Group.NETWORK
    return finding


def test_exports():
    assert nc.NETWORK_CHECKS == [nc.check_proxy, nc.check_mirrors, nc.check_sumdb]


# --- network.proxy -------------------------------------------------------------------------


async def test_proxy_ok(tmp_path, fast):
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{fast.url},direct", "GOSUMDB": "off"}, [])
    f = await run_check(nc.check_proxy, ctx)
    assert (f.id, f.status) == ("network.proxy", Status.OK)
    assert fast.url in f.summary and " ms" in f.summary
    assert f.data["entries"][0]["result"]["ok"] is True and f.data["entries"][1]["kind"] == "direct"
    assert f.data["served"] == fast.url
    assert fast.paths == [FIXED_MODULE_PATH]


async def test_proxy_all_fail_is_an_error(tmp_path, refused, silent):
    with ModuleProxyServer(status=500) as broken:
        ctx = make_ctx(tmp_path, {"GOPROXY": f"{refused}|{broken.url}|{silent.url}", "GOSUMDB": "off"}, [refused])
        f = await run_check(nc.check_proxy, ctx)
    assert f.status is Status.ERROR
    assert "no GOPROXY entry serves modules" in f.summary
    assert "connection refused" in f.detail and "HTTP 500" in f.detail and "timed out after 0.5 s" in f.detail
    assert [e["result"]["ok"] for e in f.data["entries"]] == [False, False, False]


async def test_single_failing_proxy_is_an_error(tmp_path, refused):
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{refused},direct", "GOSUMDB": "off"}, [])
    f = await run_check(nc.check_proxy, ctx)
    # "," does not fall through on a connection error: go stops at the first entry.
    assert f.status is Status.ERROR and "connection refused" in f.summary
    assert f.data["stuck"] == refused


async def test_first_fails_second_works_is_a_warning(tmp_path, refused, fast):
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{refused}|{fast.url},direct", "GOSUMDB": "off"}, [fast.url])
    f = await run_check(nc.check_proxy, ctx)
    assert f.status is Status.WARN
    assert f.summary == f"{refused} fails; go falls through to {fast.url}"
    assert f.data["served"] == fast.url
    assert f.fix == f"go env -w GOPROXY={fast.url},direct"


async def test_first_404_falls_through_a_comma(tmp_path, fast):
    with ModuleProxyServer(status=404) as missing:
        ctx = make_ctx(tmp_path, {"GOPROXY": f"{missing.url},{fast.url}", "GOSUMDB": "off"}, [])
        f = await run_check(nc.check_proxy, ctx)
    assert f.status is Status.WARN and f.data["served"] == fast.url


async def test_comma_does_not_fall_through_on_errors(tmp_path, refused, fast):
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{refused},{fast.url},direct", "GOSUMDB": "off"}, [])
    f = await run_check(nc.check_proxy, ctx)
    assert f.status is Status.ERROR
    assert "go stops there" in f.summary and f"{fast.url} works but is never asked" in f.summary
    assert f.fix == f"go env -w GOPROXY={fast.url},direct"


async def test_failing_proxy_then_pipe_direct_warns(tmp_path, refused):
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{refused}|direct", "GOSUMDB": "off"}, [])
    f = await run_check(nc.check_proxy, ctx)
    assert f.status is Status.WARN and "falls back to direct" in f.summary


async def test_goproxy_off_direct_and_empty(tmp_path, fast):
    f = await run_check(nc.check_proxy, make_ctx(tmp_path, {"GOPROXY": "off", "GOSUMDB": "off"}, [fast.url]))
    assert f.status is Status.WARN and "module downloads disabled" in f.summary
    assert f.fix == f"go env -w GOPROXY={fast.url},direct"  # the fastest reachable mirror

    f = await run_check(nc.check_proxy, make_ctx(tmp_path, {"GOPROXY": "direct,https://x.invalid", "GOSUMDB": "off"}, []))
    assert f.status is Status.WARN and "GOPROXY=direct" in f.summary
    assert "China" in f.detail and "never used by go: https://x.invalid" in f.detail
    assert f.fix == "go env -w GOPROXY=https://proxy.golang.org,direct"

    f = await run_check(nc.check_proxy, make_ctx(tmp_path, {"GOPROXY": " , ", "GOSUMDB": "off"}, []))
    assert f.status is Status.ERROR and "no entries" in f.summary


async def test_env_note_when_goproxy_is_set_in_the_environment(tmp_path, refused, fast):
    env = {"PATH": "", "GOPROXY": f"{refused}|{fast.url}"}
    ctx = make_ctx(tmp_path, {"GOPROXY": env["GOPROXY"], "GOSUMDB": "off"}, [], env=env)
    f = await run_check(nc.check_proxy, ctx)
    assert f.status is Status.WARN and "overrides `go env -w`" in f.detail


# --- offline and private -------------------------------------------------------------------


async def test_offline_skips_everything_and_requests_nothing(tmp_path, fast):
    ctx = make_ctx(tmp_path, {"GOPROXY": fast.url, "GOSUMDB": f"sum.golang.org {fast.url}"}, [fast.url], offline=True)
    results = await asyncio.gather(*(check(ctx) for check in nc.NETWORK_CHECKS))
    findings = [f for fs in results for f in fs]
    assert [f.id for f in findings] == ["network.proxy", "network.mirrors", "network.sumdb"]
    assert all(f.status is Status.SKIPPED and "--offline" in f.summary for f in findings)
    assert fast.paths == []


async def test_private_probe_module_is_refused(tmp_path, fast):
    settings = {"GOPROXY": f"{fast.url},direct", "GOSUMDB": f"sum.golang.org {fast.url}", "GOPRIVATE": "golang.org/x/*"}
    ctx = make_ctx(tmp_path, settings, [fast.url])
    proxy, mirrors, sumdb = [await run_check(check, ctx) for check in nc.NETWORK_CHECKS]
    for f in (proxy, mirrors):
        assert f.status is Status.SKIPPED and "private" in f.summary
        assert "golang.org/x/text matches the private patterns 'golang.org/x/*'" in f.detail
    # The sumdb's tree head names no module: still probed.
    assert sumdb.status is Status.OK
    assert fast.paths == ["/latest"]


async def test_gonoproxy_in_the_context_env_is_honoured(tmp_path, fast):
    env = {"PATH": "", "GONOPROXY": "golang.org"}
    ctx = make_ctx(tmp_path, {"GOPROXY": fast.url, "GOSUMDB": "off"}, [fast.url], env=env)
    f = await run_check(nc.check_proxy, ctx)
    assert f.status is Status.SKIPPED and fast.paths == []


# --- network.mirrors -----------------------------------------------------------------------


async def test_mirrors_fastest_and_ok(tmp_path, fast, refused):
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{fast.url},direct", "GOSUMDB": "off"}, [refused, fast.url])
    f = await run_check(nc.check_mirrors, ctx)
    assert (f.id, f.status) == ("network.mirrors", Status.OK)
    assert f.summary.startswith(f"fastest mirror: {fast.url} (")
    assert f.data["fastest"]["url"] == fast.url
    assert [m["url"] for m in f.data["mirrors"]] == [refused, fast.url]
    assert "connection refused" in f.detail
    # Configured proxy and mirror are the same server: probed once, shared by both checks.
    proxy = await run_check(nc.check_proxy, ctx)
    assert proxy.status is Status.OK
    assert fast.paths == [FIXED_MODULE_PATH]


async def test_much_faster_mirror_warns_with_a_fix(tmp_path, fast):
    with ModuleProxyServer(delay=0.3) as sluggish:
        ctx = make_ctx(tmp_path, {"GOPROXY": f"{sluggish.url},direct", "GOSUMDB": "off"}, [sluggish.url, fast.url])
        f = await run_check(nc.check_mirrors, ctx)
    assert f.status is Status.WARN
    assert f.summary.startswith(f"{fast.url} is ") and "x faster" in f.summary and sluggish.url in f.summary
    assert f.fix == f"go env -w GOPROXY={fast.url},direct"
    assert f.data["configured"]["url"] == sluggish.url


async def test_similar_mirror_speed_does_not_warn(tmp_path, fast, fast2):
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{fast.url},direct", "GOSUMDB": "off"}, [fast2.url])
    f = await run_check(nc.check_mirrors, ctx)
    assert f.status is Status.OK  # 2x of a few ms is noise (MIN_GAIN_MS)


async def test_mirror_works_when_configured_proxy_fails(tmp_path, fast, refused):
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{refused},direct", "GOSUMDB": "off"}, [fast.url])
    f = await run_check(nc.check_mirrors, ctx)
    assert f.status is Status.WARN and "fails (connection refused)" in f.summary
    assert f.fix == f"go env -w GOPROXY={fast.url},direct"


async def test_no_mirror_reachable_is_a_warning_not_an_error(tmp_path, refused, silent):
    ctx = make_ctx(tmp_path, {"GOPROXY": "direct", "GOSUMDB": "off"}, [refused, silent.url])
    f = await run_check(nc.check_mirrors, ctx)
    assert f.status is Status.WARN and "no well-known Go module mirror is reachable" in f.summary
    assert "firewall" in f.detail


def test_default_mirror_list():
    ctx = DoctorContext(env={})
    assert nc._mirror_list(ctx) == [
        "https://proxy.golang.org",
        "https://goproxy.cn",
        "https://goproxy.io",
        "https://mirrors.aliyun.com/goproxy",
    ]


# --- network.sumdb -------------------------------------------------------------------------


async def test_sumdb_ok_unreachable_off_invalid(tmp_path, fast, refused):
    def ctx(gosumdb):
        return make_ctx(tmp_path, {"GOPROXY": "direct", "GOSUMDB": gosumdb}, [])

    f = await run_check(nc.check_sumdb, ctx(f"sum.golang.org {fast.url}"))
    assert (f.id, f.status) == ("network.sumdb", Status.OK) and f.summary.startswith("sum.golang.org reachable (")
    assert fast.paths == ["/latest"]

    f = await run_check(nc.check_sumdb, ctx(f"sum.golang.org {refused}"))
    assert f.status is Status.ERROR and "unreachable (connection refused)" in f.summary

    f = await run_check(nc.check_sumdb, ctx("off"))
    assert f.status is Status.SKIPPED and "GOSUMDB=off" in f.summary

    f = await run_check(nc.check_sumdb, ctx("a b c"))
    assert f.status is Status.ERROR and "invalid" in f.summary and f.fix == "go env -u GOSUMDB"


async def test_sumdb_through_the_first_proxy(tmp_path, fast):
    name = f"127.0.0.1:{closed_port()}"  # its direct https://<name>/latest is refused
    ctx = make_ctx(tmp_path, {"GOPROXY": f"{fast.url},direct", "GOSUMDB": verifier_key(name)}, [])
    f = await run_check(nc.check_sumdb, ctx)
    assert f.status is Status.OK and "through the proxy" in f.summary
    assert f"/sumdb/{name}/supported" in fast.paths


# --- time bound ----------------------------------------------------------------------------


async def test_never_answering_servers_cost_one_timeout(tmp_path, silent, fast):
    with ModuleProxyServer(delay=2.0) as slow:
        settings = {"GOPROXY": f"{silent.url}|{slow.url},direct", "GOSUMDB": f"sum.golang.org {silent.url}"}
        mirrors = [silent.url, slow.url, fast.url]

        start = time.perf_counter()
        ctx = make_ctx(tmp_path, settings, mirrors)
        results = await asyncio.gather(*(check(ctx) for check in nc.NETWORK_CHECKS))
        concurrent = time.perf_counter() - start

        # Even awaited one after the other, the checks share one batch of probes.
        start = time.perf_counter()
        ctx = make_ctx(tmp_path, settings, mirrors)
        sequential = [await check(ctx) for check in nc.NETWORK_CHECKS]
        one_by_one = time.perf_counter() - start

    assert concurrent < TIMEOUT + 1.0, concurrent
    assert one_by_one < TIMEOUT + 1.0, one_by_one
    proxy, mirrors_f, sumdb = (fs[0] for fs in results)
    assert proxy.status is Status.ERROR and "timed out after 0.5 s" in proxy.detail
    assert mirrors_f.status is Status.WARN and mirrors_f.data["fastest"]["url"] == fast.url
    assert "your GOPROXY" in mirrors_f.summary and mirrors_f.fix == f"go env -w GOPROXY={fast.url},direct"
    assert sumdb.status is Status.ERROR and "timed out" in sumdb.summary
    assert [f.status for fs in sequential for f in fs] == [proxy.status, mirrors_f.status, sumdb.status]
    assert silent.accepted >= 2


# --- settings ------------------------------------------------------------------------------


async def test_settings_without_go_come_from_env_and_defaults(tmp_path):
    ctx = DoctorContext(env={"PATH": "", "GOPRIVATE": "git.corp.example"}, cwd=tmp_path)
    s = await nc._goproxy_settings(ctx)
    assert s.source == "defaults" and "no `go` on PATH" in s.note
    assert s["GOPROXY"] == "https://proxy.golang.org,direct"
    assert s["GOSUMDB"] == "sum.golang.org"
    assert s["GONOPROXY"] == s["GONOSUMDB"] == "git.corp.example"


async def test_injected_settings_win(tmp_path):
    ctx = make_ctx(tmp_path, {"GOPROXY": "off"}, [])
    s = await nc._goproxy_settings(ctx)
    assert (s.source, s["GOPROXY"], s["GOSUMDB"]) == ("injected", "off", "sum.golang.org")
