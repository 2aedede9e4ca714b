"""Go's download index: parsing, choosing an archive, resolving a spec, fetching with a cache.

Every HTTP request goes to a go.dev-shaped server on 127.0.0.1 (tests/goindex_server.py);
the internet is forbidden outright. M3TUI_HOME is per test (conftest), so is the cache.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest

from m3tui.versions import index as goindex
from m3tui.versions.index import (
    INDEX_PATH,
    IndexFormatError,
    IndexResult,
    IndexUnavailable,
    VersionNotFound,
    archive_url,
    cache_paths,
    choose_archive,
    fetch_index,
    index_url,
    load_cached,
    parse_index,
    resolve,
    stable_releases,
)
from m3tui.versions.store import cache_dir
from m3tui.versions.names import GoRelease
from m3tui.core.host import HostInfo

from tests.goindex_server import GoIndexServer, release_entry, sample_index
from tests.httpserver import closed_port, forbid_internet
from tests.wait import wait_until

TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    forbid_internet(monkeypatch)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    with GoIndexServer() as srv:
        yield srv


@pytest.fixture
def releases() -> list[GoRelease]:
    return parse_index(json.dumps(sample_index()).encode())


def _one_line(text: str) -> None:
    assert text and "\n" not in text and len(text) < 300, text


def _cache_listing() -> list[str]:
    return sorted(p.name for p in cache_dir().iterdir()) if cache_dir().exists() else []


# --- URLs -------------------------------------------------------------------------------------


def test_urls():
    assert INDEX_PATH == "/dl/?mode=json&include=all"
    assert index_url("https://go.dev") == "https://go.dev/dl/?mode=json&include=all"
    assert index_url("https://golang.google.cn/") == "https://golang.google.cn/dl/?mode=json&include=all"
    assert archive_url("https://go.dev", "go1.27.3.darwin-arm64.tar.gz") == "https://go.dev/dl/go1.27.3.darwin-arm64.tar.gz"
    assert archive_url("https://go.dev/", "x.zip") == "https://go.dev/dl/x.zip"


# --- parse ------------------------------------------------------------------------------------


def test_parse_index(releases):
    assert [r.version for r in releases] == ["go1.27.3", "go1.27.2", "go1.27rc1", "go1.26.6", "go1.4"]
    by = {r.version: r for r in releases}
    assert by["go1.27rc1"].stable is False
    assert all(r.stable for r in releases if r.version != "go1.27rc1")
    assert len(by["go1.27.3"].files) == 10
    arm = by["go1.27.3"].archive_for("darwin", "arm64")
    assert arm is not None and arm.filename == "go1.27.3.darwin-arm64.tar.gz"
    assert arm.kind == "archive" and len(arm.sha256) == 64 and arm.size > 0 and arm.version == "go1.27.3"
    src = [f for f in by["go1.27.3"].files if f.kind == "source"]
    assert [f.filename for f in src] == ["go1.27.3.src.tar.gz"] and src[0].os == "" and src[0].arch == ""
    # Very old releases have no checksums: kept, with sha256 "".
    old = by["go1.4"]
    assert len(old.files) == 3 and all(f.sha256 == "" for f in old.files)
    assert old.archive_for("linux", "amd64") is not None


def test_parse_index_skips_malformed_entries():
    good = release_entry("go1.27.3")
    good["files"].append({"filename": "bad", "size": "big", "kind": "archive"})  # bad size
    good["files"].append("not a file")
    good["files"].append({"os": "linux", "arch": "amd64", "kind": "archive"})  # no filename
    data = [
        "not an object",
        42,
        None,
        {"stable": True, "files": []},  # no version
        {"version": "go1.26.6", "stable": True, "files": "nope"},  # files not a list
        {"version": 1.26, "stable": True, "files": []},  # version not a string
        good,
        {"version": "go1.25.1", "files": []},  # no stable flag: inferred from the name
        {"version": "go1.28beta1", "files": []},
        {"version": "go1.27.3", "stable": True, "files": []},  # duplicate: the first one wins
    ]
    releases = parse_index(json.dumps(data).encode())
    assert [r.version for r in releases] == ["go1.28beta1", "go1.27.3", "go1.25.1"]
    assert len(releases[1].files) == 10
    assert releases[0].stable is False and releases[2].stable is True


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"<html><body>Please log in</body></html>", "not JSON"),
        (b"", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b'{"error": "nope"}', "got a JSON dict"),
        (b'"go1.22"', "got a JSON str"),
        (b"null", "JSON NoneType"),
    ],
)
def test_parse_index_rejects_a_non_array(body, needle):
    with pytest.raises(IndexFormatError) as info:
        parse_index(body)
    assert isinstance(info.value, ValueError)
    _one_line(str(info.value))
    assert needle in str(info.value)


def test_parse_index_empty_array():
    assert parse_index(b"[]") == []


# --- choose_archive ---------------------------------------------------------------------------


def test_choose_archive_explicit_platforms(releases):
    rel = releases[0]
    assert choose_archive(rel, "darwin", "arm64").filename == "go1.27.3.darwin-arm64.tar.gz"
    assert choose_archive(rel, "darwin", "amd64").filename == "go1.27.3.darwin-amd64.tar.gz"
    assert choose_archive(rel, "linux", "amd64").filename == "go1.27.3.linux-amd64.tar.gz"
    assert choose_archive(rel, "linux", "arm64").filename == "go1.27.3.linux-arm64.tar.gz"
    # Windows' archive is a .zip; the .msi/.pkg installers are never chosen.
    assert choose_archive(rel, "windows", "amd64").filename == "go1.27.3.windows-amd64.zip"
    # uname spellings are accepted for --arch; Go's "arm" is go.dev's armv6l archive.
    assert choose_archive(rel, "darwin", "x86_64").filename == "go1.27.3.darwin-amd64.tar.gz"
    assert choose_archive(rel, "linux", "aarch64").filename == "go1.27.3.linux-arm64.tar.gz"
    assert choose_archive(rel, "linux", "arm").filename == "go1.27.3.linux-armv6l.tar.gz"
    # No such archive: None (go1.4 predates darwin/arm64; nobody ships plan9 here).
    assert choose_archive(releases[-1], "darwin", "arm64") is None
    assert choose_archive(rel, "plan9", "amd64") is None


def test_choose_archive_defaults_to_the_hardware(releases, monkeypatch):
    # An M-series Mac running m3tui under Rosetta: the hardware is arm64, so is the archive.
    monkeypatch.setattr(goindex, "host_info", lambda: HostInfo("darwin", "arm64", translated=True))
    rel = releases[0]
    assert choose_archive(rel).filename == "go1.27.3.darwin-arm64.tar.gz"
    # --arch amd64 overrides the arch only; the OS still comes from the host.
    assert choose_archive(rel, goarch="amd64").filename == "go1.27.3.darwin-amd64.tar.gz"
    monkeypatch.setattr(goindex, "host_info", lambda: HostInfo("linux", "amd64"))
    assert choose_archive(rel).filename == "go1.27.3.linux-amd64.tar.gz"
    assert choose_archive(rel, goos="windows").filename == "go1.27.3.windows-amd64.zip"


def test_choose_archive_real_host(releases):
    """With no mocking: whatever this machine is, the archive matches host_info()."""
    from m3tui.core.host import host_info

    host = host_info()
    chosen = choose_archive(releases[0])
    if chosen is not None:
        assert (chosen.os, chosen.arch) == (host.goos, host.goarch)


# --- resolve ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("1.27.3", "go1.27.3"),
        ("go1.27.3", "go1.27.3"),
        (" 1.27.2 ", "go1.27.2"),
        ("1.27", "go1.27.3"),  # newest patch, never the rc
        ("go1.27", "go1.27.3"),
        ("1.26", "go1.26.6"),
        ("1.4", "go1.4"),
        ("latest", "go1.27.3"),
        ("LATEST", "go1.27.3"),
        ("1.27rc1", "go1.27rc1"),  # a prerelease named exactly
        ("go1.27rc1", "go1.27rc1"),
    ],
)
def test_resolve(releases, spec, expected):
    assert resolve(releases, spec).version == expected


def test_resolve_unstable():
    rels = parse_index(json.dumps([release_entry("go1.28rc1", stable=False), *sample_index()]).encode())
    assert resolve(rels, "latest").version == "go1.27.3"
    assert resolve(rels, "latest", include_unstable=True).version == "go1.28rc1"
    assert resolve(rels, "1.28", include_unstable=True).version == "go1.28rc1"
    with pytest.raises(VersionNotFound) as info:
        resolve(rels, "1.28")
    _one_line(str(info.value))
    assert "go1.28rc1" in str(info.value) and "prerelease" in str(info.value)
    assert [r.version for r in stable_releases(rels)] == ["go1.27.3", "go1.27.2", "go1.26.6", "go1.4"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("1.99", "no Go release matches 1.99 (newest: go1.27.3)"),
        ("1.99.1", "no Go release matches 1.99.1 (newest: go1.27.3)"),
        ("go1.27.9", "no Go release matches go1.27.9 (newest go1.27: go1.27.3)"),
        ("1.27rc7", "no Go release matches 1.27rc7 (newest go1.27: go1.27.3)"),
        ("1.25", "no Go release matches 1.25 (newest: go1.27.3)"),
    ],
)
def test_resolve_not_found(releases, spec, message):
    with pytest.raises(VersionNotFound) as info:
        resolve(releases, spec)
    assert isinstance(info.value, LookupError)
    assert str(info.value) == message


@pytest.mark.parametrize("spec", ["banana", "", "1", "1.22.x", "go"])
def test_resolve_rejects_a_non_version(releases, spec):
    with pytest.raises(VersionNotFound) as info:
        resolve(releases, spec)
    _one_line(str(info.value))
    assert "not a Go version" in str(info.value)


def test_resolve_empty_index():
    with pytest.raises(VersionNotFound, match=r"the index is empty"):
        resolve([], "latest")
    only_rc = parse_index(json.dumps([release_entry("go1.28rc1", stable=False)]).encode())
    with pytest.raises(VersionNotFound, match=r"no stable Go release in the index"):
        resolve(only_rc, "latest")


# --- fetch: the happy paths -------------------------------------------------------------------


async def test_fetch_then_revalidate_with_etag(server, m3tui_home):
    first = await fetch_index(server.url, timeout=TIMEOUT)
    assert isinstance(first, IndexResult)
    assert first.source == "network" and first.warning is None
    assert first.url == server.url + INDEX_PATH
    assert [r.version for r in first.releases][:2] == ["go1.27.3", "go1.27.2"]
    assert abs(first.fetched_at - time.time()) < 5
    (req,) = server.requests
    assert req.path == INDEX_PATH
    assert "if-none-match" not in req.headers and "if-modified-since" not in req.headers

    # The cache lives under M3TUI_HOME, with its sidecar meta.
    body_path, meta_path = cache_paths(server.url)
    assert body_path.parent == m3tui_home / "cache"
    assert body_path.name.startswith("go-index-") and body_path.name.endswith(".json")
    meta = json.loads(meta_path.read_text())
    assert meta["url"] == server.url + INDEX_PATH
    assert meta["etag"] == server.etag and meta["last_modified"] == server.last_modified
    assert meta["fetched_at"] == first.fetched_at
    assert body_path.read_bytes() == server.body

    wait_until(lambda: time.time() > first.fetched_at, what="the clock to move past the first fetch")
    second = await fetch_index(server.url, timeout=TIMEOUT)
    assert second.source == "cache" and second.warning is None
    assert second.releases == first.releases
    assert second.fetched_at > first.fetched_at  # a 304 counts as fresh
    assert server.requests[1].headers["if-none-match"] == server.etag
    assert json.loads(meta_path.read_text())["fetched_at"] == second.fetched_at
    assert load_cached(server.url).fetched_at == second.fetched_at


async def test_revalidate_with_last_modified_only(m3tui_home):
    with GoIndexServer(send_etag=False) as srv:
        first = await fetch_index(srv.url, timeout=TIMEOUT)
        assert first.source == "network"
        second = await fetch_index(srv.url, timeout=TIMEOUT)
        assert second.source == "cache"
        headers = srv.requests[1].headers
        assert "if-none-match" not in headers
        assert headers["if-modified-since"] == srv.last_modified


async def test_a_new_index_replaces_the_cache(server):
    await fetch_index(server.url, timeout=TIMEOUT)
    server.set_index([release_entry("go1.27.4"), *sample_index()])
    result = await fetch_index(server.url, timeout=TIMEOUT)
    assert result.source == "network"
    assert result.releases[0].version == "go1.27.4"
    assert server.requests[1].headers["if-none-match"] != server.etag  # the old one was sent
    assert load_cached(server.url).releases[0].version == "go1.27.4"
    assert json.loads(cache_paths(server.url)[1].read_text())["etag"] == server.etag


async def test_fetch_with_a_caller_client(server):
    async with httpx.AsyncClient() as client:
        result = await fetch_index(server.url, client=client, timeout=TIMEOUT)
        assert result.source == "network"
        assert not client.is_closed  # the caller's client is the caller's to close
        assert (await fetch_index(server.url + "/", client=client, timeout=TIMEOUT)).source == "cache"


# --- fetch: failures --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("500", "HTTP 500"), ("hang", "timed out after 0.5s"), ("garbage", "not JSON"), ("object", "expected a JSON array")],
)
async def test_failure_falls_back_to_a_stale_cache(server, mode, reason):
    first = await fetch_index(server.url, timeout=TIMEOUT)
    body_before = cache_paths(server.url)[0].read_bytes()
    server.mode = mode
    started = time.monotonic()
    result = await fetch_index(server.url, timeout=TIMEOUT)
    assert time.monotonic() - started < 3
    assert result.source == "cache-stale"
    assert result.releases == first.releases
    assert result.fetched_at == first.fetched_at  # not refreshed: the data is as old as it was
    _one_line(result.warning)
    assert reason in result.warning and server.url in result.warning
    assert result.warning.startswith("using the cached Go index from ")
    # A bad answer never overwrites a good cache.
    assert cache_paths(server.url)[0].read_bytes() == body_before
    assert server.requests[1].headers["if-none-match"] == server.etag


@pytest.mark.parametrize(("mode", "reason"), [("500", "HTTP 500"), ("hang", "timed out"), ("garbage", "not JSON")])
async def test_no_cache_and_a_failing_server_is_unavailable(server, mode, reason):
    server.mode = mode
    with pytest.raises(IndexUnavailable) as info:
        await fetch_index(server.url, timeout=TIMEOUT)
    message = str(info.value)
    _one_line(message)
    assert server.url + INDEX_PATH in message and reason in message
    assert load_cached(server.url) is None
    assert _cache_listing() == []


async def test_no_cache_and_nothing_listening_is_unavailable():
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(IndexUnavailable) as info:
        await fetch_index(url, timeout=TIMEOUT)
    _one_line(str(info.value))
    assert url + INDEX_PATH in str(info.value) and "cannot connect" in str(info.value)


async def test_server_gone_uses_the_cache(server):
    url = server.url
    await fetch_index(url, timeout=TIMEOUT)
    server.close()
    result = await fetch_index(url, timeout=TIMEOUT)
    assert result.source == "cache-stale" and "cannot connect" in result.warning


# --- offline, load_cached -----------------------------------------------------------------------


async def test_offline_uses_the_cache_only(server):
    with pytest.raises(IndexUnavailable) as info:
        await fetch_index(server.url, offline=True)
    _one_line(str(info.value))
    assert "offline" in str(info.value) and server.url in str(info.value)
    assert server.requests == []

    first = await fetch_index(server.url, timeout=TIMEOUT)
    result = await fetch_index(server.url, offline=True)
    assert result.source == "cache" and result.warning is None
    assert result.releases == first.releases and result.fetched_at == first.fetched_at
    assert len(server.requests) == 1  # offline asked nobody


async def test_load_cached(server):
    assert load_cached(server.url) is None
    first = await fetch_index(server.url, timeout=TIMEOUT)
    cached = load_cached(server.url)
    assert cached == IndexResult(first.releases, "cache", first.fetched_at, None, first.url)
    assert load_cached("https://golang.google.cn") is None  # per mirror
    assert len(server.requests) == 1


# --- corrupt caches ---------------------------------------------------------------------------


@pytest.mark.parametrize("junk", [b"", b"{trunc", b"<html>", b'{"a": 1}', b"[]", b"\x00\xff" * 50])
async def test_a_corrupt_cache_is_no_cache(server, junk):
    await fetch_index(server.url, timeout=TIMEOUT)
    body_path, _ = cache_paths(server.url)
    body_path.write_bytes(junk)
    assert load_cached(server.url) is None
    with pytest.raises(IndexUnavailable):
        await fetch_index(server.url, offline=True)
    result = await fetch_index(server.url, timeout=TIMEOUT)
    assert result.source == "network"
    assert "if-none-match" not in server.requests[-1].headers  # nothing to revalidate
    assert body_path.read_bytes() == server.body  # repaired
    assert load_cached(server.url) is not None


@pytest.mark.parametrize("junk", [b"", b"{trunc", b"[1, 2]", b'{"fetched_at": "soon", "etag": 7}'])
async def test_a_corrupt_meta_keeps_the_index_but_not_its_validators(server, junk):
    await fetch_index(server.url, timeout=TIMEOUT)
    body_path, meta_path = cache_paths(server.url)
    meta_path.write_bytes(junk)
    cached = load_cached(server.url)
    assert cached is not None and cached.fetched_at == pytest.approx(body_path.stat().st_mtime)
    result = await fetch_index(server.url, timeout=TIMEOUT)
    assert result.source == "network"
    assert "if-none-match" not in server.requests[-1].headers
    assert json.loads(meta_path.read_text())["etag"] == server.etag


async def test_a_meta_for_another_body_is_not_used_to_revalidate(server):
    """A crash between the body and the meta writes: the old ETag must not bless the new body."""
    await fetch_index(server.url, timeout=TIMEOUT)
    body_path, _ = cache_paths(server.url)
    body_path.write_bytes(json.dumps([release_entry("go1.20.1")]).encode())
    assert load_cached(server.url).releases[0].version == "go1.20.1"
    result = await fetch_index(server.url, timeout=TIMEOUT)
    assert result.source == "network" and result.releases[0].version == "go1.27.3"
    assert "if-none-match" not in server.requests[-1].headers
    assert "if-modified-since" not in server.requests[-1].headers


async def test_a_cache_directory_in_the_way_does_not_crash(server):
    body_path, _ = cache_paths(server.url)
    body_path.mkdir(parents=True)  # unreadable as a file, unwritable by os.replace
    assert load_cached(server.url) is None
    result = await fetch_index(server.url, timeout=TIMEOUT)
    assert result.source == "network" and result.releases
    _one_line(result.warning)
    assert "could not cache" in result.warning
    assert [n for n in _cache_listing() if n.endswith(".tmp")] == []


# --- atomic writes, isolation -----------------------------------------------------------------


async def test_cache_written_atomically(server, monkeypatch):
    await fetch_index(server.url, timeout=TIMEOUT)
    body_path, meta_path = cache_paths(server.url)
    assert _cache_listing() == sorted([body_path.name, meta_path.name])  # no temp files left

    # Every write goes through a temp file in the same directory and os.replace.
    replaced: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def spy(src, dst):
        replaced.append((Path(src), Path(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(goindex.os, "replace", spy)
    server.set_index([release_entry("go1.27.4"), *sample_index()])
    await fetch_index(server.url, timeout=TIMEOUT)
    assert [dst for _, dst in replaced] == [body_path, meta_path]
    assert all(src.parent == dst.parent and src.name.endswith(".tmp") for src, dst in replaced)

    # A failing replace (disk full, say) leaves the old cache intact and no temp file behind.
    before = body_path.read_bytes()

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(goindex.os, "replace", broken)
    server.set_index([release_entry("go1.27.5"), *sample_index()])
    result = await fetch_index(server.url, timeout=TIMEOUT)
    assert result.source == "network" and result.releases[0].version == "go1.27.5"
    _one_line(result.warning)
    assert "No space left on device" in result.warning
    assert body_path.read_bytes() == before
    assert _cache_listing() == sorted([body_path.name, meta_path.name])


async def test_cache_is_per_home_and_per_mirror(server, m3tui_home, tmp_path, monkeypatch):
    await fetch_index(server.url, timeout=TIMEOUT)
    assert cache_paths(server.url)[0].is_relative_to(m3tui_home)
    assert cache_paths(server.url) != cache_paths("https://go.dev")
    assert cache_paths("https://go.dev") == cache_paths("https://go.dev/")

    other = tmp_path / "other-home"
    monkeypatch.setenv("M3TUI_HOME", str(other))
    assert load_cached(server.url) is None  # another home, another cache
    await fetch_index(server.url, timeout=TIMEOUT)
    assert cache_paths(server.url)[0].is_relative_to(other)
    assert "if-none-match" not in server.requests[-1].headers
