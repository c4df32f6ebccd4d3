package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/blob"
	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/media"
)

// client is a tiny raw HTTP client for API tests: it shows exactly what
// goes over the wire.
type client struct {
	t    *testing.T
	base string
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// code is the stable error code of an error answer.
func (r resp) code() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (c client) do(method, path, token, ctype string, headers map[string]string, body []byte) resp {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

func jpegFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(media.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(d time.Duration) map[string]string {
	return map[string]string{"X-Capture-Time": time.Now().UTC().Add(d).Format(time.RFC3339Nano)}
}

type started struct {
	id    int64
	token string
}

func start(t *testing.T, c client, link string) started {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"link": link, "started_at": time.Now().UTC().Add(-time.Minute)})
	r := c.do("POST", "/api/v1/sessions", "", "application/json", nil, body)
	if r.status != http.StatusCreated && r.status != http.StatusOK {
		t.Fatalf("start: %d %s", r.status, r.raw)
	}
	return started{id: int64(r.body["session_id"].(float64)), token: r.body["token"].(string)}
}

func TestStartSession(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 2, nil)
	c := client{t, srv.URL}
	link := srv.Link(t, f, 0)
	// A link issued two hours ago that lived one hour.
	expired, err := ingest.IssueLinkAt(context.Background(), srv.Store, ingest.LinkRequest{ExamID: f.Exam.ID, StudentID: f.Students[1].ID, TTL: time.Hour},
		srv.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }
	cases := []struct {
		name, ctype string
		body        []byte
		status      int
		code        string
	}{
		{"no link", "application/json", js(map[string]any{}), 400, "invalid_request"},
		{"unknown link", "application/json", js(map[string]any{"link": "nope"}), 401, "invalid_token"},
		{"expired link", "application/json", js(map[string]any{"link": expired}), 401, "invalid_token"},
		{"malformed JSON", "application/json", []byte(`{"link": `), 400, "malformed_json"},
		{"unknown field", "application/json", js(map[string]any{"link": link, "admin": true}), 400, "malformed_json"},
		{"not JSON", "text/plain", []byte("link"), 415, "unsupported_media"},
		{"start time in the future", "application/json", js(map[string]any{"link": link, "started_at": time.Now().Add(time.Hour)}), 400, "bad_timestamp"},
		{"oversize body", "application/json", js(map[string]any{"link": strings.Repeat("x", 20000)}), 413, "body_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/api/v1/sessions", "", tc.ctype, nil, tc.body)
			if r.status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %q (%s), want %d %q", r.status, r.code(), r.raw, tc.status, tc.code)
			}
		})
	}
	first := start(t, c, link)
	again := start(t, c, link) // a reload or crash: same session, new token
	if first.id != again.id || first.token == again.token {
		t.Fatalf("resume gave session %d (token reused: %v), want %d with a new token", again.id, first.token == again.token, first.id)
	}
	if r := c.do("GET", fmt.Sprintf("/api/v1/sessions/%d", first.id), first.token, "", nil, nil); r.status != 200 || r.body["state"] != "created" {
		t.Fatalf("status with the first token: %d %s", r.status, r.raw)
	}
}

// TestIngestRefusesBadInputAndHarmsNothing sends every kind of bad upload
// and checks each gets its status and stable code, and that what was stored
// before is still there, byte for byte.
func TestIngestRefusesBadInputAndHarmsNothing(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 2, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	other := start(t, c, srv.Link(t, f, 1))
	face := jpegFile(t, "webcam320/obama_480p.jpg")
	desk := jpegFile(t, "webcam320/desk_empty_320.jpg")
	frame := func(seq int) string { return fmt.Sprintf("/api/v1/sessions/%d/frames/%d", s.id, seq) }

	for seq := range 3 {
		if r := c.do("PUT", frame(seq), s.token, "image/jpeg", at(time.Duration(seq)*time.Second), face); r.status != 200 || r.body["duplicate"] != false {
			t.Fatalf("frame %d: %d %s", seq, r.status, r.raw)
		}
	}
	big := append(bytes.Clone(face), make([]byte, 2<<20)...)
	events := func(body string) []byte { return []byte(body) }
	many := `{"events": [` + strings.Repeat(`{"kind":"focus_lost","at":"`+time.Now().UTC().Format(time.RFC3339)+`"},`, 1000) + `{"kind":"focus_gained","at":"` + time.Now().UTC().Format(time.RFC3339) + `"}]}`
	cases := []struct {
		name, method, path, token, ctype string
		headers                          map[string]string
		body                             []byte
		status                           int
		code                             string
	}{
		{"no token", "PUT", frame(3), "", "image/jpeg", at(0), desk, 401, "invalid_token"},
		{"wrong token", "PUT", frame(3), "not-a-token", "image/jpeg", at(0), desk, 401, "invalid_token"},
		{"another session's token", "PUT", frame(3), other.token, "image/jpeg", at(0), desk, 403, "forbidden"},
		{"session id not a number", "PUT", "/api/v1/sessions/x/frames/3", s.token, "image/jpeg", at(0), desk, 400, "invalid_request"},
		{"oversize frame", "PUT", frame(3), s.token, "image/jpeg", at(0), big, 413, "body_too_large"},
		{"not a JPEG", "PUT", frame(3), s.token, "image/jpeg", at(0), []byte("GIF89a not really"), 415, "not_jpeg"},
		{"truncated JPEG header", "PUT", frame(3), s.token, "image/jpeg", at(0), face[:40], 415, "not_jpeg"},
		{"empty frame", "PUT", frame(3), s.token, "image/jpeg", at(0), nil, 415, "not_jpeg"},
		{"wrong content type", "PUT", frame(3), s.token, "image/png", at(0), desk, 415, "unsupported_media"},
		{"no capture time", "PUT", frame(3), s.token, "image/jpeg", nil, desk, 400, "bad_timestamp"},
		{"capture time from the future", "PUT", frame(3), s.token, "image/jpeg", at(time.Hour), desk, 400, "bad_timestamp"},
		{"capture time before the start", "PUT", frame(3), s.token, "image/jpeg", at(-time.Hour), desk, 400, "bad_timestamp"},
		{"negative sequence", "PUT", frame(-1), s.token, "image/jpeg", at(0), desk, 400, "invalid_request"},
		{"sequence gap", "PUT", frame(5), s.token, "image/jpeg", at(0), desk, 409, "sequence_gap"},
		{"repeat with other content", "PUT", frame(1), s.token, "image/jpeg", at(0), desk, 409, "sequence_conflict"},
		{"events: malformed JSON", "PUT", events0(s.id), s.token, "application/json", nil, events(`{"events": [`), 400, "malformed_json"},
		{"events: not an object", "PUT", events0(s.id), s.token, "application/json", nil, events(`[1,2]`), 400, "malformed_json"},
		{"events: no events array", "PUT", events0(s.id), s.token, "application/json", nil, events(`{}`), 400, "malformed_json"},
		{"events: unknown kind", "PUT", events0(s.id), s.token, "application/json", nil, events(`{"events":[{"kind":"teleport","at":"2026-01-01T00:00:00Z"}]}`), 400, "invalid_request"},
		{"events: key without combo", "PUT", events0(s.id), s.token, "application/json", nil, events(`{"events":[{"kind":"key","at":"2026-01-01T00:00:00Z"}]}`), 400, "invalid_request"},
		{"events: NUL in a name", "PUT", events0(s.id), s.token, "application/json", nil, events(`{"events":[{"kind":"app","at":"2026-01-01T00:00:00Z","name":"zoom\u0000","state":"running"}]}`), 400, "invalid_request"},
		{"events: too many", "PUT", events0(s.id), s.token, "application/json", nil, events(many), 413, "body_too_large"},
		{"events: batch gap", "PUT", fmt.Sprintf("/api/v1/sessions/%d/events/4", s.id), s.token, "application/json", nil, events(`{"events":[]}`), 409, "sequence_gap"},
		{"chunk: first without WebM header", "PUT", chunk(s.id, "webcam", 0), s.token, "video/webm", map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339), "X-Duration-Ms": "10000"}, []byte("not a webm"), 415, "not_webm"},
		{"chunk: unknown stream", "PUT", chunk(s.id, "audio", 0), s.token, "video/webm", map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339), "X-Duration-Ms": "10000"}, webm(), 400, "invalid_request"},
		{"chunk: no duration", "PUT", chunk(s.id, "webcam", 0), s.token, "video/webm", at(0), webm(), 400, "invalid_request"},
		{"chunk: gap", "PUT", chunk(s.id, "webcam", 2), s.token, "video/webm", map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339), "X-Duration-Ms": "10000"}, webm(), 409, "sequence_gap"},
		{"photo: unknown kind", "PUT", fmt.Sprintf("/api/v1/sessions/%d/photos/verification/passport/1", s.id), s.token, "image/jpeg", at(0), face, 400, "invalid_request"},
		{"photo: attempt 0", "PUT", fmt.Sprintf("/api/v1/sessions/%d/photos/verification/face/0", s.id), s.token, "image/jpeg", at(0), face, 400, "invalid_request"},
		{"photo: attempt gap", "PUT", fmt.Sprintf("/api/v1/sessions/%d/photos/verification/face/3", s.id), s.token, "image/jpeg", at(0), face, 409, "sequence_gap"},
		{"photo: not a JPEG", "PUT", fmt.Sprintf("/api/v1/sessions/%d/photos/verification/face/1", s.id), s.token, "image/jpeg", at(0), []byte{0xFF, 0xD8, 0xFF, 0x00, 1, 2}, 415, "not_jpeg"},
		{"finish: null", "POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil, []byte(`null`), 400, "malformed_json"},
		{"finish: malformed", "POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil, []byte(`{"frames": "many"}`), 400, "malformed_json"},
		{"finish: frames missing", "POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil, []byte(`{"frames": 9}`), 409, "incomplete"},
		{"unknown endpoint", "GET", "/api/v1/nothing", s.token, "", nil, nil, 404, "not_found"},
		{"wrong method", "DELETE", frame(0), s.token, "", nil, nil, 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, tc.token, tc.ctype, tc.headers, tc.body)
			if r.status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %q (%s), want %d %q", r.status, r.code(), r.raw, tc.status, tc.code)
			}
			if e, _ := r.body["error"].(map[string]any); e["message"] == "" || e["request_id"] == "" {
				t.Fatalf("error without message or request id: %s", r.raw)
			}
		})
	}
	if r := c.do("PUT", frame(5), s.token, "image/jpeg", at(0), desk); r.body["error"].(map[string]any)["next"] != float64(3) {
		t.Errorf("a gap error should say which sequence number is next: %s", r.raw)
	}
	assertFramesIntact(t, srv, s.id, face, 3)
	checkRetriesAndFinish(t, c, srv, s, face)
}

func events0(id int64) string { return fmt.Sprintf("/api/v1/sessions/%d/events/0", id) }

func chunk(id int64, stream string, seq int) string {
	return fmt.Sprintf("/api/v1/sessions/%d/chunks/%s/%d", id, stream, seq)
}

// webm is the start of a WebM file: an EBML header element.
func webm() []byte { return append([]byte{0x1A, 0x45, 0xDF, 0xA3}, bytes.Repeat([]byte{0x42}, 64)...) }

// assertFramesIntact checks the first n frames are stored with exactly the
// bytes first sent.
func assertFramesIntact(t *testing.T, srv *testserver.Server, sid int64, want []byte, n int64) {
	t.Helper()
	ctx := context.Background()
	count, err := srv.Store.CountFrames(ctx, sid)
	if err != nil || count != n {
		t.Fatalf("%d frames stored (err %v), want %d", count, err, n)
	}
	for seq := range n {
		f, err := srv.Store.GetFrame(ctx, sid, seq)
		if err != nil {
			t.Fatal(err)
		}
		o, err := blob.OpenPart(ctx, srv.Blobs, f.BlobKey, f.Offset, f.Size)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(o)
		o.Close()
		if sha256.Sum256(got) != sha256.Sum256(want) {
			t.Fatalf("frame %d changed on disk", seq)
		}
	}
}

// checkRetriesAndFinish: retries are acknowledged as duplicates, finishing
// closes the session, and later uploads are refused while retries of stored
// items are still acknowledged.
func checkRetriesAndFinish(t *testing.T, c client, srv *testserver.Server, s started, face []byte) {
	t.Helper()
	frame := func(seq int) string { return fmt.Sprintf("/api/v1/sessions/%d/frames/%d", s.id, seq) }
	if r := c.do("PUT", frame(1), s.token, "image/jpeg", at(0), face); r.status != 200 || r.body["duplicate"] != true || r.body["next"] != float64(2) {
		t.Fatalf("retry of frame 1: %d %s", r.status, r.raw)
	}
	ev := []byte(`{"events":[{"kind":"key","at":"` + time.Now().UTC().Format(time.RFC3339) + `","combo":"ctrl+c"}]}`)
	for i, wantDup := range []bool{false, true} {
		if r := c.do("PUT", events0(s.id), s.token, "application/json", nil, ev); r.status != 200 || r.body["duplicate"] != wantDup {
			t.Fatalf("event batch send %d: %d %s", i, r.status, r.raw)
		}
	}
	if r := c.do("PUT", events0(s.id), s.token, "application/json", nil, []byte(`{"events":[]}`)); r.code() != "sequence_conflict" {
		t.Fatalf("batch 0 with other content: %d %s", r.status, r.raw)
	}
	hdr := map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339), "X-Duration-Ms": "10000"}
	if r := c.do("PUT", chunk(s.id, "webcam", 0), s.token, "video/webm", hdr, webm()); r.status != 200 {
		t.Fatalf("chunk 0: %d %s", r.status, r.raw)
	}
	if r := c.do("PUT", chunk(s.id, "webcam", 1), s.token, "video/webm", hdr, []byte("cluster data")); r.status != 200 {
		t.Fatalf("chunk 1 (continuation, no header): %d %s", r.status, r.raw)
	}
	finish := []byte(`{"frames": 3, "event_batches": 1, "chunks": {"webcam": 2}}`)
	fin := fmt.Sprintf("/api/v1/sessions/%d/finish", s.id)
	if r := c.do("POST", fin, s.token, "application/json", nil, finish); r.status != 200 || r.body["state"] != "submitted" {
		t.Fatalf("finish: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", fin, s.token, "application/json", nil, finish); r.status != 200 || r.body["already_finished"] != true {
		t.Fatalf("second finish: %d %s", r.status, r.raw)
	}
	if r := c.do("PUT", frame(3), s.token, "image/jpeg", at(0), face); r.code() != "session_closed" {
		t.Fatalf("upload after finish: %d %s", r.status, r.raw)
	}
	if r := c.do("PUT", frame(2), s.token, "image/jpeg", at(0), face); r.status != 200 || r.body["duplicate"] != true {
		t.Fatalf("retry after finish of a stored frame: %d %s", r.status, r.raw)
	}
	assertFramesIntact(t, srv, s.id, face, 3)
	sess, _ := srv.Store.GetSession(context.Background(), s.id)
	if sess.State != proctor.StateSubmitted {
		t.Fatalf("state after finish = %s", sess.State)
	}
}

func TestPhotosAreCheckedAtOnce(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	attempts := []struct {
		file   string
		passed bool
		reason string
	}{
		{"webcam320/derived_biden_dark.jpg", false, "too dark"},
		{"webcam320/desk_empty_320.jpg", false, "no face found"},
		{"webcam320/two_people.jpg", false, "2 faces found"},
		{"webcam320/biden_headshoulders.jpg", true, "one face found"},
	}
	for i, a := range attempts {
		path := fmt.Sprintf("/api/v1/sessions/%d/photos/onboarding/face/%d", s.id, i+1)
		r := c.do("PUT", path, s.token, "image/jpeg", at(0), jpegFile(t, a.file))
		if r.status != 200 || r.body["passed"] != a.passed || !strings.Contains(r.body["reason"].(string), a.reason) {
			t.Fatalf("attempt %d (%s): %d %s; want passed=%v %q", i+1, a.file, r.status, r.raw, a.passed, a.reason)
		}
	}
	path := fmt.Sprintf("/api/v1/sessions/%d/photos/onboarding/id/1", s.id)
	if r := c.do("PUT", path, s.token, "image/jpeg", at(0), jpegFile(t, "webcam320/obama_portrait.jpg")); r.body["passed"] != true {
		t.Fatalf("ID photo: %s", r.raw)
	}
	photos, err := srv.Store.ListStudentPhotos(context.Background(), f.Students[0].ID, proctor.PurposeOnboarding)
	if err != nil || len(photos) != 5 {
		t.Fatalf("%d onboarding photos kept (err %v), want all 5 attempts", len(photos), err)
	}
}

func TestRateLimit(t *testing.T) {
	limits := ingest.DefaultLimits()
	limits.RatePerSecond, limits.RateBurst = 1, 3
	srv := testserver.Start(t, testserver.Options{NoWorker: true, Limits: &limits})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	var last resp
	for range 5 {
		last = c.do("GET", fmt.Sprintf("/api/v1/sessions/%d", s.id), s.token, "", nil, nil)
	}
	if last.status != 429 || last.code() != "rate_limited" || last.header.Get("Retry-After") == "" {
		t.Fatalf("6th request in a second: %d %s (Retry-After %q)", last.status, last.raw, last.header.Get("Retry-After"))
	}
}

func TestAudioUploads(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	path := func(seq int) string { return fmt.Sprintf("/api/v1/sessions/%d/audio/%d", s.id, seq) }
	second := bytes.Repeat([]byte{0xFF, 0x7F, 0x80, 0x00}, 2000) // 1 s of 8 kHz μ-law
	cases := []struct {
		name, ctype string
		body        []byte
		seq         int
		status      int
		code        string
	}{
		{"not audio", "audio/mpeg", second, 0, 415, "unsupported_media"},
		{"L16 without a rate", "audio/L16", make([]byte, 1600), 0, 415, "unsupported_media"},
		{"L16 of odd length", "audio/L16;rate=16000", make([]byte, 1601), 0, 415, "unsupported_media"},
		{"stereo", "audio/L16;rate=8000;channels=2", make([]byte, 1600), 0, 415, "unsupported_media"},
		{"empty", "audio/basic", nil, 0, 415, "unsupported_media"},
		{"longer than two minutes", "audio/basic", bytes.Repeat(second, 121), 0, 413, "body_too_large"},
		{"gap", "audio/basic", second, 3, 409, "sequence_gap"},
		{"μ-law", "audio/basic", second, 0, 200, ""},
		{"L16 at 16 kHz", "audio/L16; rate=16000", make([]byte, 32000), 1, 200, ""},
		{"repeat with other content", "audio/basic", bytes.Repeat([]byte{0xFF}, 8000), 1, 409, "sequence_conflict"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("PUT", path(tc.seq), s.token, tc.ctype, at(0), tc.body)
			if r.status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %q (%s), want %d %q", r.status, r.code(), r.raw, tc.status, tc.code)
			}
		})
	}
	a, err := srv.Store.GetAudio(context.Background(), s.id, 1)
	if err != nil || a.DurationMS != 1000 || a.Format != "audio/l16; rate=16000" {
		t.Fatalf("stored chunk %+v (err %v): the duration is counted by the server", a, err)
	}
	fin := c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil, []byte(`{"audio": 3}`))
	if fin.code() != "incomplete" || !strings.Contains(fin.raw, "audio_from") {
		t.Fatalf("finish with audio missing: %s", fin.raw)
	}
}

// TestSpeedTest: the upload-speed probe takes up to 1 MiB with the
// session's token, stores nothing, and refuses more.
func TestSpeedTest(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	path := fmt.Sprintf("/api/v1/sessions/%d/speedtest", s.id)
	if r := c.do("POST", path, s.token, "application/octet-stream", nil, make([]byte, 256<<10)); r.status != 200 || r.body["bytes"] != float64(256<<10) {
		t.Fatalf("speed test: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", path, s.token, "application/octet-stream", nil, make([]byte, 1<<20+1)); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize speed test: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", path, "", "application/octet-stream", nil, []byte("x")); r.status != http.StatusUnauthorized {
		t.Fatalf("speed test without a token: %d", r.status)
	}
	if sess, _ := srv.Store.GetSession(context.Background(), s.id); sess.State != proctor.StateCreated {
		t.Fatalf("a speed test changed the session to %s", sess.State)
	}
}

// TestExpiredTokenIsRecordedOnce: uploads with a token past its life are
// refused with invalid_token, and the refusal is written to the audit log
// under the session once, however often the client retries.
func TestExpiredTokenIsRecordedOnce(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	srv.Advance(proctor.ResumeWindow + 2*time.Hour)
	for range 3 {
		r := c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/speedtest", s.id), s.token, "application/octet-stream", nil, []byte("x"))
		if r.status != http.StatusUnauthorized || !strings.Contains(string(r.raw), "invalid_token") || !strings.Contains(string(r.raw), "expired") {
			t.Fatalf("expired token: %d %s", r.status, r.raw)
		}
	}
	audit, err := srv.Store.ListAudit(context.Background(), store.AuditFilter{Subject: fmt.Sprintf("session:%d", s.id), Action: proctor.AuditTokenRefused})
	if err != nil || len(audit) != 1 || audit[0].CourseID != f.Course.ID {
		t.Fatalf("audit entries %+v (%v), want one in the course", audit, err)
	}
}
