package crash

import "testing"

func TestRatioOK(t *testing.T) {
	if Ratio(4, 2) != 2 {
		t.Error("Ratio(4, 2) != 2")
	}
}

func TestRatioZero(t *testing.T) {
	t.Log("dividing by zero")
	_ = Ratio(1, 0)
}
