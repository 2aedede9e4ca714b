"""Config lines as benchfmt keeps them: the order of keys matters (benchstat's .config lists
them in that order, so its table headers)."""

from __future__ import annotations

from m3tui.bench.benchtab import group
from m3tui.bench.fmt import parse


def test_a_deleted_key_takes_the_last_ones_place() -> None:
    """benchfmt's Result.deleteConfig swaps the deleted key with the last one, then drops it."""
    rs = parse("a: 1\nb: 2\nc: 3\nd: 4\nb:\nBenchmarkX 1 1 ns/op\nd:\nBenchmarkX 1 2 ns/op\ne: 5\nc: 9\nBenchmarkX 1 3 ns/op\n").results
    assert [list(r.config.items()) for r in rs] == [[("a", "1"), ("d", "4"), ("c", "3")], [("a", "1"), ("c", "3")],
                                                    [("a", "1"), ("c", "9"), ("e", "5")]]  # fmt: skip


def test_table_headers_follow_that_order() -> None:
    """.config's fields in the order each key is first seen in a result's config (projection.go)."""
    (g,) = group([("f", parse("pkg: p\nnote: n\ncpu: c\ngoarch: g\nnote:\nBenchmarkX 1 1 ns/op\n").results)])
    assert [k for k, _ in g.header] == ["pkg", "goarch", "cpu"]
