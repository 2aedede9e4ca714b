"""record_fields: the flat fields of a JSON or logfmt line (what --where and the trace follow look up)."""

from __future__ import annotations

from m3tui.logs.fields import record_fields, seen_fields


def test_json_keys_as_written_nested_ones_dotted() -> None:
    raw = b'{"time":"2024-05-01T12:00:00Z","level":"WARN","msg":"slow","http":{"status":500,"req":{"path":"/q"}},"tags":[1,2],"empty":{}}\n'
    assert record_fields(raw) == {
        "time": "2024-05-01T12:00:00Z", "level": "WARN", "msg": "slow",
        "http.status": 500, "http.req.path": "/q", "tags": [1, 2], "empty": {},
    }  # fmt: skip


def test_logfmt_values_unquoted() -> None:
    raw = b'time=2024-05-01T12:00:00Z level=INFO msg="hello world" trace_id=4bf92f35 duration=1.5s\r\n'
    assert record_fields(raw) == {
        "time": "2024-05-01T12:00:00Z", "level": "INFO", "msg": "hello world", "trace_id": "4bf92f35", "duration": "1.5s",
    }  # fmt: skip


def test_plain_text_and_broken_json_are_not_structured() -> None:
    assert record_fields(b"2024/05/01 12:00:00 listening on :8080") is None
    assert record_fields(b"") is None
    assert record_fields(b'{"level": "INFO", "msg": ') is None
    assert record_fields(b"[1, 2]") is None
    assert record_fields(b"a=1 b=2") is None  # logfmt needs level=, lvl= or msg= (as parse_line)


def test_a_bom_and_invalid_utf8_do_not_stop_it() -> None:
    assert record_fields(b'\xef\xbb\xbf{"msg":"x\xff"}') == {"msg": "x\ufffd"}


def test_seen_fields_most_frequent_first_values_when_few() -> None:
    lines = [b'{"level":"INFO","msg":"a","n":%d}' % i for i in range(20)] + [b"level=warn msg=b component=api", b"plain"]
    seen = seen_fields(lines, most_values=12)
    assert list(seen)[:2] == ["level", "msg"] and list(seen)[-1] == "component"
    assert seen["level"] == ["INFO", "warn"] and seen["component"] == ["api"]
    assert seen["n"] == []  # 20 distinct values: a name to complete, no values
