package gobench

import (
	"fmt"
	"testing"
)

var sink int

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

func BenchmarkSum(b *testing.B) {
	xs := make([]int, 64)
	for i := 0; i < b.N; i++ {
		sink += sum(xs)
	}
}

func BenchmarkSizes(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				xs := make([]int, n)
				sink += sum(xs)
			}
		})
	}
}

func BenchmarkWidgets(b *testing.B) {
	w := 0
	for i := 0; i < b.N; i++ {
		w += 3
	}
	b.ReportMetric(float64(w)/float64(b.N), "widgets/op")
}

func BenchmarkBytes(b *testing.B) {
	buf := make([]byte, 1024)
	b.SetBytes(int64(len(buf)))
	for i := 0; i < b.N; i++ {
		for j := range buf {
			buf[j]++
		}
	}
}

// BenchmarkChatty prints to stdout while it runs: go test then splits the result line
// ("BenchmarkChatty-2   \tchatty: starting 1" ... "     100\t 200 ns/op").
func BenchmarkChatty(b *testing.B) {
	fmt.Println("chatty: starting", b.N)
	b.Log("a b.Log line")
	for i := 0; i < b.N; i++ {
		sink += i
	}
}
