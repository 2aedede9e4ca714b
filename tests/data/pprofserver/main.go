// Command pprofserver serves net/http/pprof on 127.0.0.1 (an ephemeral port, printed on stdout as
// "port N") while it burns CPU, allocates (and keeps a growing part: a slow leak, up to 16 MiB), blocks on
// channels and contends on a mutex, so every /debug/pprof profile has samples. It stops when its
// stdin closes. Written for m3tui's fetch tests (tests/integration/test_profile_fetch.py).
// With PPROFSERVER_HEADER="Name: value" set (several: one a line), a request without those headers
// gets a 401 (a service behind auth: tests/tui/test_profile_fetch_pane.py).
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

var (
	leak   [][]byte
	leakMu sync.Mutex
	sink   uint64
)

//go:noinline
func burn(n int) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < n; i++ {
		h ^= uint64(i)
		h *= 1099511628211
	}
	return h
}

//go:noinline
func allocate(n int) []byte { return make([]byte, n) }

//go:noinline
func grow() {
	leakMu.Lock()
	if len(leak) >= 1024 { // at most 16 MiB kept: the test machine's memory is not the subject
		leak = nil
	}
	leak = append(leak, allocate(16<<10))
	leakMu.Unlock()
}

func cpuWork() {
	for {
		sink += burn(1_000_000) // about 1 ms of CPU, then a rest: half a core at most
		time.Sleep(time.Millisecond)
	}
}

func allocWork() {
	for i := 0; ; i++ {
		_ = allocate(4096 + i%4096)
		if i%1000 == 0 {
			grow()
		}
		if i%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

func blockWork() {
	ch := make(chan int)
	go func() {
		for {
			time.Sleep(2 * time.Millisecond)
			ch <- 1
		}
	}()
	for range ch {
	}
}

func mutexWork() {
	var mu sync.Mutex
	for g := 0; g < 4; g++ {
		go func() {
			for {
				mu.Lock() // held while sleeping: the others wait (mutex contention), at little CPU cost
				time.Sleep(500 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
}

func main() {
	runtime.MemProfileRate = 4096
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go cpuWork()
	go allocWork()
	go blockWork()
	mutexWork()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Printf("port %d\n", ln.Addr().(*net.TCPAddr).Port)
	var handler http.Handler = http.DefaultServeMux
	if want := os.Getenv("PPROFSERVER_HEADER"); want != "" {
		wanted := map[string]string{} // one "Name: value" a line: every one required
		for _, line := range strings.Split(want, "\n") {
			name, value, _ := strings.Cut(line, ":")
			wanted[strings.TrimSpace(name)] = strings.TrimSpace(value)
		}
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for name, value := range wanted {
				if r.Header.Get(name) != value {
					http.Error(w, "401 unauthorized", http.StatusUnauthorized)
					return
				}
			}
			http.DefaultServeMux.ServeHTTP(w, r)
		})
	}
	if err := http.Serve(ln, handler); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
