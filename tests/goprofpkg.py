"""A small Go package to profile (allocations, a contended mutex, a blocking channel, sleeps) for
the capture, tuner and pproftool tests, and ``go_env``: the real go on PATH, offline.

``go_env`` is registered by tests/conftest.py: use it by name, do not import it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROFPKG_SRC = """package profpkg

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

var sink [][]byte

//go:noinline
func allocSmall() []byte { return make([]byte, 64) }

//go:noinline
func allocBig() []byte { return make([]byte, 4096) }

func BenchmarkAlloc(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := allocSmall()
		g := allocBig()
		if i%1024 == 0 {
			sink = append(sink[:0], s, g)
		}
	}
}

func BenchmarkAllocOther(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = append(sink[:0], allocSmall())
	}
}

// BenchmarkMutex: four goroutines fight over one mutex (yielding while holding it).
func BenchmarkMutex(b *testing.B) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < b.N; i++ {
				mu.Lock()
				counter++
				runtime.Gosched()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// BenchmarkChan: an unbuffered channel to a slow receiver, so both sides block.
func BenchmarkChan(b *testing.B) {
	ch := make(chan int)
	done := make(chan struct{})
	go func() {
		for range ch {
			time.Sleep(time.Microsecond)
		}
		close(done)
	}()
	for i := 0; i < b.N; i++ {
		ch <- i
	}
	close(ch)
	<-done
}

func BenchmarkSleep(b *testing.B) {
	for i := 0; i < b.N; i++ {
		time.Sleep(20 * time.Millisecond)
	}
}
"""

BROKEN_SRC = """package broken

import "testing"

func BenchmarkBroken(b *testing.B) {
	undefinedThing(b.N)
}
"""


def make_package(root: Path, name: str = "profpkg", src: str = PROFPKG_SRC) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.21\n")
    (d / f"{name}_test.go").write_text(src)
    return d


@pytest.fixture
def go_env(real_go, monkeypatch):
    """The real go first on PATH, modules offline; returns the go binary."""
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    return real_go
