package web_test

import (
	"bytes"
	"context"
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
