"""The decoded, pre-merged form of a pprof profile.

A `Profile` holds the DISTINCT call stacks of a profile file (samples with identical stacks are
merged at decode time, labels ignored, like `go tool pprof -top` does) and, per sample type, the
summed value of each stack. (A `diff` holds the distinct stacks of each of its two profiles: a
stack in both is there twice, like pprof keeps the base's samples apart from the profile's.)

Internally each stack is also kept as a `str` whose characters are "site" ids: a site is a frame
plus whether that frame was inlined into its caller (a Location's lines other than its last one).
The inline bit is what pprof's "(inline)" labels and peek edges need, and strings make the
per-stack work of `analysis` run in C (`str.translate`, `frozenset`, dict look-ups).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from m3tui.core.errors import InputError
from m3tui.core.redact import redact

# What a terminal would act on rather than show: C0 and C1 controls, DEL, line and paragraph
# separators, bidirectional overrides, and the lone surrogates that stand for undecodable bytes.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m[0])
    if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{c - 0xDC00:02x}"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def has_controls(text: str) -> bool:
    """Whether ``text`` holds anything `escape_controls` would escape."""
    return _UNPRINTABLE.search(text) is not None


def escape_controls(text: str) -> str:
    """``text`` with what a terminal would act on escaped (``\\x1b``, ``\\u202e``); most text has none."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def printable(text: str | os.PathLike[str]) -> str:
    """A name fit to print: control characters escaped (``\\x1b``), URL credentials masked."""
    return redact(escape_controls(os.fspath(text)))


class ProfileError(InputError):
    """A profile cannot be used (malformed, too large, a sample type or filter it does not have):
    invalid input, exit 2; `str(err)` is a one-line, user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True)
class SampleType:
    type: str
    unit: str


@dataclass(frozen=True)
class Frame:
    function: str
    file: str
    line: int
    start_line: int


@dataclass
class Profile:
    sample_types: list[SampleType]
    default_sample_type: str | None = None
    period_type: SampleType | None = None
    period: int = 0
    duration_ns: int = 0
    time_nanos: int = 0
    comments: list[str] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    values: list[list[int]] = field(default_factory=list)
    n_samples: int = 0
    #: first mapping's file and build id (pprof's "File:" and "Build ID:" header lines)
    mapping_file: str = ""
    build_id: str = ""
    #: per site: index into `frames`, and whether the frame was inlined into its caller (a site is
    #: a frame as it appears in one kind of Location: inlined or not, in which mapping)
    site_frame: list[int] = field(default_factory=list, repr=False)
    site_inline: list[bool] = field(default_factory=list, repr=False)
    #: per site: index into `mapping_files` (0: no mapping); focus/ignore/hide match those too
    site_mapping: list[int] = field(default_factory=list, repr=False)
    mapping_files: list[str | None] = field(default_factory=lambda: [None], repr=False)
    #: the distinct stacks (for a `diff`: per profile) as strings of site ids (chr), leaf first
    site_stacks: list[str] = field(default_factory=list, repr=False)
    #: for a `diff` result: per sample type, the total of the base profile (pprof's diff total)
    diff_base_totals: list[int] | None = None

    _stacks: list[tuple[int, ...]] | None = field(default=None, init=False, repr=False,
                                                   compare=False)

    @property
    def stacks(self) -> list[tuple[int, ...]]:
        """The distinct stacks, leaf first, as indexes into `frames` (inlined frames expanded)."""
        if self._stacks is None:
            sf = self.site_frame
            table = {i: chr(f) for i, f in enumerate(sf)}
            self._stacks = [tuple(map(ord, s.translate(table))) for s in self.site_stacks]
        return self._stacks

    def stack_count(self) -> int:
        """How many distinct stacks (`len(site_stacks)`, without making them; a big profile's
        count may hold a stack twice until its stacks are merged: `ArrayProfile`)."""
        return len(self.site_stacks)

    def distinct_stack_count(self) -> int:
        """How many distinct stacks (`len(site_stacks)`; a big profile's without making the strings)."""
        return len(self.site_stacks)

    def distinct_stack_count_ready(self) -> bool:
        """Whether `distinct_stack_count` answers at once (a big profile's merges its twin stacks
        first: about a second for a million, so the pane shows the count only once they are)."""
        return True

    def stack_arrays(self) -> StackArrays | None:
        """The stacks as numpy arrays when the decoder made them so (a big profile), else None;
        a stack may be there more than once (`StackArrays.merged`)."""
        return None

    def merged_arrays(self) -> StackArrays | None:
        """`stack_arrays` with identical stacks merged, as `site_stacks` holds them."""
        return None

    @property
    def sample_type_names(self) -> list[str]:
        return [st.type for st in self.sample_types]

    def sample_index(self, name: str | int | None) -> int:
        """pprof's `-sample_index`: None → default type (else the last), a number, or a name."""
        n = len(self.sample_types)
        if n == 0:
            raise ProfileError("profile has no sample types")
        if name is None or name == "":
            if self.default_sample_type:
                for i, st in enumerate(self.sample_types):
                    if st.type == self.default_sample_type:
                        return i
            return n - 1
        if isinstance(name, int) or (isinstance(name, str) and name.strip().lstrip("+-").isdigit()):
            i = int(name)
            if i < 0 or i >= n:
                raise ProfileError(f"sample_index {name} is outside the range [0..{n - 1}]")
            return i
        no_inuse = name[len("inuse_"):] if name.startswith("inuse_") else name
        for i, st in enumerate(self.sample_types):
            if st.type == name or st.type == no_inuse:
                return i
        raise ProfileError(
            f"sample_index {name!r} must be one of: {', '.join(self.sample_type_names)}"
        )

    def total(self, sample_index: int) -> int:
        """pprof's report total: the sum of |value| (for a diff, the base profile's total)."""
        if self.diff_base_totals is not None and self.diff_base_totals[sample_index] > 0:
            return self.diff_base_totals[sample_index]
        return sum(map(abs, self.values[sample_index]))


class StackArrays:
    """A big profile's stacks as numpy arrays (`fastdecode`): their site ids end to end (`sites`,
    uint32), each stack's start (`starts`, int64, one more than the stacks) and the values
    (`values`, int64, a row per stack, a column per sample type). As decoded, a stack may come
    more than once (`merged` False): sums over stacks do not care, so `fastagg` takes them so."""

    def __init__(self, sites: Any, starts: Any, values: Any, *, merged: bool = True) -> None:
        self.sites, self.starts, self.values = sites, starts, values
        self.merged = merged

    def strings(self) -> list[str]:
        text = self.sites.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
        b = self.starts.tolist()
        return list(map(text.__getitem__, map(slice, b[:-1], b[1:])))


_MERGING = threading.Lock()


class ArrayProfile(Profile):
    """A `Profile` whose distinct stacks (`site_stacks`) and `values` are made from its
    `StackArrays` when first read: identical stacks merged (`fastdecode.merge`), then the strings
    and lists made. Top on a big profile reads neither: `fastagg` takes the arrays as decoded.
    Assigning `site_stacks` or `values` drops the arrays (the other one is made first)."""

    @property
    def site_stacks(self) -> list[str]:
        got: list[str] | None = self.__dict__.get("_site_stacks")
        if got is None:
            arrays = self.merged_arrays()
            got = self.__dict__["_site_stacks"] = arrays.strings() if arrays is not None else []
        return got

    @site_stacks.setter
    def site_stacks(self, value: list[str]) -> None:
        if self.__dict__.get("_arrays") is not None:
            self.values  # made while the arrays are there
        self.__dict__["_site_stacks"] = value
        self.__dict__["_arrays"] = self.__dict__["_merged"] = None

    @property
    def values(self) -> list[list[int]]:
        got: list[list[int]] | None = self.__dict__.get("_values")
        if got is None:
            arrays = self.merged_arrays()
            got = [col.tolist() for col in arrays.values.T] if arrays is not None else []
            self.__dict__["_values"] = got
        return got

    @values.setter
    def values(self, value: list[list[int]]) -> None:
        if self.__dict__.get("_arrays") is not None:
            self.site_stacks  # made while the arrays are there
        self.__dict__["_values"] = value
        self.__dict__["_arrays"] = self.__dict__["_merged"] = None

    def seed(self, arrays: StackArrays) -> None:
        self.__dict__["_arrays"] = arrays
        self.__dict__["_merged"] = arrays if arrays.merged else None
        self.__dict__["_site_stacks"] = self.__dict__["_values"] = None

    def stack_count(self) -> int:
        """The stacks as held: before they are merged, a stack that comes twice counts twice."""
        arrays = self.__dict__.get("_merged") or self.stack_arrays()
        return len(arrays.starts) - 1 if arrays is not None else len(self.site_stacks)

    def distinct_stack_count(self) -> int:
        arrays = self.merged_arrays()
        return len(arrays.starts) - 1 if arrays is not None else len(self.site_stacks)

    def distinct_stack_count_ready(self) -> bool:
        return self.__dict__.get("_merged") is not None or self.stack_arrays() is None

    def stack_arrays(self) -> StackArrays | None:
        arrays: StackArrays | None = self.__dict__.get("_arrays")
        return arrays

    def merged_arrays(self) -> StackArrays | None:
        """The arrays with identical stacks merged (made once, when first asked for)."""
        got: StackArrays | None = self.__dict__.get("_merged")
        arrays = self.stack_arrays()
        if got is None and arrays is not None:
            from m3tui.profiles.pprof import fastdecode

            with _MERGING:  # one merge at a time (the pane counts in a thread): the second finds it made
                got = self.__dict__.get("_merged")
                if got is None:
                    got = self.__dict__["_merged"] = fastdecode.merge(arrays)
        return got

    def total(self, sample_index: int) -> int:
        arrays = self.stack_arrays()
        if arrays is None or self.diff_base_totals is not None:
            return super().total(sample_index)
        col = arrays.values[:, sample_index]
        if not arrays.merged and bool((col < 0).any()):  # twins that cancel out: |sum| of the merged
            col = self.merged_arrays().values[:, sample_index]  # type: ignore[union-attr]
        return int(abs(col).sum())  # the decoder checked that it fits int64
