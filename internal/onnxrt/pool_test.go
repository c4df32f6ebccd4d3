package onnxrt

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPool(t *testing.T) {
	closed := 0
	p, err := NewPool(1, func() (closer, error) { return closer{&closed}, nil })
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	if err := p.Use(context.Background(), func(closer) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("Use: ran %v, err %v", ran, err)
	}
	// While the only model is in use, the next caller waits on its context.
	err = p.Use(context.Background(), func(closer) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		return p.Use(ctx, func(closer) error { return errors.New("ran without a free model") })
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("busy pool: err %v, want deadline exceeded", err)
	}
	if err := p.Close(); err != nil || closed != 1 {
		t.Fatalf("Close: err %v, %d models closed, want 1", err, closed)
	}
	if err := p.Close(); err != nil || closed != 1 {
		t.Fatalf("second Close: err %v, %d models closed", err, closed)
	}
	if err := p.Use(context.Background(), func(closer) error { return nil }); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("after Close: err %v, want ErrPoolClosed", err)
	}
}

func TestPoolOpenFails(t *testing.T) {
	closed, opened := 0, 0
	boom := errors.New("no model")
	_, err := NewPool(3, func() (closer, error) {
		if opened == 2 {
			return closer{}, boom
		}
		opened++
		return closer{&closed}, nil
	})
	if !errors.Is(err, boom) || closed != 2 {
		t.Errorf("NewPool with a failing open: err %v, %d of 2 models closed", err, closed)
	}
	if _, err := NewPool(0, func() (closer, error) { return closer{&closed}, nil }); err == nil {
		t.Error("NewPool(0): no error")
	}
}
