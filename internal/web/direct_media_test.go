package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/blob/s3blob/s3test"
	"vigil/internal/review"
	"vigil/internal/testserver"
	"vigil/internal/testwait"
)

// TestMediaStraightFromS3: on S3 storage with direct media, Vigil checks
// each read and then sends the browser to a short-lived signed URL of the
// store, for frames and — once the session is finished and its segments
// joined — for video; the pages' policy allows that origin. Reads nobody
// authorised still get nothing.
func TestMediaStraightFromS3(t *testing.T) {
	s3 := s3test.Start(t)
	bucket := s3.Open(t, s3.Bucket(t))
	srv := testserver.Start(t, testserver.Options{Blobs: bucket, MediaDirect: true})
	f := srv.NewFixture(t, 1, nil)
	api := client{t, srv.URL}
	s := start(t, api, srv.Link(t, f, 0))
	jpeg := jpegFile(t, "webcam320/biden_headshoulders.jpg")
	for i := range 3 {
		if r := api.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/%d", s.id, i), s.token, "image/jpeg", at(time.Duration(i)*time.Second), jpeg); r.status != 200 {
			t.Fatalf("frame: %d %s", r.status, r.raw)
		}
	}
	var video []byte
	for i := range 3 {
		body := bytes.Repeat([]byte{byte(0x50 + i)}, 3000)
		if i == 0 {
			body = append(webm(), body...)
		}
		video = append(video, body...)
		h := at(time.Duration(i) * 10 * time.Second)
		h["X-Duration-Ms"] = "10000"
		if r := api.do("PUT", chunk(s.id, "webcam", i), s.token, "video/webm", h, body); r.status != 200 {
			t.Fatalf("chunk: %d %s", r.status, r.raw)
		}
	}
	if r := api.do("POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil,
		[]byte(`{"frames":3,"chunks":{"webcam":3}}`)); r.status != 200 {
		t.Fatalf("finish: %d %s", r.status, r.raw)
	}
	srv.WaitAnalysed(t, s.id)
	testwait.Until(t, "the video segment to be joined into one object", 30*time.Second, func() bool {
		info, err := bucket.Stat(context.Background(), review.JoinedKey(s.id, "webcam", 0))
		return err == nil && info.Size == int64(len(video))
	})

	teacher, _ := srv.SignIn(t, &f.Instructor)
	teacher.CheckRedirect = noRedirect
	for path, want := range map[string][]byte{
		fmt.Sprintf("/media/sessions/%d/frames/1", s.id):     jpeg,
		fmt.Sprintf("/media/sessions/%d/video/webcam", s.id): video,
	} {
		res, err := teacher.Get(srv.URL + path)
		must(t, err)
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "http://"+s3.Endpoint+"/") || !strings.Contains(loc, "X-Amz-Signature=") {
			t.Fatalf("%s: %d, Location %q", path, res.StatusCode, loc)
		}
		got, err := http.Get(loc)
		must(t, err)
		data, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if got.StatusCode != 200 || !bytes.Equal(data, want) {
			t.Fatalf("%s from the store: %d, %d bytes, want %d", path, got.StatusCode, len(data), len(want))
		}
	}
	res, err := teacher.Get(fmt.Sprintf("%s/sessions/%d", srv.URL, s.id))
	must(t, err)
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self' http://"+s3.Endpoint) ||
		!strings.Contains(csp, "img-src 'self' http://"+s3.Endpoint) {
		t.Fatalf("the page's policy does not allow the store: %s", csp)
	}
	anon := &http.Client{CheckRedirect: noRedirect}
	res, err = anon.Get(fmt.Sprintf("%s/media/sessions/%d/frames/1", srv.URL, s.id))
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Location") != "" {
		t.Fatalf("anonymous read: %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestReadyz: ready while the database and the media store answer, 503
// with the reason once the database is gone.
func TestReadyz(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	if status, body := get(t, http.DefaultClient, srv.URL+"/readyz"); status != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("readyz: %d %s", status, body)
	}
	srv.Store.Close()
	if status, body := get(t, http.DefaultClient, srv.URL+"/readyz"); status != 503 || !strings.Contains(body, "database") {
		t.Fatalf("readyz without a database: %d %s", status, body)
	}
}
