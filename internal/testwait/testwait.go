// Package testwait is the tests' one way to wait for a condition that
// another process, a browser or a server brings about: it checks the
// condition on a ticker until it holds or the deadline passes.
package testwait

import (
	"testing"
	"time"
)

// Every is how often Until checks its condition.
const Every = 100 * time.Millisecond

// Until checks ok until it reports true, failing the test with what when
// timeout passes first.
func Until(t testing.TB, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	if !poll(timeout, ok) {
		t.Fatalf("gave up after %s waiting for %s", timeout, what)
	}
}

// For checks get until it reports true and returns the value it gave
// then; when timeout passes first it fails the test with what and the
// last value seen, so the failure says where things stood.
func For[T any](t testing.TB, what string, timeout time.Duration, get func() (T, bool)) T {
	t.Helper()
	var last T
	if !poll(timeout, func() bool {
		v, ok := get()
		last = v
		return ok
	}) {
		t.Fatalf("gave up after %s waiting for %s; last seen: %+v", timeout, what, last)
	}
	return last
}

// Holds checks ok every Every until it holds (true) or timeout passes
// (false, after one last check), without failing the test: for a caller
// that has something else to do when the condition never comes.
func Holds(timeout time.Duration, ok func() bool) bool { return poll(timeout, ok) }

// poll checks ok every Every until it holds (true) or timeout passes
// (false, after one last check).
func poll(timeout time.Duration, ok func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(Every)
	defer tick.Stop()
	for !ok() {
		select {
		case <-deadline.C:
			return ok()
		case <-tick.C:
		}
	}
	return true
}
