package calc

import (
	"testing"
	"time"
)

func TestSub(t *testing.T) {
	t.Log("subtracting")
	if got := Sub(3, 1); got != 2 {
		t.Errorf("Sub(3, 1) = %d, want 2", got)
	}
}

func TestAdd(t *testing.T) {
	if got := Add(1, 2); got != 3 {
		t.Errorf("Add(1, 2) = %d, want 3", got)
	}
}

func TestTable(t *testing.T) {
	for _, tc := range []struct {
		name       string
		a, b, want int
	}{{"zero", 0, 0, 0}, {"small", 2, 2, 4}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Add(tc.a, tc.b); got != tc.want {
				t.Fatalf("Add(%d, %d) = %d, want %d\nthe table row:\n\t%+v", tc.a, tc.b, got, tc.want, tc)
			}
		})
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("not on this machine")
}

func TestParallelA(t *testing.T) {
	t.Parallel()
	time.Sleep(20 * time.Millisecond)
	t.Log("A: about to fail")
	time.Sleep(20 * time.Millisecond)
	t.Error("A: wrong answer")
}

func TestParallelB(t *testing.T) {
	t.Parallel()
	time.Sleep(30 * time.Millisecond)
	t.Log("B: fine")
}
