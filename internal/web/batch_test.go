package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"vigil/internal/blob"
	"vigil/internal/blob/s3blob/s3test"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/testserver"
	"vigil/internal/testwait"
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
		if strings.HasPrefix(p.path, "chunks/") {
			h.Set("X-Duration-Ms", "10000") // every video chunk here lasts 10 s
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

// checkPacked: a batch's frames, audio chunks and webcam chunks (each from
// number 0) are one object, a pack, of exactly their bytes; each frame reads back
// as sent, whole and by byte range, at the instructor's media address
// (which must stream it, not redirect), and each audio chunk as its part.
func checkPacked(t *testing.T, srv *testserver.Server, instructor *proctor.User, sid int64, frames, audio, webcam [][]byte) {
	t.Helper()
	ctx := context.Background()
	var key string
	var total int64
	samePack := func(what string, seq int, k string, packed bool, offset, size int64, data []byte) {
		if key == "" {
			key = k
		}
		if !packed || k != key || size != int64(len(data)) {
			t.Fatalf("%s %d: in a pack %v, key %s, %d bytes; want the %d bytes sent, in the batch's pack %s", what, seq, packed, k, size, len(data), key)
		}
		o, err := blob.OpenPart(ctx, srv.Blobs, k, offset, size)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(o)
		o.Close()
		if !bytes.Equal(got, data) {
			t.Fatalf("%s %d: its part of the pack (%d bytes from %d) is not what was sent", what, seq, size, offset)
		}
		total += size
	}
	for seq, data := range frames {
		f, err := srv.Store.GetFrame(ctx, sid, int64(seq))
		if err != nil {
			t.Fatal(err)
		}
		samePack("frame", seq, f.BlobKey, f.Packed, f.Offset, f.Size, data)
	}
	for seq, data := range audio {
		a, err := srv.Store.GetAudio(ctx, sid, int64(seq))
		if err != nil {
			t.Fatal(err)
		}
		samePack("audio chunk", seq, a.BlobKey, a.Packed, a.Offset, a.Size, data)
	}
	for seq, data := range webcam {
		c, err := srv.Store.GetChunk(ctx, sid, proctor.StreamWebcam, int64(seq))
		if err != nil {
			t.Fatal(err)
		}
		samePack("webcam chunk", seq, c.BlobKey, c.Packed, c.Offset, c.Size, data)
	}
	if info, err := srv.Blobs.Stat(ctx, key); err != nil || info.Size != total {
		t.Fatalf("the pack %s: %+v, %v; want %d bytes, its items' and no more", key, info, err, total)
	}
	c, _ := srv.SignIn(t, instructor)
	for seq, data := range frames {
		u := fmt.Sprintf("%s/media/sessions/%d/frames/%d", srv.URL, sid, seq)
		if status, body := get(t, c, u); status != 200 || body != string(data) {
			t.Fatalf("GET frame %d: %d, %d bytes; want 200 and the %d bytes sent", seq, status, len(body), len(data))
		}
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Range", "bytes=2-9")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusPartialContent || !bytes.Equal(part, data[2:10]) {
			t.Fatalf("frame %d, bytes 2–9: %d %x; want 206 %x", seq, res.StatusCode, part, data[2:10])
		}
	}
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
	checkPacked(t, srv, &f.Instructor, s.id, [][]byte{face, desk, face}, [][]byte{second}, nil)

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
	if f3, err := srv.Store.GetFrame(ctx, s.id, 3); err != nil || f3.Packed {
		t.Fatalf("frame 3, the one new frame of its batch: %+v, %v; want an object of its own", f3, err)
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

// TestPackedFramesOnS3: on S3 with direct media, a batch's frames are one
// object; the instructor's media address streams each frame's part of it
// (a signed address of the store would give the whole pack), the analysis
// reads each frame and audio chunk from its pack, and the video plays from
// its chunk's part, then joined.
func TestPackedFramesOnS3(t *testing.T) {
	s3 := s3test.Start(t)
	bucket := s3.Open(t, s3.Bucket(t))
	srv := testserver.Start(t, testserver.Options{Blobs: bucket, MediaDirect: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	face, desk := jpegFile(t, "webcam320/obama_480p.jpg"), jpegFile(t, "webcam320/desk_empty_320.jpg")
	now := time.Now()
	tone := make([]byte, 2*8000) // 1 s of a 400 Hz tone, 16-bit PCM at 8 kHz
	for i := range 8000 {
		v := int16(8000 * math.Sin(2*math.Pi*400*float64(i)/8000))
		binary.LittleEndian.PutUint16(tone[2*i:], uint16(v))
	}
	video := append(webm(), bytes.Repeat([]byte{0x51}, 3000)...)
	ctype, body := multipartOf(part{"frames/0", "image/jpeg", now.Add(-2 * time.Second), desk},
		part{"chunks/webcam/0", "video/webm", now.Add(-10 * time.Second), video},
		part{"audio/0", "audio/L16;rate=8000", now.Add(-2 * time.Second), tone},
		part{"frames/1", "image/jpeg", now.Add(-time.Second), face}, part{"frames/2", "image/jpeg", now, desk})
	results(t, c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/uploads", s.id), s.token, ctype, nil, body))
	checkPacked(t, srv, &f.Instructor, s.id, [][]byte{desk, face, desk}, [][]byte{tone}, [][]byte{video})
	teacher, _ := srv.SignIn(t, &f.Instructor)
	videoURL := fmt.Sprintf("%s/media/sessions/%d/video/webcam", srv.URL, s.id)
	if status, got := get(t, teacher, videoURL); status != 200 || got != string(video) {
		t.Fatalf("the video while the exam runs (its chunks' parts, streamed): %d, %d bytes; want the %d sent", status, len(got), len(video))
	}

	if r := c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil, []byte(`{"frames":3,"audio":1,"chunks":{"webcam":1}}`)); r.status != 200 {
		t.Fatalf("finish: %d %s", r.status, r.raw)
	}
	srv.WaitAnalysed(t, s.id)
	sigs, err := srv.Store.ListFrameSignals(context.Background(), s.id)
	must(t, err)
	if len(sigs) != 3 {
		t.Fatalf("%d frame signals, want 3", len(sigs))
	}
	for i, sg := range sigs {
		if wantFaces := i % 2; !sg.OK || sg.Faces != wantFaces {
			t.Errorf("frame %d: analysed %v (%q), %d faces; want %d", i, sg.OK, sg.Error, sg.Faces, wantFaces)
		}
	}
	heard, err := srv.Store.ListAudioSignals(context.Background(), s.id)
	must(t, err)
	var heardMS int64
	for _, h := range heard {
		heardMS += h.DurMS
		if h.RMSdB < -30 {
			t.Errorf("audio signal %+v: want the tone (about -15 dBFS)", h)
		}
	}
	if heardMS != 1000 {
		t.Fatalf("audio signals %+v cover %d ms: want the tone's 1,000 ms, read from its part of the pack", heard, heardMS)
	}
	// Finished, the segment is joined from its parts into one object, and
	// the video address sends the browser there.
	testwait.Until(t, "the video segment to be joined into one object", 30*time.Second, func() bool {
		info, err := bucket.Stat(context.Background(), review.JoinedKey(s.id, "webcam", 0))
		return err == nil && info.Size == int64(len(video))
	})
	res, err := teacher.Get(videoURL)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("the finished session's video: %d, want 302 to the joined object in the store", res.StatusCode)
	}
	if status, got := get(t, http.DefaultClient, res.Header.Get("Location")); status != 200 || got != string(video) {
		t.Fatalf("the finished session's video from the store: %d, %d bytes; want the %d sent", status, len(got), len(video))
	}
}
