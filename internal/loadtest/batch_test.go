package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBatchedStudents plays three students who send their uploads in
// batches, through a proxy that loses the answer to each
// session's first batch after the server stored it. The retried batch is
// acknowledged as retries, every acknowledged item is in the store once,
// and nothing but the photo went on its own.
func TestBatchedStudents(t *testing.T) {
	var mu sync.Mutex
	lost := map[string]bool{}
	batches, alone := 0, 0
	srv, links, front := behindProxy(t, 3, func(w http.ResponseWriter, r *http.Request, proxy http.Handler) {
		sid, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/api/v1/sessions/"), "/")
		mu.Lock()
		first := rest == "uploads" && !lost[sid]
		if rest == "uploads" {
			lost[sid] = true
			batches++
		}
		for _, p := range []string{"frames/", "audio/", "events/", "chunks/"} {
			if strings.HasPrefix(rest, p) {
				alone++
			}
		}
		mu.Unlock()
		if first {
			// The server stores the batch; its answer never arrives.
			proxy.ServeHTTP(httptest.NewRecorder(), r)
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, r)
	})

	rep, err := Run(context.Background(), Options{Targets: []string{front}, Links: links, Ramp: time.Second, Hold: 6 * time.Second,
		Drain: 30 * time.Second, HTTP: &http.Client{Timeout: 20 * time.Second}, Batch: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The failed attempts are the three lost answers, each retried.
	if rep.Sessions.Finished != 3 || len(rep.Errors) != 1 || rep.Errors["502 "] != 3 {
		t.Fatalf("sessions %+v, failed attempts %v: want 3 of 502, the lost answers", rep.Sessions, rep.Errors)
	}
	if n := rep.Kinds[KindFrame].Acked; n < 3*6 || n > 3*8 {
		t.Errorf("%d frames acknowledged, want 6–8 per student", n)
	}
	dups := 0
	for _, k := range []string{KindFrame, KindAudio, KindEvents, KindWebcam, KindScreen} {
		if rep.Kinds[k].Acked == 0 {
			t.Errorf("no %s acknowledged", k)
		}
		dups += int(rep.Kinds[k].Duplicates)
	}
	mu.Lock()
	defer mu.Unlock()
	if alone != 0 || batches < 3*3 {
		t.Errorf("%d frames, audio and video chunks and event batches sent on their own, %d batches: want none alone, 3 or more batches per student", alone, batches)
	}
	if dups < 3 {
		t.Errorf("%d items acknowledged as retries: each session's first batch was stored and its answer lost, so its retry is all retries", dups)
	}
	verifyAll(t, rep, srv)
}
