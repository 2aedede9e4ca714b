"""logs/timeparse.py: every timestamp form the merge and the histogram read, checked against datetime."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

from m3tui.logs.timeparse import line_time, parse_tz

UTC = dt.timezone.utc


def ts(*args: int, tz: dt.tzinfo = UTC, us: int = 0) -> float:
    return dt.datetime(*args, microsecond=us, tzinfo=tz).timestamp()


@pytest.mark.parametrize(("line", "want"), [
    (b"2024-01-02T15:04:05Z msg", ts(2024, 1, 2, 15, 4, 5)),
    (b"2024-01-02T15:04:05.123456Z msg", ts(2024, 1, 2, 15, 4, 5, us=123456)),
    (b"2024-01-02T15:04:05.123456789+02:00 x", ts(2024, 1, 2, 13, 4, 5, us=123456) + 0.000000789),
    (b"2024-01-02 15:04:05,250 -0530 INFO", ts(2024, 1, 2, 20, 34, 5, us=250000)),
    (b"[2024-01-02T15:04:05+01] x", ts(2024, 1, 2, 14, 4, 5)),
    (b"<34>1 2003-10-11T22:14:15.003Z host app - - msg", ts(2003, 10, 11, 22, 14, 15, us=3000)),
    (b'{"time":"2024-01-02T15:04:05.5-07:00","level":"INFO","msg":"m"}', ts(2024, 1, 2, 22, 4, 5, us=500000)),
    (b'{"level":"info","ts":1700000000.25,"msg":"zap"}', 1700000000.25),
    (b'{"timestamp": "2024-01-02T15:04:05Z"}', ts(2024, 1, 2, 15, 4, 5)),
    (b"time=2024-01-02T15:04:05.000Z level=INFO msg=hello", ts(2024, 1, 2, 15, 4, 5)),
    (b'level=info ts="2024-01-02T15:04:05+00:00" msg=x', ts(2024, 1, 2, 15, 4, 5)),
])  # fmt: skip
def test_zoned_forms(line: bytes, want: float) -> None:
    got = line_time(line)
    assert got is not None and abs(got - want) < 1e-6, (line, got, want)


def test_zone_less_times_are_local_or_tz() -> None:
    paris = ZoneInfo("Europe/Paris")
    # Go log (std flags, and with Lmicroseconds): no zone, so --tz decides.
    assert line_time(b"2009/11/10 23:00:00 hello", paris) == ts(2009, 11, 10, 23, 0, 0, tz=paris)
    assert line_time(b"2009/11/10 23:00:00.000250 hello", paris) == pytest.approx(ts(2009, 11, 10, 23, 0, 0, tz=paris, us=250))
    # summer time in the same zone: the offset is looked up for that hour, not cached per zone
    assert line_time(b"2009-07-10 23:00:00 x", paris) == ts(2009, 7, 10, 23, 0, 0, tz=paris)
    assert line_time(b"2009-07-10 23:00:00 x", UTC) == ts(2009, 7, 10, 23, 0, 0)
    local = dt.datetime(2009, 7, 10, 23, 0, 0).timestamp()  # naive: the process's local time
    assert line_time(b"2009-07-10 23:00:00 x") == local
    # a zone in the line wins over tz
    assert line_time(b"2009-07-10T23:00:00Z x", paris) == ts(2009, 7, 10, 23, 0, 0)


def test_syslog_year_is_this_one_unless_that_is_the_future() -> None:
    now = dt.datetime.now()
    past = now - dt.timedelta(days=2)
    line = past.strftime("%b %e %H:%M:%S host sshd[1]: x").encode()
    assert line_time(line) == pytest.approx(past.replace(microsecond=0).timestamp())
    ahead = now + dt.timedelta(days=3)
    if ahead.year == now.year:  # three days ahead this year: it must be last year's
        got = line_time(ahead.strftime("%b %e %H:%M:%S host x").encode())
        assert got is not None and got < time.time()
        assert dt.datetime.fromtimestamp(got).year == now.year - 1


@pytest.mark.parametrize("line", [
    b"", b"goroutine 1 [running]:", b"\tmain.go:12 +0x1d", b"panic: boom", b"2024-13-02T15:04:05Z bad month",
    b"2024-02-30T15:04:05Z no such day", b"2024-01-02T25:04:05Z", b"Jan 32 10:00:00 x", b"Foo  2 10:00:00 x",
    b"12345 not a time", b'{"msg":"no time"}', b"level=info msg=x", b"runtime=3s", b"[1] ok",
])  # fmt: skip
def test_lines_without_a_time(line: bytes) -> None:
    assert line_time(line) is None


def test_parse_tz() -> None:
    assert parse_tz("+05:30").utcoffset(None) == dt.timedelta(hours=5, minutes=30)
    assert parse_tz("-0800").utcoffset(None) == dt.timedelta(hours=-8)
    assert parse_tz("UTC").utcoffset(None) == dt.timedelta(0)
    assert isinstance(parse_tz("America/New_York"), ZoneInfo)
    for bad in ("Mars/Olympus", "+25:00", "../../etc/passwd", ""):
        with pytest.raises(ValueError, match="--tz"):
            parse_tz(bad)


def test_fast_enough_per_line() -> None:
    """It runs per line over big files: the cached hour epochs keep it within 10x of one C
    ``datetime.fromisoformat`` per line (best of 3, measured in the same run: load cancels out)."""
    lines = [b"2024-01-02T15:04:05.123456Z INFO msg", b"2009/11/10 23:00:00 hello", b'{"time":"2024-01-02T15:04:05Z","msg":"x"}',
             b"time=2024-01-02T15:04:05Z level=INFO msg=x", b"\tat main.go:12", b"Jan  2 15:04:05 host x"] * 2000
    ours, base = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        for b in lines:
            line_time(b)
        t1 = time.perf_counter()
        for b in lines:
            dt.datetime.fromisoformat(b"2024-01-02T15:04:05.123456+00:00".decode()).timestamp()
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        base.append(t2 - t1)
    assert min(ours) < 10 * min(base), f"{min(ours) / len(lines) * 1e6:.2f} µs a line vs {min(base) / len(lines) * 1e6:.2f}"
