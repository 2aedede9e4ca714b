package broken

import "testing"

func TestBroken(t *testing.T) {
	if Broken() != 1 {
		t.Fatal("no")
	}
}
