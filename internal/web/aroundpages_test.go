package web_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"vigil/internal/testserver"
)

// TestErrorPagesKeepHeaderAndWayBack: an unknown address and a course the
// user may not see both answer with the dashboard's header (the user's
// name, Sign out) and links back: to the page the user came from on this
// site, and to the courses. Another site's Referer is never offered.
func TestErrorPagesKeepHeaderAndWayBack(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 0, nil)
	c, _ := srv.SignIn(t, &f.Instructor)
	ask := func(path, referer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	from := fmt.Sprintf("%s/courses/%d", srv.URL, f.Course.ID)
	for _, path := range []string{"/no/such/page", "/courses/999999", "/exams/999999/sessions?status=fail"} {
		status, body := ask(path, from)
		if status != http.StatusNotFound {
			t.Errorf("%s: %d", path, status)
		}
		for _, want := range []string{`<header class="top">`, f.Instructor.Name, "Sign out", `id="error-home"`,
			fmt.Sprintf(`<a href="/courses/%d" id="error-back">`, f.Course.ID)} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the error page lacks %q:\n%s", path, want, body)
			}
		}
	}
	if _, body := ask("/no/such/page", "https://elsewhere.example/phish"); strings.Contains(body, "error-back") {
		t.Error("the error page offers a way back to another site")
	}
	res, err := http.Get(srv.URL + "/no/such/page") // signed out: still the page, without a name
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 404 || !strings.Contains(string(b), `<header class="top">`) || strings.Contains(string(b), "Sign out") {
		t.Errorf("signed out, an unknown address answers %d:\n%s", res.StatusCode, b)
	}
}

var assetRef = regexp.MustCompile(`/static/(vigil|frame)\.[0-9a-f]{8}\.(css|js)`)

// TestCompressedAndHashedAssets: pages are gzipped for browsers that take
// it; the stylesheet and scripts they reference are at content-hashed
// URLs, gzipped, immutable for a year; at their plain names they are
// revalidated by ETag.
func TestCompressedAndHashedAssets(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 0, nil)
	c, _ := srv.SignIn(t, &f.Instructor)
	raw := func(path, enc string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc) // set by hand: the client leaves the body as sent
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, zipped := raw(fmt.Sprintf("/courses/%d", f.Course.ID), "gzip, br")
	page := gunzip(t, res, zipped)
	if !strings.Contains(page, "Proctoring dashboard") || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzipped page: %q", res.Header)
	}
	refs := assetRef.FindAllString(page, -1)
	if len(refs) < 2 {
		t.Fatalf("the page references %v, want the hashed stylesheet and frame.js", refs)
	}
	for _, ref := range refs {
		res, zipped := raw(ref, "gzip")
		plain := gunzip(t, res, zipped)
		if res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || len(zipped) >= len(plain) {
			t.Errorf("%s: %q, %d bytes gzipped for %d", ref, res.Header.Get("Cache-Control"), len(zipped), len(plain))
		}
		if res, body := raw(ref, "identity"); res.Header.Get("Content-Encoding") != "" || string(body) != plain {
			t.Errorf("%s without gzip: %q", ref, res.Header.Get("Content-Encoding"))
		}
	}
	res, _ = raw("/static/vigil.css", "gzip")
	etag := res.Header.Get("ETag")
	if res.Header.Get("Cache-Control") != "no-cache" || etag == "" {
		t.Fatalf("plain name: %q", res.Header)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/static/vigil.css", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("If-None-Match", etag)
	if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %v %v", res, err)
	}
}

func gunzip(t *testing.T, res *http.Response, body []byte) string {
	t.Helper()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s: not gzipped (%q)", res.Request.URL.Path, res.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
