// Package fuzzhttp is what the fuzz tests of Vigil's HTTP clients share: a
// server that answers whatever the fuzzer chose, and the checks every
// paging client must pass. The clients (Canvas, LTI services) must refuse
// a wrong answer with words for a person, or return exactly what the pages
// listed.
package fuzzhttp

import (
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
)

// Status makes any number a status an HTTP server can send (200 to 599;
// informational answers are not final ones).
func Status(n int) int {
	if n >= 200 && n <= 599 {
		return n
	}
	if n < 0 {
		n = -(n + 1)
	}
	return 200 + n%400
}

// Answer answers every request with the status, headers and body set last,
// and counts the requests. A fuzz function sets it once per input; the
// inputs of one fuzz process run one at a time.
type Answer struct {
	status int
	header http.Header
	body   []byte
	calls  atomic.Int32
}

// Set chooses the next answers (status through Status) and restarts the
// count.
func (a *Answer) Set(status int, header http.Header, body []byte) {
	a.status, a.header, a.body = Status(status), header, body
	a.calls.Store(0)
}

// Calls is how many requests were answered since Set.
func (a *Answer) Calls() int { return int(a.calls.Load()) }

// StatusSent is the status the answers carry.
func (a *Answer) StatusSent() int { return a.status }

func (a *Answer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	a.calls.Add(1)
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// Pages fails the test unless got is one page's items once per page the
// client fetched (every page answered the same), in order.
func Pages[T any](t testing.TB, got, page []T, pages int) {
	t.Helper()
	var want []T
	for range pages {
		want = append(want, page...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the client returned %+v; the %d pages listed %+v", got, pages, want)
	}
}
