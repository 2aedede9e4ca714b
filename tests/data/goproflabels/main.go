// Command goproflabels writes real profiles whose samples carry labels, for m3tui's pprof flag tests
// (tests/integration/test_profile_flags.py): a CPU profile of work done under pprof.Do labels
// (worker=alpha|beta|gamma, phase=hash|sum), a heap profile (its samples carry the numeric "bytes"
// label: the allocation size) and a goroutine profile of goroutines parked under labels.
// Usage: goproflabels OUTDIR
package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var (
	sink uint64
	keep [][]byte
	mu   sync.Mutex
)

//go:noinline
func hash(n int) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < n; i++ {
		h ^= uint64(i)
		h *= 1099511628211
	}
	return h
}

//go:noinline
func sum(n int) uint64 {
	var s uint64
	for i := 0; i < n; i++ {
		s += uint64(i) * uint64(i)
	}
	return s
}

func square(x uint64) uint64 { return x * x } // inlined

//go:noinline
func alloc(n int) []byte { return make([]byte, n) }

func work(ctx context.Context, name string, n int, deadline time.Time) {
	pprof.Do(ctx, pprof.Labels("worker", name), func(ctx context.Context) {
		for time.Now().Before(deadline) {
			pprof.Do(ctx, pprof.Labels("phase", "hash"), func(context.Context) {
				mu.Lock()
				sink += square(hash(n))
				mu.Unlock()
			})
			pprof.Do(ctx, pprof.Labels("phase", "sum"), func(context.Context) {
				mu.Lock()
				sink += sum(n / 2)
				mu.Unlock()
			})
		}
	})
}

func allocate() {
	for i, size := range []int{64, 1000, 4096, 40000, 300000, 2 << 20} {
		for j := 0; j < 8+i; j++ {
			b := alloc(size)
			if j%2 == 0 {
				keep = append(keep, b)
			}
		}
	}
}

func park(ctx context.Context, name string, wg *sync.WaitGroup, stop chan struct{}) {
	pprof.Do(ctx, pprof.Labels("pool", name), func(context.Context) {
		wg.Done()
		<-stop
	})
}

func write(dir, name string) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		panic(err)
	}
	f.Close()
}

func main() {
	dir := os.Args[1]
	runtime.MemProfileRate = 1
	cpu, err := os.Create(filepath.Join(dir, "cpu"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		panic(err)
	}
	ctx := context.Background()
	deadline := time.Now().Add(600 * time.Millisecond)
	var wg sync.WaitGroup
	for i, name := range []string{"alpha", "beta", "gamma"} {
		wg.Add(1)
		go func(name string, n int) {
			defer wg.Done()
			work(ctx, name, n, deadline)
		}(name, 20000*(i+1))
	}
	wg.Wait()
	pprof.StopCPUProfile()
	cpu.Close()

	allocate()
	runtime.GC()
	write(dir, "heap")
	write(dir, "allocs")

	stop := make(chan struct{})
	var parked sync.WaitGroup
	for i, name := range []string{"io", "io", "cpu", "db", "db", "db"} {
		parked.Add(1)
		go park(ctx, name+string(rune('0'+i%2)), &parked, stop)
	}
	parked.Wait()
	write(dir, "goroutine")
	close(stop)
	println(sink, len(keep))
}
