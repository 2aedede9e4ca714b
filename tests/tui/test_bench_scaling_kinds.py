"""The Bench pane's scaling view labels serial and contended benchmarks from the package's Go source."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from m3tui.bench.fmt import BenchResult
from m3tui.tui.panes.bench import BenchPane
from tests.appkit import M3_BENCH_CONFIG, FixedBenchBackend, settle, snapshot_app

SOURCE = """package cart

import (
	"sync"
	"testing"
)

var mu sync.Mutex

func BenchmarkEncode(b *testing.B) {
	for i := 0; i < b.N; i++ {
		encode()
	}
}

func BenchmarkCheckout(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(itemsName(n), func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					mu.Unlock()
				}
			})
		})
	}
}
"""


def flat(name: str) -> list[BenchResult]:
    return [BenchResult(name, procs, 1000, {"ns/op": 600.0 + i}, M3_BENCH_CONFIG)
            for procs in (1, 2, 4) for i in range(6)]


async def test_scaling_view_says_serial_and_contended(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cart_test.go").write_text(SOURCE)
    app = snapshot_app(bench=FixedBenchBackend())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        await app.workers.wait_for_complete()
        pane = app.main_screen.query_one(BenchPane)
        pane.load_results({"run 1": [*flat("Encode"), *flat("Checkout/items=10"), *flat("Other")]}, "run 1")
        pane.package_dir = tmp_path
        await pilot.press("s")
        await pilot.pause()
        text = str(pane.query_one("#bench-scaling-text", Static).render())
        lines = text.splitlines()
        encode = lines.index("Encode  (pkg: example.com/shop/cart)  serial: GOMAXPROCS does not apply")
        assert lines[encode + 1].split() == ["GOMAXPROCS", "sec/op", "speed-up"]
        assert ("Checkout/items=10  (pkg: example.com/shop/cart)  contended: RunParallel, but sec/op is flat or worse"
                " with more GOMAXPROCS (efficiency 25% at GOMAXPROCS=4)") in lines
        assert "Other  (pkg: example.com/shop/cart)" in lines  # not in the source: today's table
        pane.package_dir = None  # results from elsewhere: no source, no labels
        await pilot.press("l", "s")
        await pilot.pause()
        assert "serial" not in str(pane.query_one("#bench-scaling-text", Static).render())


def test_sides_measured_in_another_tree_get_no_labels(tmp_path: Path) -> None:
    from m3tui.tui.panes.bench_views import scaling_text

    (tmp_path / "cart_test.go").write_text(SOURCE)
    results = {"main@3f2c1d0": flat("Encode"), "working tree": flat("Encode")}
    text = str(scaling_text(results, [], tmp_path, other_trees={"main@3f2c1d0"}))
    main, work = text.split("── working tree")
    assert "serial" not in main and "Encode  (pkg: example.com/shop/cart)\n" in main
    assert "Encode  (pkg: example.com/shop/cart)  serial: GOMAXPROCS does not apply" in work
    assert "serial" not in str(scaling_text(results, [], None))
