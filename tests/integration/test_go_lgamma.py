"""goexp's Go math.Lgamma table and go-moremath's Choose against the real Go on this machine."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

import pytest

from m3tui.bench.goexp import GO_LGAMMA_MAX, go_choose, go_lgamma_int

PROGRAM = """package main

import (
	"fmt"
	"math"
	"strconv"
)

func g(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func main() {
	for i := 1; i <= %d; i++ {
		v, _ := math.Lgamma(float64(i))
		fmt.Println("lgamma", i, g(v))
	}
	// go-moremath's mathx.Choose above its factorial table (n > 20): Exp of three Lgammas
	for n := 21; n <= 60; n++ {
		for k := 1; k < n; k++ {
			a, _ := math.Lgamma(float64(n + 1))
			b, _ := math.Lgamma(float64(k + 1))
			c, _ := math.Lgamma(float64(n - k + 1))
			fmt.Println("choose", n, k, g(math.Exp(a-b-c)))
		}
	}
}
"""


@pytest.mark.go
def test_lgamma_and_choose_are_gos_bit_for_bit(real_go: Path, tmp_path: Path) -> None:
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("the table is Go's amd64 math.Lgamma (over its assembly Log)")
    (tmp_path / "go.mod").write_text("module lgammacheck\n\ngo 1.21\n")
    (tmp_path / "main.go").write_text(PROGRAM % GO_LGAMMA_MAX)
    done = subprocess.run([str(real_go), "run", "."], capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lgammas = chooses = 0
    for line in done.stdout.splitlines():
        kind, *nums, want = line.split()
        if kind == "lgamma":
            assert go_lgamma_int(int(nums[0])) == float(want), line
            lgammas += 1
        else:
            assert go_choose(int(nums[0]), int(nums[1])) == float(want), line
            chooses += 1
    assert (lgammas, chooses) == (GO_LGAMMA_MAX, sum(n - 1 for n in range(21, 61)))
