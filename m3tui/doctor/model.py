"""The doctor's vocabulary: what a check returns, and what every check may read.

A check is an async function ``(ctx: DoctorContext) -> list[Finding]``. It returns its
findings (usually one); raising is allowed and becomes a `crashed` finding, so one
broken probe never hides the others.

A finding never holds a secret, nor a control character in its texts: its constructor masks
URL credentials (core.redact) in every text and in its data, and escapes control characters
in the texts a terminal shows (core.text.one_line: a hostile `go` can print anything); `DoctorContext.mask` also masks the credentials of the
context's own settings in the forms redact cannot recognise (``GOPROXY=user:pw@host``).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar

from m3tui.core.redact import MASK, redact, redact_data
from m3tui.core.text import one_line as printable

T = TypeVar("T")


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    ERROR = "error"
    SKIPPED = "skipped"
    CRASHED = "crashed"

    @property
    def rank(self) -> int:
        """Worst first: error, crashed, warn, then ok, then skipped (nothing was learnt)."""
        return _RANK[self]


_RANK = {Status.ERROR: 0, Status.CRASHED: 1, Status.WARN: 2, Status.OK: 3, Status.SKIPPED: 4}


class Group(StrEnum):
    SYSTEM = "System"
    GO = "Go"
    NETWORK = "Network"
    DRIFT = "Drift"


OfferKind = Literal["go_env_w", "go_env_u", "rc_line", "rc_unset", "path_append"]


@dataclass(frozen=True)
class Offer:
    """A fix `m3tui doctor --fix` can apply and undo (doctor/fixes.py builds it from this).

    ``go_env_w``: (KEY, VALUE); ``go_env_u``: (KEY, …); ``rc_line``: (rc file, line) to append;
    ``rc_unset``: (VAR,): the lines of $SHELL's rc files that set VAR, commented out;
    ``path_append``: (DIR,): a line appending DIR to PATH in $SHELL's rc file (the bundled go's bin).
    """

    kind: OfferKind
    args: tuple[str, ...]


def go_env_offer(env: Mapping[str, str], kind: OfferKind, *args: str) -> Offer | None:
    """`go env -w`/`-u` for keys set only there: it does not change one the environment sets."""
    keys = args[:1] if kind == "go_env_w" else args
    return None if any(env.get(k) for k in keys) else Offer(kind, args)


@dataclass(frozen=True)
class Finding:
    """One check's result: a one-line summary, the detail, and how to fix it."""

    id: str  # stable, dotted: "go.path", "system.rosetta", "network.proxy"
    group: Group
    status: Status
    summary: str
    detail: str = ""
    fix: str = ""  # a command or an instruction; empty when nothing is to be done
    data: Mapping[str, Any] = field(default_factory=dict)  # machine-readable facts (JSON-safe)
    offers: tuple[Offer, ...] = field(default=(), kw_only=True)  # what `doctor --fix` can do about it

    def __post_init__(self) -> None:
        # The one place every finding passes: both fronts, the JSON and the drift file show it.
        object.__setattr__(self, "summary", _clean(self.summary, one_line=True))
        object.__setattr__(self, "detail", _clean(self.detail))
        object.__setattr__(self, "fix", _clean(self.fix))
        object.__setattr__(self, "data", redact_data(dict(self.data)))  # JSON escapes its control characters

    @property
    def is_problem(self) -> bool:
        return self.status in (Status.WARN, Status.ERROR, Status.CRASHED)


def _clean(text: str, *, one_line: bool = False) -> str:
    """Credentials masked; control characters escaped (core.text.one_line), line by line unless one line."""
    text = redact(text)
    if one_line:
        return printable(text)
    return "\n".join(printable(line) for line in text.split("\n"))


# --- credentials the context knows of --------------------------------------------------------

#: Settings whose value may hold credentials: proxy URLs, checksum database URLs, flags.
SECRET_SETTINGS = frozenset({
    "GOPROXY", "GOSUMDB", "GOFLAGS", "GOAUTH", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOVCS",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy",
})  # fmt: skip
# userinfo@ in a URL, or at the start of a list item (GOPROXY=user:pw@host, HTTPS_PROXY=tok@proxy:3128).
_USERINFO = re.compile(r"(?:://|^|(?<=[\s,|=]))(?P<userinfo>[^\s/?#@,|=]+)@(?=[^\s@/,|]+)")
# A password alone is masked too when it is this long (shorter ones would mask ordinary words).
_MIN_SECRET = 6


def secrets_in(values: Iterable[str]) -> dict[str, str]:
    """What to mask in texts that quote ``values``: ``{"user:pw@": "user:***@", "pw": "***"}``."""
    masks: dict[str, str] = {}
    for value in values:
        if "@" not in value:
            continue
        for m in _USERINFO.finditer(value):
            userinfo = m["userinfo"]
            user, colon, password = userinfo.partition(":")
            masks[f"{userinfo}@"] = f"{user}:{MASK}@" if colon else f"{MASK}@"
            secret = password if colon else userinfo
            if len(secret) >= _MIN_SECRET:
                masks[secret] = MASK
    return masks


def _mask_text(text: str, masks: Mapping[str, str]) -> str:
    for secret in sorted(masks, key=len, reverse=True):  # "user:pw@" before "pw"
        if secret in text:
            text = text.replace(secret, masks[secret])
    return text


def mask_data(value: Any, masks: Mapping[str, str]) -> Any:
    """JSON-like ``value`` with every string masked."""
    if isinstance(value, str):
        return _mask_text(value, masks)
    if isinstance(value, Mapping):
        return {k: mask_data(v, masks) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v, masks) for v in value]
    return value


def _cwd() -> Path:
    try:
        return Path.cwd()
    except OSError:  # the working directory was removed: go then says so for itself
        return Path(os.environ.get("PWD") or ".")


@dataclass
class DoctorContext:
    """What checks read: the environment, the directory, and whether the network is off-limits.

    ``deadline`` (a `time.monotonic` instant, set by `run_doctor`) bounds the whole run: every
    command and request a check starts gets what is left of it (`time_left`) as its timeout.
    """

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=_cwd)
    offline: bool = False
    verbose: bool = False  # -v: the slower extras too (`brew config`, which starts Ruby)
    # Where to look for the bundled go (core/gobundle.py); None: m3tui's own interpreter's site-packages.
    site_packages: tuple[Path, ...] | None = None
    deadline: float | None = None
    # Memo for probes that several checks share (e.g. `go env`), keyed by name.
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    # Credentials found in the settings (the environment's, then go env's): see `mask`.
    _masks: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.add_secrets(v for k, v in self.env.items() if k in SECRET_SETTINGS)

    def time_left(self, cap: float) -> float:
        """A timeout for the next command: ``cap``, or less when the deadline is nearer (never 0)."""
        if self.deadline is None:
            return cap
        return max(0.1, min(cap, self.deadline - time.monotonic()))

    def add_secrets(self, values: Iterable[str]) -> None:
        """Mask the credentials these setting values hold in every finding from now on."""
        self._masks.update(secrets_in(values))

    def redacted(self, value: Any) -> Any:
        """JSON-like ``value`` as findings show it: URL credentials and this context's secrets masked."""
        return mask_data(redact_data(value), self._masks)

    def mask(self, finding: Finding) -> Finding:
        """``finding`` without the credentials of this context's settings, in any form."""
        masks = self._masks
        if not masks:
            return finding
        return replace(
            finding,
            summary=_mask_text(finding.summary, masks),
            detail=_mask_text(finding.detail, masks),
            fix=_mask_text(finding.fix, masks),
            data=mask_data(finding.data, masks),
        )

    async def shared(self, key: str, factory: Callable[[], Awaitable[T]]) -> T:
        """Run ``factory`` once per context, even when several checks ask at the same time."""
        import asyncio

        task: asyncio.Future[T] | None = self._memo.get(key)
        if task is None:
            task = asyncio.ensure_future(factory())
            # Retrieved here, so a failure nobody is left to await (its checks were cancelled)
            # is not printed as "Task exception was never retrieved"; awaiters still get it.
            task.add_done_callback(_retrieve)
            self._memo[key] = task
        return await asyncio.shield(task)


def _retrieve(task: Any) -> None:
    if not task.cancelled():
        task.exception()


Check = Callable[[DoctorContext], Awaitable[list[Finding]]]
