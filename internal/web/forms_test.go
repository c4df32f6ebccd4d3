package web_test

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/testserver"
)

// TestFormsRefuseMultipart: a multipart body with a large file part, posted
// to any form, is refused without being spooled to temporary files, which
// nothing would remove.
func TestFormsRefuseMultipart(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 0, nil)
	signedIn, csrf := srv.SignIn(t, &f.Instructor)
	paths := []string{"/signin", "/signin/link/x", "/lti/login", "/lti/launch", "/lti/verify", "/lti/confirm",
		"/lti/handoff/x", "/exports", fmt.Sprintf("/exams/%d/settings", f.Exam.ID), "/signout"}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			res := postMultipart(t, signedIn, srv.URL+p, csrf)
			if res.StatusCode != http.StatusUnsupportedMediaType {
				t.Errorf("status %d, want 415", res.StatusCode)
			}
			if spooled, _ := filepath.Glob(filepath.Join(tmp, "multipart-*")); len(spooled) > 0 {
				t.Fatalf("multipart temporaries left behind: %v", spooled)
			}
		})
	}
}

// postMultipart posts a 40 MiB file part (more than net/http keeps in
// memory) with the form's token, as a streamed body behind
// "Expect: 100-continue", so that a refusal costs no upload.
func postMultipart(t *testing.T, c *http.Client, u, csrf string) *http.Response {
	t.Helper()
	const boundary = "vigil-test-boundary"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + csrf + "\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n"
	tail := "\r\n--" + boundary + "--\r\n"
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, 40<<20), strings.NewReader(tail))
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(head)+len(tail)) + 40<<20
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("Expect", "100-continue")
	tr := &http.Transport{ExpectContinueTimeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	cc := &http.Client{Transport: tr, Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestFormTooLarge: an urlencoded form over the limit is 413.
func TestFormTooLarge(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	body := "email=a%40example.edu&password=" + strings.Repeat("x", 100<<10)
	res, err := http.Post(srv.URL+"/signin", "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
}
