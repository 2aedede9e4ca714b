package server

import (
	"testing"
	"time"
)

func TestRatioOK(t *testing.T) {
	if Ratio(6, 3) != 2 {
		t.Fatal("6/3 != 2")
	}
}

func TestSlow(t *testing.T) {
	t.Run("inner", func(t *testing.T) {
		t.Skip("skipped inside")
	})
	t.Run("sum", func(t *testing.T) {
		time.Sleep(60 * time.Millisecond)
		s := 0
		for i := 0; i < 3_000_000; i++ {
			s += i % 7
		}
		t.Logf("sum %d", s)
	})
}

func TestRatioZero(t *testing.T) {
	t.Log("dividing by zero")
	_ = Ratio(1, 0)
}
