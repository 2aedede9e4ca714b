// Package goprof is a small workload for m3tui's pprof tests: CPU-heavy
// recursion, allocations at varied stack depths, a contended mutex and
// channel blocking.
package goprof

import (
	"strings"
	"sync"
)

// Fib is deliberately recursive and CPU heavy.
func Fib(n int) int {
	if n < 2 {
		return n
	}
	return Fib(n-1) + Fib(n-2)
}

// square is small enough to be inlined.
func square(x int) int { return x * x }

// addSquares calls the inlinable square in a loop.
func addSquares(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += square(i) % 7
	}
	return s
}

// Hash mixes bytes: a second CPU hot spot reached from two call paths.
func Hash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func pathA(data []byte) uint64 { return Hash(data) + uint64(addSquares(200)) }
func pathB(data []byte) uint64 { return Hash(data[:len(data)/2]) ^ uint64(Fib(12)) }

// Work runs the CPU workload once.
func Work(data []byte) uint64 {
	return pathA(data) + pathB(data) + uint64(Fib(18))
}

var sink []string

//go:noinline
func allocLeaf(n int) []byte { return make([]byte, n) }

//go:noinline
func allocDeep(depth, n int) []byte {
	if depth == 0 {
		return allocLeaf(n)
	}
	if depth%3 == 0 {
		_ = allocLeaf(n / 2)
	}
	return allocDeep(depth-1, n)
}

//go:noinline
func buildString(parts int) string {
	var sb strings.Builder
	for i := 0; i < parts; i++ {
		sb.WriteString("part-")
		sb.WriteByte(byte('a' + i%26))
	}
	return sb.String()
}

// Allocate allocates at several depths and through strings.
func Allocate(i int) int {
	total := 0
	total += len(allocDeep(i%7, 64+i%5*32))
	total += len(allocDeep(i%4+1, 4096))
	s := buildString(i%20 + 1)
	if i%16 == 0 {
		sink = append(sink, s)
		if len(sink) > 64 {
			sink = sink[:0]
		}
	}
	m := make(map[int]string, 4)
	m[i] = s
	return total + len(m)
}

// Counter is guarded by a mutex that many goroutines fight over.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Inc takes the lock and does a little work while holding it.
func (c *Counter) Inc() {
	c.mu.Lock()
	c.n += addSquares(50)
	c.mu.Unlock()
}

// PingPong passes a token n times between two goroutines over unbuffered channels.
func PingPong(n int) int {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	for range pong {
	}
	return v
}
