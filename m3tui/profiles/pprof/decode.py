"""Decode profile.proto (gzip'd or not) into a `Profile` with the samples merged per stack.

Speed: the profile is parsed by upb with `Sample.location_id` and `Sample.value` declared as
`bytes`, so each sample arrives as two raw byte strings of packed varints. Identical samples (same
stack and values: the common case in CPU profiles) are counted with `collections.Counter` in C;
only the distinct ones are decoded
into tuples of ints (values through a cache: they repeat). Each location's frames are expanded once,
into a short string of "site" ids; a stack is the translation of its packed location ids into
those strings (`bytes.decode("latin-1").translate(...)` when every id is below 128, else a regex
split of the varints and `str.join`), all in C.
"""

from __future__ import annotations

import io
import os
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from itertools import compress, repeat
from operator import add, itemgetter, ne, not_
from typing import Any, BinaryIO, NoReturn, cast

from m3tui.core.errors import InputError, M3tuiError, os_error
from m3tui.core.files import open_input
from m3tui.profiles.pprof import fastdecode
from m3tui.profiles.pprof.rawpb import FastProfile, FastSample, fast_profile_class, varint
from m3tui.profiles.pprof.model import (
    ArrayProfile,
    Frame,
    Profile,
    ProfileError,
    SampleType,
    StackArrays,
    escape_controls,
    has_controls,
    printable,
)

_MAX_SITE = 0x10FFFF


#: (distinct stacks as site strings, then per sample type the value of each stack)
_Merged = tuple[list[str], list[list[int]]]

#: The most a profile may weigh, on disk and once gunzipped (each): 256 MiB. Real profiles are far
#: smaller (a busy service's CPU or heap profile: a few MB gzip'd, some tens of MB of protobuf),
#: and decoding takes about 12 times the protobuf's size in memory; a larger file is refused
#: before it is read, and a gzip stream is refused as soon as it gunzips past the limit (a "gzip
#: bomb": 4 MB of zeros gunzip to 4 GB), so memory stays bounded whatever the file holds.
MAX_PROFILE_BYTES = 256 << 20
#: How much of the compressed file is read, and gunzipped, at a time.
_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
#: pprof's FILE arguments may be URLs (pprof fetches them); m3tui reads files only.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _mib(n: int) -> str:
    return f"{n / (1 << 20):g} MiB"


def load_file(path: str | os.PathLike[str], *, limit: int = MAX_PROFILE_BYTES) -> Profile:
    """Read and decode a profile file, gzip'd or not, within ``limit`` bytes (on disk and gunzipped).

    Only a regular file is read (a FIFO, a directory or a device is refused without blocking).
    Raises `InputError` (a `ProfileError` when the file is not a usable profile: exit 2) or
    `M3tuiError` (the file cannot be read: permissions, I/O; exit 3), each one line naming the
    file, its control characters escaped and URL credentials masked.
    """
    label = f"profile {printable(path)}"
    with open_file(path, "profile") as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                raise ProfileError(f"{label}: {size:,} bytes is more than the {_mib(limit)} a profile may weigh")
            head = f.read(2)
            f.seek(0)
            data: bytes | bytearray
            if head == _GZIP_MAGIC:
                data = _gunzip(f, label, limit, size)
                if not data:
                    raise ProfileError(f"{label}: not a pprof profile: empty after gunzip")
            else:
                data = f.read(limit + 1)
                if len(data) > limit:  # it grew since fstat
                    raise ProfileError(f"{label}: more than the {_mib(limit)} a profile may weigh")
        except OSError as exc:
            raise os_error(exc, label, "read") from None
    try:
        return load(data)
    except ProfileError as exc:
        raise ProfileError(f"{label}: {exc}") from None


def open_file(path: str | os.PathLike[str], what: str) -> BinaryIO:
    """`core.files.open_input` (a regular file, or a one-line error) whose message names the file
    printably: ``profile evil\\x1b[2J: is a FIFO, not a regular file``. A URL (``go tool pprof``
    fetches them) is refused, its credentials masked."""
    name = os.fspath(path)
    if _URL.match(name) and not os.path.exists(name):
        raise InputError(f"{printable(name)} is a URL: m3tui reads {what} files (m3tui profile top URL fetches and keeps one)")
    try:
        return open_input(path, what=what)
    except M3tuiError as exc:  # its message names the raw path: say it again with the printable one
        raise type(exc)(str(exc).replace(f"{what} {os.fspath(path)}", f"{what} {printable(path)}", 1)) from None


def check_file(path: str | os.PathLike[str], what: str) -> None:
    """`open_file`'s checks, without reading."""
    open_file(path, what).close()


def _gunzip(f: BinaryIO, label: str, limit: int, size: int | None = None) -> bytearray:
    """Gunzip a stream of one or more gzip members, in chunks, refusing to go past ``limit`` bytes.

    Never holds more than ``limit`` + one chunk: a gzip bomb stops at the limit, with its size.
    Raises `ProfileError` (its message after ``label: `` when there is a label) for bad, truncated
    or oversized gzip data.
    """
    label = f"{label}: " if label else ""
    out = bytearray()
    d: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the gzip wrapper; Any: zlib's type is private
    feed = b""
    at_end = False
    while True:
        if not feed and not at_end:
            feed = f.read(_CHUNK)
            at_end = not feed
        if d is None:  # between two members: padding of zeros, another member, or the end
            feed = feed.lstrip(b"\0")
            if len(feed) < 2 and not at_end:
                more = f.read(_CHUNK)
                feed, at_end = feed + more, not more
                continue
            if not feed:
                return out
            if feed[:2] != _GZIP_MAGIC:
                raise ProfileError(f"{label}not a pprof profile: bad gzip data (trailing garbage)")
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        room = min(limit + 1 - len(out), _CHUNK)  # small pieces: never a second copy of it all
        try:
            piece = d.decompress(feed, room)
        except zlib.error as exc:
            raise ProfileError(f"{label}not a pprof profile: bad gzip data ({exc})") from None
        feed = d.unconsumed_tail
        out += piece
        if len(out) > limit:
            what = f"{size:,} bytes that gunzip" if size else "the gzip data gunzips"
            raise ProfileError(f"{label}{what} to more than {_mib(limit)}, the most a profile may weigh (a gzip bomb?)")
        if d.eof:
            feed = d.unused_data + feed
            d = None
        elif not feed and not piece and at_end:
            raise ProfileError(f"{label}not a pprof profile: truncated gzip data")


def load(data: bytes | bytearray) -> Profile:
    """Decode a pprof profile (profile.proto, gzip'd or not) held in memory.

    Raises ProfileError (one line) for anything that is not a valid profile; an empty profile
    (sample types but no samples) is valid and has totals of 0. Gzip'd data is gunzipped within
    `MAX_PROFILE_BYTES`, like `load_file`'s.
    """
    if not data:
        raise ProfileError("not a pprof profile: empty file")
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip(io.BytesIO(data), "", MAX_PROFILE_BYTES)
        if not data:
            raise ProfileError("not a pprof profile: empty after gunzip")
    try:
        return _decode(data)
    except ProfileError:
        legacy = _legacy_format(data)
        if legacy is None:
            raise
    raise ProfileError(f"not a pprof profile: {legacy}; m3tui reads profile.proto (go tool pprof -proto FILE > "
                       "FILE.pb.gz converts it)")


class _Retry(Exception):
    """The numpy decoder (`fastdecode`) does not take this profile: decode it the usual way."""


def _decode(data: bytes | bytearray) -> Profile:
    if len(data) >= fastdecode.BIG_BYTES and _has_numpy():
        try:
            bp = fastdecode.bulk_class().FromString(data)
        except Exception:  # invalid: the usual parse below says so
            bp = None
        if bp is not None:
            try:
                return _build(bp, data)
            except (_Retry, ProfileError):  # the usual decoder decides, and names what is wrong
                pass
            except (IndexError, KeyError, ValueError, OverflowError, TypeError, MemoryError):
                pass
    try:
        fp = fast_profile_class().FromString(data)
    except Exception:  # upb's DecodeError, RecursionError, ...
        raise ProfileError("not a pprof profile: invalid protobuf data") from None
    try:
        return _build(fp, data)
    except ProfileError:
        raise
    except (IndexError, KeyError, ValueError, OverflowError, TypeError, MemoryError, RecursionError) as e:
        raise ProfileError(f"profile is corrupt: {type(e).__name__}: {e}") from None


#: The first lines of the text formats that came before profile.proto (pprof's legacy parsers).
_LEGACY_TEXT = re.compile(
    rb"\s*(?:heap profile:|heap_v2/|--- ?(?:contention|mutex|heapz|threadz|symbol)|goroutine profile:|"
    rb"threadcreation profile:|[a-z]+ profile: total \d)"
)


def _legacy_format(data: bytes | bytearray) -> str | None:
    """What older format ``data`` is in (a legacy text or binary CPU profile), or None."""
    head = bytes(data[:64])
    if _LEGACY_TEXT.match(head):
        return "a legacy text profile"
    # The legacy binary CPU profile: a header of machine words 0, 3, 0, period, 0 (either order).
    for word in (4, 8):
        if len(head) >= 5 * word:
            first = [head[i:i + word] for i in range(0, 3 * word, word)]
            three_le, three_be = (3).to_bytes(word, "little"), (3).to_bytes(word, "big")
            if first[0] == first[2] == bytes(word) and first[1] in (three_le, three_be):
                return "a legacy binary CPU profile"
    return None


def _build(fp: FastProfile, raw: bytes | bytearray) -> Profile:
    strings = list(fp.string_table)
    # Names are whatever the file says: none may carry a terminal's control sequences into a
    # report or the TUI. Escaped once here (a real profile has none: one search of the table).
    if has_controls("".join(strings)):
        strings = [escape_controls(x) for x in strings]
    if strings and strings[0] != "":
        raise ProfileError("profile is corrupt: string_table[0] must be ''")
    nstr = len(strings)

    def s(i: int) -> str:
        if 0 <= i < nstr:
            return strings[i]
        if i == 0:
            return ""
        raise ProfileError(f"profile is corrupt: string index {i} out of range (table has {nstr})")

    sample_types = [SampleType(s(vt.type), s(vt.unit)) for vt in fp.sample_type]
    nt = len(sample_types)
    if nt == 0:
        raise ProfileError("not a pprof profile: no sample types")

    mapping_files: dict[int, str] = {}
    for m in fp.mapping:
        mapping_files[m.id] = s(m.filename)
    mapping_file = build_id = ""
    if len(fp.mapping):
        mapping_file = s(fp.mapping[0].filename)
        build_id = s(fp.mapping[0].build_id)

    functions: dict[int, tuple[str, str, int]] = {}
    for f in fp.function:
        functions[f.id] = (s(f.name), s(f.filename), f.start_line)

    frames: list[Frame] = []
    frame_index: dict[tuple[str, str, int, int], int] = {}
    site_frame: list[int] = []
    site_inline: list[bool] = []
    site_mapping: list[int] = []
    site_index: dict[tuple[int, bool, int], int] = {}
    mapping_list: list[str | None] = [None]
    mapping_index: dict[int, int] = {}
    for mid, mfile in mapping_files.items():
        mapping_index[mid] = len(mapping_list)
        mapping_list.append(mfile)

    def site(fr: tuple[str, str, int, int], inline: bool, mi: int) -> str:
        fi = frame_index.get(fr)
        if fi is None:
            fi = frame_index[fr] = len(frames)
            frames.append(Frame(*fr))
        key = (fi, inline, mi)
        si = site_index.get(key)
        if si is None:
            si = len(site_frame)
            if si > _MAX_SITE:
                raise ProfileError("profile too large: more than 1,114,111 distinct frames")
            site_index[key] = si
            site_frame.append(fi)
            site_inline.append(inline)
            site_mapping.append(mi)
        return chr(si)

    locstr: dict[int, str] = {}
    for loc in fp.location:
        mid = loc.mapping_id
        if mid and mid not in mapping_files:
            raise ProfileError(
                f"profile is corrupt: location {loc.id} refers to mapping {mid}, which does not exist"
            )
        objfile = mapping_files.get(mid, "")
        mi = mapping_index.get(mid, 0)
        unknown = f"[{os.path.basename(objfile)}]" if objfile else "<unknown>"
        lines = loc.line
        if not len(lines):
            locstr[loc.id] = site((unknown, "", 0, 0), False, mi)
            continue
        last = len(lines) - 1
        parts = []
        for j, ln in enumerate(lines):
            fid = ln.function_id
            if fid == 0:
                fr = (unknown, "", 0, 0)
            else:
                fn = functions.get(fid)
                if fn is None:
                    raise ProfileError(
                        f"profile is corrupt: location {loc.id} refers to function {fid}, "
                        "which does not exist"
                    )
                name, filename, start = fn
                fr = (name or unknown, filename, ln.line, start)
            parts.append(site(fr, j != last, mi))
        locstr[loc.id] = "".join(parts)

    arrays: StackArrays | None = None
    if fastdecode.is_bulk(fp):  # a big profile, its samples as bytes: numpy decodes them
        arrays = fastdecode.samples(fp.sample, locstr, nt)
        if arrays is None:
            raise _Retry
        stacks: list[str] = []  # made from the arrays when read (ArrayProfile)
        values: list[list[int]] = []
    else:
        got = _samples_fast(fp.sample, locstr, nt)
        if got is None:  # unpacked encoding somewhere: let upb decode every sample the usual way
            got = _samples_slow(raw, locstr, nt)
        stacks, values = got
    n_samples = len(fp.sample)

    period_type = None
    if fp.HasField("period_type"):
        period_type = SampleType(s(fp.period_type.type), s(fp.period_type.unit))
    default = s(fp.default_sample_type) or None
    p = (Profile if arrays is None else ArrayProfile)(
        sample_types=sample_types,
        default_sample_type=default,
        period_type=period_type,
        period=fp.period,
        duration_ns=fp.duration_nanos,
        time_nanos=fp.time_nanos,
        comments=[s(c) for c in fp.comment],
        frames=frames,
        values=values,
        n_samples=n_samples,
        mapping_file=mapping_file,
        build_id=build_id,
        site_frame=site_frame,
        site_inline=site_inline,
        site_mapping=site_mapping,
        mapping_files=mapping_list,
        site_stacks=stacks,
    )
    if arrays is not None:
        cast(ArrayProfile, p).seed(arrays)
    return p


def _has_numpy() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("numpy") is not None
    except (ImportError, ValueError):
        return False


_VARINT = re.compile(rb"[\x80-\xff]*[\x00-\x7f]", re.S)


class _LocTable(dict[int, str]):
    """location id (as a char) -> its site string; a missing id is a corrupt profile."""

    def __missing__(self, key: int) -> NoReturn:
        raise ProfileError(
            f"profile is corrupt: sample refers to location {key}, which does not exist"
        )


def _decode_varints(b: bytes) -> tuple[int, ...]:
    out = []
    v = shift = 0
    for c in b:
        v |= (c & 0x7F) << shift
        if c & 0x80:
            shift += 7
            if shift > 63:
                raise ProfileError("profile is corrupt: varint too long")
        else:
            out.append(v - (1 << 64) if v >= 1 << 63 else v)
            v = shift = 0
    if shift:
        raise ProfileError("profile is corrupt: truncated varint")
    return tuple(out)


def _missing_location(b: bytes, locstr: dict[int, str]) -> ProfileError:
    for i in _decode_varints(b):
        if i not in locstr:
            return ProfileError(
                f"profile is corrupt: sample refers to location {i}, which does not exist"
            )
    return ProfileError("profile is corrupt: bad location list")


class _ValueCache(dict[bytes, tuple[int, ...]]):
    """packed values (bytes) -> tuple of ints, decoded once: values repeat a lot."""

    def __init__(self, nt: int) -> None:
        super().__init__()
        self.nt = nt

    def __missing__(self, vb: bytes) -> tuple[int, ...]:
        v = _decode_varints(vb)
        if len(v) != self.nt:
            raise ProfileError(
                f"profile is corrupt: a sample has {len(v)} values for {self.nt} sample types"
            )
        self[vb] = v
        return v


def _samples_fast(samples: Sequence[FastSample], locstr: dict[int, str], nt: int) -> _Merged | None:
    """Merge samples by stack from their raw packed bytes; None if some sample is not packed.

    Every step maps a C function over the whole list; Python only loops where stacks merge.
    """
    pairs = Counter([(smp.location_id, smp.value) for smp in samples])
    if not pairs:
        return [], [[] for _ in range(nt)]
    lbs = [k[0] for k in pairs]
    vbs = [k[1] for k in pairs]
    if not all(lbs) or (nt and not all(vbs)):
        return None  # an empty (or unpacked) location list or value list: the slow path decides
    ascii_table = _LocTable()
    for i, st in locstr.items():
        if 0 < i < 0x80:
            ascii_table[i] = st  # str.translate looks characters up by ordinal
    if all(map(bytes.isascii, lbs)):  # every id below 128: one byte per id
        # a list is the fastest table; a missing id maps to 0.5, which is not a str: TypeError
        table: list[Any] = [0.5] * 128  # Any: 0.5 is there to be an invalid table value
        for i, st in ascii_table.items():
            table[i] = st
        try:
            keys = list(map(str.translate, map(bytes.decode, lbs, repeat("latin-1")),
                            repeat(table)))
        except TypeError:
            keys = [lb.decode("latin-1").translate(ascii_table) for lb in lbs]  # raises
    else:
        chunk_table = {varint(i): st for i, st in locstr.items()}
        chunkget = chunk_table.__getitem__
        findall = _VARINT.findall
        keys = []
        for lb in lbs:
            if lb.isascii():
                keys.append(lb.decode("latin-1").translate(ascii_table))
                continue
            if lb[-1] & 0x80:
                raise ProfileError("profile is corrupt: truncated location list")
            try:
                keys.append("".join(map(chunkget, findall(lb))))
            except KeyError:
                raise _missing_location(lb, locstr) from None
    rows = list(map(_ValueCache(nt).__getitem__, vbs))
    counts = pairs.values()
    if any(c != 1 for c in counts):
        rows = [v if c == 1 else tuple([x * c for x in v]) for v, c in zip(rows, counts)]
    return _merge(keys, rows, nt)


def _merge(keys: list[str], rows: list[tuple[int, ...]], nt: int) -> _Merged:
    """Sum the rows of equal keys: (distinct keys, per-type columns), all but the sums in C."""
    n = len(keys)
    first: dict[str, int] = {}
    firsts = list(map(first.setdefault, keys, range(n)))  # each key's first position, one pass
    if len(first) == n:
        return keys, _columns(rows, nt)
    rows = list(rows)
    again = list(map(ne, firsts, range(n)))  # a key met before: only those are visited in Python
    for i in compress(range(n), again):
        f = firsts[i]
        rows[f] = tuple(map(add, rows[f], rows[i]))
    keep = list(compress(range(n), map(not_, again)))
    return list(map(keys.__getitem__, keep)), _columns(list(map(rows.__getitem__, keep)), nt)


def _columns(rows: list[tuple[int, ...]], nt: int) -> list[list[int]]:
    return [list(map(itemgetter(t), rows)) for t in range(nt)]


def _samples_slow(raw: bytes | bytearray, locstr: dict[int, str], nt: int) -> _Merged:
    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

    try:
        samples = PbProfile.FromString(bytes(raw)).sample  # rare (unpacked samples): a copy is fine
    except Exception:
        raise ProfileError("not a pprof profile: invalid protobuf data") from None
    locget = locstr.__getitem__
    keys: list[str] = []
    rows: list[tuple[int, ...]] = []
    for smp in samples:
        try:
            keys.append("".join(map(locget, smp.location_id)))
        except KeyError:
            missing = next(i for i in smp.location_id if i not in locstr)
            raise ProfileError(
                f"profile is corrupt: sample refers to location {missing}, which does not exist"
            ) from None
        v = tuple(smp.value)
        if len(v) != nt:
            raise ProfileError(
                f"profile is corrupt: a sample has {len(v)} values for {nt} sample types"
            )
        rows.append(v)
    return _merge(keys, rows, nt)
