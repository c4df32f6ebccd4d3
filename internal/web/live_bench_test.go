package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/media"
)

// liveClass is 200 students' sessions of one exam, started through the
// API (in-process), each with its token and next frame number.
type liveClass struct {
	bh       *benchHandler
	f        *testserver.Fixture
	sessions []started
	next     []atomic.Int64
	frame    []byte
}

const liveSessions = 200

func newLiveClass(b *testing.B) (*testserver.Server, *liveClass) {
	limits := ingest.DefaultLimits()
	limits.RatePerSecond, limits.RateBurst = 1e6, 1e6 // the benchmark sends as fast as it can
	srv := testserver.Start(b, testserver.Options{NoWorker: true, Limits: &limits})
	f := srv.NewFixture(b, liveSessions, nil)
	lc := &liveClass{bh: newBenchHandler(b, srv, &f.Instructor), f: f, next: make([]atomic.Int64, liveSessions)}
	var err error
	if lc.frame, err = fs.ReadFile(media.FS, "webcam320/obama_480p.jpg"); err != nil {
		b.Fatal(err)
	}
	for i := range liveSessions {
		body, _ := json.Marshal(map[string]any{"link": srv.Link(b, f, i), "started_at": time.Now().UTC().Add(-time.Minute)})
		rec := lc.do("POST", "/api/v1/sessions", "", "application/json", nil, body)
		var s struct {
			ID    int64  `json:"session_id"`
			Token string `json:"token"`
		}
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &s) != nil {
			b.Fatalf("start: %d %s", rec.Code, rec.Body)
		}
		lc.sessions = append(lc.sessions, started{id: s.ID, token: s.Token})
	}
	return srv, lc
}

func (lc *liveClass) do(method, path, token, ctype string, header map[string]string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	lc.bh.h.ServeHTTP(rec, req)
	return rec
}

// upload sends session i's next webcam still.
func (lc *liveClass) upload(b *testing.B, i int) {
	seq := lc.next[i].Add(1) - 1
	s := lc.sessions[i]
	rec := lc.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/%d", s.id, seq), s.token, "image/jpeg",
		map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano)}, lc.frame)
	if rec.Code != http.StatusOK {
		b.Errorf("frame %d of session %d: %d %s", seq, s.id, rec.Code, rec.Body)
	}
}

// BenchmarkLiveIngest200 is frame ingest from 200 concurrent sessions of
// one exam (each goroutine one student, through the whole handler stack),
// with nobody watching and with the live page's event stream open over
// real HTTP, read as a browser reads it. The ratio of the two is what the
// live view costs ingest.
func BenchmarkLiveIngest200(b *testing.B) {
	for _, watched := range []bool{false, true} {
		name := "no-live-page"
		if watched {
			name = "live-page-open"
		}
		b.Run(name, func(b *testing.B) {
			srv, lc := newLiveClass(b)
			var got atomic.Int64
			if watched {
				stop := openBenchStream(b, lc, &got)
				defer stop()
			}
			var who atomic.Int64
			b.SetParallelism(liveSessions / 2) // 100 × GOMAXPROCS (2 here) goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(who.Add(1)-1) % liveSessions
				for pb.Next() {
					lc.upload(b, i)
				}
			})
			b.StopTimer()
			published, dropped := srv.Live.Stats()
			b.ReportMetric(float64(got.Load()), "stream-events")
			b.ReportMetric(float64(dropped), "dropped")
			_ = published
		})
	}
}

// openBenchStream opens the live page's stream over real HTTP and reads it
// until stopped, counting its messages.
func openBenchStream(b *testing.B, lc *liveClass, got *atomic.Int64) func() {
	hs := httptest.NewServer(lc.bh.h)
	ctx, cancel := context.WithCancel(context.Background())
	known := ""
	for i, s := range lc.sessions {
		if i > 0 {
			known += ","
		}
		known += fmt.Sprint(s.id)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/exams/%d/live/events?known=%s", hs.URL, lc.f.Exam.ID, known), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.AddCookie(lc.bh.cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		b.Fatalf("stream: %v %v", res, err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if bytes.HasPrefix(sc.Bytes(), []byte("event: ")) {
				got.Add(1)
			}
		}
	})
	return func() {
		cancel()
		res.Body.Close()
		wg.Wait()
		hs.Close()
	}
}

// BenchmarkLivePage200 is the live page of an exam with 200 running
// sessions, each with a still and a few events (two of them flags).
func BenchmarkLivePage200(b *testing.B) {
	srv, lc := newLiveClass(b)
	ctx := context.Background()
	now := time.Now().UTC()
	for i, s := range lc.sessions {
		lc.upload(b, i)
		events := []proctor.Event{{Kind: proctor.EventHidden, At: now}, {Kind: proctor.EventVisible, At: now}, {Kind: proctor.EventKey, Combo: "Ctrl+C", At: now}}
		if err := srv.Store.InTx(ctx, func(tx store.Tx) error {
			return tx.InsertEventBatch(ctx, s.id, proctor.SourceBrowser, 0, "h", events, now)
		}); err != nil {
			b.Fatal(err)
		}
	}
	path := fmt.Sprintf("/exams/%d/live", lc.f.Exam.ID)
	size := lc.bh.get(b, path)
	for b.Loop() {
		lc.bh.get(b, path)
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}
