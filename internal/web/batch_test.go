package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// part is one upload of a batch request.
type part struct {
	path, ctype string
	at          time.Time // X-Capture-Time; zero: none
	body        []byte
}

// multipartOf is a batch request's Content-Type and body.
func multipartOf(parts ...part) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{"Content-Disposition": {fmt.Sprintf(`form-data; name=%q`, p.path)}, "Content-Type": {p.ctype}}
		if !p.at.IsZero() {
			h.Set("X-Capture-Time", p.at.UTC().Format(time.RFC3339Nano))
		}
		w, _ := mw.CreatePart(h) // to memory: cannot fail
		w.Write(p.body)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// results are a batch answer's items: path, and the ack or the error code.
func results(t *testing.T, r resp) []map[string]any {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("batch: %d %s", r.status, r.raw)
	}
	var out []map[string]any
	for _, x := range r.body["results"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func ackOf(res map[string]any) (dup bool, ok bool) {
	a, ok := res["ack"].(map[string]any)
	if !ok {
		return false, false
	}
	return a["duplicate"].(bool), true
}

// TestBatchOfUploads: several uploads of different kinds in one request
// are each stored and acknowledged as their own requests would be; the
// same batch again is acknowledged as retries and stores nothing twice;
// a refused item ends the batch after what came before it was stored; a
// batch whose first item is refused is that refusal.
func TestBatchOfUploads(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	ctx := context.Background()
	face, desk := jpegFile(t, "webcam320/obama_480p.jpg"), jpegFile(t, "webcam320/desk_empty_320.jpg")
	second := bytes.Repeat([]byte{0xFF, 0x7F, 0x80, 0x00}, 2000) // 1 s of 8 kHz μ-law
	now := time.Now()
	events := []byte(fmt.Sprintf(`{"events":[{"kind":"focus_lost","at":%q}]}`, now.UTC().Format(time.RFC3339Nano)))
	post := func(parts ...part) resp {
		ctype, body := multipartOf(parts...)
		return c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/uploads", s.id), s.token, ctype, nil, body)
	}
	first := []part{
		{"frames/0", "image/jpeg", now.Add(-3 * time.Second), face},
		{"frames/1", "image/jpeg", now.Add(-2 * time.Second), desk},
		{"audio/0", "audio/basic", now.Add(-3 * time.Second), second},
		{"events/0", "application/json", time.Time{}, events},
		{"frames/2", "image/jpeg", now.Add(-time.Second), face},
	}
	res := results(t, post(first...))
	if len(res) != len(first) {
		t.Fatalf("%d results for %d uploads: %v", len(res), len(first), res)
	}
	for i, r := range res {
		if dup, ok := ackOf(r); !ok || dup || r["path"] != first[i].path {
			t.Fatalf("item %d: %v, want a new upload's ack of %s", i, r, first[i].path)
		}
	}
	next := func() [3]int64 {
		fr, err1 := srv.Store.NextFrameSeq(ctx, s.id)
		au, err2 := srv.Store.NextAudioSeq(ctx, s.id)
		ev, err3 := srv.Store.NextEventBatch(ctx, s.id, proctor.SourceBrowser)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		return [3]int64{fr, au, ev}
	}
	if got := next(); got != [3]int64{3, 1, 1} {
		t.Fatalf("stored frames, audio, event batches up to %v, want [3 1 1]", got)
	}
	if sess, err := srv.Store.GetSession(ctx, s.id); err != nil || sess.State != proctor.StateInProgress {
		t.Fatalf("session %+v (%v): its first capture starts it", sess, err)
	}

	// The same batch again, as after a lost answer: every item a retry.
	for i, r := range results(t, post(first...)) {
		if dup, ok := ackOf(r); !ok || !dup {
			t.Fatalf("retried item %d: %v, want a duplicate's ack", i, r)
		}
	}
	if got := next(); got != [3]int64{3, 1, 1} {
		t.Fatalf("after the retry: %v, want [3 1 1]", got)
	}

	// A gap ends the batch: what came before it is stored, what follows
	// is not looked at.
	res = results(t, post(part{"frames/3", "image/jpeg", now, desk}, part{"frames/5", "image/jpeg", now, face},
		part{"frames/6", "image/jpeg", now, face}))
	if len(res) != 2 {
		t.Fatalf("results %v: want frame 3's ack, then frame 5's refusal", res)
	}
	if _, ok := ackOf(res[0]); !ok {
		t.Fatalf("frame 3: %v", res[0])
	}
	e := res[1]["error"].(map[string]any)
	if res[1]["path"] != "frames/5" || e["code"] != "sequence_gap" || e["next"] != float64(4) || e["status"] != float64(409) {
		t.Fatalf("frame 5: %v, want a sequence_gap (409) expecting 4", res[1])
	}
	if got := next(); got[0] != 4 {
		t.Fatalf("frames stored up to %d, want 4", got[0])
	}

	// Refusals of an item's own endpoint, item by item.
	for _, tc := range []struct {
		name   string
		parts  []part
		status int
		code   string
	}{
		{"clash first", []part{{"frames/0", "image/jpeg", now, desk}}, 409, "sequence_conflict"},
		{"no capture time", []part{{"frames/4", "image/jpeg", time.Time{}, face}}, 400, "bad_timestamp"},
		{"not a JPEG", []part{{"frames/4", "image/png", now, face}}, 415, "unsupported_media"},
		{"unknown path", []part{{"photos/onboarding/face/1", "image/jpeg", now, face}}, 400, "invalid_request"},
		{"empty", nil, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := post(tc.parts...); r.status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %q (%s), want %d %q", r.status, r.code(), r.raw, tc.status, tc.code)
			}
		})
	}
	if r := c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/uploads", s.id), s.token, "image/jpeg", nil, face); r.status != 415 {
		t.Fatalf("a body that is not multipart: %d %s", r.status, r.raw)
	}
	if got := next(); got != [3]int64{4, 1, 1} {
		t.Fatalf("after the refusals: %v, want [4 1 1]", got)
	}

	// At most 64 items: the 65th is refused, the 64 before it stored.
	var many []part
	for i := range 65 {
		many = append(many, part{fmt.Sprintf("events/%d", i+1), "application/json", time.Time{}, events})
	}
	res = results(t, post(many...))
	if len(res) != 65 || res[64]["path"] != "events/65" || res[64]["error"].(map[string]any)["code"] != "body_too_large" {
		t.Fatalf("65 items: %d results, the last %v", len(res), res[len(res)-1])
	}
	if got := next(); got[2] != 65 {
		t.Fatalf("event batches stored up to %d, want 65", got[2])
	}
	// The single-upload endpoints go on where the batches left off.
	if r := c.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/4", s.id), s.token, "image/jpeg", at(0), face); r.status != 200 {
		t.Fatalf("frame 4 on its own: %d %s", r.status, r.raw)
	}
}
