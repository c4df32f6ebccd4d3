package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/testserver"
)

// TestOpenLoop plays four students against a real server behind a proxy
// that holds one frame upload of each session for three seconds. The
// schedule goes on meanwhile: the frames due during the stall wait in the
// stream's queue and their latency, from their scheduled time, shows the
// wait (a closed-loop generator would report one slow request). Every
// acknowledged item is then found in the store, once, as sent.
func TestOpenLoop(t *testing.T) {
	start := time.Now()
	const stall = 3 * time.Second
	var mu sync.Mutex
	stalled := map[string]bool{}
	srv, links, front := behindProxy(t, 4, func(w http.ResponseWriter, r *http.Request, proxy http.Handler) {
		if sid, _, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/api/v1/sessions/"), "/frames/"); ok && time.Since(start) > 2*time.Second {
			mu.Lock()
			first := !stalled[sid]
			stalled[sid] = true
			mu.Unlock()
			if first {
				// The slow server under test: it holds the request for
				// the stall (its length is what the latencies must
				// show), or until the client gives up on it.
				select {
				case <-time.After(stall):
				case <-r.Context().Done():
					return
				}
			}
		}
		proxy.ServeHTTP(w, r)
	})

	rep, err := Run(context.Background(), Options{Targets: []string{front}, Links: links, Ramp: time.Second, Hold: 7 * time.Second,
		Drain: 30 * time.Second, HTTP: &http.Client{Timeout: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sessions.Finished != 4 || len(rep.Errors) != 0 {
		t.Fatalf("sessions %+v, errors %v", rep.Sessions, rep.Errors)
	}
	for _, k := range uploadKinds {
		if rep.Kinds[k].Acked == 0 {
			t.Errorf("no %s acknowledged", k)
		}
	}
	// Frames are due once a second from a random point of the first
	// second: 7 or 8 per student over the 7-second hold.
	if n := rep.Kinds[KindFrame].Acked; n < 4*7 || n > 4*9 {
		t.Errorf("%d frames acknowledged, want 7–9 per student whatever the stall", n)
	}
	late := 0
	for _, d := range rep.latency[KindFrame] {
		if d > 900*time.Millisecond {
			late++
		}
	}
	// Each stall delays the frame held (by 3 s) and the two or three due
	// during it (by 2 s and 1 s, less the phase).
	if late < 4*3 {
		t.Errorf("%d frames acknowledged more than 0.9 s after their time, want at least 3 per student (latencies %v)", late, rep.latency[KindFrame])
	}
	if rep.Kinds[KindFrame].Max < 2900 {
		t.Errorf("frame max %v ms, want the stall's 3 s", rep.Kinds[KindFrame].Max)
	}
	verifyAll(t, rep, srv)
}

// behindProxy starts a server with n students and, in front of it, a
// server whose handler front decides what the students' requests meet
// (proxy passes one on). It returns the students' links and the front's URL.
func behindProxy(t *testing.T, n int, front func(w http.ResponseWriter, r *http.Request, proxy http.Handler)) (*testserver.Server, []string, string) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, n, nil)
	var links []string
	for i := range f.Students {
		links = append(links, srv.Link(t, f, i))
	}
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	fs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { front(w, r, proxy) }))
	t.Cleanup(fs.Close)
	return srv, links, fs.URL
}

// verifyAll finds every item the run acknowledged in the store, once, as sent.
func verifyAll(t *testing.T, rep *Report, srv *testserver.Server) {
	t.Helper()
	check, err := Verify(context.Background(), rep, srv.Store, srv.Blobs)
	if err != nil {
		t.Fatal(err)
	}
	if !check.OK() || check.Verified != check.Acknowledged || check.Acknowledged < int64(rep.Uploads.Acked) {
		t.Fatalf("check %+v against %d uploads acknowledged", check, rep.Uploads.Acked)
	}
}
