"""Install and remove Go versions in m3tui's store (layout and lock: see ``versions.store``).

``install()`` runs, under the version's lock:

1. **download** ``downloads/F.part`` with httpx streaming, SHA-256 computed while the bytes
   arrive (no second pass). A ``.part`` left by an earlier attempt is resumed with
   ``Range: bytes=N-``: a 206 continues (the existing part is hashed first: a hashlib state
   cannot be saved across processes, so that one local re-read is the price of not fetching
   those bytes again), a 200 restarts from zero, a 416 or a part larger than the index says
   restarts too.
   httpx's timeouts are per read, so a server trickling a byte a second would never trip them:
   a stall watchdog fails the download (``DownloadError``, the ``.part`` kept for a resume)
   when fewer than `STALL_MIN_BYTES` arrived in `STALL_WINDOW_S` (counted from the request,
   so headers that never finish count too). A rate floor, not a total deadline: a ~70 MB
   archive on a slow line may take an hour and still get there.
2. **verify** size and checksum against the index; a mismatch deletes the ``.part``
   (``DownloadError`` / ``ChecksumMismatch``). A dropped connection, a timeout or a cancelled
   task keeps the ``.part`` for the next attempt. The verified archive is renamed to
   ``downloads/F``; an ``F`` left by a run that died or failed for a disk reason (no space,
   permissions) while unpacking is adopted (and re-hashed) by the next run instead of
   re-downloaded; an archive whose *content* is refused is deleted. An index entry without a
   sha256 (very old releases) is installed unverified: ``install`` returns just the path, so a
   ``Progress(phase="verify", note=...)`` report and a logged warning say so.
3. **unpack** into ``go/.tmp-<version>-XXXX`` (same filesystem as the store) with the explicit
   member policy below, check ``go/bin/go``, then one ``os.rename`` of the temp's ``go/`` to
   ``go/<version>``. The temp and the archive are removed afterwards.

Any failure, a cancelled task (SIGTERM, ctrl+c) or a killed process leaves no ``go/<version>``
behind: the only thing that creates it is that final rename of a complete tree. A killed
process can leave its temp behind; the next install of *that version* removes
``.tmp-<version>-*`` while holding the version's lock, and every install sweeps the temps and
downloads of *other* versions whose lock no live m3tui holds (``store.sweep_stale``): a dead
owner's partial download is resumed by the next install of its version, removed by any other.
A cancellation that lands after the final rename leaves a complete install and still raises
``CancelledError``; a cancelled unpack stops within one 1 MiB chunk, so the temp is removed
before the CLI's 2 s exit backstop.

Nothing the index says is trusted as a path: the version must be a Go version's name and the
file name go.dev's kind of name starting with "<version>." (``InstallError`` otherwise); an
archive of unknown size is cut off at ``index.MAX_ARCHIVE_BYTES``. Every OSError is said as
"cannot <verb> <path>: <strerror>" (exit 3); a URL in a message is redacted.

Archive policy (the whole archive is refused with ``UnsafeArchive`` on the first bad entry;
the temp is removed, nothing is ever written outside it):

* every entry sits under one top-level ``go/``; no absolute names, no ``..`` components, no
  backslashes;
* regular files get mode 0755 if any execute bit is set, else 0644 (no setuid/setgid/sticky,
  no group/other write); directories get 0755; file mtimes are kept;
* a symlink must be relative and, resolved from where it sits, stay inside ``go/`` (checked
  lexically per entry and with ``realpath`` once everything is written, which catches chains
  of individually harmless links); nothing is ever written *through* a symlink: every parent of
  an entry must be a real directory;
* a hard link must point at a regular file extracted earlier from the same archive;
* device files, FIFOs and any other entry type are refused, and so is a duplicate entry.

Errors are ``InstallError`` subclasses with one-line messages. ``remove()`` and ``prune()``
are synchronous (run them in a worker thread from the UI).

Long because: download, verify and unpack are one pipeline under one version lock, sharing
its error classes, progress reporter and stop signal; the guarantees above (no partial
``go/<version>``, a kept ``.part``, an adopted archive) are made by how those steps hand over
to each other, and the archive policy is enforced by ``_Extractor`` right here. Split apart,
each piece would import the others' internals.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import logging
import os
import secrets
import shutil
import stat
import tarfile
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Literal, Self

import httpx

from m3tui.core import tls
from m3tui.core.errors import M3tuiError, UsageError, strerror
from m3tui.core.redact import redact
from m3tui.versions import store
from m3tui.versions.names import GoFile, canonical, prunable, shown
from m3tui.versions.shims import is_file

if TYPE_CHECKING:
    from m3tui.core.system import SystemProbe

log = logging.getLogger(__name__)

Phase = Literal["download", "verify", "unpack"]

PROGRESS_INTERVAL = 0.1  # seconds between Progress reports of one phase (~10/s at most)
LOCK_POLL = 0.1
LOCK_TIMEOUT = 600.0  # as store.version_lock
COPY_CHUNK = 1 << 20
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=15.0)
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024  # as index.MAX_ARCHIVE_BYTES: when the index gives no size
MAX_UNPACKED_BYTES = 16 * 1024 * 1024 * 1024  # Go unpacks to ~250-500 MB; a bomb stops here
MAX_LINK_TARGET = 4096  # bytes of a symlink's target (PATH_MAX)
#: The stall watchdog of a download: fewer than STALL_MIN_BYTES in STALL_WINDOW_S seconds
#: fails it (256 KiB in 30 s: ~8.5 KiB/s, a 70 MB archive in ~2.3 h at worst; tests lower both).
STALL_WINDOW_S = 30.0
STALL_MIN_BYTES = 256 * 1024


@dataclass(frozen=True)
class Progress:
    """One report of an install's progress. ``total_bytes``/``eta_s`` are None when unknown.

    download: bytes of the archive on disk (resumed bytes included), rate of this transfer;
    verify: bytes of an existing ``.part`` hashed before resuming, then one final report;
    unpack: compressed bytes of the archive consumed so far.
    ``note`` carries a warning (e.g. no checksum to verify against).
    """

    done_bytes: int
    total_bytes: int | None
    rate_bytes_per_s: float
    eta_s: float | None
    phase: Phase
    note: str = ""


class InstallError(M3tuiError):
    """Installing or removing a Go version failed. The message is always one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class InstallUsageError(UsageError, InstallError):
    """Asked wrongly (exit 2): not a version, not installed, the current one without --force."""


class MacOSTooOld(InstallUsageError):
    """This Mac's macOS is older than the Go release supports (Go's release notes): exit 2, nothing fetched."""


class DownloadError(InstallError):
    """The archive could not be downloaded completely (or its size is wrong)."""


class ChecksumMismatch(InstallError):
    """The archive's SHA-256 is not the one in the download index."""


class UnsafeArchive(InstallError):
    """The archive has an entry that could write outside its directory (or is not a Go layout)."""


class _DiskError(InstallError):
    """Unpacking failed for a reason outside the archive (no space, permissions): the verified
    archive is kept so that a retry does not download it again."""


class _Stopped(Exception):
    """The unpack thread was told to stop (the installing task was cancelled)."""


class _Restart(Exception):
    """The server cannot continue our .part: discard it and download from zero."""


class _Watchdog:
    """Fails a transfer that brings fewer than `STALL_MIN_BYTES` in `STALL_WINDOW_S`.

    A checkpoint moves each time STALL_MIN_BYTES more have arrived; the asyncio timeout is
    rescheduled to checkpoint + window, so it fires even while nothing arrives at all (a read
    that never returns, headers that never end)."""

    def __init__(self) -> None:
        self.window = STALL_WINDOW_S
        self.min_bytes = STALL_MIN_BYTES
        self.clock = asyncio.timeout(None)
        self.since = 0  # bytes since the checkpoint
        self.checkpoint = time.monotonic()

    async def __aenter__(self) -> Self:
        await self.clock.__aenter__()
        self.reset()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.clock.__aexit__(exc_type, exc, tb)  # turns its own cancellation into TimeoutError

    def reset(self) -> None:
        """Start a new window now (at the request; after local work such as hashing a .part)."""
        self.checkpoint = time.monotonic()
        self.since = 0
        self.clock.reschedule(asyncio.get_running_loop().time() + self.window)

    def fed(self, n: int) -> None:
        self.since += n
        if self.since >= self.min_bytes:
            self.reset()

    def stalled(self) -> str:
        """What happened, once the clock expired: the bytes and the time really waited."""
        waited = time.monotonic() - self.checkpoint
        return (f"stalled: {self.since:,} bytes in the last {waited:.1f}s "
                f"(less than {_kib(self.min_bytes)} in {self.window:g}s)")  # fmt: skip


def _kib(n: int) -> str:
    return f"{n // 1024} KiB" if n >= 1024 else f"{n} bytes"


# --- progress ------------------------------------------------------------------------------------


class _Reporter:
    """Throttled Progress reports; from a worker thread, delivered on the event loop."""

    def __init__(
        self,
        callback: Callable[[Progress], None] | None,
        phase: Phase,
        total: int | None,
        *,
        base: int = 0,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self._callback = callback
        self._phase = phase
        self.total = total
        self._base = base  # bytes already there when this phase started (not part of the rate)
        self._loop = loop
        self._start = time.monotonic()
        self._last = 0.0

    def update(self, done: int, *, force: bool = False, note: str = "") -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        elapsed = now - self._start
        rate = (done - self._base) / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 and self.total is not None else None
        report = Progress(done, self.total, rate, eta, self._phase, note)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._callback, report)
        else:
            self._callback(report)


# --- install -------------------------------------------------------------------------------------


def _complete(path: Path) -> bool:
    return store.is_complete(path)


def _os_failure(exc: OSError, path: object, verb: str) -> InstallError:
    return InstallError(f"cannot {verb} {path}: {strerror(exc)}")


def _check_file(file: GoFile) -> None:
    """Nothing from the index becomes a path unchecked (a hostile mirror could say "../x")."""
    if not store.is_version_name(file.version):
        raise InstallError(f"the download index names a version that is not one: {shown(file.version)}")
    if not file.filename.startswith(f"{file.version}.") or "/" in file.filename or "\x00" in file.filename:
        raise InstallError(f"the download index names {shown(file.filename)} for {file.version}: not a Go archive's name")
    if not file.filename.endswith((".tar.gz", ".tgz", ".zip")):
        raise InstallError(f"{file.filename} is not a .tar.gz or .zip archive")


def _short(digest: str) -> str:
    return f"{digest[:12]}…" if len(digest) > 12 else digest


async def install(
    file: GoFile,
    url: str,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    client: httpx.AsyncClient | None = None,
    wait_for_lock: bool = True,
    probe: SystemProbe | None = None,
) -> Path:
    """Download, verify and unpack ``file`` from ``url``; return the installed GOROOT.

    Returns at once if the version is already installed. Raises ``store.LockBusy`` when
    another process holds the version's lock and ``wait_for_lock`` is False (or the wait
    times out), ``InstallError`` (or a subclass) for everything else.
    """
    _check_file(file)
    await _refuse_old_macos(file, probe)
    target = store.version_dir(file.version)
    if _complete(target):
        return target
    with contextlib.ExitStack() as stack:
        await _acquire_lock(stack, file.version, wait=wait_for_lock)
        if _complete(target):  # another process finished it while we waited
            return target
        await _in_thread(_clear_debris, file)  # may rmtree a 250 MB temp: off the loop
        await _in_thread(_sweep_others, file.version)
        archive = await _download(file, url, on_progress, client)
        try:
            await _unpack_into_place(file, archive, target, on_progress)
        except _DiskError:
            raise  # keep the verified archive for the retry
        except InstallError:
            archive.unlink(missing_ok=True)  # its content is the problem: never reuse it
            raise
        archive.unlink(missing_ok=True)
    return target


async def _refuse_old_macos(file: GoFile, probe: SystemProbe | None) -> None:
    """A macOS archive of a Go this Mac's macOS is too old for: MacOSTooOld. Only on macOS: the
    system probe's sw_vers answers there alone (``probe``: the real one unless a test gives one)."""
    if file.os != "darwin":
        return
    from m3tui.core.system import default_probe
    from m3tui.core.system_parsers import parse_sw_vers
    from m3tui.doctor.goplatform import macos_too_old

    here = parse_sw_vers(await (probe or default_probe()).sw_vers() or "").get("ProductVersion", "")
    problem = macos_too_old(file.version, here) if here else None
    if problem:
        raise MacOSTooOld(f"not installing {file.version}: {problem} (Go 1.22 runs on macOS 10.15, Go 1.24 on macOS 11)")


async def _acquire_lock(stack: contextlib.ExitStack, version: str, *, wait: bool) -> None:
    """Take store.version_lock without blocking the event loop.

    Non-blocking attempts with an asyncio sleep in between rather than the blocking form in a
    thread: a thread parked in flock cannot be called back when the task is cancelled, and it
    would take the lock later and keep it.
    """
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            stack.enter_context(store.version_lock(version, wait=False))
            return
        except store.LockBusy:
            if not wait or time.monotonic() > deadline:
                raise
        await asyncio.sleep(LOCK_POLL)


def _sweep_others(version: str) -> None:
    store.sweep_stale(holding=version)


def _clear_debris(file: GoFile) -> None:
    """Under the version's lock: remove its interrupted unpacks, any incomplete version dir (a
    file, a dangling link, a half tree), and the version's downloads of other files; make sure
    downloads/ can be written."""
    version = file.version
    store_dir = store.store_dir()
    prefix = f"{store.TMP_PREFIX}{version}-"  # versions have no '-': go1.22 never matches go1.22.1
    try:
        entries = list(os.scandir(store_dir))
    except OSError as exc:
        raise _os_failure(exc, store_dir, "read") from None
    for entry in entries:
        if entry.name.startswith(prefix):
            store.remove_path(Path(entry.path))
    target = store.version_dir(version)
    if os.path.lexists(target):  # not complete (checked by the caller): never made by install
        aside = store_dir / f"{prefix}old-{secrets.token_hex(4)}"
        try:
            os.rename(target, aside)
        except OSError as exc:
            raise _os_failure(exc, target, "remove the incomplete") from None
        store.remove_path(aside)
    downloads = store.ensure_dir(store.downloads_dir(), private=True)
    ours = (file.filename, f"{file.filename}.part")
    try:
        entries = list(os.scandir(downloads))
    except OSError as exc:
        raise _os_failure(exc, downloads, "read") from None
    for entry in entries:
        path = Path(entry.path)
        if store.version_of_download(entry.name) == version and (
            entry.name not in ours or not entry.is_file(follow_symlinks=False)
        ):
            store.remove_path(path)  # another platform's file, or not a regular file: never ours to resume


# --- download ------------------------------------------------------------------------------------


async def _download(
    file: GoFile, url: str, on_progress: Callable[[Progress], None] | None, client: httpx.AsyncClient | None
) -> Path:
    """The verified archive in downloads/ (resuming or adopting what an earlier run left)."""
    downloads = store.ensure_dir(store.downloads_dir(), private=True)
    final = downloads / file.filename
    part = downloads / f"{file.filename}.part"
    if is_file(final) and not os.path.lexists(part):
        try:
            os.replace(final, part)  # verified by a run that died while unpacking: re-hash, don't re-fetch
        except OSError as exc:
            raise _os_failure(exc, final, "reuse") from None
    own_client = client is None
    if client is None:
        client = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, follow_redirects=True, verify=tls.ssl_context())  # go's trust
    try:
        try:
            hasher, size = await _fetch(file, url, part, client, on_progress)
        except _Restart:
            part.unlink(missing_ok=True)
            hasher, size = await _fetch(file, url, part, client, on_progress)
    finally:
        if own_client:
            await client.aclose()
    _verify(file, part, hasher, size, on_progress)
    try:
        os.replace(part, final)
    except OSError as exc:
        raise _os_failure(exc, final, "write") from None
    return final


def _open_part(part: Path, append: bool) -> int:
    """The download's fd: a regular file of ours (never through a link, never a FIFO), 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    fd = os.open(part, flags | (os.O_APPEND if append else os.O_TRUNC), 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(21, "not a regular file", str(part))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


async def _fetch(
    file: GoFile,
    url: str,
    part: Path,
    client: httpx.AsyncClient,
    on_progress: Callable[[Progress], None] | None,
) -> tuple[hashlib._Hash, int]:
    """Bring ``part`` to the full archive; return its hash (fed while streaming) and size."""
    expected = file.size or None
    try:
        have = part.stat().st_size if part.is_file() else 0
        if expected is not None and have > expected:
            part.unlink()
            have = 0
    except OSError as exc:
        raise _os_failure(exc, part, "read") from None
    hasher = hashlib.sha256()
    if have and have == expected:  # complete already (adopted, or the last bytes were written)
        await _hash_existing(part, hasher, have, on_progress)
        return hasher, have

    headers = {"Accept-Encoding": "identity"}  # the bytes as published: their hash is in the index
    if have:
        headers["Range"] = f"bytes={have}-"
    done = have
    total = expected
    limit = expected if expected is not None else MAX_ARCHIVE_BYTES
    shown_url = redact(url)
    watchdog = _Watchdog()
    try:
        async with watchdog, client.stream("GET", url, headers=headers, follow_redirects=True) as resp:
            if resp.status_code == 206 and have:
                start, full = _content_range(resp.headers.get("content-range", ""))
                if start != have:
                    raise _Restart
                total = expected or full
                await _hash_existing(part, hasher, have, on_progress)
                watchdog.reset()  # local disk time is not the server's
                mode = "ab"
            elif resp.status_code == 200:
                done = have = 0
                length = resp.headers.get("content-length", "")
                total = expected or (int(length) if length.isdigit() else None)
                mode = "wb"
            elif resp.status_code == 416 and have:
                raise _Restart
            else:
                phrase = " ".join(resp.reason_phrase.split())[:60]
                raise DownloadError(f"{file.filename}: {shown_url} answered HTTP {resp.status_code} {phrase}")
            reporter = _Reporter(on_progress, "download", total, base=have)
            reporter.update(done, force=True)
            with os.fdopen(_open_part(part, append=mode == "ab"), "wb") as out:
                async for chunk in resp.aiter_raw():
                    if done + len(chunk) > min(total if total is not None else limit, limit):
                        done += len(chunk)
                        break  # more than the index says (or than any Go archive): checked below
                    out.write(chunk)
                    hasher.update(chunk)
                    done += len(chunk)
                    watchdog.fed(len(chunk))
                    reporter.update(done)
            reporter.update(done, force=True)
    except TimeoutError:
        if not watchdog.clock.expired():
            raise
        raise DownloadError(
            f"{file.filename}: download from {shown_url} {watchdog.stalled()} at {done:,} of "
            f"{f'{total:,}' if total else '?'} bytes; run again to resume"
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        reason = tls.tls_problem(exc) or redact(" ".join(str(exc).split())) or type(exc).__name__
        raise DownloadError(
            f"{file.filename}: download interrupted at {done} of {total or '?'} bytes ({reason}); run again to resume"
        ) from None
    except OSError as exc:
        raise _os_failure(exc, exc.filename or part, "write") from None
    if expected is None and done > limit:  # no size in the index, and more than any Go archive
        part.unlink(missing_ok=True)
        raise DownloadError(f"{file.filename}: more than {limit:,} bytes, more than any Go archive; refused")
    if total is not None and done != total:
        part.unlink(missing_ok=True)
        got = f"more than {total}" if done > total else str(done)
        raise DownloadError(f"{file.filename}: size mismatch: expected {total} bytes, got {got}")
    return hasher, done


def _content_range(value: str) -> tuple[int | None, int | None]:
    """'bytes 100-999/1000' -> (100, 1000); anything unparseable -> (None, None)."""
    try:
        unit, _, rest = value.strip().partition(" ")
        span, _, full = rest.partition("/")
        if unit.lower() != "bytes":
            return None, None
        return int(span.split("-")[0]), (int(full) if full.isdigit() else None)
    except ValueError:
        return None, None


async def _hash_existing(
    part: Path, hasher: hashlib._Hash, size: int, on_progress: Callable[[Progress], None] | None
) -> None:
    """Feed the bytes already on disk to ``hasher`` (in a thread; a read of local disk)."""
    reporter = _Reporter(on_progress, "verify", size, loop=asyncio.get_running_loop())

    def work() -> None:
        done = 0
        with open(part, "rb") as src:
            while done < size:
                block = src.read(min(COPY_CHUNK, size - done))
                if not block:
                    break
                hasher.update(block)
                done += len(block)
                reporter.update(done)
        reporter.update(done, force=True)

    await asyncio.to_thread(work)


def _verify(
    file: GoFile, part: Path, hasher: hashlib._Hash, size: int, on_progress: Callable[[Progress], None] | None
) -> None:
    reporter = _Reporter(on_progress, "verify", size)
    if not file.sha256:
        note = f"{file.filename}: the download index has no sha256 for it; installed unverified"
        log.warning("%s", note)
        reporter.update(size, force=True, note=note)
        return
    got = hasher.hexdigest()
    if got != file.sha256.strip().lower():
        part.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"{file.filename}: checksum mismatch: expected sha256 {_short(file.sha256.lower())}, got {_short(got)}"
        )
    reporter.update(size, force=True)


# --- unpack --------------------------------------------------------------------------------------


async def _unpack_into_place(
    file: GoFile, archive: Path, target: Path, on_progress: Callable[[Progress], None] | None
) -> None:
    store_dir = store.store_dir()
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f"{store.TMP_PREFIX}{file.version}-", dir=store_dir))
    except OSError as exc:
        raise _DiskError(f"cannot create a temporary directory in {store_dir}: {exc.strerror or exc}") from None
    stop = threading.Event()
    reporter = _Reporter(on_progress, "unpack", archive.stat().st_size, loop=asyncio.get_running_loop())

    def work() -> None:
        _extract(archive, tmp, stop, reporter)
        root = tmp / "go"
        if not (root / "bin" / "go").is_file():
            raise InstallError(f"{file.filename} has no go/bin/go: not a Go distribution for this system")
        if stop.is_set():
            raise _Stopped
        try:
            os.rename(root, target)
        except OSError as exc:
            raise _DiskError(f"cannot move the unpacked Go to {target}: {exc.strerror or exc}") from None

    try:
        await _in_thread(work, stop=stop)
    finally:
        await _in_thread(shutil.rmtree, tmp, True)


async def _in_thread(fn: Callable[..., None], *args: object, stop: threading.Event | None = None) -> None:
    """Run ``fn(*args)`` in a thread and return only once it has finished, even if the task is
    cancelled meanwhile (then ``stop`` is set to tell ``fn`` to give up early).

    Waiting matters: the caller cleans up (or releases the lock) right after, and a thread still
    writing or renaming into place behind its back would undo that.
    """
    fut = asyncio.get_running_loop().run_in_executor(None, fn, *args)
    try:
        await asyncio.shield(fut)
    except asyncio.CancelledError:
        if stop is not None:
            stop.set()
        while not fut.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([fut])
        if not fut.cancelled():
            fut.exception()  # retrieved: the cancellation is what the caller hears about
        raise


def _extract(archive: Path, dest: Path, stop: threading.Event, reporter: _Reporter) -> None:
    name = archive.name
    extractor = _Extractor(dest, name, stop)
    try:
        if name.endswith(".zip"):
            _extract_zip(archive, extractor, stop, reporter)
        else:
            _extract_tar(archive, extractor, stop, reporter)
        extractor.check_links()
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, gzip.BadGzipFile, EOFError) as exc:
        raise InstallError(f"{name} is not a valid archive: {str(exc) or type(exc).__name__}") from None
    except OSError as exc:
        where = exc.filename or ""
        with contextlib.suppress(ValueError, TypeError):
            where = str(Path(where).relative_to(dest))  # the entry, not the temp dir's path
        where = f": {where}" if where else ""
        raise _DiskError(f"unpacking {name} failed: {exc.strerror or exc}{where}") from None


def _extract_tar(archive: Path, ex: _Extractor, stop: threading.Event, reporter: _Reporter) -> None:
    with open(archive, "rb") as raw, tarfile.open(fileobj=raw, mode="r|gz") as tf:
        for member in tf:  # stream mode: one pass over the gzip, members in archive order
            if stop.is_set():
                raise _Stopped
            if member.isdir():
                ex.directory(member.name)
            elif member.isreg():
                src = tf.extractfile(member)
                assert src is not None
                ex.file(member.name, src, executable=bool(member.mode & 0o111), mtime=member.mtime)
            elif member.issym():
                ex.symlink(member.name, member.linkname)
            elif member.islnk():
                ex.hardlink(member.name, member.linkname)
            else:
                ex.refuse(member.name, "is a device, FIFO or other special file")
            reporter.update(raw.tell())
        reporter.update(raw.tell(), force=True)


def _extract_zip(archive: Path, ex: _Extractor, stop: threading.Event, reporter: _Reporter) -> None:
    done = 0
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if stop.is_set():
                raise _Stopped
            mode = info.external_attr >> 16 if info.create_system == 3 else 0  # 3: Unix
            kind = stat.S_IFMT(mode)
            if info.is_dir() or kind == stat.S_IFDIR:
                ex.directory(info.filename)
            elif kind == stat.S_IFLNK:
                if info.file_size > MAX_LINK_TARGET:
                    ex.refuse(info.filename, f"is a symlink with a {info.file_size:,}-byte target")
                ex.symlink(info.filename, zf.read(info).decode("utf-8", "surrogateescape"))
            elif kind in (0, stat.S_IFREG):
                mtime = time.mktime((*info.date_time, 0, 0, -1))
                with zf.open(info) as src:
                    ex.file(info.filename, src, executable=bool(mode & 0o111), mtime=mtime)
            else:
                ex.refuse(info.filename, "is a device, FIFO or other special file")
            done += info.compress_size
            reporter.update(done)
        reporter.update(done, force=True)


class _Extractor:
    """Writes entries under ``dest`` by the policy in the module docstring; paths are tuples of
    components, always starting with 'go'."""

    def __init__(self, dest: Path, archive_name: str, stop: threading.Event | None = None) -> None:
        self.dest = dest
        self.archive = archive_name
        self.stop = stop or threading.Event()
        self.written = 0  # bytes of file content, all entries (a bomb is refused at MAX_UNPACKED_BYTES)
        self.dirs: set[tuple[str, ...]] = set()  # real directories made (or checked) by us
        self.files: set[tuple[str, ...]] = set()  # regular files written by us
        self.links: list[Path] = []

    def refuse(self, name: str, why: str) -> None:
        shown = repr(name if len(name) <= 80 else name[:77] + "...")
        raise UnsafeArchive(f"{self.archive}: refused, entry {shown} {why}")

    def parts(self, name: str) -> tuple[str, ...]:
        if not name or "\x00" in name or "\\" in name:
            self.refuse(name, "has an empty name, a NUL or a backslash")
        if name.startswith("/"):
            self.refuse(name, "is an absolute path")
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if ".." in parts:
            self.refuse(name, "has a '..' component")
        if not parts or parts[0] != "go":
            self.refuse(name, "is outside the top-level go/ directory")
        return parts

    def path(self, parts: tuple[str, ...]) -> Path:
        return self.dest.joinpath(*parts)

    def _parent(self, name: str, parts: tuple[str, ...]) -> None:
        """Make every parent of ``parts`` a real directory (never follow a symlink there)."""
        for i in range(1, len(parts)):
            prefix = parts[:i]
            if prefix in self.dirs:
                continue
            self._mkdir(name, prefix)

    def _mkdir(self, name: str, parts: tuple[str, ...]) -> None:
        path = self.path(parts)
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                self.refuse(name, f"would be written through the non-directory {'/'.join(parts)}")
        self.dirs.add(parts)

    def directory(self, name: str) -> None:
        parts = self.parts(name)
        self._parent(name, parts)
        if parts not in self.dirs:
            self._mkdir(name, parts)

    def file(self, name: str, src: IO[bytes], *, executable: bool, mtime: float) -> None:
        parts = self.parts(name)
        if len(parts) == 1:
            self.refuse(name, "is a file in place of the go/ directory")
        self._parent(name, parts)
        path = self.path(parts)
        mode = 0o755 if executable else 0o644
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, mode)
        except FileExistsError:
            self.refuse(name, "is a duplicate entry")
        try:
            with open(fd, "wb", closefd=True) as out:
                while block := src.read(COPY_CHUNK):
                    if self.stop.is_set():  # cancelled: give up within a chunk, not after a 200 MB file
                        raise _Stopped
                    self.written += len(block)
                    if self.written > MAX_UNPACKED_BYTES:
                        self.refuse(name, f"takes the archive past {MAX_UNPACKED_BYTES:,} unpacked bytes")
                    out.write(block)
                out.flush()
                os.fchmod(fd, mode)  # exactly, whatever the umask
                os.utime(fd, (mtime, mtime))
        except OSError as exc:
            if exc.filename is None:  # write() errors do not say which file
                exc.filename = "/".join(parts)
            raise
        self.files.add(parts)

    def symlink(self, name: str, target: str) -> None:
        parts = self.parts(name)
        if len(parts) == 1:
            self.refuse(name, "is a symlink in place of the go/ directory")
        if not target or target.startswith("/") or "\\" in target or "\x00" in target:
            self.refuse(name, f"is a symlink to {target!r}, not a relative path inside go/")
        resolved = list(parts[:-1])
        for comp in target.split("/"):
            if comp in ("", "."):
                continue
            if comp == "..":
                if len(resolved) <= 1:  # would leave go/
                    self.refuse(name, f"is a symlink to {target!r}, outside go/")
                resolved.pop()
            else:
                resolved.append(comp)
        self._parent(name, parts)
        path = self.path(parts)
        try:
            os.symlink(target, path)
        except FileExistsError:
            self.refuse(name, "is a duplicate entry")
        self.links.append(path)

    def hardlink(self, name: str, target: str) -> None:
        parts = self.parts(name)
        try:
            source = self.parts(target)
        except UnsafeArchive:
            self.refuse(name, f"is a hard link to {target!r}, outside go/")
        if source not in self.files:
            self.refuse(name, f"is a hard link to {target!r}, not a file extracted before it")
        self._parent(name, parts)
        try:
            os.link(self.path(source), self.path(parts), follow_symlinks=False)
        except FileExistsError:
            self.refuse(name, "is a duplicate entry")
        self.files.add(parts)

    def check_links(self) -> None:
        """Each link was fine on its own; a chain of them must not lead out of go/ either."""
        root = os.path.realpath(self.dest / "go")
        for link in self.links:
            real = os.path.realpath(link)
            if real != root and not real.startswith(root + os.sep):
                self.refuse(str(link.relative_to(self.dest)), "leads outside go/ through other symlinks")


# --- remove / prune ------------------------------------------------------------------------------


def _disk_usage(path: Path) -> int:
    """Bytes of disk the tree occupies (allocated blocks, hard links counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0

    def add(p: str) -> None:
        nonlocal total
        try:
            st = os.lstat(p)
        except OSError:
            return
        key = (st.st_dev, st.st_ino)
        if key not in seen:
            seen.add(key)
            total += st.st_blocks * 512

    add(str(path))
    for root, dirs, files in os.walk(path):
        for entry in (*dirs, *files):
            add(os.path.join(root, entry))
    return total


def remove(version: str, *, force: bool = False, wait_for_lock: bool = True) -> int:
    """Remove an installed version from the store; return the bytes freed.

    Under the version's lock the directory is first renamed to a temp name (so a half-deleted
    tree is never listed as installed), then deleted. The current version is refused unless
    ``force``; forcing removes the ``current`` link with it (a link to nothing would hide that
    m3tui has no global Go any more: shells with <store>/current/bin on PATH now run the next
    go on PATH, and `m3tui versions current` says which).
    """
    try:
        version = canonical(version)
    except ValueError as exc:
        raise InstallUsageError(str(exc)) from None
    target = store.version_dir(version)
    if not os.path.lexists(target):
        raise InstallUsageError(f"{version} is not installed")
    with store.version_lock(version, wait=wait_for_lock):
        if target.is_symlink() or not target.is_dir():
            raise InstallUsageError(f"{version} is not installed")
        if not force and store.current_version() == version:
            raise InstallUsageError(f"{version} is the current version; use another first or pass --force")
        doomed = store.store_dir() / f"{store.TMP_PREFIX}{version}-rm-{secrets.token_hex(4)}"
        try:
            os.rename(target, doomed)
        except OSError as exc:
            raise InstallError(f"cannot remove {target}: {strerror(exc)}") from None
        store.clear_current_link(version)
        size = _disk_usage(doomed)
        shutil.rmtree(doomed, ignore_errors=True)  # leftovers are a temp: the next install cleans them
        left = _disk_usage(doomed) if doomed.exists() else 0
    return size - left


def prune(keep_latest_patches: int = 1) -> list[tuple[str, int]]:
    """For each minor line keep the newest ``keep_latest_patches`` installed versions (and the
    current one, always); remove the rest. Returns (version, bytes freed) for each removal."""
    if keep_latest_patches < 0:
        raise ValueError("keep_latest_patches must be 0 or more")
    removed: list[tuple[str, int]] = []
    for version in prunable(store.installed_versions(), keep_latest_patches, store.current_version()):
        try:
            removed.append((version, remove(version)))
        except InstallError:
            continue  # removed by someone else meanwhile, or became current
    return removed
