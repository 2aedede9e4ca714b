"""GOPROXY, GOPRIVATE/GONOPROXY and GOSUMDB as cmd/go reads them, and the one module and
paths the network probes may ever ask a proxy for.

Pure parsing (no network, no httpx): split from :mod:`m3tui.doctor.netprobe`, which probes
what these describe. Never imports Textual.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any

from m3tui.core.errors import M3tuiError

__all__ = [
    "DEFAULT_GOPROXY",
    "DEFAULT_GOSUMDB",
    "FIXED_MODULE",
    "FIXED_MODULE_PATH",
    "PrivateModuleError",
    "ProxyEntry",
    "SumDB",
    "check_not_private",
    "match_prefix_patterns",
    "module_list_url",
    "gosumdb_problem",
    "parse_gosumdb",
    "verifier_key_problem",
    "split_goproxy",
]

#: The one module every proxy probe asks about: public, small, served by every mirror.
FIXED_MODULE = "golang.org/x/text"
#: ...and the one path ever requested from a proxy (relative to its base URL).
FIXED_MODULE_PATH = "/golang.org/x/text/@v/list"

DEFAULT_GOPROXY = "https://proxy.golang.org,direct"
DEFAULT_GOSUMDB = "sum.golang.org"

# cmd/go/internal/modfetch/sumdb.go: knownGOSUMDB, and the sum.golang.google.cn alias.
_KNOWN_GOSUMDB = {
    "sum.golang.org": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
}
_GOSUMDB_ALIASES = {"sum.golang.google.cn": "sum.golang.org https://sum.golang.google.cn"}


# --------------------------------------------------------------------------------------------
# GOPROXY


@dataclass(frozen=True)
class ProxyEntry:
    """One GOPROXY entry.

    ``kind`` is "url", "file", "direct" or "off". ``fallback`` says when Go moves on to the
    next entry if this one fails: "notfound" (the entry was followed by ``,``: only on a 404 or
    410), "any" (followed by ``|``: on any error) or "" (the last entry, or direct/off, which
    end the list). ``ignored`` marks entries after direct/off: Go never reaches them.
    """

    url: str
    kind: str
    fallback: str = ""
    ignored: bool = False

    @property
    def probed(self) -> bool:
        return self.kind == "url" and not self.ignored

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_goproxy(value: str) -> list[ProxyEntry]:
    """Split GOPROXY the way cmd/go (modfetch/proxy.go, proxyList) does.

    The separator after an entry is kept in that entry's ``fallback``. ``direct`` and ``off``
    end Go's walk: later entries come back with ``ignored=True``. A bare host ("goproxy.cn")
    gets ``https://`` like Go adds it. An empty result means Go would refuse the value.
    """
    entries: list[ProxyEntry] = []
    rest = value or ""
    ended = False
    while rest:
        match = re.search(r"[,|]", rest)
        if match:
            raw, sep, rest = rest[: match.start()], match.group(), rest[match.end() :]
        else:
            raw, sep, rest = rest, "", ""
        url = raw.strip()
        if not url:
            continue
        if url in ("direct", "off"):
            entries.append(ProxyEntry(url, url, "", ended))
            ended = True
            continue
        if re.search(r"[.:/]", url) and ":/" not in url and not url.startswith("/") and not re.match(r"^[A-Za-z]:\\", url):
            url = "https://" + url
        kind = "file" if url.lower().startswith("file:") else "url"
        fallback = "any" if sep == "|" else "notfound" if sep == "," else ""
        entries.append(ProxyEntry(url, kind, fallback, ended))
    # The separator after the last reachable entry leads nowhere.
    return entries


def module_list_url(proxy: str) -> str:
    """``$PROXY/golang.org/x/text/@v/list``: the only URL a proxy probe ever requests."""
    return proxy.rstrip("/") + FIXED_MODULE_PATH


# --------------------------------------------------------------------------------------------
# GOPRIVATE / GONOPROXY (golang.org/x/mod/module.MatchPrefixPatterns, path.Match)


class PrivateModuleError(M3tuiError, ValueError):
    """The fixed probe module is covered by GOPRIVATE/GONOPROXY: probing it is refused."""


def _path_match(pattern: str, name: str) -> bool:
    """Go's path.Match: ``*`` and ``?`` never cross a ``/``; ``[...]`` classes; ``\\`` escapes.

    A malformed pattern matches nothing (Go returns ErrBadPattern, which callers ignore).
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            i += 1
            if i >= n:
                return False
            out.append(re.escape(pattern[i]))
        elif c == "[":
            j = i + 1
            negate = j < n and pattern[j] == "^"
            if negate:
                j += 1
            parts: list[str] = []
            first = True
            while True:
                if j >= n:
                    return False
                if pattern[j] == "]" and not first:
                    break
                first = False
                lo = pattern[j]
                if lo == "\\":
                    j += 1
                    if j >= n:
                        return False
                    lo = pattern[j]
                elif lo in "-]":
                    return False
                j += 1
                if j < n and pattern[j] == "-":
                    j += 1
                    if j >= n:
                        return False
                    hi = pattern[j]
                    if hi == "\\":
                        j += 1
                        if j >= n:
                            return False
                        hi = pattern[j]
                    elif hi in "-]":
                        return False
                    j += 1
                    parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
                else:
                    parts.append(re.escape(lo))
            cls = "".join(parts)
            out.append(f"[^{cls}]" if negate else f"[{cls}]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.fullmatch("".join(out), name) is not None
    except re.error:
        return False


def match_prefix_patterns(globs: str, target: str) -> bool:
    """Whether ``target`` (a module path) matches GOPRIVATE-style ``globs``.

    A comma-separated list; each glob with N slashes is matched, with path.Match, against the
    first N+1 path elements of the target, so ``golang.org/x`` matches ``golang.org/x/text``
    and ``*.corp.example`` matches ``git.corp.example/team/repo``.
    """
    for glob in (globs or "").split(","):
        glob = glob.strip().removesuffix("/")
        if not glob:
            continue
        n = glob.count("/")
        parts = target.split("/")
        if len(parts) < n + 1:
            continue
        if _path_match(glob, "/".join(parts[: n + 1])):
            return True
    return False


def check_not_private(*pattern_lists: str | None) -> None:
    """Raise :class:`PrivateModuleError` if the fixed module matches any of the pattern lists."""
    for patterns in pattern_lists:
        if patterns and match_prefix_patterns(patterns, FIXED_MODULE):
            raise PrivateModuleError(
                f"{FIXED_MODULE} matches the private patterns {patterns!r}: not sending it to a proxy"
            )


# --------------------------------------------------------------------------------------------
# GOSUMDB


@dataclass(frozen=True)
class SumDB:
    """A parsed GOSUMDB: the database name, its verifier key, and an explicit URL if given."""

    name: str
    key: str
    url: str | None = None  # "name+key URL": used as is, bypassing proxies

    @property
    def direct_url(self) -> str:
        return (self.url or f"https://{self.name}").rstrip("/")

    @property
    def latest_url(self) -> str:
        return self.direct_url + "/latest"

    def supported_url(self, proxy: str) -> str:
        return f"{proxy.rstrip('/')}/sumdb/{self.name}/supported"


def parse_gosumdb(value: str) -> SumDB | None:
    """Parse GOSUMDB like cmd/go does. None for ``off``; ValueError when Go would reject it."""
    value = (value or "").strip()
    value = _GOSUMDB_ALIASES.get(value, value)
    if value == "off":
        return None
    fields = value.split()
    if not fields:
        raise ValueError("missing GOSUMDB")
    if len(fields) > 2:
        raise ValueError("invalid GOSUMDB: too many fields")
    key = _KNOWN_GOSUMDB.get(fields[0], fields[0])
    problem = verifier_key_problem(key)
    if problem:
        raise ValueError(f"invalid GOSUMDB: {problem}")
    name = key.split("+", 1)[0]
    if not name or name.endswith("/") or not re.fullmatch(r"[A-Za-z0-9.\-]+(?::\d+)?(?:/[^\s?#]*)?", name):
        raise ValueError(f"invalid sumdb name (must be host[/path]): {name!r}")
    url = fields[1] if len(fields) == 2 else None
    if url is not None and (problem := _url_parse_problem(url)):
        raise ValueError(f"invalid GOSUMDB URL: {url!r}: {problem}")
    return SumDB(name, key, url)


def gosumdb_problem(value: str) -> str | None:
    """Why go would reject this GOSUMDB (its own words, as `go mod download` prints them), or None."""
    try:
        parse_gosumdb(value)
    except ValueError as exc:
        return str(exc)
    return None


_STD_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def verifier_key_problem(vkey: str) -> str | None:
    """golang.org/x/mod/sumdb/note.NewVerifier: ``<name>+<hash>+<keydata>``, where name has no
    space or '+', hash is 8 hex digits = the first 4 bytes of SHA-256(name "\n" key) and keydata
    is standard base64 of 1 (Ed25519) followed by 32 key bytes. None when valid; else Go's error."""
    name, _, rest = vkey.partition("+")
    hash16, _, key64 = rest.partition("+")
    key = binascii.a2b_base64(key64) if _STD_BASE64.fullmatch(key64) else b""  # Go's StdEncoding
    valid_name = bool(name) and not any(c.isspace() or c == "+" for c in name)
    if not re.fullmatch(r"[0-9A-Fa-f]{8}", hash16) or not key or not valid_name:
        return "malformed verifier id"
    digest = hashlib.sha256(name.encode() + b"\n" + key).digest()
    if int(hash16, 16) != int.from_bytes(digest[:4], "big"):
        return "invalid verifier hash"
    if key[0] != 1:
        return "unknown verifier algorithm"
    if len(key) != 33:
        return "malformed verifier id"
    return None


def _url_parse_problem(url: str) -> str | None:
    """The errors Go's net/url.Parse gives for a GOSUMDB URL field (a relative one parses)."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return "invalid control character in URL"
    if re.search(r"%(?![0-9A-Fa-f]{2})", url):
        return "invalid URL escape"
    if url.startswith(":"):
        return "missing protocol scheme"
    if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", url) and ":" in url.split("/", 1)[0]:
        return "first path segment in URL cannot contain colon"
    return None
