package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"vigil/internal/testserver"
)

// TestVideoStreamsChunksAsOneFile uploads a recording in chunks and reads
// it back as one file, whole and by byte ranges across chunk boundaries.
func TestVideoStreamsChunksAsOneFile(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	var whole []byte
	for seq := range 3 {
		data := bytes.Repeat([]byte{byte('a' + seq)}, 1000+seq*500)
		if seq == 0 {
			data = append(webm(), data...)
		}
		whole = append(whole, data...)
		hdr := map[string]string{"X-Capture-Time": time.Now().UTC().Add(time.Duration(seq-3) * 10 * time.Second).Format(time.RFC3339Nano), "X-Duration-Ms": "10000"}
		if r := c.do("PUT", chunk(s.id, "webcam", seq), s.token, "video/webm", hdr, data); r.status != 200 {
			t.Fatalf("chunk %d: %d %s", seq, r.status, r.raw)
		}
	}
	hc, _ := srv.SignIn(t, &f.Instructor)
	u := fmt.Sprintf("%s/media/sessions/%d/video/webcam.webm", srv.URL, s.id)
	status, body := get(t, hc, u)
	if status != 200 || body != string(whole) {
		t.Fatalf("whole video: %d, %d bytes (want %d)", status, len(body), len(whole))
	}
	for _, rg := range [][2]int{{0, 9}, {1060, 1080}, {len(whole) - 30, len(whole) - 1}, {500, 3000}} {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", rg[0], rg[1]))
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusPartialContent || !bytes.Equal(got, whole[rg[0]:rg[1]+1]) {
			t.Fatalf("range %v: %d, %d bytes", rg, res.StatusCode, len(got))
		}
	}
	if status, _ := get(t, hc, fmt.Sprintf("%s/media/sessions/%d/video/screen.webm", srv.URL, s.id)); status != 404 {
		t.Fatalf("a stream never recorded: %d, want 404", status)
	}
	sess, _ := srv.Store.GetSession(context.Background(), s.id)
	if sess.State != "in_progress" {
		t.Fatalf("state after video chunks: %s", sess.State)
	}
}

// TestVideoSegmentsAfterResume: a client that restarts its recorder
// mid-exam (a reload) sends a chunk with a new WebM header; that chunk
// opens a second file, served on its own and placed on the timeline.
func TestVideoSegmentsAfterResume(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	t0 := time.Now().UTC().Add(-time.Minute)
	var files [2][]byte
	for seq, opens := range []bool{true, false, true, false} {
		data := bytes.Repeat([]byte{byte('a' + seq)}, 700)
		if opens {
			data = append(webm(), data...)
		}
		file := 0
		if seq >= 2 {
			file = 1
		}
		files[file] = append(files[file], data...)
		at := t0.Add(time.Duration(seq) * 10 * time.Second)
		if seq >= 2 {
			at = at.Add(5 * time.Second) // the reload took five seconds
		}
		hdr := map[string]string{"X-Capture-Time": at.Format(time.RFC3339Nano), "X-Duration-Ms": "10000"}
		if r := c.do("PUT", chunk(s.id, "webcam", seq), s.token, "video/webm", hdr, data); r.status != 200 {
			t.Fatalf("chunk %d: %d %s", seq, r.status, r.raw)
		}
	}
	hc, _ := srv.SignIn(t, &f.Instructor)
	u := fmt.Sprintf("%s/media/sessions/%d/video/webcam.webm", srv.URL, s.id)
	for i, want := range files {
		status, body := get(t, hc, fmt.Sprintf("%s?segment=%d", u, i))
		if status != 200 || body != string(want) {
			t.Fatalf("segment %d: %d, %d bytes (want %d)", i, status, len(body), len(want))
		}
	}
	if status, body := get(t, hc, u); status != 200 || body != string(files[0]) {
		t.Fatalf("no segment named must serve the first: %d, %d bytes", status, len(body))
	}
	for q, want := range map[string]int{"2": 404, "-1": 400, "x": 400} {
		if status, _ := get(t, hc, u+"?segment="+q); status != want {
			t.Fatalf("segment=%s: %d, want %d", q, status, want)
		}
	}
	status, body := get(t, hc, fmt.Sprintf("%s/sessions/%d/timeline.json", srv.URL, s.id))
	var tl struct {
		Video []struct {
			Segment    int   `json:"segment"`
			OffsetMS   int64 `json:"offset_ms"`
			DurationMS int64 `json:"duration_ms"`
		} `json:"video"`
	}
	if err := json.Unmarshal([]byte(body), &tl); status != 200 || err != nil {
		t.Fatalf("timeline: %d %v", status, err)
	}
	if len(tl.Video) != 2 || tl.Video[0].DurationMS != 20000 || tl.Video[1].Segment != 1 ||
		tl.Video[1].OffsetMS-tl.Video[0].OffsetMS != 25000 {
		t.Fatalf("timeline segments = %+v", tl.Video)
	}
}
