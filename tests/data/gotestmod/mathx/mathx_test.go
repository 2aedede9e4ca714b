package mathx

import (
	"testing"
	"time"
)

func TestAddOK(t *testing.T) {
	if got := Add(1, 1); got != 2 {
		t.Fatalf("Add(1, 1) = %d, want 2", got)
	}
}

func TestAddTwo(t *testing.T) {
	t.Log("adding two and two")
	if got := Add(2, 2); got != 4 {
		t.Errorf("Add(2, 2) = %d, want 4", got)
	}
}

func TestTable(t *testing.T) {
	for _, c := range []struct {
		name    string
		a, b, w int
	}{{"zero", 0, 0, 0}, {"two", 2, 1, 3}, {"big", 10, 5, 15}} {
		t.Run(c.name, func(t *testing.T) {
			if got := Add(c.a, c.b); got != c.w {
				t.Errorf("Add(%d, %d) = %d, want %d", c.a, c.b, got, c.w)
			}
		})
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("needs a GPU")
}

func TestParallelA(t *testing.T) {
	t.Parallel()
	for i := 0; i < 3; i++ {
		t.Logf("A step %d", i)
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("A: wrong answer")
}

func TestParallelB(t *testing.T) {
	t.Parallel()
	for i := 0; i < 3; i++ {
		t.Logf("B step %d", i)
		time.Sleep(10 * time.Millisecond)
	}
}
