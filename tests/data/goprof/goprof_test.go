package goprof

import (
	"sync"
	"testing"
)

var data = func() []byte {
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

var out uint64

func BenchmarkWork(b *testing.B) {
	for i := 0; i < b.N; i++ {
		out += Work(data)
	}
}

func BenchmarkAllocate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		out += uint64(Allocate(i))
	}
}

func BenchmarkMutex(b *testing.B) {
	var c Counter
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < b.N; i++ {
				c.Inc()
			}
		}()
	}
	wg.Wait()
}

func BenchmarkChan(b *testing.B) {
	out += uint64(PingPong(b.N))
}

func TestWork(t *testing.T) {
	if Fib(10) != 55 {
		t.Fatal("fib")
	}
	if Allocate(3) == 0 || PingPong(3) != 3 {
		t.Fatal("work")
	}
}
