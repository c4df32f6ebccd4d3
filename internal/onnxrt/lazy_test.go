package onnxrt

import (
	"errors"
	"testing"
)

type closer struct{ closed *int }

func (c closer) Close() error { *c.closed++; return nil }

func TestLazy(t *testing.T) {
	boom := errors.New("no runtime here")
	calls := 0
	broken := NewLazy(func() (closer, error) { calls++; return closer{}, boom })
	for range 2 {
		if _, err := broken.Get(); !errors.Is(err, boom) {
			t.Fatalf("Get with a failing load: %v", err)
		}
	}
	if calls != 1 || broken.Loaded() || broken.Close() != nil {
		t.Fatalf("load called %d times, loaded %v", calls, broken.Loaded())
	}
	closed := 0
	ok := NewLazy(func() (closer, error) { return closer{&closed}, nil })
	if ok.Loaded() || ok.Close() != nil || closed != 0 {
		t.Fatal("created or closed before first use")
	}
	if _, err := ok.Get(); err != nil || !ok.Loaded() {
		t.Fatalf("Get: %v", err)
	}
	if err := ok.Close(); err != nil || closed != 1 {
		t.Fatalf("Close: %v, closed %d times", err, closed)
	}
}
