// Command goviews writes one profile of each kind Go makes (cpu with labels set by pprof.Do, heap,
// allocs, block, mutex, goroutine) into the directory given as its argument, for m3tui's
// peek/list/traces parity tests (tests/integration/test_profile_views.py).
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
	kept [][]byte
)

//go:noinline
func fib(n int) uint64 {
	if n < 2 {
		return uint64(n)
	}
	return fib(n-1) + fib(n-2)
}

func square(x uint64) uint64 { return x * x } // inlined into hash

//go:noinline
func hash(n int) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < n; i++ {
		h ^= square(uint64(i))
		h *= 1099511628211
	}
	return h
}

// burn spends CPU in fib and hash: n rounds of a few hundred microseconds (a fixed amount of work, so
// a loaded machine gives as many samples as an idle one).
func burn(n int) {
	for i := 0; i < n; i++ {
		sink += fib(20)
		sink += hash(20000)
	}
}

//go:noinline
func allocSmall(n int) []byte { return make([]byte, n) }

//go:noinline
func allocBig() []byte { return make([]byte, 64<<10) }

func allocate() {
	for i := 0; i < 2000; i++ {
		b := allocSmall(16 + i%64)
		if i%100 == 0 {
			kept = append(kept, b, allocBig())
		}
	}
}

func pingPong(n int) {
	a, b := make(chan int), make(chan int)
	go func() {
		for v := range a {
			time.Sleep(10 * time.Microsecond)
			b <- v
		}
		close(b)
	}()
	for i := 0; i < n; i++ {
		a <- i
		<-b
	}
	close(a)
}

type counter struct {
	mu sync.Mutex
	n  int
}

//go:noinline
func (c *counter) inc() {
	c.mu.Lock()
	c.n++
	for i := 0; i < 200; i++ {
		sink += uint64(i)
	}
	c.mu.Unlock()
}

func contend() {
	var c counter
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20000; i++ {
				c.inc()
			}
		}()
	}
	wg.Wait()
}

//go:noinline
func parked(ch chan struct{}, wg *sync.WaitGroup) {
	wg.Done()
	<-ch
}

func write(dir, name string, f func(*os.File) error) {
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	if err := f(out); err != nil {
		panic(err)
	}
	if err := out.Close(); err != nil {
		panic(err)
	}
}

func main() {
	dir := os.Args[1]
	runtime.MemProfileRate = 1
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	ctx := context.Background()

	cpu, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		panic(err)
	}
	pprof.Do(ctx, pprof.Labels("worker", "fib", "phase", "one"), func(context.Context) { burn(3000) })
	pprof.Do(ctx, pprof.Labels("worker", "hash"), func(context.Context) { burn(2000) })
	burn(1000)
	pprof.StopCPUProfile()
	cpu.Close()

	allocate()
	pingPong(300)
	contend()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go parked(stop, &wg)
	}
	wg.Add(1)
	pprof.Do(ctx, pprof.Labels("pool", "a"), func(context.Context) { go parked(stop, &wg) })
	wg.Wait()
	write(dir, "goroutine.pb.gz", func(f *os.File) error { return pprof.Lookup("goroutine").WriteTo(f, 0) })
	close(stop)

	runtime.GC()
	for _, kind := range []string{"heap", "allocs", "block", "mutex"} {
		write(dir, kind+".pb.gz", func(f *os.File) error { return pprof.Lookup(kind).WriteTo(f, 0) })
	}
	runtime.KeepAlive(kept)
}
