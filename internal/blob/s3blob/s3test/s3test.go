// Package s3test runs a real S3-compatible server for tests: versitygw
// serving a temporary folder on 127.0.0.1. The binary comes from
// `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0` (`make
// testtools` does it once); VIGIL_VERSITYGW names it when it is not in PATH
// or GOPATH/bin.
package s3test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"vigil/internal/blob/s3blob"
	"vigil/internal/testneeds"
	"vigil/internal/testwait"
)

// Keys of the test server (not secrets: it lives for one test).
const (
	AccessKey = "vigil-test-access"
	SecretKey = "vigil-test-secret-key"
)

// Server is a running versitygw.
type Server struct {
	Endpoint string // host:port
	Dir      string
	cmd      *exec.Cmd
}

// Binary finds versitygw; without it the test is skipped, or fails where
// S3 is required (package testneeds).
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VIGIL_VERSITYGW"); p != "" {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(goPath(), "bin")} {
		if p := filepath.Join(dir, "versitygw"); dir != "" && fileExists(p) {
			return p
		}
	}
	testneeds.Missing(t, testneeds.S3, "versitygw (the S3 server for tests) is not installed",
		"`make testtools` builds it (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0), or set VIGIL_VERSITYGW")
	return ""
}

func goPath() string {
	if p := os.Getenv("GOPATH"); p != "" {
		return strings.Split(p, string(os.PathListSeparator))[0]
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go")
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Start starts a server on a free loopback port; it stops with the test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{Endpoint: addr, Dir: t.TempDir()}
	s.cmd = exec.Command(bin, "--access", AccessKey, "--secret", SecretKey, "--port", addr, "posix", s.Dir)
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if os.Getenv("VIGIL_TEST_LOG") == "" {
		s.cmd.Stdout, s.cmd.Stderr = nil, nil
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	})
	testwait.Until(t, "versitygw to listen on "+addr, 15*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return s
}

// Bucket creates a new empty bucket and returns its name.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Secure: false})
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("vigil-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket: %v", err)
	}
	return name
}

// URL is a blob URL for a bucket of this server.
func (s *Server) URL(bucket string) string {
	return fmt.Sprintf("s3://%s/%s?tls=false", s.Endpoint, bucket)
}

// Open opens a bucket of this server as Vigil's media store, with the
// test keys; it is closed when the test ends.
func (s *Server) Open(t testing.TB, bucket string) *s3blob.Bucket {
	t.Helper()
	cfg, err := s3blob.ParseURL(s.URL(bucket))
	if err != nil {
		t.Fatal(err)
	}
	cfg.AccessKey, cfg.SecretKey = AccessKey, SecretKey
	b, err := s3blob.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
