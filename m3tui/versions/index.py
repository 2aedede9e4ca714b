"""Go's download index (``<mirror>/dl/?mode=json&include=all``): fetch, cache, choose, resolve.

Why it is built this way:

* The index is a few MB and changes a few times a month, so it is cached on disk per mirror
  (``cache_dir()/go-index-<hash>.json``, the raw body as served) with a sidecar
  ``go-index-<hash>.meta.json`` holding {url, etag, last_modified, fetched_at, sha256}. A refresh
  is a conditional GET (If-None-Match / If-Modified-Since): usually a 304 with no body.
* The UI shows :func:`load_cached` at once and refreshes in the background; when the network
  is down, a stale cache is still useful, so :func:`fetch_index` falls back to it with a
  one-line warning instead of failing. Only "no network and no cache" is an error.
* Cache files are written atomically (temp file in the same directory, then ``os.replace``), so
  a crash or a concurrent m3tui never leaves a half-written index; a corrupt one reads as absent.
* The index is parsed tolerantly: one malformed entry (or file) is skipped, not fatal; only a
  body that is not a JSON array at all (a captive portal's HTML page, say) is rejected.
* The default platform is the *hardware's* (:func:`host_info`): under Rosetta an M-series Mac
  still wants the darwin/arm64 archive.

Plain asyncio + httpx; never imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from m3tui.versions.store import cache_dir
from m3tui.versions.names import (
    GoFile,
    GoRelease,
    VersionSpec,
    parse_spec,
    parse_version,
    pick,
    version_sort_key,
)
from m3tui.core.host import goarch_for_machine, host_info
from m3tui.core.errors import M3tuiError

__all__ = [
    "INDEX_PATH",
    "IndexFormatError",
    "IndexResult",
    "IndexUnavailable",
    "VersionNotFound",
    "archive_url",
    "cache_paths",
    "choose_archive",
    "fetch_index",
    "index_url",
    "load_cached",
    "parse_index",
    "resolve",
    "stable_releases",
]

INDEX_PATH = "/dl/?mode=json&include=all"
DEFAULT_TIMEOUT = 10.0

Source = Literal["network", "cache", "cache-stale"]


class IndexFormatError(M3tuiError, ValueError):
    """The body is not Go's download index (not JSON, or not a JSON array)."""


class IndexUnavailable(M3tuiError):
    """No index could be had: the fetch failed (or we are offline) and nothing is cached."""


class VersionNotFound(M3tuiError, LookupError):
    """No release in the index matches what the user asked for."""


@dataclass(frozen=True)
class IndexResult:
    """The releases (newest first), where they came from, and when they were last fetched."""

    releases: list[GoRelease]
    source: Source
    fetched_at: float  # time.time() of the last successful fetch or 304 revalidation
    warning: str | None = None  # one line, for the status bar, when the network failed
    url: str = ""


# --- URLs -------------------------------------------------------------------------------------


def _norm_mirror(mirror: str) -> str:
    return mirror.strip().rstrip("/")


def index_url(mirror: str) -> str:
    """The JSON index URL of a mirror ("https://go.dev" -> "https://go.dev/dl/?mode=json&include=all")."""
    return _norm_mirror(mirror) + INDEX_PATH


def archive_url(mirror: str, filename: str) -> str:
    """Where a mirror serves a release file: ``<mirror>/dl/<filename>``."""
    return f"{_norm_mirror(mirror)}/dl/{filename}"


# --- parsing ----------------------------------------------------------------------------------


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _parse_file(raw: Any, release_version: str) -> GoFile | None:
    if not isinstance(raw, dict):
        return None
    filename = raw.get("filename")
    kind = raw.get("kind")
    if not isinstance(filename, str) or not filename or "/" in filename or not isinstance(kind, str):
        return None
    size = raw.get("size", 0)
    sha256 = raw.get("sha256") or ""  # very old releases: "" (or missing)
    if isinstance(size, bool) or not isinstance(size, int) or not isinstance(sha256, str):
        return None
    goos = raw.get("os") or ""
    goarch = raw.get("arch") or ""
    version = raw.get("version") or release_version
    if not all(isinstance(v, str) for v in (goos, goarch, version)):
        return None
    return GoFile(filename=filename, os=goos, arch=goarch, version=version, sha256=sha256.lower(), size=size, kind=kind)


def parse_index(data: bytes) -> list[GoRelease]:
    """go.dev's JSON -> releases, newest first. Malformed entries are skipped, not fatal.

    Raises :class:`IndexFormatError` (one line) when the body is not a JSON array at all.
    """
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        start = data[:40].decode("utf-8", "replace") if isinstance(data, bytes | bytearray) else str(data)[:40]
        raise IndexFormatError(_one_line(f"not Go's download index: not JSON ({exc.__class__.__name__}; starts {start!r})")) from None
    if not isinstance(doc, list):
        raise IndexFormatError(f"not Go's download index: expected a JSON array, got a JSON {type(doc).__name__}")
    releases: dict[str, GoRelease] = {}
    for entry in doc:
        if not isinstance(entry, dict):
            continue
        version = entry.get("version")
        files = entry.get("files", [])
        if not isinstance(version, str) or not version.strip() or not isinstance(files, list):
            continue
        version = version.strip()
        stable = entry.get("stable")
        if not isinstance(stable, bool):
            # Not given: infer from the name (rc/beta are unstable).
            try:
                stable = parse_version(version).is_stable
            except ValueError:
                continue
        parsed = tuple(f for f in (_parse_file(raw, version) for raw in files) if f is not None)
        releases.setdefault(version, GoRelease(version=version, stable=stable, files=parsed))
    return sorted(releases.values(), key=lambda r: version_sort_key(r.version), reverse=True)


def stable_releases(releases: list[GoRelease]) -> list[GoRelease]:
    """Only the stable releases (the index's own ``stable`` flag): rc/beta left out."""
    return [r for r in releases if r.stable]


# --- cache ------------------------------------------------------------------------------------


def cache_paths(mirror: str) -> tuple[Path, Path]:
    """(index body, meta JSON) for a mirror: one pair per mirror, so switching mirrors keeps both."""
    digest = hashlib.sha256(index_url(mirror).encode()).hexdigest()[:16]
    base = cache_dir()
    return base / f"go-index-{digest}.json", base / f"go-index-{digest}.meta.json"


def _write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory + os.replace: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class _Cached:
    releases: list[GoRelease]
    etag: str | None
    last_modified: str | None
    fetched_at: float


def _read_cache(mirror: str) -> _Cached | None:
    """The cached index, or None when absent, unreadable, corrupt or for another URL."""
    body_path, meta_path = cache_paths(mirror)
    try:
        body = body_path.read_bytes()
        releases = parse_index(body)
    except (OSError, IndexFormatError):
        return None
    if not releases:
        return None
    meta: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads(meta_path.read_bytes())
        if isinstance(loaded, dict):
            meta = loaded
    if meta.get("url") not in (None, index_url(mirror)):
        return None
    etag = meta.get("etag") if isinstance(meta.get("etag"), str) else None
    last_modified = meta.get("last_modified") if isinstance(meta.get("last_modified"), str) else None
    if meta.get("sha256") != hashlib.sha256(body).hexdigest():
        # The meta describes another body (a crash between the two writes): don't revalidate
        # with its validators, or a 304 would bless the wrong body.
        etag = last_modified = None
    fetched_at = meta.get("fetched_at")
    if isinstance(fetched_at, bool) or not isinstance(fetched_at, int | float):
        try:
            fetched_at = body_path.stat().st_mtime
        except OSError:
            fetched_at = 0.0
    return _Cached(releases, etag, last_modified, float(fetched_at))


def _write_meta(mirror: str, body: bytes, etag: str | None, last_modified: str | None, fetched_at: float) -> None:
    _, meta_path = cache_paths(mirror)
    meta = {
        "url": index_url(mirror),
        "etag": etag,
        "last_modified": last_modified,
        "fetched_at": fetched_at,
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    _write_atomic(meta_path, json.dumps(meta, indent=1).encode())


def _store(mirror: str, body: bytes, etag: str | None, last_modified: str | None, fetched_at: float) -> None:
    body_path, _ = cache_paths(mirror)
    _write_atomic(body_path, body)  # body first: the meta's sha256 ties them together
    _write_meta(mirror, body, etag, last_modified, fetched_at)


def _refresh_meta(mirror: str, etag: str | None, last_modified: str | None, fetched_at: float) -> None:
    """After a 304: same body, new fetched_at (and validators, if the server sent new ones)."""
    body_path, _ = cache_paths(mirror)
    _write_meta(mirror, body_path.read_bytes(), etag, last_modified, fetched_at)


def load_cached(mirror: str) -> IndexResult | None:
    """The cached index without touching the network (for the UI to show a list at once)."""
    cached = _read_cache(mirror)
    if cached is None:
        return None
    return IndexResult(cached.releases, "cache", cached.fetched_at, None, index_url(mirror))


# --- fetch ------------------------------------------------------------------------------------


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        detail = _one_line(str(exc)) or "connection failed"
        return f"cannot connect ({detail})"
    text = _one_line(str(exc))
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


async def fetch_index(
    mirror: str,
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    offline: bool = False,
) -> IndexResult:
    """The index from the network (revalidating the cache), else the cache with a warning.

    * 200: parsed, cached atomically, source "network".
    * 304: the cache is current; its fetched_at is refreshed, source "cache".
    * network error, timeout, non-200/304, or a body that is not the index: the cache with
      source "cache-stale" and a one-line ``warning``; with no cache, :class:`IndexUnavailable`.
    * ``offline=True``: the cache only (source "cache"), else :class:`IndexUnavailable`.

    ``timeout`` applies to each phase (connect, each read), as httpx does. Parsing (tens of ms
    for the real index) and cache writes (fsync) run in a worker thread, off the event loop.
    """
    url = index_url(mirror)
    cached = await asyncio.to_thread(_read_cache, mirror)
    if offline:
        if cached is None:
            raise IndexUnavailable(f"no cached Go download index for {url} (offline)")
        return IndexResult(cached.releases, "cache", cached.fetched_at, None, url)

    headers = {"Accept": "application/json"}
    if cached is not None:
        if cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified

    reason: str
    own_client = client is None
    http = client or httpx.AsyncClient(timeout=timeout, follow_redirects=True)
    try:
        try:
            response = await http.get(url, headers=headers, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            reason = _reason(exc, timeout)
        else:
            now = time.time()
            if response.status_code == 304 and cached is not None:
                warning = None
                try:
                    await asyncio.to_thread(
                        _refresh_meta,
                        mirror,
                        response.headers.get("ETag") or cached.etag,
                        response.headers.get("Last-Modified") or cached.last_modified,
                        now,
                    )
                except OSError as exc:
                    warning = _one_line(f"could not update the Go index cache: {exc}")
                return IndexResult(cached.releases, "cache", now, warning, url)
            if response.status_code == 200:
                try:
                    releases = await asyncio.to_thread(parse_index, response.content)
                except IndexFormatError as exc:
                    reason = str(exc)
                else:
                    if not releases:
                        reason = "the index lists no releases"
                    else:
                        warning = None
                        try:
                            await asyncio.to_thread(
                                _store,
                                mirror,
                                response.content,
                                response.headers.get("ETag"),
                                response.headers.get("Last-Modified"),
                                now,
                            )
                        except OSError as exc:
                            warning = _one_line(f"could not cache the Go index: {exc}")
                        return IndexResult(releases, "network", now, warning, url)
            else:
                phrase = response.reason_phrase or ""
                reason = f"HTTP {response.status_code}{' ' + phrase if phrase else ''}"
    finally:
        if own_client:
            await http.aclose()

    if cached is None:
        raise IndexUnavailable(_one_line(f"cannot fetch the Go download index from {url}: {reason}"))
    age = _age(time.time() - cached.fetched_at)
    warning = _one_line(f"using the cached Go index from {age} ago: {url}: {reason}")
    return IndexResult(cached.releases, "cache-stale", cached.fetched_at, warning, url)


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


# --- choosing ---------------------------------------------------------------------------------


def choose_archive(release: GoRelease, goos: str | None = None, goarch: str | None = None) -> GoFile | None:
    """The archive to install: by default for the hardware (arm64 on Apple silicon, even under
    Rosetta); ``goos``/``goarch`` override it (``--arch amd64``; "x86_64"/"aarch64" accepted)."""
    if goos is None or goarch is None:
        host = host_info()
        goos = goos or host.goos
        goarch = goarch or host.goarch
    found = release.archive_for(goos, goarch)
    if found is None:
        alias = goarch_for_machine(goarch)
        if alias == "arm":
            alias = "armv6l"  # go.dev's name for linux/arm archives
        if alias != goarch:
            found = release.archive_for(goos, alias)
    return found


def resolve(releases: list[GoRelease], spec_text: str, *, include_unstable: bool = False) -> GoRelease:
    """The release a user's spec names: "1.22.10", "go1.22.10", "1.22" (newest patch),
    "latest", or an exact rc/beta ("1.23rc1"). rc/beta only when named or ``include_unstable``.

    Raises :class:`VersionNotFound` (one line) for a spec that matches nothing or is not a version.
    """
    try:
        spec = parse_spec(spec_text)
    except ValueError as exc:
        raise VersionNotFound(
            f"not a Go version: {spec_text.strip()!r} (expected e.g. 1.22.10, go1.22.10, 1.22, 1.22rc1 or latest)"
        ) from exc
    by_version = {r.version: r for r in releases}
    pool = releases if include_unstable or spec.exact is not None else stable_releases(releases)
    chosen = pick(spec, [r.version for r in pool], include_unstable=include_unstable)
    if chosen is not None:
        return by_version[chosen]
    raise VersionNotFound(_not_found_message(releases, spec, spec_text.strip()))


def _newest(versions: list[str]) -> str:
    return max(versions, key=version_sort_key)


def _not_found_message(releases: list[GoRelease], spec: VersionSpec, shown: str) -> str:
    if not releases:
        return f"no Go release matches {shown} (the index is empty)"
    stable = [r.version for r in stable_releases(releases)]
    newest = _newest(stable or [r.version for r in releases])
    if spec.latest:
        return f"no stable Go release in the index (newest prerelease: {newest})"
    if spec.line is not None:
        pre = [r.version for r in releases if not r.stable and _in_line(r.version, spec.line)]
        if pre:
            return (
                f"no stable Go release matches {shown} yet (newest: {newest}; "
                f"prerelease {_newest(pre)} can be asked for by name)"
            )
    if spec.exact is not None:
        key = parse_version(spec.exact)
        same_line = [v for v in stable if _in_line(v, (key.major, key.minor))]
        if same_line:
            return f"no Go release matches {shown} (newest go{key.major}.{key.minor}: {_newest(same_line)})"
    return f"no Go release matches {shown} (newest: {newest})"


def _in_line(version: str, line: tuple[int, int]) -> bool:
    try:
        key = parse_version(version)
    except ValueError:
        return False
    return (key.major, key.minor) == line

