package ratelimit

import (
	"testing"
	"time"
)

func TestBurstThenRate(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New[string](2, 3, func() time.Time { return now })
	for i := range 3 {
		if _, ok := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	wait, ok := l.Allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request: ok=%v wait=%v, want refused with 500ms", ok, wait)
	}
	if _, ok := l.Allow("b"); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if _, ok := l.Allow("a"); !ok {
		t.Fatal("refilled token refused")
	}
	now = now.Add(2 * time.Minute)
	l.Allow("b")
	if len(l.buckets) != 1 {
		t.Fatalf("idle buckets kept: %d", len(l.buckets))
	}
}

func TestZeroRateAllowsAll(t *testing.T) {
	l := New[int](0, 0, time.Now)
	for range 1000 {
		if _, ok := l.Allow(1); !ok {
			t.Fatal("refused with rate 0")
		}
	}
}
