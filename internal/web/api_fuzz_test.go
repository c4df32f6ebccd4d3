package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
	"vigil/media"
)

// apiCodes are the stable error codes of docs/API.md. An API refusal
// carries one of them; "internal" and "unavailable" are 5xx, which no
// body may cause.
var apiCodes = map[string]bool{
	"invalid_request": true, "malformed_json": true, "invalid_token": true, "forbidden": true, "not_found": true,
	"body_too_large": true, "not_jpeg": true, "not_webm": true, "unsupported_media": true, "sequence_gap": true,
	"sequence_conflict": true, "session_closed": true, "incomplete": true, "rate_limited": true,
	"bad_timestamp": true, "conflict": true, "gone": true,
}

// uploadEndpoints are the capture client's endpoints under
// /api/v1/sessions/{id}/, each with its method; the fuzzer picks one by
// number and writes the rest of the path.
var uploadEndpoints = []struct{ method, prefix string }{
	{"PUT", "frames/"}, {"PUT", "chunks/"}, {"PUT", "audio/"}, {"PUT", "photos/"}, {"PUT", "events/"},
	{"PUT", "sources/"}, {"POST", "finish"}, {"POST", "speedtest"}, {"POST", "pairing"}, {"GET", ""},
}

// apiFuzzServer is one Vigil for a whole fuzzing run, with no rate limit
// (a refusal for speed would hide what the body does).
type apiFuzzServer struct {
	srv     *testserver.Server
	fixture *testserver.Fixture
}

func newAPIFuzzServer(tb testing.TB) *apiFuzzServer {
	tb.Helper()
	limits := ingest.DefaultLimits()
	limits.RatePerSecond, limits.RateBurst = 1e9, 1<<30
	srv := testserver.Start(tb, testserver.Options{NoWorker: true, Limits: &limits})
	return &apiFuzzServer{srv: srv, fixture: srv.NewFixture(tb, 1, nil)}
}

// freshSession starts a new student's session through the API, so each
// input meets the same state: nothing uploaded yet.
func (a *apiFuzzServer) freshSession(t *testing.T) started {
	t.Helper()
	st := proctor.Student{CourseID: a.fixture.Course.ID, FirstName: "Fuzz", LastName: "Student"}
	if err := a.srv.Store.CreateStudent(context.Background(), &st); err != nil {
		t.Fatal(err)
	}
	link, err := ingest.IssueLink(context.Background(), a.srv.Store, ingest.LinkRequest{ExamID: a.fixture.Exam.ID, StudentID: st.ID, TTL: time.Hour, Actor: "fuzz"})
	if err != nil {
		t.Fatal(err)
	}
	return start(t, client{t, a.srv.URL}, link)
}

// rawResponse is an answer as the fuzzers check it.
type rawResponse struct {
	status int
	ctype  string
	body   []byte
}

// send makes one request; ok is false when the request cannot be sent at
// all (a header or path net/http itself refuses to write).
func send(t *testing.T, method, url string, headers map[string]string, body []byte) (rawResponse, bool) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return rawResponse{}, false
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return rawResponse{}, false
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	return rawResponse{status: res.StatusCode, ctype: res.Header.Get("Content-Type"), body: raw}, true
}

// checkAPIAnswer: no 5xx, always JSON, and a refusal carries a stable
// code with a message.
func checkAPIAnswer(t *testing.T, what string, r rawResponse) {
	t.Helper()
	if r.status >= 500 {
		t.Fatalf("%s: HTTP %d: %s", what, r.status, r.body)
	}
	if r.status == http.StatusMovedPermanently || r.status == http.StatusTemporaryRedirect {
		return // the router cleans a path with dot segments before any handler sees it
	}
	if !strings.HasPrefix(r.ctype, "application/json") {
		t.Fatalf("%s: HTTP %d answered as %q: %s", what, r.status, r.ctype, r.body)
	}
	if r.status < 400 {
		return
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.body, &e); err != nil || !apiCodes[e.Error.Code] || e.Error.Message == "" {
		t.Fatalf("%s: HTTP %d without a stable error code: %s", what, r.status, r.body)
	}
}

// FuzzCaptureUploads sends arbitrary paths, headers and bodies to every
// capture endpoint of a fresh session over real HTTP. Whatever arrives,
// the answer is JSON, never a 5xx, and a refusal has a stable code; an
// accepted frame is a readable JPEG and is stored byte for byte.
func FuzzCaptureUploads(f *testing.F) {
	a := newAPIFuzzServer(f)
	face, err := fs.ReadFile(media.FS, "webcam320/obama_480p.jpg")
	if err != nil {
		f.Fatal(err)
	}
	events := []byte(`{"events": [{"kind": "focus_lost", "at": "NOW"}, {"kind": "key", "at": "NOW", "combo": "ctrl+c"}]}`)
	for _, s := range []struct {
		endpoint    uint8
		rest, ctype string
		time        string
		duration    string
		body        []byte
	}{
		{0, "0", "image/jpeg", "", "", face},
		{0, "1", "image/jpeg", "", "", face},
		{0, "0", "image/jpeg", "yesterday", "", face},
		{0, "0", "image/jpeg", "", "", face[:len(face)/2]},
		{0, "0", "image/png", "", "", face},
		{1, "webcam/0", "video/webm", "", "10000", webm()},
		{1, "screen/0", "video/webm", "", "-1", webm()},
		{1, "webcam/0", "video/webm;codecs=vp8", "", "600000", []byte{0x1A, 0x45}},
		{2, "0", "audio/L16;rate=16000", "", "", make([]byte, 3200)},
		{2, "0", "audio/basic", "", "", bytes.Repeat([]byte{0xFF}, 800)},
		{2, "0", "audio/L16;rate=0;channels=2", "", "", []byte{1}},
		{3, "verification/face/1", "image/jpeg", "", "", face},
		{3, "onboarding/id/99999999999999999999", "image/jpeg", "", "", face},
		{4, "0", "application/json", "", "", events},
		{4, "0", "application/json; charset=utf-8", "", "", []byte(`{"events": [{"kind": "screens", "at": "NOW", "count": 1e9}]}`)},
		{5, "agent/events/0", "application/json", "", "", events},
		{6, "", "application/json", "", "", []byte(`{"frames": 0, "event_batches": 0, "audio": 0, "chunks": {"webcam": 0}}`)},
		{7, "", "application/octet-stream", "", "", bytes.Repeat([]byte("x"), 1000)},
		{8, "", "application/json", "", "", []byte(`{"kind": "agent"}`)},
		{9, "", "", "", "", nil},
	} {
		f.Add(s.endpoint, s.rest, s.ctype, s.time, s.duration, s.body)
	}
	f.Fuzz(func(t *testing.T, endpoint uint8, rest, ctype, captureTime, duration string, body []byte) {
		s := a.freshSession(t)
		now := time.Now().UTC().Format(time.RFC3339Nano)
		if captureTime == "" {
			captureTime = now
		}
		body = bytes.ReplaceAll(body, []byte("NOW"), []byte(now))
		ep := uploadEndpoints[int(endpoint)%len(uploadEndpoints)]
		url := fmt.Sprintf("%s/api/v1/sessions/%d/%s%s", a.srv.URL, s.id, ep.prefix, rest)
		r, ok := send(t, ep.method, url, map[string]string{"Authorization": "Bearer " + s.token, "Content-Type": ctype,
			"X-Capture-Time": captureTime, "X-Duration-Ms": duration}, body)
		if !ok {
			return
		}
		what := ep.method + " " + ep.prefix + rest
		checkAPIAnswer(t, what, r)
		if ep.prefix == "frames/" && r.status == http.StatusOK {
			checkFrameStored(t, a, s.id, body)
		}
		if ep.prefix == "frames/" && rest == "0" && ctype == "image/jpeg" && captureTime == now && r.status != http.StatusOK {
			if _, _, err := analysis.CheckJPEG(body); err == nil && len(body) <= int(a.srv.Ingest.Limits().MaxFrameBytes) {
				t.Fatalf("a good first frame was refused: HTTP %d %s", r.status, r.body)
			}
		}
	})
}

// checkFrameStored: an acknowledged frame is a JPEG Vigil can read, kept
// under the hash of exactly the bytes sent.
func checkFrameStored(t *testing.T, a *apiFuzzServer, sessionID int64, body []byte) {
	t.Helper()
	if _, _, err := analysis.CheckJPEG(body); err != nil {
		t.Fatalf("an acknowledged frame is not a readable JPEG: %v", err)
	}
	fr, err := a.srv.Store.GetFrame(context.Background(), sessionID, 0)
	if err != nil {
		t.Fatalf("an acknowledged frame is not stored: %v", err)
	}
	sum := sha256.Sum256(body)
	if fr.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("frame stored with hash %s, sent %x", fr.SHA256, sum)
	}
}

// FuzzStartSession posts arbitrary bodies to the session start endpoint:
// never a 5xx; a session is started only from a real link.
func FuzzStartSession(f *testing.F) {
	a := newAPIFuzzServer(f)
	link := a.srv.Link(f, a.fixture, 0)
	f.Add("application/json", []byte(`{"link": "LINK", "started_at": "2026-03-01T09:00:00Z"}`))
	f.Add("application/json", []byte(`{"link": "LINK"}`))
	f.Add("application/json", []byte(`{"link": "LINK", "started_at": "not a time"}`))
	f.Add("application/json", []byte(`{"link": "nope", "admin": true}`))
	f.Add("application/json", []byte(`{"link": "LINK"} {"link": "LINK"}`))
	f.Add("text/plain", []byte(`link=LINK`))
	f.Add("application/json", []byte(`[]`))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		body = bytes.ReplaceAll(body, []byte("LINK"), []byte(link))
		r, ok := send(t, "POST", a.srv.URL+"/api/v1/sessions", map[string]string{"Content-Type": ctype}, body)
		if !ok {
			return
		}
		checkAPIAnswer(t, "POST /api/v1/sessions", r)
		if r.status < 300 && !bytes.Contains(body, []byte(link)) {
			t.Fatalf("a session started without the link: HTTP %d %s", r.status, r.body)
		}
	})
}
