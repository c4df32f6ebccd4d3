package testwait

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps what a failure says instead of
// failing the test that uses it.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r) // stands in for runtime.Goexit
}

func run(f func(t testing.TB)) (failed string) {
	r := &recorder{}
	defer func() {
		if p := recover(); p != nil && p != any(r) {
			panic(p)
		}
		failed = r.failed
	}()
	f(r)
	return ""
}

// TestUntilWaitsForTheCondition: Until returns once the condition holds
// (after some checks), and fails, naming what it waited for, when it
// never does.
func TestUntilWaitsForTheCondition(t *testing.T) {
	var checks atomic.Int32
	if msg := run(func(t testing.TB) {
		Until(t, "three checks", 10*time.Second, func() bool { return checks.Add(1) >= 3 })
	}); msg != "" || checks.Load() != 3 {
		t.Errorf("after %d checks: failed %q, want 3 checks and no failure", checks.Load(), msg)
	}
	msg := run(func(t testing.TB) { Until(t, "never", 3*Every, func() bool { return false }) })
	if !strings.Contains(msg, "waiting for never") {
		t.Errorf("a condition that never holds: %q, want a failure naming it", msg)
	}
}

// TestForReturnsTheValue: For returns the value that met the condition,
// and a timeout reports the last value seen.
func TestForReturnsTheValue(t *testing.T) {
	n := 0
	var got int
	if msg := run(func(t testing.TB) {
		got = For(t, "n to reach 2", 10*time.Second, func() (int, bool) { n++; return n, n >= 2 })
	}); msg != "" || got != 2 {
		t.Errorf("got %d (failure %q), want 2", got, msg)
	}
	msg := run(func(t testing.TB) {
		For(t, "a state", 3*Every, func() (string, bool) { return "still pending", false })
	})
	if !strings.Contains(msg, "waiting for a state") || !strings.Contains(msg, "last seen: still pending") {
		t.Errorf("timeout message %q, want what and the last value", msg)
	}
}
