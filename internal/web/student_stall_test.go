package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/testserver"
)

// TestStudentResendsAStalledUpload: one upload request is never answered,
// as when Wi-Fi dies without the browser noticing or a proxy holds the
// request. The uploader sends one request at a time (a few seconds of
// frames, sound and events in one batch), so without a timeout everything
// would queue behind it for the rest of the exam; with one, the stalled
// request ends, is sent again, and every frame reaches the server once,
// in sequence.
func TestStudentResendsAStalledUpload(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	front, held := stallingProxy(t, srv.URL)
	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	startExam(t, ctx, front.URL+"/s/"+srv.Link(t, f, 0), false)
	sid := sessionOf(t, srv, f).ID
	waitFrames(t, srv, sid, 2)

	front.arm()
	select {
	case <-held:
	case <-time.After(60 * time.Second):
		t.Fatal("no batch of uploads to hold within a minute")
	}
	// Nothing reaches the server while the held request stands: the
	// frames it carries, and three after them, can only once it has been
	// given up and sent again.
	stored, err := srv.Store.CountFrames(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	waitFrames(t, srv, sid, stored+4)
	framesInSequence(t, srv, sid)
}

// stalling is a proxy in front of the server that, once armed, never
// answers the next batch of uploads: it holds the request until the
// client gives up on it, and says on held that it holds one.
type stalling struct {
	*httptest.Server
	armed atomic.Bool
}

func (s *stalling) arm() { s.armed.Store(true) }

func stallingProxy(t *testing.T, target string) (*stalling, <-chan struct{}) {
	t.Helper()
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	held := make(chan struct{}, 1)
	s := &stalling{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/uploads") && s.armed.CompareAndSwap(true, false) {
			held <- struct{}{}
			// Read to the end, so that the server watches the connection
			// and the request ends when the client gives up on it.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s, held
}
