"""Secrets out of everything m3tui prints, logs or stores.

What counts as a secret: the userinfo of any URL (``https://user:pw@host`` becomes
``https://user:***@host``, a token alone, ``https://TOKEN@host``, becomes ``https://***@host``),
the userinfo of a scheme-less proxy value (``HTTPS_PROXY=user:pw@proxy:3128``), and the value of
token-like query parameters (``?token=…``, ``&access_token=…``, ``&sig=…``). Hand-written
regular expressions rather than urllib.parse: the text is free-form (an error message, a
command line, ``GOPROXY=a,b|c``), and the parse would have to find the URLs first anyway.

Redact at the sinks: findings, error lines, the command log, the crash log, the bench history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

# scheme://userinfo@ : userinfo runs to the last '@' before the path (a password may hold '@').
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/?#'\"<>]*)@")
# Query parameters whose value is a credential.
_SECRET_PARAM = re.compile(  # (go env -json writes '&' as \u0026)
    r"(?P<key>(?:[?&;]|\\u0026)(?:access_?token|auth|api_?key|apikey|client_secret|code|credential|key|passw(?:or)?d|pwd|"
    r"refresh_token|secret|session|sig|signature|token|x-amz-signature|x-amz-credential|x-goog-signature)=)"
    r"(?P<value>[^&;#\s'\"\\,|]+)",
    re.IGNORECASE,
)
# Environment variables whose value may be a scheme-less URL with userinfo.
PROXY_VARS = frozenset(
    {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "http_proxy", "https_proxy", "all_proxy", "ftp_proxy"}
)
_BARE_USERINFO = re.compile(r"^(?P<userinfo>[^\s/@]+)@(?P<rest>[^\s@]+)$")
# A Go or proxy setting written as text (`GOPROXY=…`, or `"GOPROXY": "…"` in go env -json), whose
# list items may be scheme-less `user:pw@host` entries.
_URL_SETTING = re.compile(
    r'(?P<key>\b(?:GOPROXY|GOSUMDB|GOFLAGS|(?:HTTPS?|ALL|FTP)_PROXY|(?:https?|all|ftp)_proxy)(?:=|"\s*:\s*"))(?P<value>[^"\s]*)'
)
# Anywhere else: `user:password@host` without a scheme (a mirror or GOINSECURE-like value typed
# bare). The user part is a plain name, so `mailto:x@y`-like text is the only false positive.
_BARE_CREDENTIALS = re.compile(r"(?<![\w/:@.%+-])(?P<user>[\w.%+-]+):(?!\*\*\*@)[^\s/@:'\"<>]+@(?=[\w\[])")
_BARE_ITEM = re.compile(r"(?P<sep>^|[,|])(?P<userinfo>[^\s/@,|:]+(?::[^\s/@,|]*)?)@")


def _mask_userinfo(userinfo: str) -> str:
    if not userinfo:
        return userinfo
    user, colon, _password = userinfo.partition(":")
    return f"{user}:{MASK}" if colon else MASK


def _mask_item(m: re.Match[str]) -> str:
    return f"{m['sep']}{_mask_userinfo(m['userinfo'])}@"


def redact(text: str) -> str:
    """``text`` with URL userinfo and token-like query values masked; unchanged when it has none."""
    if "@" not in text and "=" not in text:
        return text  # the fast path: most lines hold neither
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{_mask_userinfo(m['userinfo'])}@", text)
    text = _URL_SETTING.sub(lambda m: m["key"] + _BARE_ITEM.sub(_mask_item, m["value"]), text)
    text = _BARE_CREDENTIALS.sub(lambda m: f"{m['user']}:{MASK}@", text)
    return _SECRET_PARAM.sub(lambda m: f"{m['key']}{MASK}", text)


def redact_env_value(name: str, value: str) -> str:
    """One environment value: URLs anywhere, and the bare ``user:pw@host`` form of proxy variables."""
    value = redact(value)
    if name in PROXY_VARS and "://" not in value:
        m = _BARE_USERINFO.match(value.strip())
        if m:
            return f"{_mask_userinfo(m['userinfo'])}@{m['rest']}"
    return value


def redact_env(env: Mapping[str, str]) -> dict[str, str]:
    return {name: redact_env_value(name, value) for name, value in env.items()}


def _mask_header(header: str) -> str:
    """An HTTP header as given to ``--header`` (``Name: value``): the value is a secret."""
    name, colon, _value = header.partition(":")
    return f"{name}: {MASK}" if colon else MASK


def redact_args(args: Iterable[str]) -> list[str]:
    """A command line, argument by argument (``KEY=VALUE`` arguments as environment values; the
    value of ``--header NAME: VALUE``, m3tui profile's, masked whole)."""
    out: list[str] = []
    for arg in args:
        name, eq, value = arg.partition("=")
        if out and out[-1] == "--header":
            out.append(_mask_header(arg))
        elif name == "--header" and eq:
            out.append(f"--header={_mask_header(value)}")
        else:
            out.append(f"{name}={redact_env_value(name, value)}" if eq and name.isidentifier() else redact(arg))
    return out


def redact_data(value: Any) -> Any:
    """JSON-like data (dicts, lists, strings), with every string redacted; other values as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            k: (redact_env_value(k, v) if isinstance(k, str) and isinstance(v, str) else redact_data(v))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value
