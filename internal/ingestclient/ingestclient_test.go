package ingestclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// flaky answers each request with the next of answers (status, body), and
// keeps what it was sent.
type flaky struct {
	mu      sync.Mutex
	answers [][2]any
	got     []*http.Request
	bodies  []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	f.got, f.bodies = append(f.got, r), append(f.bodies, string(body))
	a := f.answers[min(len(f.got), len(f.answers))-1]
	w.WriteHeader(a[0].(int))
	io.WriteString(w, a[1].(string))
}

func start(t *testing.T, answers ...[2]any) (*flaky, *Client, *[]Attempt) {
	f := &flaky{answers: answers}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var seen []Attempt
	c := &Client{Base: srv.URL, HTTP: srv.Client(), Backoff: Backoff{First: time.Millisecond, Max: 4 * time.Millisecond},
		Observe: func(a Attempt) { seen = append(seen, a) }}
	return f, c, &seen
}

func TestRetriesWhatARetryCanFix(t *testing.T) {
	f, c, seen := start(t, [2]any{503, "restarting"}, [2]any{429, `{"error":{"code":"rate_limited"}}`}, [2]any{200, `{"session_id":7}`})
	c.Retries = 5
	var out struct {
		ID int64 `json:"session_id"`
	}
	req := Request{Method: "PUT", Path: "/api/v1/x", Token: "tok", ContentType: "image/jpeg",
		Header: map[string]string{"X-Capture-Time": "2026-01-01T00:00:00Z"}, Body: []byte("jpeg")}
	if err := c.Do(context.Background(), req, &out); err != nil || out.ID != 7 {
		t.Fatalf("Do: %v, answer %+v", err, out)
	}
	if len(f.got) != 3 {
		t.Fatalf("%d requests, want 3", len(f.got))
	}
	for i, r := range f.got {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "image/jpeg" ||
			r.Header.Get("X-Capture-Time") == "" || f.bodies[i] != "jpeg" || r.URL.Path != "/api/v1/x" {
			t.Errorf("try %d sent %s %v %q", i, r.URL.Path, r.Header, f.bodies[i])
		}
	}
	// Every attempt is observed, with the backoff doubling up to Max.
	want := []struct {
		status int
		wait   time.Duration
	}{{503, time.Millisecond}, {429, 2 * time.Millisecond}, {200, 0}}
	if len(*seen) != len(want) {
		t.Fatalf("observed %d attempts, want %d", len(*seen), len(want))
	}
	for i, a := range *seen {
		status := 200
		if a.Err != nil {
			status = a.Err.Status
		}
		if a.Status != status || status != want[i].status || a.Wait != want[i].wait || a.Request.Path != "/api/v1/x" || a.Took <= 0 {
			t.Errorf("attempt %d: %+v, want status %d, wait %v", i, a, want[i].status, want[i].wait)
		}
	}
}

func TestRefusalIsNotRetried(t *testing.T) {
	f, c, seen := start(t, [2]any{409, `{"error":{"code":"sequence_gap","message":"expected 4","next":4}}`})
	c.Retries = -1
	err := c.DoJSON(context.Background(), "PUT", "/api/v1/events/9", "", map[string]any{"events": []int{}}, nil)
	e, ok := errors.AsType[*Error](err)
	if !ok || e.Status != 409 || e.Code != "sequence_gap" || e.Next != 4 || e.Message != "expected 4" || e.Retryable() {
		t.Fatalf("err %#v", err)
	}
	if len(f.got) != 1 || len(*seen) != 1 || (*seen)[0].Wait != 0 || f.got[0].Header.Get("Content-Type") != "application/json" {
		t.Errorf("%d requests, %d attempts observed; want one of each", len(f.got), len(*seen))
	}
	if f.bodies[0] != `{"events":[]}` {
		t.Errorf("body %q", f.bodies[0])
	}
}

func TestGivesUpAfterRetries(t *testing.T) {
	f, c, _ := start(t, [2]any{502, "bad gateway"})
	c.Retries = 2
	err := c.Do(context.Background(), Request{Method: "GET", Path: "/"}, nil)
	if e, ok := errors.AsType[*Error](err); !ok || e.Status != 502 || e.Code != "" || e.Message != "bad gateway" {
		t.Fatalf("err %v", err)
	}
	if len(f.got) != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", len(f.got))
	}
}

func TestNetworkErrorAndContext(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	var seen []Attempt
	c := &Client{Base: base, HTTP: http.DefaultClient, Retries: -1, Backoff: Backoff{First: time.Millisecond, Max: time.Millisecond}}
	ctx, cancel := context.WithCancel(context.Background())
	c.Observe = func(a Attempt) {
		seen = append(seen, a)
		if len(seen) == 3 {
			cancel()
		}
	}
	if err := c.Do(ctx, Request{Method: "GET", Path: "/"}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if len(seen) != 3 || seen[0].Err == nil || seen[0].Err.Status != 0 || !seen[0].Err.Retryable() {
		t.Errorf("attempts %+v", seen)
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{First: time.Second, Max: 30 * time.Second}
	var wait time.Duration
	var got []time.Duration
	for range 7 {
		wait = b.Next(wait)
		got = append(got, wait)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("waits %v, want %v seconds", got, want)
		}
	}
}

// TestFailsOverToAnotherServer: after a network failure the next try goes
// to the next server; a server that answers is kept.
func TestFailsOverToAnotherServer(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	f, c, seen := start(t, [2]any{200, `{}`})
	live := c.Base
	c.Base, c.Others, c.Retries = dead.URL, []string{live}, 3
	if err := c.Do(context.Background(), Request{Method: "PUT", Path: "/api/v1/x", Body: []byte("a")}, nil); err != nil {
		t.Fatal(err)
	}
	if len(*seen) != 2 || (*seen)[0].Err == nil || (*seen)[0].Err.Status != 0 || (*seen)[1].Err != nil || len(f.got) != 1 {
		t.Fatalf("attempts %+v, %d requests reached the live server", *seen, len(f.got))
	}
}

// TestWaitsAsTheServerAsks: a full disk's 507 is retried after the
// Retry-After the server named, not the shorter backoff.
func TestWaitsAsTheServerAsks(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n++; n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusInsufficientStorage)
			io.WriteString(w, `{"error":{"code":"storage_full","message":"full","retry_after_ms":1000}}`)
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	var seen []Attempt
	c := &Client{Base: srv.URL, HTTP: srv.Client(), Retries: 1, Backoff: Backoff{First: time.Millisecond, Max: time.Millisecond},
		Observe: func(a Attempt) { seen = append(seen, a) }}
	begin := time.Now()
	if err := c.Do(context.Background(), Request{Method: "PUT", Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0].Err.Code != "storage_full" || !seen[0].Err.Retryable() || seen[0].Wait != time.Second ||
		seen[0].Err.RetryAfter != time.Second || time.Since(begin) < time.Second {
		t.Fatalf("attempts %+v after %v", seen, time.Since(begin))
	}
}
