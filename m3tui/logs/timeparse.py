"""When a log line happened: its timestamp as epoch seconds, or None (a pure function over bytes).

It runs once per line over files of hundreds of MB (the merge, the histogram), so the first
byte picks the one form to try before any regular expression runs:

* a digit (or ``[`` then a digit): RFC 3339 / ISO 8601 (``T`` or a space, fraction with ``.`` or
  ``,``, ``Z`` or ``±HH:MM``/``±HHMM``), or Go ``log``'s ``2009/11/10 23:00:00[.000000]``;
* ``<`` then digits: an RFC 5424 syslog header ``<34>1 2003-10-11T22:14:15.003Z``;
* an upper-case letter: the common syslog ``Jan  2 15:04:05``. It has no year: the current one,
  or the year before when that would put the line more than a day in the future (a file from
  December read in January). A file's mtime would not help: one file spans years as easily;
* ``{``: JSON's ``"time"`` (slog), ``"ts"`` or ``"timestamp"`` key, RFC 3339 text or, for
  ``"ts"``, epoch seconds as a number (zap);
* anything else: a logfmt ``time=`` or ``ts=`` field (slog's text handler) anywhere in the line.

A time without a zone is in ``tz`` when given, else local time. The day's epoch and a zone's
offset for each hour are cached, so a line costs one regex match and a few int() calls.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import time

__all__ = ["line_time", "parse_tz"]

_ISO = re.compile(rb"(\d{4}([-/])\d{2}\2\d{2}[T ]\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9})\d*)? ?(Z|z|[+-]\d{2}(?::?\d{2})?)?")
_SYSLOG = re.compile(rb"([A-Z][a-z]{2} [ \d]\d \d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
_JSON_KEY = re.compile(rb'"(?:time|ts|timestamp)"\s*:\s*(?:"([^"]{10,40})"|(\d{9,10}(?:\.\d+)?)\b)')
_LOGFMT_KEY = re.compile(rb'(?:^|[ \t])(?:time|ts)="?([^" \t]{10,40}(?: \d{2}:\d{2}:\d{2}[^" \t]*)?)')
_MONTHS = {m.encode(): i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_DIGITS = frozenset(b"0123456789")
_UPPER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_CACHE_MAX = 8192
_BAD = -1.0e18  # cached: this date and hour does not exist
#: epoch of ``YYYY-MM-DDTHH`` (the line's bytes) in UTC (zoned lines) or in a zone (zone-less ones)
_hours: dict[tuple[bytes, dt.tzinfo | None, bool], float] = {}
#: seconds east of UTC of a zone suffix (``+02:00``)
_zones: dict[bytes, int] = {b"Z": 0, b"z": 0}
#: syslog "Jan  2 15" → epoch, with the hour (since the epoch) it was worked out in
_syslog_hours: dict[tuple[bytes, dt.tzinfo | None], float] = {}
_syslog_made = [0]


def line_time(raw: bytes, tz: dt.tzinfo | None = None) -> float | None:
    """Epoch seconds of the timestamp ``raw`` starts with (or holds as a JSON/logfmt field), else None."""
    if not raw:
        return None
    c = raw[0]
    if c in _DIGITS:
        return _iso(raw, 0, tz)
    if c == 0x5B and len(raw) > 1 and raw[1] in _DIGITS:  # "["
        return _iso(raw, 1, tz)
    if c in _UPPER:
        if raw[:3] in _MONTHS:
            return _syslog(raw, tz)
    elif c == 0x7B:  # "{"
        return _json(raw, tz)
    elif c == 0x3C:  # "<": RFC 5424 "<PRI>VERSION TIMESTAMP"
        gt = raw.find(b">", 1, 5)
        sp = raw.find(b" ", gt, gt + 4) if gt > 0 else -1
        if sp > 0 and sp + 1 < len(raw) and raw[sp + 1] in _DIGITS:
            return _iso(raw, sp + 1, tz)
        return None
    if b"time=" in raw or b"ts=" in raw:
        m = _LOGFMT_KEY.search(raw)
        if m is not None:
            v = m.group(1)
            return _iso(v, 0, tz) if v[:1] in (b"0", b"1", b"2") else None
    return None


def _iso(raw: bytes, pos: int, tz: dt.tzinfo | None) -> float | None:
    m = _ISO.match(raw, pos)
    if m is None:
        return None
    hour, _, mi, s, frac, zone = m.groups()
    key = (hour, tz, zone is None)
    base = _hours.get(key)
    if base is None:
        base = _hour_epoch(int(hour[0:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), None if zone else tz, bool(zone))
        if len(_hours) > _CACHE_MAX:
            _hours.clear()
        _hours[key] = base
    if base == _BAD or mi[0] > 0x35 or s > b"60":
        return None
    t = base + int(mi) * 60 + int(s)
    if frac:
        t += int(frac) / 10 ** len(frac)
    if zone:
        off = _zones.get(zone)
        if off is None:
            digits = zone[1:].replace(b":", b"")
            off = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0)
            off = _zones[zone] = -off if zone[:1] == b"-" else off
        t -= off
    return t


def _syslog(raw: bytes, tz: dt.tzinfo | None) -> float | None:
    m = _SYSLOG.match(raw)
    if m is None:
        return None
    hour, mi, s, frac = m.groups()
    now = time.time()
    if int(now // 3600) != _syslog_made[0]:  # "the future" moves: work the years out again each hour
        _syslog_hours.clear()
        _syslog_made[0] = int(now // 3600)
    key = (hour, tz)
    base = _syslog_hours.get(key)
    if base is None:
        year = time.localtime(now).tm_year
        mon, d, h = _MONTHS[hour[:3]], int(hour[4:6]), int(hour[7:9])
        base = _hour_epoch(year, mon, d, h, tz, False)
        if base != _BAD and base > now + 86400:
            base = _hour_epoch(year - 1, mon, d, h, tz, False)
        _syslog_hours[key] = base
    if base == _BAD or mi[0] > 0x35 or s > b"60":
        return None
    return base + int(mi) * 60 + int(s) + (int(frac) / 10 ** len(frac) if frac else 0.0)


def _json(raw: bytes, tz: dt.tzinfo | None) -> float | None:
    m = _JSON_KEY.search(raw, 0, 4096)
    if m is None:
        return None
    if m.group(2) is not None:
        return float(m.group(2))
    return _iso(m.group(1), 0, tz)


def _hour_epoch(y: int, mo: int, d: int, h: int, tz: dt.tzinfo | None, utc: bool) -> float:
    """Epoch of that hour: in UTC (``utc``), in ``tz``, or local time; _BAD when no such date."""
    try:
        if h > 23:
            raise ValueError(h)
        if utc:
            return float(calendar.timegm((y, mo, d, h, 0, 0, 0, 0, 0))) if dt.date(y, mo, d) else _BAD
        return dt.datetime(y, mo, d, h, tzinfo=tz).timestamp()  # naive (tz None): local time
    except (ValueError, OverflowError):
        return _BAD


def parse_tz(text: str) -> dt.tzinfo:
    """``--tz``: a zoneinfo name (``Europe/Paris``, ``UTC``) or a fixed offset ``±HH:MM``.

    ValueError (its message the one line to show) when it is neither."""
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", text)
    if m is not None:
        hours, mins = int(m.group(2)), int(m.group(3))
        if hours > 23 or mins > 59:
            raise ValueError(f"--tz {text!r}: offset out of range (±HH:MM, at most ±23:59)")
        delta = dt.timedelta(hours=hours, minutes=mins)
        return dt.timezone(-delta if m.group(1) == "-" else delta)
    if text in ("Z", "UTC", "utc"):
        return dt.timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"--tz {text!r}: not a time zone name (e.g. Europe/Paris, UTC) or ±HH:MM offset") from None
