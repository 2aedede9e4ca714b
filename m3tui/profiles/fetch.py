"""A profile from a running program: ``http://host:port/debug/pprof/<profile>``, as ``go tool pprof URL``.

The URL is read as pprof reads it (cmd/pprof's ``adjustURL``): ``host:port/path`` without a scheme
gets ``http://``; no path (or ``/``) means the CPU profile, ``/debug/pprof/profile``; m3tui also
takes the index page ``/debug/pprof/`` to mean it (pprof would fetch the HTML and fail).
``seconds`` (``--seconds N``) sets ``?seconds=N``; a CPU profile without it takes the 30 s that
net/http/pprof defaults to; the timeout is pprof's: 1.5 x the seconds, else 60 s, plus 5 s.

The body is read raw (``Accept-Encoding: identity``; a gzip'd profile stays gzip'd, as net/http/pprof
sends it) up to ``max_bytes``, then decoded by :mod:`m3tui.profiles.pprof.decode` (its gunzip cap
holds for a gzip bomb); only a real profile is kept: ``<state>/fetched/<id>/<kind>.pprof`` beside
``fetch.json`` (the source URL, redacted, and the time), both 0600 in 0700 directories, assembled
in a scratch directory of :mod:`m3tui.core.tmp` and renamed into place (all or nothing).

Headers (``--header 'Name: value'``) are secrets: sent, never printed, logged or stored. Every
failure is one line naming the URL (its credentials masked) and the cause: `InputError` (exit 2)
for a URL that names no profile (4xx, a body that is not a profile, one over the cap, a bad URL or
header), `FetchError` (exit 3) for the rest (refused, timed out, dropped, 5xx, stopped).
Plain asyncio and httpx; never imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import errno
import json
import os
import re
import secrets
import shutil
import socket
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m3tui.core.config import state_root
from m3tui.core.errors import InputError, M3tuiError, UsageError, os_error, strerror
from m3tui.core.files import open_private, private_dir, read_input
from m3tui.core.redact import redact
from m3tui.profiles.pprof.model import printable

__all__ = [
    "CPU_PATH",
    "DEFAULT_CPU_SECONDS",
    "FetchError",
    "FetchedProfile",
    "adjust_url",
    "delete_fetched",
    "fetch",
    "fetched_root",
    "is_url",
    "split_seconds",
    "list_fetched",
    "parse_header",
    "profile_kind",
]

CPU_PATH = "/debug/pprof/profile"  # cmd/pprof's cpuProfileHandler
DEFAULT_CPU_SECONDS = 30  # net/http/pprof's default for /profile without ?seconds
DEFAULT_TIMEOUT = 60.0  # pprof's, without seconds
MAX_SECONDS = 24 * 3600
META_NAME = "fetch.json"
META_VERSION = 1
_META_LIMIT = 1 << 16
_PROGRESS_EVERY = 0.25
#: The profiles of net/http/pprof, by the last part of the path, and the kind m3tui names them by.
KINDS = {"profile": "cpu", "heap": "heap", "allocs": "allocs", "goroutine": "goroutine", "block": "block",
         "mutex": "mutex", "threadcreate": "threadcreate"}  # fmt: skip
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HOST_PORT = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}(?:[/?].*)?$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)
_ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}\.[0-9]{3}-[0-9a-f]{6}$")


class FetchError(M3tuiError):
    """A fetch that failed (refused, timed out, dropped, a server error, stopped): exit 3."""


@dataclass(frozen=True)
class FetchedProfile:
    path: Path  # the profile, as the server sent it
    url_redacted: str  # the URL fetched (after adjust_url), credentials masked
    kind: str  # cpu, heap, allocs, goroutine, block, mutex, … (KINDS), else the path's last part
    fetched_at: str  # ISO 8601, UTC
    id: str = ""
    size: int = 0

    @property
    def directory(self) -> Path:
        return self.path.parent


def is_url(text: str) -> bool:
    """Whether a FILE argument is a URL to fetch: ``http(s)://…``, or ``host:port[/path]`` that
    names no file here (pprof's order: an existing file wins)."""
    if _SCHEME.match(text):
        return text.split("://", 1)[0].lower() in ("http", "https")
    return bool(_HOST_PORT.match(text)) and not os.path.exists(text)


def split_seconds(text: str) -> tuple[str, int | None]:
    """A typed ``URL --seconds N`` (the Profiles pane's `o` field) → (URL, N); else (text, None)."""
    m = re.fullmatch(r"\s*(\S+)\s+--seconds[= ]\s*([0-9]{1,6})\s*", text)
    return (m.group(1), int(m.group(2))) if m else (text.strip(), None)


def parse_header(text: str) -> tuple[str, str]:
    """``Name: value`` → (name, value). The message of a bad one never holds the value (a secret)."""
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not _TOKEN.match(name):
        shown = printable(name[:40]) if colon else "(no colon)"
        raise UsageError(f"--header must be 'Name: value' with a valid header name; got the name {shown!r}")
    value = value.strip()
    if any(c in value for c in "\r\n\0"):
        raise UsageError(f"--header {name}: the value cannot hold a line break or NUL")
    if not value.isascii():
        raise UsageError(f"--header {name}: the value must be ASCII (encode it as the service expects)")
    return name, value


#: A part of a typed line of headers that continues the header before it: "name=value" (a Cookie's
#: "a=1; b=2", "Content-Type: text/plain; charset=utf-8"); "Name: value" or anything else starts one.
_CONTINUED = re.compile(r"[^\s=:;]+=")


def split_headers(text: str) -> list[str]:
    """The headers typed in one field (the Profiles pane's open bar), as the CLI's repeated
    --header: split at each ";" or line break, except before a "name=value" part, which stays in
    the value before it; each then `parse_header`'s to check (a part without a colon is refused
    there, not sent). Empty parts are left out."""
    pieces = re.split(r"(\s*[;\n]\s*)", text.strip())
    out: list[str] = []
    for i in range(0, len(pieces), 2):
        part = pieces[i]
        if not part:
            continue
        if out and i > 0 and "\n" not in pieces[i - 1] and _CONTINUED.match(part):
            out[-1] += pieces[i - 1] + part
        else:
            out.append(part)
    return out


def adjust_url(source: str, seconds: int | None = None) -> tuple[str, int | None]:
    """(the URL to fetch, the seconds the server takes, or None): pprof's adjustURL, plus the
    ``/debug/pprof/`` index meaning the CPU profile. A URL without a host is a `UsageError`."""
    text = source.strip()
    if not _SCHEME.match(text):
        text = "http://" + text
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port  # a port out of range raises here
    except ValueError as exc:
        raise UsageError(f"{printable(redact(source))}: not a URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UsageError(f"{printable(redact(source))}: only http:// and https:// URLs can be fetched")
    if not parts.hostname:
        raise UsageError(f"{printable(redact(source))}: the URL has no host")
    del port
    path = parts.path
    if path in ("", "/", "/debug/pprof", "/debug/pprof/"):
        path = CPU_PATH
    if path.rstrip("/").endswith("/debug/pprof/trace"):
        raise UsageError(f"{printable(redact(source))}: an execution trace is not a profile (go tool trace reads it)")
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    if seconds is not None:
        if not 1 <= seconds <= MAX_SECONDS:
            raise UsageError(f"--seconds must be from 1 to {MAX_SECONDS}")
        query = [(k, v) for k, v in query if k != "seconds"] + [("seconds", str(seconds))]
        wait: int | None = seconds
    else:
        given = dict(query).get("seconds")
        wait = int(given) if given is not None and given.isdigit() and 0 < int(given) <= MAX_SECONDS else None
        if wait is None and path.rstrip("/").endswith("/profile"):
            wait = DEFAULT_CPU_SECONDS
    url = urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc, path, urllib.parse.urlencode(query), ""))
    return url, wait


def profile_kind(url: str) -> str:
    """The kind a URL's profile is named by: ``…/profile`` → cpu, ``…/heap`` → heap, …"""
    last = urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return KINDS.get(last) or re.sub(r"[^A-Za-z0-9._-]+", "_", last).strip("._")[:40] or "profile"


def _timeout(url: str, seconds: int | None) -> float:
    """pprof's: 1.5 x the seconds asked for in the URL, else 60 s; plus 5 s (its client's margin)."""
    given = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)).get("seconds")
    asked = seconds if seconds is not None else (int(given) if given and given.isdigit() else 0)
    return (1.5 * asked if asked else DEFAULT_TIMEOUT) + 5


def fetched_root() -> Path:
    return Path(os.path.abspath(state_root() / "fetched"))


def _first_words(body: bytes, n: int = 120) -> str:
    """The start of a body, for a message: tags dropped, on one line, printable, credentials masked."""
    text = body[:4096].decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title and title.group(1).strip():
        text = title.group(1)
    text = " ".join(re.sub(r"<[^>]*>", " ", text).split())
    text = text[:n] + ("…" if len(text) > n else "")
    return printable(redact(text))


def _cause(exc: BaseException) -> str:
    """The innermost OS-level cause ("Connection refused"), else the exception's own words."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):  # its errno is getaddrinfo's, not errno's
            return f"cannot resolve the host ({seen.strerror or 'not found'})"
        if isinstance(seen, OSError) and seen.errno:
            return os.strerror(seen.errno)
        if isinstance(seen, OSError) and seen.strerror:
            return strerror(seen)
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    m = re.search(r"\[Errno (\d+)\] ([^\]]+?)$", text)
    return m.group(2) if m else (text or type(exc).__name__)


async def _download(
    url: str, shown: str, headers: Sequence[tuple[str, str]], timeout: float, max_bytes: int
) -> tuple[bytes, str]:
    """The body of a 200 response within ``max_bytes``, and its content type; else one line."""
    import httpx

    sent = [("Accept-Encoding", "identity"), *headers]
    if any(name.lower() == "authorization" for name, _ in headers):  # as Go's client: the header wins over
        parts = urllib.parse.urlsplit(url)  # the URL's user:password (which httpx would send instead)
        url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    from m3tui.core import tls

    verify = tls.ssl_context()  # go's trust (go tool pprof fetches with Go's client)
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=True, trust_env=True, verify=verify) as client:
        try:
            async with asyncio.timeout(timeout), client.stream("GET", url, headers=sent) as resp:  # the whole fetch too
                if resp.status_code != 200:
                    body = b""
                    with contextlib.suppress(httpx.HTTPError):
                        async for chunk in resp.aiter_raw():
                            body += chunk
                            if len(body) >= 4096:
                                break
                    words = _first_words(body)
                    message = f"{shown}: server response: {resp.status_code} {resp.reason_phrase}".rstrip()
                    message += f" - {words}" if words else ""
                    raise (InputError if 400 <= resp.status_code < 500 else FetchError)(message)
                length = resp.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise InputError(f"{shown}: the profile is {int(length):,} bytes, more than the {max_bytes:,}-byte limit")
                data = bytearray()
                async for chunk in resp.aiter_raw():
                    data += chunk
                    if len(data) > max_bytes:
                        raise InputError(f"{shown}: the response is more than the {max_bytes:,}-byte limit")
                return bytes(data), resp.headers.get("content-type", "")
        except (httpx.TimeoutException, TimeoutError):
            raise FetchError(f"{shown}: no answer within {timeout:g}s (timed out)") from None
        except httpx.ConnectError as exc:
            raise FetchError(f"{shown}: cannot connect: {printable(redact(tls.tls_problem(exc) or _cause(exc)))}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            why = printable(redact(_cause(exc)))
            raise FetchError(f"{shown}: the server dropped the connection before the whole response ({why})") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:  # (InvalidURL is no HTTPError)
            raise UsageError(f"{shown}: not a URL to fetch ({printable(redact(str(exc)))})") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{shown}: {type(exc).__name__}: {printable(redact(_cause(exc)))}") from None


def _check_profile(data: bytes, content_type: str, shown: str) -> None:
    """The body must be a profile the decoder reads; else one line saying what it is."""
    from m3tui.profiles.pprof.decode import load
    from m3tui.profiles.pprof.model import ProfileError

    try:
        load(data)
    except ProfileError as exc:
        head = data[:512].lstrip().lower()
        words = _first_words(data)
        if "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html", b"<")):
            raise InputError(f"{shown}: not a profile: the server sent an HTML page" + (f" ({words})" if words else "")) from None
        if content_type.lower().startswith("text/") and "legacy" not in str(exc) and words:
            raise InputError(f"{shown}: not a profile: the server sent text ({words})") from None
        raise InputError(f"{shown}: {exc}") from None


def _new_id() -> str:
    now = _dt.datetime.now(_dt.UTC)
    return f"{now:%Y%m%d-%H%M%S}.{now.microsecond // 1000:03d}-{secrets.token_hex(3)}"


def _write_private(path: Path, data: bytes) -> None:
    try:
        fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise os_error(exc, path, "write") from None


def _store(data: bytes, fetched: FetchedProfile, seconds: int | None) -> FetchedProfile:
    """Write the profile and fetch.json in a scratch directory, then rename it into fetched/."""
    from m3tui.core import tmp

    root = private_dir(fetched_root())
    scratch = tmp.make_dir("fetch-")
    final = root / fetched.id
    try:
        _write_private(scratch / fetched.path.name, data)
        meta = {"version": META_VERSION, "id": fetched.id, "url": fetched.url_redacted, "kind": fetched.kind,
                "fetched_at": fetched.fetched_at, "seconds": seconds, "bytes": len(data),
                "profile": fetched.path.name}  # fmt: skip
        _write_private(scratch / META_NAME, (json.dumps(meta, indent=2) + "\n").encode())
        try:
            os.rename(scratch, final)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise os_error(exc, root, "write to") from None
            staging = root / f".tmp-{fetched.id}"
            try:
                shutil.copytree(scratch, staging)
                os.rename(staging, final)
            except OSError as exc2:
                shutil.rmtree(staging, ignore_errors=True)
                raise os_error(exc2, root, "write to") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return fetched


async def fetch(
    url: str,
    *,
    seconds: int | None = None,
    headers: Sequence[str | tuple[str, str]] = (),
    timeout: float | None = None,
    max_bytes: int | None = None,
    on_progress: Callable[[float, float], None] | None = None,
    stop: asyncio.Event | None = None,
) -> FetchedProfile:
    """Fetch a profile over HTTP, check it is one, keep it under the state root; see the module.

    ``on_progress(elapsed, N)`` is called a few times a second while a profile that takes N
    seconds is being made (and once at the end). Setting ``stop`` (or cancelling the task)
    closes the connection; ``stop`` then raises FetchError("… stopped"), nothing kept.
    """
    from m3tui.profiles.pprof.decode import MAX_PROFILE_BYTES

    full, wait = adjust_url(url, seconds)
    shown = printable(redact(full))
    sent = [parse_header(h) if isinstance(h, str) else h for h in headers]
    limit = MAX_PROFILE_BYTES if max_bytes is None else max_bytes
    deadline = _timeout(full, seconds) if timeout is None else timeout
    started = time.monotonic()
    task = asyncio.ensure_future(_download(full, shown, sent, deadline, limit))
    stopper = asyncio.ensure_future(stop.wait()) if stop is not None else None
    try:
        while not task.done():
            waiting: set[asyncio.Future[Any]] = {task} | ({stopper} if stopper is not None else set())
            await asyncio.wait(waiting, timeout=_PROGRESS_EVERY, return_when=asyncio.FIRST_COMPLETED)
            if stopper is not None and stopper.done() and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, M3tuiError):
                    await task
                raise FetchError(f"{shown}: stopped")
            if on_progress is not None and wait and not task.done():
                on_progress(min(time.monotonic() - started, float(wait)), float(wait))
        data, content_type = task.result()
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, M3tuiError):
                await task
        if stopper is not None:
            stopper.cancel()
    if on_progress is not None and wait:
        on_progress(float(wait), float(wait))
    await asyncio.to_thread(_check_profile, data, content_type, shown)
    kind = profile_kind(full)
    fetched_id = _new_id()
    fetched = FetchedProfile(
        path=fetched_root() / fetched_id / f"{kind}.pprof",
        url_redacted=redact(full),
        kind=kind,
        fetched_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        id=fetched_id,
        size=len(data),
    )
    return await asyncio.to_thread(_store, data, fetched, wait)


def _load(directory: Path) -> FetchedProfile:
    meta = json.loads(read_input(directory / META_NAME, limit=_META_LIMIT).decode("utf-8"))
    name = str(meta["profile"])
    if os.path.basename(name) != name or name in ("", ".", ".."):
        raise ValueError(f"{META_NAME} names a file outside its directory")
    return FetchedProfile(directory / name, str(meta["url"]), str(meta["kind"]), str(meta["fetched_at"]),
                          str(meta["id"]), int(meta.get("bytes", 0)))  # fmt: skip


def list_fetched() -> list[FetchedProfile]:
    """The fetched profiles, newest first (broken or half-written ones skipped)."""
    try:
        entries = sorted(fetched_root().iterdir(), reverse=True)
    except OSError:
        return []
    out = []
    for d in entries:
        if _ID_RE.match(d.name) and d.is_dir():
            with contextlib.suppress(M3tuiError, OSError, ValueError, KeyError, TypeError):
                out.append(_load(d))
    return out


def delete_fetched(fetched: FetchedProfile) -> None:
    """Remove one fetched profile (its directory, renamed away first so it is never half there)."""
    d = fetched.directory
    if not _ID_RE.match(d.name) or d.parent != fetched_root():
        raise ValueError(f"not a fetched profile: {d}")
    doomed = d.with_name(f".tmp-del-{d.name}")
    try:
        os.rename(d, doomed)
    except OSError:
        doomed = d
    shutil.rmtree(doomed, ignore_errors=True)
