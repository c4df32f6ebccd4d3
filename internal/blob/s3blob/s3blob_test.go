package s3blob_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/blob"
	"vigil/internal/blob/blobtest"
	"vigil/internal/blob/s3blob"
	"vigil/internal/blob/s3blob/s3test"
)

func open(t *testing.T, srv *s3test.Server, url string) *s3blob.Bucket {
	t.Helper()
	cfg, err := s3blob.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AccessKey, cfg.SecretKey = s3test.AccessKey, s3test.SecretKey
	b, err := s3blob.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestSuite runs the shared blob suite against a real S3-compatible server.
func TestSuite(t *testing.T) {
	srv := s3test.Start(t)
	blobtest.Run(t, func(t *testing.T) blob.Bucket { return open(t, srv, srv.URL(srv.Bucket(t))) })
	t.Run("UnderAPrefix", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) blob.Bucket { return open(t, srv, srv.URL(srv.Bucket(t)+"/media/vigil")) })
	})
}

// TestSignedURLReadsWithoutVigil: a signed URL fetches the object with a
// plain HTTP client until it expires, and a changed one is refused.
func TestSignedURLReadsWithoutVigil(t *testing.T) {
	srv := s3test.Start(t)
	b := open(t, srv, srv.URL(srv.Bucket(t)))
	if _, err := b.Put(context.Background(), "sessions/1/frames/a.jpg", strings.NewReader("jpeg bytes")); err != nil {
		t.Fatal(err)
	}
	u, err := b.SignedURL(context.Background(), "sessions/1/frames/a.jpg", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "jpeg bytes" {
		t.Fatalf("signed GET: %d %q", res.StatusCode, body)
	}
	res, err = http.Get(strings.Replace(u, "a.jpg", "b.jpg", 1))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == 200 {
		t.Fatal("a changed signed URL still reads")
	}
}

func TestConfigErrorsAreClear(t *testing.T) {
	for raw, want := range map[string]string{
		"s3://":                          "must look like",
		"s3://host:9000":                 "names no bucket",
		"s3://key:secret@host:9000/b":    "VIGIL_S3_ACCESS_KEY",
		"s3://host:9000/b?tls=maybe":     "tls=",
		"s3://host:9000/b?public=ftp://": "public=",
	} {
		if _, err := s3blob.ParseURL(raw); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
	srv := s3test.Start(t)
	cfg, _ := s3blob.ParseURL(srv.URL("no-such-bucket"))
	cfg.AccessKey, cfg.SecretKey = s3test.AccessKey, s3test.SecretKey
	if _, err := s3blob.Open(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing bucket: %v", err)
	}
	cfg, _ = s3blob.ParseURL(srv.URL(srv.Bucket(t)))
	cfg.AccessKey, cfg.SecretKey = s3test.AccessKey, "wrong"
	if _, err := s3blob.Open(context.Background(), cfg); err == nil {
		t.Fatal("wrong secret accepted")
	}
}
