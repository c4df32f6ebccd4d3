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
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(Every)
	defer tick.Stop()
	for !ok() {
		select {
		case <-deadline.C:
			if ok() {
				return
			}
			t.Fatalf("gave up after %s waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}
