package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"vigil/internal/blob"
	"vigil/internal/blob/fileblob"
	"vigil/internal/browsertest"
	"vigil/internal/ingestclient"
	"vigil/internal/metrics"
	"vigil/internal/testserver"
	"vigil/internal/web"
	"vigil/media"
)

// fillable is a media folder whose disk can be made full: Put then fails
// as the file store does on ENOSPC (blob.ErrStorageFull), storing nothing.
type fillable struct {
	blob.Bucket
	full atomic.Bool
}

func (f *fillable) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if f.full.Load() {
		return 0, fmt.Errorf("fileblob: put %s: %w", key, fmt.Errorf("%w: write: %w", blob.ErrStorageFull, syscall.ENOSPC))
	}
	return f.Bucket.Put(ctx, key, r)
}

func newFillable(t *testing.T) *fillable {
	b, err := fileblob.Open(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	return &fillable{Bucket: b}
}

// syncBuffer is a log the server writes to from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) count(substr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), substr)
}

// lines counts the lines that hold all of parts.
func (s *syncBuffer) lines(parts ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for line := range strings.Lines(s.b.String()) {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

func scrapeMetric(t *testing.T, m *metrics.Metrics, series string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	all, err := metrics.ParseText(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := all[series]
	if !ok {
		t.Fatalf("/metrics has no series %s", series)
	}
	return v
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestDiskFullIsRefusedQuietly: while the media disk is full every upload
// is refused with 507 storage_full and a Retry-After, nothing is stored,
// the server logs "disk full" once (not per request), counts the
// refusals and fails /readyz; the first upload stored afterwards logs
// that space is back, and the client's retry is stored once.
func TestDiskFullIsRefusedQuietly(t *testing.T) {
	bucket := newFillable(t)
	var logs syncBuffer
	m := metrics.New()
	srv := testserver.Start(t, testserver.Options{NoWorker: true, Blobs: bucket, Metrics: m,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	f := srv.NewFixture(t, 1, nil)
	c := &ingestclient.Client{Base: srv.URL, HTTP: http.DefaultClient}
	var sess struct {
		ID    int64  `json:"session_id"`
		Token string `json:"token"`
	}
	if err := c.DoJSON(context.Background(), "POST", "/api/v1/sessions", "", map[string]any{"link": srv.Link(t, f, 0)}, &sess); err != nil {
		t.Fatal(err)
	}
	frame, _ := media.FS.ReadFile("webcam320/obama_480p.jpg")
	put := ingestclient.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/sessions/%d/frames/0", sess.ID), Token: sess.Token,
		ContentType: "image/jpeg", Header: map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano)}, Body: frame}

	bucket.full.Store(true)
	for i := range 5 {
		err := c.Do(context.Background(), put, nil)
		e, ok := errors.AsType[*ingestclient.Error](err)
		if !ok || e.Status != http.StatusInsufficientStorage || e.Code != "storage_full" || e.RetryAfter != 10*time.Second || !e.Retryable() {
			t.Fatalf("upload %d on a full disk: %v (%+v)", i, err, e)
		}
	}
	if n, _ := srv.Store.CountFrames(context.Background(), sess.ID); n != 0 {
		t.Fatalf("%d frames stored on a full disk", n)
	}
	if n := logs.count("disk full"); n != 1 {
		t.Errorf("%d log lines say disk full after 5 refusals, want 1:\n%s", n, logs.b.String())
	}
	if n := logs.count("api error") + logs.lines("level=ERROR", "status=507"); n != 0 {
		t.Errorf("the refusals were logged as server errors:\n%s", logs.b.String())
	}
	if v := scrapeMetric(t, m, "vigil_storage_full"); v != 1 {
		t.Errorf("vigil_storage_full %v while full, want 1", v)
	}
	if v := scrapeMetric(t, m, "vigil_storage_full_refusals_total"); v != 5 {
		t.Errorf("vigil_storage_full_refusals_total %v, want 5", v)
	}
	if code, body := getStatus(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "disk full") {
		t.Errorf("/readyz while full: %d %q", code, body)
	}

	bucket.full.Store(false)
	if err := c.Do(context.Background(), put, nil); err != nil {
		t.Fatalf("upload once space is back: %v", err)
	}
	if n, _ := srv.Store.CountFrames(context.Background(), sess.ID); n != 1 {
		t.Fatalf("%d frames stored after the retry, want 1", n)
	}
	if n := logs.count("disk space is back"); n != 1 {
		t.Errorf("%d log lines say space is back, want 1:\n%s", n, logs.b.String())
	}
	if v := scrapeMetric(t, m, "vigil_storage_full"); v != 0 {
		t.Errorf("vigil_storage_full %v once space is back, want 0", v)
	}
	if code, body := getStatus(t, srv.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz once space is back: %d %q", code, body)
	}
}

// TestFreeSpaceFloor: below the free-space floor uploads are refused with
// 507 before anything is written, /readyz fails and says why, and one log
// line says so; reads and the rest of the API go on.
func TestFreeSpaceFloor(t *testing.T) {
	var logs syncBuffer
	dir := t.TempDir()
	srv := testserver.Start(t, testserver.Options{NoWorker: true, Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Disk: web.DiskFloor{Paths: []string{dir}, MinFree: 1 << 62}}) // more than any disk has
	f := srv.NewFixture(t, 1, nil)
	c := &ingestclient.Client{Base: srv.URL, HTTP: http.DefaultClient}
	var sess struct {
		ID    int64  `json:"session_id"`
		Token string `json:"token"`
	}
	if err := c.DoJSON(context.Background(), "POST", "/api/v1/sessions", "", map[string]any{"link": srv.Link(t, f, 0)}, &sess); err != nil {
		t.Fatalf("starting a session below the floor: %v", err)
	}
	frame, _ := media.FS.ReadFile("webcam320/obama_480p.jpg")
	for i := range 3 {
		err := c.Do(context.Background(), ingestclient.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/sessions/%d/frames/0", sess.ID),
			Token: sess.Token, ContentType: "image/jpeg", Header: map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano)},
			Body: frame}, nil)
		if e, ok := errors.AsType[*ingestclient.Error](err); !ok || e.Status != http.StatusInsufficientStorage || e.Code != "storage_full" {
			t.Fatalf("upload %d below the floor: %v", i, err)
		}
	}
	if err := c.DoJSON(context.Background(), "GET", fmt.Sprintf("/api/v1/sessions/%d", sess.ID), sess.Token, nil, nil); err != nil {
		t.Errorf("the session's status below the floor: %v", err)
	}
	if code, body := getStatus(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "disk nearly full: "+dir) {
		t.Errorf("/readyz below the floor: %d %q", code, body)
	}
	if n := logs.count("disk nearly full"); n != 1 || logs.lines("level=ERROR", "status=507") != 0 {
		t.Errorf("%d lines say the disk is nearly full (want 1), of these logs:\n%s", n, logs.b.String())
	}
}

// TestStudentWaitsOutAFullDisk: the server's disk fills mid-exam. The
// capture client keeps recording into its queue, tells the student only
// that recording goes on (no error to alarm them), retries as the 507's
// Retry-After says, and once space is back uploads everything: every
// frame stored once, in sequence.
func TestStudentWaitsOutAFullDisk(t *testing.T) {
	bucket := newFillable(t)
	srv := testserver.Start(t, testserver.Options{Blobs: bucket})
	f := srv.NewFixture(t, 1, nil)
	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	startExam(t, ctx, studentURL(srv, srv.Link(t, f, 0)), false)
	sid := sessionOf(t, srv, f).ID
	waitFrames(t, srv, sid, 4)

	bucket.full.Store(true)
	waitClientFrames(t, ctx, clientNext(t, ctx, "frames")+8)
	queued := pending(t, ctx)
	status := browsertest.Eval[string](t, ctx, `document.getElementById('status').textContent`)
	if queued < 5 || status != "Recording goes on and is kept on this computer; it will be uploaded shortly." {
		t.Fatalf("with the server's disk full: %d items queued, the student reads %q", queued, status)
	}
	bucket.full.Store(false)
	browsertest.Wait(t, ctx, "the queue empties once space is back", `document.getElementById('upload-progress').dataset.pending === '0'`, 60*time.Second)
	finishExam(t, ctx)
	if frames := framesInSequence(t, srv, sid); len(frames) < 12 {
		t.Fatalf("%d frames stored, want at least the 12 taken before the finish", len(frames))
	}
}
