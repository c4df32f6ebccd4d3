package web_test

import (
	"context"
	"path"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/testserver"
)

// TestStudentResendsAStalledUpload: one frame upload is never answered,
// as when Wi-Fi dies without the browser noticing or a proxy holds the
// request. The uploader sends one item at a time, so without a timeout
// everything would queue behind it for the rest of the exam; with one,
// the stalled request ends, is sent again, and every frame reaches the
// server once, in sequence.
func TestStudentResendsAStalledUpload(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	startExam(t, ctx, studentURL(srv, srv.Link(t, f, 0)), false)
	sid := sessionOf(t, srv, f).ID
	waitFrames(t, srv, sid, 2)

	held := holdFirstRequest(t, ctx, "*/api/v1/sessions/*/frames/*")
	var seq int64
	select {
	case u := <-held:
		n, err := strconv.ParseInt(path.Base(u), 10, 64)
		if err != nil {
			t.Fatalf("held %s: %v", u, err)
		}
		seq = n
	case <-time.After(60 * time.Second):
		t.Fatal("no frame upload to hold within a minute")
	}
	// The held frame and three after it reach the server: they can only
	// once the stalled request has been given up and sent again.
	waitFrames(t, srv, sid, seq+4)
	framesInSequence(t, srv, sid)
}

// holdFirstRequest pauses the page's requests matching pattern: the first
// is never answered (its URL is sent on the channel), the others go on.
func holdFirstRequest(t *testing.T, ctx context.Context, pattern string) <-chan string {
	t.Helper()
	// Subscribe before enabling, so that no paused request is missed.
	evctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	paused := chromedp.Events(evctx, fetch.RequestPaused)
	var target *chromedp.Target
	browsertest.Step(t, ctx, "intercept "+pattern, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		target = tg
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}})
		return err
	}))
	held := make(chan string, 1)
	go func() {
		first := true
		for ev, err := range paused {
			if err != nil {
				return
			}
			if first {
				first = false
				held <- ev.Request.URL
				continue
			}
			cdp.Call(evctx, target, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	return held
}
