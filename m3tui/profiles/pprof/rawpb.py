"""profile.proto's Profile as upb parses it for the decoder's fast path: a message class built at
run time whose Samples keep `location_id` and `value` as raw packed varints (`fast_profile_class`),
and the Protocols that type what the decoder reads from it (profile_pb2.pyi types the usual ones).
Split from decode.py, which reads these messages, to keep that module under 600 lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast


# The messages of the class that fast_profile_class builds at run time (profile_pb2.pyi types
# the usual ones): the fields read here, as upb gives them.
class ValueType(Protocol):
    type: int
    unit: int


class Mapping(Protocol):
    id: int
    filename: int
    build_id: int


class Function(Protocol):
    id: int
    name: int
    filename: int
    start_line: int


class Line(Protocol):
    function_id: int
    line: int


class Location(Protocol):
    id: int
    mapping_id: int
    line: Sequence[Line]


class FastSample(Protocol):
    location_id: bytes  # the packed varints, raw
    value: bytes


class FastProfile(Protocol):
    sample_type: Sequence[ValueType]
    sample: Sequence[FastSample]
    mapping: Sequence[Mapping]
    location: Sequence[Location]
    function: Sequence[Function]
    string_table: Sequence[str]
    period_type: ValueType
    period: int
    duration_nanos: int
    time_nanos: int
    comment: Sequence[int]
    default_sample_type: int

    def HasField(self, field_name: str) -> bool: ...


class FastProfileClass(Protocol):
    def FromString(self, s: bytes | bytearray) -> FastProfile: ...


_fast_class: FastProfileClass | None = None


def fast_profile_class() -> FastProfileClass:
    """profile.proto's Profile whose Samples keep `location_id` and `value` as raw packed bytes."""
    global _fast_class
    if _fast_class is None:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

        from m3tui.profiles.pprof import profile_pb2

        fdp = descriptor_pb2.FileDescriptorProto()
        profile_pb2.DESCRIPTOR.CopyToProto(fdp)
        fdp.name = "m3tui_pprof_fast.proto"
        fdp.package = "m3tui.pprof.fast"
        for m in fdp.message_type:
            for f in m.field:
                if f.type_name.startswith(".perftools.profiles."):
                    f.type_name = ".m3tui.pprof.fast." + f.type_name.rsplit(".", 1)[1]
            if m.name == "Sample":
                # the packed varints as raw bytes; labels are not needed (pprof -top ignores them)
                keep = [f for f in m.field if f.name in ("location_id", "value")]
                for f in keep:
                    f.type = f.TYPE_BYTES
                    f.label = f.LABEL_OPTIONAL
                    f.ClearField("options")
                del m.field[:]
                m.field.extend(keep)
        pool = descriptor_pool.DescriptorPool()
        pool.Add(fdp)
        _fast_class = cast(
            FastProfileClass,
            message_factory.GetMessageClass(pool.FindMessageTypeByName("m3tui.pprof.fast.Profile")),
        )
    return _fast_class


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)
