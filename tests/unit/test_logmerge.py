"""logs/merge.py: the merged timeline of real files, against a reference merge in plain Python.

The reference: each line's time (the line before's when it has none), its effective time the
smallest from it to its file's end, the files' lines sorted by (effective time, file, line)."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from pathlib import Path

import pytest

from m3tui.logs.merge import MergedSource, short_names
from m3tui.logs.sources import TAIL_LINES, open_file
from m3tui.logs.timeparse import line_time

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()


def reference(files: list[list[bytes]]) -> list[tuple[int, int]]:
    keyed = []
    for k, lines in enumerate(files):
        rec: list[float] = []
        last = math.inf
        for b in lines:
            t = line_time(b, UTC)
            last = t if t is not None else last
            rec.append(last)
        eff, run = [0.0] * len(rec), math.inf
        for i in range(len(rec) - 1, -1, -1):
            run = min(run, rec[i])
            eff[i] = run
        keyed += [(eff[i], k, i) for i in range(len(lines))]
    return [(k, i) for _, k, i in sorted(keyed)]


def stamp(t: float, form: int) -> bytes:
    d = dt.datetime.fromtimestamp(t, UTC)
    if form == 0:  # Go log (no zone: read in UTC, as --tz UTC)
        return d.strftime("%Y/%m/%d %H:%M:%S.%f").encode() + b" std message"
    if form == 1:  # slog text
        return b"time=" + d.isoformat(timespec="milliseconds").replace("+00:00", "Z").encode() + b" level=INFO msg=text"
    return b'{"time":"' + d.isoformat(timespec="microseconds").encode() + b'","level":"WARN","msg":"json"}'


def make_files(tmp_path: Path, n: int, seed: int = 1) -> tuple[list[Path], list[list[bytes]]]:
    """Three files of ``n`` records each: a skewed clock, out-of-order bursts, stack traces, a headless start."""
    rnd = random.Random(seed)
    paths, contents = [], []
    for k in range(3):
        lines: list[bytes] = [b"starting (no time yet)"] if k == 2 else []
        t = T0 + (7.5 if k == 1 else 0.0)  # file 1's clock runs 7.5 s ahead
        for j in range(n):
            t += rnd.uniform(0.001, 0.05)
            burst = -rnd.uniform(0.0, 0.2) if rnd.random() < 0.05 else 0.0  # a late line
            lines.append(stamp(t + burst, k) + f" #{k}.{j}".encode())
            if rnd.random() < 0.03:
                lines += [b"goroutine 7 [running]:", b"\tmain.work(0x1)", b"\t\t/src/main.go:12 +0x1d"]
        p = tmp_path / f"d{k}" / "app.log"
        p.parent.mkdir()
        p.write_bytes(b"\n".join(lines) + b"\n")
        paths.append(p)
        contents.append(lines)
    return paths, contents


def open_merged(paths: list[Path]) -> MergedSource:
    return MergedSource([open_file(p, p.name) for p in paths], UTC)


def rows_of(m: MergedSource, contents: list[list[bytes]]) -> list[tuple[int, int]]:
    """(file, line) of each row, the line found by its text (records are unique by their #k.j)."""
    where = {(k, b): i for k, lines in enumerate(contents) for i, b in enumerate(lines) if b"#" in b}
    out = []
    for r in range(m.count()):
        k = m.origin(r)
        out.append((k, where.get((k, m.raw(r)[0]), -1)))
    return out


def test_short_names() -> None:
    assert short_names([Path("/a/x/app.log"), Path("/b/x/app.log"), Path("/c/y.log")]) == ["a/x/app.log", "b/x/app.log", "y.log"]
    assert short_names([Path("/v/log/api.log"), Path("/v/log/db.log")]) == ["api.log", "db.log"]


def test_small_files_merge_whole_at_once_and_after_build(tmp_path: Path) -> None:
    paths, contents = make_files(tmp_path, 200)
    want = reference(contents)
    m = open_merged(paths)
    assert not m.indexed and m.count() == len(want)  # every file fits its tail: the whole timeline
    got = [(m.origin(r), m.raw(r)[0]) for r in range(m.count())]
    assert got == [(k, contents[k][i]) for k, i in want]
    assert m.build() and m.adopt()
    assert m.indexed and m.count() == len(want)
    assert [(m.origin(r), m.raw(r)[0]) for r in range(m.count())] == [(k, contents[k][i]) for k, i in want]
    assert [b for _, b in m.iter_lines(0)] == [contents[k][i] for k, i in want]
    assert [b for _, b in m.iter_lines(5, 40)] == [contents[k][i] for k, i in want[5:40]]
    # each file's own order is kept, and the stack traces stay under their message
    for k in range(3):
        assert [i for kk, i in want if kk == k] == list(range(len(contents[k])))


def test_big_files_tail_is_the_timelines_end(tmp_path: Path) -> None:
    """Files over the tail: the merged tail is exactly the last rows of the whole merge."""
    paths, contents = make_files(tmp_path, 3 * TAIL_LINES, seed=2)
    want = [(k, contents[k][i]) for k, i in reference(contents)]
    m = open_merged(paths)
    n = m.count()
    assert TAIL_LINES // 2 < n <= TAIL_LINES
    assert [(m.origin(r), m.raw(r)[0]) for r in range(n)] == want[-n:]
    last_tail_row = n - 10
    assert m.build() and m.adopt()
    assert [(m.origin(r), m.raw(r)[0]) for r in range(m.count())] == want
    # the place in the tail maps to the same line in the numbered timeline
    row = m.tail_row(last_tail_row)
    assert row is not None and m.raw(row)[0] == want[-n:][last_tail_row][1]


def test_search_across_files(tmp_path: Path) -> None:
    paths, contents = make_files(tmp_path, 300, seed=3)
    m = open_merged(paths)
    assert m.build() and m.adopt()
    texts = [m.raw(r)[0] for r in range(m.count())]
    rx = re.compile(rb"goroutine|#1\.2\d\b")
    hits = [r for r, b in enumerate(texts) if rx.search(b)]
    assert len(hits) > 5
    for start in (0, 1, hits[2], hits[2] + 1, len(texts) // 2, len(texts)):
        fwd = next((r for r in hits if r >= start), None)
        back = next((r for r in reversed(hits) if r < start), None)
        assert m.search(rx, start) == fwd, start
        assert m.search(rx, start, reverse=True) == back, start


def test_appended_lines_merge_at_the_end(tmp_path: Path) -> None:
    paths, contents = make_files(tmp_path, 50, seed=4)
    m = open_merged(paths)
    assert m.build() and m.adopt()
    before = m.count()
    new: list[list[bytes]] = [[], [], []]
    t = T0 + 100
    for j in range(30):
        k = j % 3
        t += 0.01
        new[k].append(stamp(t, k) + f" #{k}.new{j}".encode())
    for k in (2, 0, 1):  # appended file by file, not in time order
        with paths[k].open("ab") as f:
            f.write(b"\n".join(new[k]) + b"\n")
        assert m.parts[k].index.refresh() == "grew"
    assert m.extend() == 30
    added = [(m.origin(r), m.raw(r)[0]) for r in range(before, m.count())]
    assert added == [(j % 3, new[j % 3][j // 3]) for j in range(30)]  # in time order across the files
    assert m.search(re.compile(rb"new29"), 0) == m.count() - 1


def test_file_without_times_goes_last(tmp_path: Path) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_bytes(b"2026-03-01T12:00:00Z one\n2026-03-01T12:00:02Z three\n")
    b.write_bytes(b"plain\ntext\n")
    m = open_merged([a, b])
    assert [m.raw(r)[0] for r in range(m.count())] == [b"2026-03-01T12:00:00Z one", b"2026-03-01T12:00:02Z three", b"plain", b"text"]


@pytest.mark.parametrize("tz", ["UTC", "+02:00"])
def test_zone_less_times_read_in_tz(tmp_path: Path, tz: str) -> None:
    """A Go log line (no zone) at 12:00:01 is before an RFC 3339 12:00:02Z in UTC, after it at +02:00."""
    from m3tui.logs.timeparse import parse_tz

    a, b = tmp_path / "go.log", tmp_path / "z.log"
    a.write_bytes(b"2026/03/01 12:00:01 go\n")
    b.write_bytes(b"2026-03-01T10:00:02Z zoned\n")
    m = MergedSource([open_file(p, p.name) for p in (a, b)], parse_tz(tz))
    order = [m.raw(r)[0][-2:] for r in range(m.count())]
    assert order == ([b"ed", b"go"] if tz == "UTC" else [b"go", b"ed"])


def test_tail_stops_where_a_tail_is_not_enough(tmp_path: Path) -> None:
    """A tail that starts inside a stack trace (its message above the tail): those lines' time is
    not known from the tail, so the merged tail stops above them, and another file's line that
    belongs between the message and the rest is not put among them."""
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    lines = [stamp(T0 + j, 2) for j in range(10)] + [stamp(T0 + 50, 2) + b" panic", b"goroutine 1", b"\tmain.go:1", b"\tmain.go:2"]
    lines += [stamp(T0 + 200 + j, 2) + f" #{j}".encode() for j in range(TAIL_LINES - 3)]
    a.write_bytes(b"\n".join(lines) + b"\n")
    b.write_bytes(stamp(T0 + 150, 1) + b" between\n")
    m = open_merged([a, b])
    assert [m.raw(r)[0] for r in range(m.count())] == lines[-(TAIL_LINES - 3):]
    assert m.build() and m.adopt()
    whole = [m.raw(r)[0] for r in range(m.count())]
    assert whole[10:15] == lines[10:14] + [stamp(T0 + 150, 1) + b" between"]


def test_too_many_files_is_a_usage_error(tmp_path: Path) -> None:
    from m3tui.core.errors import UsageError
    from m3tui.logs.merge import MAX_FILES

    p = tmp_path / "a.log"
    p.write_bytes(b"2026-03-01T12:00:00Z x\n")
    one = open_file(p, p.name)
    with pytest.raises(UsageError, match="at most 255"):
        MergedSource([one] * (MAX_FILES + 1))


def test_growing_before_the_whole_merge_re_merges_the_tails(tmp_path: Path) -> None:
    """Following before build(): the files' tails are read again and merged, so the end is right."""
    paths, contents = make_files(tmp_path, 2 * TAIL_LINES, seed=5)
    m = open_merged(paths)
    t = T0 + 500
    for k in (1, 0, 2):
        extra = [stamp(t + 0.01 * (3 * j + k), k) + f" #{k}.more{j}".encode() for j in range(5)]
        with paths[k].open("ab") as f:
            f.write(b"\n".join(extra) + b"\n")
        contents[k] += extra
        assert m.parts[k].index.refresh() == "grew"
        m.parts[k].retail()
    assert m.extend() == 0  # not built yet: the tails merged again
    want = [(k, contents[k][i]) for k, i in reference(contents)]
    n = m.count()
    assert [(m.origin(r), m.raw(r)[0]) for r in range(n)] == want[-n:]
    assert [b.split(b"#")[-1] for _, b in want[-15:]] == [f"{j % 3}.more{j // 3}".encode() for j in range(15)]
