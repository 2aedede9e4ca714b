"""Network checks: can `go` reach its module proxies and the checksum database, and how fast?

Three checks, all in Group.NETWORK:

* ``network.proxy``   every GOPROXY entry probed, and Go's own walk of the list replayed: a
  ``,`` only falls through to the next entry on a 404/410, a ``|`` on any error, and
  ``direct``/``off`` end the list. So "https://a,https://b" with ``a`` timing out is an error
  (go stops at ``a``), while "https://a|https://b" is a warning.
* ``network.mirrors`` the well-known public mirrors probed at once; names the fastest, and
  warns when it is more than twice as fast as the configured first proxy.
* ``network.sumdb``   GOSUMDB reachability (``<sumdb>/latest`` direct, and
  ``$PROXY/sumdb/<name>/supported`` through the first proxy, which Go asks first).

All their HTTP requests run in one shared batch (``ctx.shared("network.probes")``), each
under a hard deadline, so the whole group costs about one probe timeout even if the checks
are awaited one after the other and no server ever answers. With ``ctx.offline`` nothing is
requested and every check is SKIPPED. The probes' timeout is also bounded by what is left of
the doctor's deadline; when `go env` took nearly all of it, nothing is probed (SKIPPED, saying
so) rather than every server said to time out.

Settings come from ``go env`` (see :func:`_goproxy_settings`), the run the Go checks share. Test hooks in ``ctx._memo``:
``"network.settings"`` (a dict of GOPROXY/GOSUMDB/… used instead of go env),
``"network.mirrors"`` (the mirror list) and ``"network.timeout"`` (seconds per probe).

No Textual here: this is a service.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from m3tui.doctor import proxyconf
from m3tui.doctor.checks_go import active_go, go_env_probe

if TYPE_CHECKING:
    from m3tui.doctor.netprobe import ProbeResult, SumdbProbe
    from m3tui.doctor.proxyconf import ProxyEntry
from m3tui.doctor.model import Check, DoctorContext, Finding, Group, Offer, Status

__all__ = [
    "GOENV_KEYS",
    "MIN_GAIN_MS",
    "NETWORK_CHECKS",
    "NetworkProbes",
    "NetworkSettings",
    "check_mirrors",
    "check_proxy",
    "check_sumdb",
]

GOENV_KEYS: tuple[str, ...] = ("GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE")

#: A mirror is only worth a switch if it is 2x faster *and* saves at least this much per request
#: (2 ms against 5 ms is noise, not a reason to change GOPROXY).
MIN_GAIN_MS = 50.0
SPEEDUP = 2.0

_OFFLINE = "skipped (--offline)"
#: Less time than this left before the doctor's deadline: the probes are not started.
MIN_PROBE_TIME = 1.0
_DEFAULT_FIX_PROXY = "https://proxy.golang.org,direct"  # proxyconf.DEFAULT_GOPROXY (test-checked)


# --------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class NetworkSettings:
    """GOPROXY & co. as Go sees them, and where they came from ("go env", "injected", "defaults")."""

    values: Mapping[str, str]
    source: str
    note: str = ""

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


def _with_defaults(values: Mapping[str, str]) -> dict[str, str]:
    """Go's defaults for what is empty (cmd/go/internal/cfg: GONOPROXY/GONOSUMDB default to GOPRIVATE)."""
    out = {key: str(values.get(key) or "") for key in GOENV_KEYS}
    out["GOPROXY"] = out["GOPROXY"] or proxyconf.DEFAULT_GOPROXY
    out["GOSUMDB"] = out["GOSUMDB"] or proxyconf.DEFAULT_GOSUMDB
    out["GONOPROXY"] = out["GONOPROXY"] or out["GOPRIVATE"]
    out["GONOSUMDB"] = out["GONOSUMDB"] or out["GOPRIVATE"]
    return out


async def _goproxy_settings(ctx: DoctorContext) -> NetworkSettings:
    """GOPROXY, GOSUMDB, GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE for this context.

    ``ctx._memo["network.settings"]`` (tests) wins. Otherwise `go env -json KEYS` of the first
    go on ``ctx.env``'s PATH, the run the Go checks share (checks_go.go_env_probe: once per
    context, in ``ctx.cwd``, in exactly ``ctx.env``), so go resolves them as it would in that
    environment: environment > `go env -w` file > go.env. Without a go (or if it fails):
    ``ctx.env`` and Go's defaults.
    """
    injected = ctx._memo.get("network.settings")
    if injected is not None:
        return NetworkSettings(_with_defaults(injected), "injected")
    return await ctx.shared("network.goenv", lambda: _load_settings(ctx))


async def _load_settings(ctx: DoctorContext) -> NetworkSettings:
    from_env = {key: ctx.env[key] for key in GOENV_KEYS if ctx.env.get(key)}
    if active_go(ctx) is None:
        return NetworkSettings(_with_defaults(from_env), "defaults", "no `go` on PATH: the environment and Go's defaults")
    values, failure = await go_env_probe(ctx)
    if failure:
        return NetworkSettings(_with_defaults(from_env), "defaults", f"go env failed ({failure}): the environment and Go's defaults")
    return NetworkSettings(_with_defaults({key: values.get(key, "") for key in GOENV_KEYS}), "go env")


# --------------------------------------------------------------------------------------------
# The shared batch of probes


def _norm(url: str) -> str:
    return url.rstrip("/").lower()


@dataclass
class NetworkProbes:
    settings: NetworkSettings
    entries: list[ProxyEntry]
    mirrors: list[str]
    timeout: float
    # Results by normalised proxy base URL (configured entries and mirrors, each probed once).
    results: dict[str, ProbeResult] = field(default_factory=dict)
    private: str = ""  # why proxy probes were refused (the fixed module is private), if they were
    sumdb: SumdbProbe | None = None
    sumdb_error: str = ""  # GOSUMDB that Go would reject
    sumdb_off: bool = False
    elapsed_s: float = 0.0
    out_of_time: str = ""  # why nothing was probed: the doctor's deadline was (nearly) used up


    def result(self, url: str) -> ProbeResult | None:
        return self.results.get(_norm(url))

    @property
    def configured(self) -> list[ProxyEntry]:
        return [e for e in self.entries if e.probed]


def _timeout(ctx: DoctorContext) -> float:
    # netprobe is imported on first use, here and below: httpx costs ~40 ms that an --offline
    # run never needs (proxyconf, the settings' parsing, has no httpx).
    from m3tui.doctor import netprobe

    return float(ctx._memo.get("network.timeout", netprobe.PROBE_TIMEOUT))


def _mirror_list(ctx: DoctorContext) -> list[str]:
    from m3tui.doctor import netprobe

    return list(ctx._memo.get("network.mirrors", netprobe.WELL_KNOWN_MIRRORS))


async def _probes(ctx: DoctorContext) -> NetworkProbes:
    return await ctx.shared("network.probes", lambda: _run_probes(ctx))


async def _run_probes(ctx: DoctorContext) -> NetworkProbes:
    import asyncio

    from m3tui.doctor import netprobe

    settings = await _goproxy_settings(ctx)
    timeout = ctx.time_left(_timeout(ctx))
    entries = proxyconf.split_goproxy(settings["GOPROXY"])
    probes = NetworkProbes(settings, entries, _mirror_list(ctx), timeout)
    if ctx.deadline is not None and ctx.deadline - time.monotonic() < MIN_PROBE_TIME:
        probes.out_of_time = "not probed: the doctor's deadline was nearly used up by the go commands before"
        return probes
    start = time.perf_counter()

    urls: list[str] = []
    try:
        # netprobe.probe_proxies also refuses on ctx.env's GOPRIVATE/GONOPROXY: ask the same here.
        proxyconf.check_not_private(
            settings["GOPRIVATE"], settings["GONOPROXY"], ctx.env.get("GOPRIVATE"), ctx.env.get("GONOPROXY")
        )
    except proxyconf.PrivateModuleError as exc:
        probes.private = str(exc)
    else:
        for url in [e.url for e in probes.configured] + probes.mirrors:
            if _norm(url) not in {_norm(u) for u in urls}:
                urls.append(url)

    first = probes.configured[0].url if probes.configured else None
    try:
        sumdb = proxyconf.parse_gosumdb(settings["GOSUMDB"])
    except ValueError as exc:
        sumdb, probes.sumdb_error = None, str(exc)
    else:
        probes.sumdb_off = sumdb is None

    client = netprobe.make_client(ctx.env, timeout=timeout)
    try:
        jobs: list[Any] = []
        if urls:
            jobs.append(
                netprobe.probe_proxies(
                    urls, timeout=timeout, env=ctx.env, private=(settings["GOPRIVATE"], settings["GONOPROXY"]), client=client
                )
            )
        if sumdb is not None:
            jobs.append(netprobe.probe_sumdb(sumdb, timeout=timeout, env=ctx.env, proxy=first, client=client))
        done = await asyncio.gather(*jobs)
    finally:
        await netprobe._aclose_quickly(client)
    if urls:
        probes.results = {_norm(u): r for u, r in zip(urls, done[0], strict=True)}
    if sumdb is not None:
        probes.sumdb = done[-1]
    probes.elapsed_s = time.perf_counter() - start
    return probes


# --------------------------------------------------------------------------------------------
# Helpers


def _skipped(check_id: str, summary: str, detail: str = "", **data: Any) -> list[Finding]:
    return [Finding(check_id, Group.NETWORK, Status.SKIPPED, summary, detail, data=data)]


def _ms(r: ProbeResult | None) -> str:
    return f"{r.latency_ms:.0f} ms" if r is not None and r.latency_ms is not None else "?"


def _fastest(probes: NetworkProbes) -> tuple[str, ProbeResult] | None:
    ok = [(m, r) for m in probes.mirrors if (r := probes.result(m)) is not None and r.ok]
    return min(ok, key=lambda mr: mr[1].latency_ms or 0.0) if ok else None


def _setting_in_env_note(ctx: DoctorContext, key: str) -> str:
    if ctx.env.get(key):
        return f" {key} is set in your environment, which overrides `go env -w`: change it there."
    return ""


def _proxy_fix(probes: NetworkProbes) -> str:
    fastest = _fastest(probes)
    proxy = fastest[0] if fastest else "https://proxy.golang.org"
    return f"go env -w GOPROXY={proxy},direct"


def _entry_data(probes: NetworkProbes) -> list[dict[str, Any]]:
    out = []
    for e in probes.entries:
        r = probes.result(e.url) if e.probed else None
        out.append({**e.to_dict(), "result": r.to_dict() if r else None})
    return out


def _error(probes: NetworkProbes, e: ProxyEntry) -> str:
    r = probes.result(e.url)
    return r.error if r is not None else "not probed"


def _walk(probes: NetworkProbes) -> tuple[ProxyEntry | None, ProxyEntry | None]:
    """Replay Go's walk of GOPROXY for the fixed module.

    Returns (where the download is served, where it got stuck): exactly one is not None.
    A file:// entry is not probed and assumed to serve.
    """
    for e in probes.entries:
        if e.ignored:
            break
        if e.kind in ("direct", "file"):
            return e, None
        if e.kind == "off":
            return None, e
        r = probes.result(e.url)
        if r is None:
            return None, e
        if r.ok:
            return e, None
        if e.fallback == "any" or (e.fallback == "notfound" and r.status_code in (404, 410)):
            continue
        return None, e
    return None, None


# --------------------------------------------------------------------------------------------
# network.proxy


async def check_proxy(ctx: DoctorContext) -> list[Finding]:
    cid = "network.proxy"
    if ctx.offline:
        return _skipped(cid, _OFFLINE)
    probes = await _probes(ctx)
    if probes.out_of_time:
        return _skipped(cid, probes.out_of_time)
    goproxy = probes.settings["GOPROXY"]
    entries = probes.entries
    env_note = _setting_in_env_note(ctx, "GOPROXY")
    data: dict[str, Any] = {
        "GOPROXY": goproxy,
        "source": probes.settings.source,
        "entries": _entry_data(probes),
        "timeout_s": probes.timeout,
    }
    ignored = [e.url for e in entries if e.ignored]
    ignored_note = (
        f"\nEntries after {'/'.join(e.kind for e in entries if e.kind in ('direct', 'off') and not e.ignored)} "
        f"are never used by go: {', '.join(ignored)}."
        if ignored
        else ""
    )

    def finding(status: Status, summary: str, detail: str = "", fix: str = "", **more: Any) -> list[Finding]:
        return [Finding(cid, Group.NETWORK, status, summary, (detail + ignored_note).strip(), fix, {**data, **more})]

    if not entries:
        return finding(
            Status.ERROR,
            f"GOPROXY={goproxy!r} has no entries: go refuses to download modules",
            "GOPROXY is a list of proxy URLs, `direct` and `off`, separated by `,` or `|`." + env_note,
            f"go env -w GOPROXY={_DEFAULT_FIX_PROXY}",
        )
    first = entries[0]
    if first.kind == "off":
        return finding(
            Status.WARN,
            "GOPROXY=off: module downloads disabled",
            "go can only build with modules already in the module cache or vendor/; "
            "anything new fails with `module lookup disabled by GOPROXY=off`." + env_note,
            _proxy_fix(probes),
        )
    if probes.private and probes.configured:
        return finding(Status.SKIPPED, "not probed: the probe module is private here", probes.private, private=probes.private)
    if first.kind == "direct":
        return finding(
            Status.WARN,
            "GOPROXY=direct: every module comes straight from its version control host",
            "Slow (a git clone per module instead of a zip), no checksum-mirror cache (a module "
            "deleted or force-pushed upstream is gone), rate limits on GitHub, and direct VCS access "
            "is blocked or very slow in China." + env_note,
            _proxy_fix(probes),
        )
    served, stuck = _walk(probes)
    configured = probes.configured
    lines = []
    for e in entries:
        if e.ignored:
            continue
        r = probes.result(e.url) if e.probed else None
        if r is not None:
            state = f"ok, {_ms(r)}" if r.ok else r.error
            via = f" (through the proxy {r.via})" if r.via else ""
            lines.append(f"{e.url}: {state}{via}")
        elif e.kind == "file":
            lines.append(f"{e.url}: a local directory, not probed")
    detail = "\n".join(lines)

    if served is not None and served is first:
        r = probes.result(first.url)
        return finding(Status.OK, f"{first.url} answers ({_ms(r)})" if r else f"{first.url} (not probed)", detail, served=served.url)
    if served is not None:
        failed = [e for e in configured if (r := probes.result(e.url)) is not None and not r.ok and entries.index(e) < entries.index(served)]
        how = "falls back to direct (version control)" if served.kind == "direct" else f"falls through to {served.url}"
        reason = "; ".join(f"{e.url}: {probes.result(e.url).error}" for e in failed)  # type: ignore[union-attr]
        return finding(
            Status.WARN,
            f"{first.url} fails; go {how}",
            f"{reason}\nEvery download first waits for the failing entries.\n{detail}" + env_note,
            _proxy_fix(probes),
            served=served.url,
        )
    # Nothing serves the fixed module.
    working = [e for e in configured if (r := probes.result(e.url)) is not None and r.ok]
    if stuck is not None and working:
        r = probes.result(stuck.url)
        later = working[0].url
        return finding(
            Status.ERROR,
            f"{stuck.url} fails ({r.error if r else 'not probed'}) and go stops there; {later} works but is never asked",
            "With `,` go only moves on to the next GOPROXY entry on a 404 or 410, not on a timeout or "
            "connection error; `|` moves on after any error.\n" + detail + env_note,
            f"go env -w GOPROXY={later},direct",
            stuck=stuck.url,
        )
    if stuck is not None and stuck.kind == "off":
        return finding(
            Status.ERROR,
            "every proxy before `off` fails: module downloads fail",
            detail + env_note,
            _proxy_fix(probes),
            stuck="off",
        )
    return finding(
        Status.ERROR,
        "no GOPROXY entry serves modules: downloads fail"
        if len(configured) > 1
        else f"{first.url} fails ({_error(probes, first)}): module downloads fail",
        detail + "\nOffline, a firewall, or HTTPS_PROXY needed?" + env_note,
        _proxy_fix(probes) if _fastest(probes) else "",
        stuck=stuck.url if stuck else None,
    )


# --------------------------------------------------------------------------------------------
# network.mirrors


async def check_mirrors(ctx: DoctorContext) -> list[Finding]:
    cid = "network.mirrors"
    if ctx.offline:
        return _skipped(cid, _OFFLINE)
    probes = await _probes(ctx)
    if probes.out_of_time:
        return _skipped(cid, probes.out_of_time)
    if probes.private:
        return _skipped(cid, "not probed: the probe module is private here", probes.private, private=probes.private)
    results = {m: probes.result(m) for m in probes.mirrors}
    data: dict[str, Any] = {
        "mirrors": [{"url": m, "result": r.to_dict() if r else None} for m, r in results.items()],
        "timeout_s": probes.timeout,
    }
    detail = "\n".join(
        f"{m}: {('ok, ' + _ms(r)) if r.ok else r.error}" for m, r in results.items() if r is not None
    )
    fastest = _fastest(probes)
    if not probes.mirrors:
        return _skipped(cid, "no mirrors to probe")
    if fastest is None:
        return [
            Finding(
                cid,
                Group.NETWORK,
                Status.WARN,
                "no well-known Go module mirror is reachable",
                detail + "\nOffline, a firewall, or an HTTPS_PROXY needed?",
                data=data,
            )
        ]
    best, best_r = fastest
    data["fastest"] = {"url": best, "latency_ms": round(best_r.latency_ms or 0.0, 1)}
    configured = probes.configured
    env_note = _setting_in_env_note(ctx, "GOPROXY")
    fix = f"go env -w GOPROXY={best},direct"
    offers = () if ctx.env.get("GOPROXY") else (Offer("go_env_w", ("GOPROXY", f"{best},direct")),)
    summary = f"fastest mirror: {best} ({_ms(best_r)})"
    if configured:
        first = configured[0]
        first_r = probes.result(first.url)
        data["configured"] = {"url": first.url, "result": first_r.to_dict() if first_r else None}
        if first_r is not None and _norm(first.url) != _norm(best):
            if not first_r.ok:
                return [
                    Finding(
                        cid, Group.NETWORK, Status.WARN,
                        f"{summary}; your GOPROXY {first.url} fails ({first_r.error})",
                        detail + env_note, fix, data, offers=offers,
                    )
                ]
            first_ms, best_ms = first_r.latency_ms or 0.0, best_r.latency_ms or 0.0
            if first_ms >= SPEEDUP * best_ms and first_ms - best_ms >= MIN_GAIN_MS:
                ratio = first_ms / best_ms if best_ms > 0 else float("inf")
                return [
                    Finding(
                        cid, Group.NETWORK, Status.WARN,
                        f"{best} is {ratio:.1f}x faster ({_ms(best_r)}) than your GOPROXY {first.url} ({_ms(first_r)})",
                        detail + env_note, fix, data, offers=offers,
                    )
                ]
    return [Finding(cid, Group.NETWORK, Status.OK, summary, detail, data=data)]


# --------------------------------------------------------------------------------------------
# network.sumdb


async def check_sumdb(ctx: DoctorContext) -> list[Finding]:
    cid = "network.sumdb"
    if ctx.offline:
        return _skipped(cid, _OFFLINE)
    probes = await _probes(ctx)
    if probes.out_of_time:
        return _skipped(cid, probes.out_of_time)
    gosumdb = probes.settings["GOSUMDB"]
    if probes.sumdb_off:
        return _skipped(cid, "GOSUMDB=off: no checksum database to reach", GOSUMDB=gosumdb)
    if probes.sumdb_error:
        return [
            Finding(
                cid, Group.NETWORK, Status.ERROR,
                f"GOSUMDB is invalid: {probes.sumdb_error}",
                f"GOSUMDB={gosumdb!r}" + _setting_in_env_note(ctx, "GOSUMDB"),
                "go env -u GOSUMDB",
                {"GOSUMDB": gosumdb},
            )
        ]
    sp = probes.sumdb
    assert sp is not None
    data = {"GOSUMDB": gosumdb, **sp.to_dict(), "timeout_s": probes.timeout}
    name = sp.sumdb.name
    lines = [f"{sp.direct.url}: {('ok, ' + _ms(sp.direct)) if sp.direct.ok else sp.direct.error}"]
    if sp.via_proxy is not None:
        v = sp.via_proxy
        lines.append(f"{v.url}: {('ok, ' + _ms(v)) if v.ok else v.error}")
    detail = "\n".join(lines)
    if sp.via_proxy is not None and sp.via_proxy.ok:
        return [Finding(cid, Group.NETWORK, Status.OK, f"{name} reachable through the proxy ({_ms(sp.via_proxy)})", detail, data=data)]
    if sp.direct.ok:
        return [Finding(cid, Group.NETWORK, Status.OK, f"{name} reachable ({_ms(sp.direct)})", detail, data=data)]
    return [
        Finding(
            cid, Group.NETWORK, Status.ERROR,
            f"checksum database {name} unreachable ({sp.direct.error})",
            detail + "\ngo cannot verify new modules (`verifying module: … checksum database`)."
            " Private modules belong in GOPRIVATE/GONOSUMDB; in China, GOSUMDB=sum.golang.google.cn.",
            "Check the firewall and HTTPS_PROXY"
            + ("; in China: go env -w GOSUMDB=sum.golang.google.cn" if name == "sum.golang.org" and not sp.sumdb.url else ""),
            data,
        )
    ]


NETWORK_CHECKS: list[Check] = [check_proxy, check_mirrors, check_sumdb]
