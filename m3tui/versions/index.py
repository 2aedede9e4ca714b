"""Go's download index (``<mirror>/dl/?mode=json&include=all``): fetch, cache, choose, resolve.

Why it is built this way:

* The index is a few MB and changes a few times a month, so it is cached on disk per mirror
  (``cache_dir()/go-index-<hash>.json``, the raw body as served) with a sidecar
  ``go-index-<hash>.meta.json`` holding {url, etag, last_modified, fetched_at, sha256}. A refresh
  is a conditional GET (If-None-Match / If-Modified-Since): usually a 304 with no body.
* A mirror URL may carry credentials (``https://user:token@mirror.corp``): they go to the
  server and nowhere else. Every message, the `IndexResult`, the meta's url and the cache key
  (the hash) use the redacted URL (``core.redact``); the cache files are 0600 in 0700 directories.
* A mirror is served over http(s) only (`check_mirror`: file://, ftp://, a query or no host is a
  usage error, exit 2). The body is read in a stream and refused past `MAX_INDEX_BYTES`.
* The whole fetch (connect, headers, body) has one deadline, `INDEX_DEADLINE_S`: httpx's
  timeouts are per read, so a mirror trickling a byte a second would never trip them. Past it
  the fetch is a failure like any other (the cache with a warning, else exit 3), and the
  message says how long it really waited.
* The UI shows :func:`load_cached` at once and refreshes in the background; when the network
  is down, a stale cache is still useful, so :func:`fetch_index` falls back to it with a
  one-line warning instead of failing. Only "no network and no cache" is an error.
* Cache files are written atomically (temp file in the same directory, named after its owner's
  pid, then ``os.replace``), so a crash or a concurrent m3tui never leaves a half-written index;
  a killed writer's temp is swept by the next fetch; a corrupt cache reads as absent.
* The index is parsed strictly as JSON (NaN, Infinity, a 5000-digit number or absurd nesting make
  the body "not valid") and tolerantly as an index: one malformed entry (or file) is skipped,
  not fatal, and counted in a warning. A version must be a Go version, a file name go.dev's kind
  of name for that version, a size an int within `MAX_ARCHIVE_BYTES`, a sha256 64 hex digits
  (or empty): nothing from the index becomes a path or a terminal escape unchecked.
* The default platform is the *hardware's* (:func:`host_info`): under Rosetta an M-series Mac
  still wants the darwin/arm64 archive.

Plain asyncio + httpx; never imports Textual.

Long because: this module is the one trust boundary with the mirror. Fetching, caching and
parsing share its checks (the http(s)-only mirror, the redacted URL as cache key and in every
message, the size caps, what a valid version, file name and size are); split apart, each part
would have to repeat them or trust the others to have applied them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from m3tui.core import tls
from m3tui.core import tmp as scratch
from m3tui.core.errors import M3tuiError, UsageError, strerror
from m3tui.core.files import PRIVATE_FILE
from m3tui.core.host import goarch_for_machine, host_info
from m3tui.core.redact import redact
from m3tui.versions.names import (
    GoFile,
    GoRelease,
    VersionSpec,
    parse_spec,
    parse_version,
    pick,
    version_sort_key,
)
from m3tui.versions.store import cache_dir, ensure_dir

__all__ = [
    "INDEX_PATH",
    "MAX_ARCHIVE_BYTES",
    "MAX_INDEX_BYTES",
    "BadMirror",
    "IndexFormatError",
    "IndexResult",
    "IndexUnavailable",
    "VersionNotFound",
    "archive_url",
    "cache_paths",
    "check_mirror",
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
#: The whole index fetch (connect, headers and body together), in seconds: go.dev's ~2 MB
#: index takes ~1 s; past this a mirror that keeps trickling is given up on (tests lower it).
INDEX_DEADLINE_S = 30.0
#: The largest index body read (go.dev's whole index, every release since 1.2, is ~2 MB).
MAX_INDEX_BYTES = 32 * 1024 * 1024
#: The largest archive size an index entry may claim (Go's archives are ~70-100 MB).
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024
# go.dev's file names: "go1.22.10.linux-amd64.tar.gz", "go1.4.darwin-amd64-osx10.8.pkg".
_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}", re.ASCII)
_SHA256 = re.compile(r"(?:[0-9a-fA-F]{64})?", re.ASCII)
_WORD = re.compile(r"[A-Za-z0-9_.+-]{0,40}", re.ASCII)  # os, arch, kind
# A cache validator as sent back in If-None-Match / If-Modified-Since: printable ASCII, one line.
_VALIDATOR = re.compile(r"[\x20-\x7e]{1,256}", re.ASCII)

Source = Literal["network", "cache", "cache-stale"]


class IndexFormatError(M3tuiError, ValueError):
    """The body is not Go's download index (not JSON, or not a JSON array)."""


class BadMirror(UsageError, ValueError):
    """A mirror that is not an http(s) URL with a host (``--mirror file:///dev/zero``): exit 2."""


class IndexUnavailable(M3tuiError):
    """No index could be had: the fetch failed (or we are offline) and nothing is cached."""


class VersionNotFound(UsageError, LookupError):
    """No release in the index matches what the user asked for (exit 2: the value names nothing)."""


@dataclass(frozen=True)
class IndexResult:
    """The releases (newest first), where they came from, and when they were last fetched."""

    releases: list[GoRelease]
    source: Source
    fetched_at: float  # time.time() of the last successful fetch or 304 revalidation
    warning: str | None = None  # one line, for the status bar, when the network failed
    url: str = ""  # redacted: never the mirror's credentials


# --- URLs -------------------------------------------------------------------------------------


def _norm_mirror(mirror: str) -> str:
    return mirror.strip().rstrip("/")


def check_mirror(mirror: str, *, what: str = "--mirror") -> str:
    """``mirror`` normalized, if it can serve go.dev's layout: an http(s) URL with a host and
    no query or fragment. Anything else (file:///dev/zero, ftp://, "go.dev") is `BadMirror`.
    The message shows the URL redacted."""
    norm = _norm_mirror(mirror)
    shown = repr(redact(norm)[:120])
    if not norm.lower().startswith(("http://", "https://")):
        raise BadMirror(f"{what} {shown}: not an http(s) URL (e.g. https://golang.google.cn)")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in norm):
        raise BadMirror(f"{what} {shown}: has spaces or control characters")
    try:
        parts = urlsplit(norm)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        httpx.URL(norm).host  # noqa: B018 - decodes the host: an invalid IDNA label raises here, not mid-request
    except (ValueError, httpx.InvalidURL) as exc:
        raise BadMirror(f"{what} {shown}: not a valid URL ({redact(str(exc))})") from None
    if not parts.hostname:
        raise BadMirror(f"{what} {shown}: has no host")
    if parts.query or parts.fragment or "?" in norm or "#" in norm:
        raise BadMirror(f"{what} {shown}: a mirror is a site, without ?query or #fragment")
    return norm


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
    """One file entry, or None when any field is not what go.dev writes there."""
    if not isinstance(raw, dict):
        return None
    filename = raw.get("filename")
    kind = raw.get("kind")
    size = raw.get("size", 0)
    sha256 = raw.get("sha256") or ""  # very old releases: "" (or missing)
    goos = raw.get("os") or ""
    goarch = raw.get("arch") or ""
    version = raw.get("version") or release_version
    if not (isinstance(filename, str) and _FILENAME.fullmatch(filename) and filename.startswith(f"{release_version}.")):
        return None  # no "/", "..", NUL or escape: it becomes a path under downloads/
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_ARCHIVE_BYTES:
        return None
    if not (isinstance(kind, str) and isinstance(goos, str) and isinstance(goarch, str)):
        return None
    if not all(_WORD.fullmatch(v) for v in (kind, goos, goarch)):
        return None
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256) or version != release_version:
        return None
    return GoFile(filename=filename, os=goos, arch=goarch, version=version, sha256=sha256.lower(), size=size, kind=kind)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_index_counted(data: bytes) -> tuple[list[GoRelease], int]:
    """`parse_index`, and how many malformed entries (releases or files) were skipped."""
    try:
        doc = json.loads(data, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        start = data[:40].decode("utf-8", "replace") if isinstance(data, bytes | bytearray) else str(data)[:40]
        why = "nested too deeply" if isinstance(exc, RecursionError) else _one_line(str(exc), 80)
        raise IndexFormatError(_one_line(f"not JSON ({why}; starts {start!r})")) from None
    if not isinstance(doc, list):
        raise IndexFormatError(f"expected a JSON array, got a JSON {type(doc).__name__}")
    releases: dict[str, GoRelease] = {}
    skipped = 0
    for entry in doc:
        version = entry.get("version") if isinstance(entry, dict) else None
        files = entry.get("files", []) if isinstance(entry, dict) else None
        try:
            key = parse_version(version) if isinstance(version, str) else None
        except ValueError:
            key = None
        if not isinstance(entry, dict) or key is None or not isinstance(files, list) or not isinstance(version, str):
            skipped += 1
            continue
        version = version.strip()
        if not version.startswith("go"):
            skipped += 1
            continue
        stable = entry.get("stable")
        if not isinstance(stable, bool):
            stable = key.is_stable  # not given: inferred from the name (rc/beta are unstable)
        parsed = tuple(f for f in (_parse_file(raw, version) for raw in files) if f is not None)
        skipped += len(files) - len(parsed)
        releases.setdefault(version, GoRelease(version=version, stable=stable, files=parsed, skipped=len(files) - len(parsed)))
    return sorted(releases.values(), key=lambda r: version_sort_key(r.version), reverse=True), skipped


def parse_index(data: bytes) -> list[GoRelease]:
    """go.dev's JSON -> releases, newest first. Malformed entries are skipped, not fatal.

    Raises :class:`IndexFormatError` (one line) when the body is not a JSON array at all.
    """
    return parse_index_counted(data)[0]


def stable_releases(releases: list[GoRelease]) -> list[GoRelease]:
    """Only the stable releases (the index's own ``stable`` flag): rc/beta left out."""
    return [r for r in releases if r.stable]


# --- cache ------------------------------------------------------------------------------------


def shown_url(mirror: str) -> str:
    """The index URL as m3tui says, stores and keys it: credentials masked."""
    return redact(index_url(mirror))


def cache_paths(mirror: str) -> tuple[Path, Path]:
    """(index body, meta JSON) for a mirror: one pair per mirror, so switching mirrors keeps both.

    Keyed by the *redacted* URL: a credential never reaches the disk, not even as a hash (a
    short hash of a weak password could be searched); mirrors differing only in credentials
    serve the same index anyway."""
    digest = hashlib.sha256(shown_url(mirror).encode()).hexdigest()[:16]
    base = cache_dir()
    return base / f"go-index-{digest}.json", base / f"go-index-{digest}.meta.json"


def _write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory + os.replace: readers see the old file or the new one.

    The temp is 0600 and carries this process's pid (``.NAME-p<pid>-XXXX.tmp``): a killed
    writer's temp is swept by the next `fetch_index` (``core.tmp.sweep``)."""
    ensure_dir(path.parent, private=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=scratch.owned_name(f".{path.name}-"), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # write() and fsync() errors name no file
        raise


def _read_small(path: Path, limit: int) -> bytes | None:
    """A cache file's bytes: a regular file only (a FIFO is never opened for a blocking read),
    at most ``limit`` bytes; None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        if info.st_mode & 0o077:
            with contextlib.suppress(OSError):
                os.fchmod(fd, stat.S_IMODE(info.st_mode) & PRIVATE_FILE)  # an earlier version's 0644
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _validator(value: object) -> str | None:
    """An ETag or Last-Modified fit to send back: one line of printable ASCII, else None."""
    return value if isinstance(value, str) and _VALIDATOR.fullmatch(value) else None


@dataclass(frozen=True)
class _Cached:
    releases: list[GoRelease]
    etag: str | None
    last_modified: str | None
    fetched_at: float


def _read_cache(mirror: str) -> _Cached | None:
    """The cached index, or None when absent, unreadable, corrupt or for another URL."""
    body_path, meta_path = cache_paths(mirror)
    body = _read_small(body_path, MAX_INDEX_BYTES)
    if body is None:
        return None
    try:
        releases = parse_index(body)
    except IndexFormatError:
        return None
    if not releases:
        return None
    meta: dict[str, Any] = {}
    raw_meta = _read_small(meta_path, 64 * 1024)
    with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):
        loaded = json.loads(raw_meta or b"{}", parse_constant=_reject_constant)
        if isinstance(loaded, dict):
            meta = loaded
    if meta.get("url") not in (None, shown_url(mirror)):
        return None
    etag = _validator(meta.get("etag"))
    last_modified = _validator(meta.get("last_modified"))
    if meta.get("sha256") != hashlib.sha256(body).hexdigest():
        # The meta describes another body (a crash between the two writes): don't revalidate
        # with its validators, or a 304 would bless the wrong body.
        etag = last_modified = None
    fetched_at = meta.get("fetched_at")
    if isinstance(fetched_at, bool) or not isinstance(fetched_at, int | float) or not 0 <= fetched_at < 1e11:
        try:
            fetched_at = body_path.stat().st_mtime
        except OSError:
            fetched_at = 0.0
    return _Cached(releases, etag, last_modified, float(fetched_at))


def _write_meta(mirror: str, body: bytes, etag: str | None, last_modified: str | None, fetched_at: float) -> None:
    _, meta_path = cache_paths(mirror)
    meta = {
        "url": shown_url(mirror),
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
    body = _read_small(body_path, MAX_INDEX_BYTES)
    if body is None:
        raise FileNotFoundError(2, "the cached index is gone", str(body_path))
    _write_meta(mirror, body, etag, last_modified, fetched_at)


def load_cached(mirror: str) -> IndexResult | None:
    """The cached index without touching the network (for the UI to show a list at once)."""
    cached = _read_cache(mirror)
    if cached is None:
        return None
    return IndexResult(cached.releases, "cache", cached.fetched_at, None, shown_url(mirror))


# --- fetch ------------------------------------------------------------------------------------


def _reason(exc: BaseException, timeout: float) -> str:
    """Why a request failed, in one line, redacted (httpx's messages may hold the URL)."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        detail = tls.tls_problem(exc) or _one_line(redact(str(exc))) or "connection failed"
        return f"cannot connect ({detail})"
    text = _one_line(redact(str(exc)))
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


class _TooBig(Exception):
    pass


class _Late(Exception):
    def __init__(self, waited: float, received: int) -> None:
        self.waited, self.received = waited, received


async def _get_by_deadline(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], timeout: float
) -> tuple[httpx.Response, bytes]:
    """`_get` within `INDEX_DEADLINE_S` for the whole of it; `_Late` past it."""
    deadline = INDEX_DEADLINE_S
    received = [0]
    start = time.monotonic()
    clock = asyncio.timeout(deadline)
    try:
        async with clock:
            return await _get(http, url, headers, timeout, received)
    except TimeoutError:
        if not clock.expired():
            raise
        raise _Late(time.monotonic() - start, received[0]) from None


async def _get(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], timeout: float, received: list[int] | None = None
) -> tuple[httpx.Response, bytes]:
    """GET ``url``; the body read in a stream, refused past MAX_INDEX_BYTES (`_TooBig`);
    ``received[0]`` counts the body bytes as they arrive."""
    received = received if received is not None else [0]
    async with http.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as response:
        if response.status_code != 200:
            return response, b""
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_INDEX_BYTES:
            raise _TooBig
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            received[0] = size
            if size > MAX_INDEX_BYTES:
                raise _TooBig
            chunks.append(chunk)
        return response, b"".join(chunks)


async def fetch_index(
    mirror: str,
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    offline: bool = False,
) -> IndexResult:
    """The index from the network (revalidating the cache), else the cache with a warning.

    * 200: parsed, cached atomically, source "network" (malformed entries skipped: a warning
      counts them).
    * 304: the cache is current; its fetched_at is refreshed, source "cache".
    * network error, timeout, non-200/304, or a body that is not the index (not JSON, more than
      MAX_INDEX_BYTES, no valid release): the cache with source "cache-stale" and a one-line
      ``warning``; with no cache, :class:`IndexUnavailable` (exit 3).
    * ``offline=True``: the cache only (source "cache"), else :class:`IndexUnavailable`.
    * ``mirror`` not http(s): :class:`BadMirror` (exit 2), before anything is read.

    ``timeout`` applies to each phase (connect, each read), as httpx does; `INDEX_DEADLINE_S`
    to the whole request (a trickle of a byte a second trips no per-read timeout). Parsing (tens of ms
    for the real index) and cache writes (fsync) run in a worker thread, off the event loop.
    Every URL in a message or the result is redacted.
    """
    mirror = check_mirror(mirror, what="mirror")
    url = index_url(mirror)
    shown = redact(url)
    await asyncio.to_thread(_sweep_cache)
    cached = await asyncio.to_thread(_read_cache, mirror)
    if offline:
        if cached is None:
            raise IndexUnavailable(f"no cached Go download index for {shown} (offline)")
        return IndexResult(cached.releases, "cache", cached.fetched_at, None, shown)

    headers = {"Accept": "application/json"}
    if cached is not None:
        if cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified

    reason: str
    own_client = client is None
    http = client or httpx.AsyncClient(timeout=timeout, follow_redirects=True, verify=tls.ssl_context())  # go's trust
    try:
        try:
            response, body = await _get_by_deadline(http, url, headers, timeout)
        except _Late as late:
            got = f"{late.received:,} bytes of it had arrived" if late.received else "no byte of it had arrived"
            reason = f"gave up after {late.waited:.1f}s (the deadline for the whole index is {INDEX_DEADLINE_S:g}s; {got})"
        except _TooBig:
            reason = f"the index at {shown} is not valid: more than {MAX_INDEX_BYTES:,} bytes"
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            reason = _reason(exc, timeout)
        else:
            now = time.time()
            etag = _validator(response.headers.get("ETag"))
            last_modified = _validator(response.headers.get("Last-Modified"))
            if response.status_code == 304 and cached is not None:
                warning = None
                try:
                    await asyncio.to_thread(_refresh_meta, mirror, etag or cached.etag, last_modified or cached.last_modified, now)
                except (OSError, M3tuiError) as exc:
                    warning = _one_line(f"could not update the Go index cache: {_cause(exc)}")
                return IndexResult(cached.releases, "cache", now, warning, shown)
            if response.status_code == 200:
                try:
                    releases, skipped = await asyncio.to_thread(parse_index_counted, body)
                except IndexFormatError as exc:
                    reason = f"the index at {shown} is not valid: {exc}"
                else:
                    if not releases:
                        reason = f"the index at {shown} is not valid: it lists no release" + (
                            f" ({_entries(skipped)} malformed, skipped)" if skipped else ""
                        )
                    else:
                        warnings = [f"skipped {_entries(skipped)} of the index at {shown}: malformed"] if skipped else []
                        try:
                            await asyncio.to_thread(_store, mirror, body, etag, last_modified, now)
                        except (OSError, M3tuiError) as exc:
                            warnings.append(f"could not cache the Go index: {_cause(exc)}")
                        warning = _one_line("; ".join(warnings)) if warnings else None
                        return IndexResult(releases, "network", now, warning, shown)
            else:
                phrase = _one_line(response.reason_phrase or "", 60)
                reason = f"HTTP {response.status_code}{' ' + phrase if phrase else ''}"
    finally:
        if own_client:
            await http.aclose()

    if cached is None:
        if reason.startswith("the index at "):
            raise IndexUnavailable(_one_line(reason, 300))
        raise IndexUnavailable(_one_line(f"cannot fetch the Go download index from {shown}: {reason}", 300))
    age = _age(time.time() - cached.fetched_at)
    warning = _one_line(f"using the cached Go index from {age} ago: {shown}: {reason}", 300)
    return IndexResult(cached.releases, "cache-stale", cached.fetched_at, warning, shown)


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


def _cause(exc: BaseException) -> str:
    """An OSError as "path: strerror", an M3tuiError as its line."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {strerror(exc)}"
    return strerror(exc)


def _sweep_cache() -> None:
    """Remove the temps of cache writers that died (their pid is in the name)."""
    directory = cache_dir()
    if directory.is_dir():
        scratch.sweep(directory)


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

