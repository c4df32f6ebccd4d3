package fileblob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"vigil/internal/blob"
	"vigil/internal/blob/fileblob"
	"vigil/internal/testneeds"
)

func TestMain(m *testing.M) { os.Exit(testneeds.Main(m)) }

// TestFullDisk: on a real filesystem that is full, Put fails with
// blob.ErrStorageFull and leaves nothing behind; once space is freed it
// works again.
func TestFullDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "linux" {
		testneeds.Missing(t, testneeds.Tmpfs, "tmpfs is Linux's", "run the tests on Linux as root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		testneeds.Missing(t, testneeds.Tmpfs, fmt.Sprintf("mount -t tmpfs failed: %v: %s", err, strings.TrimSpace(string(out))),
			"run the tests as root on Linux")
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	b, err := fileblob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = b.Put(ctx, "big", bytes.NewReader(make([]byte, 2<<20)))
	if !errors.Is(err, blob.ErrStorageFull) {
		t.Fatalf("a 2 MiB object on a 1 MiB disk: %v, want ErrStorageFull", err)
	}
	if _, err := b.Stat(ctx, "big"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("the failed object is there: %v", err)
	}
	if _, err := b.Put(ctx, "small", bytes.NewReader(make([]byte, 100<<10))); err != nil {
		t.Fatalf("a small object once the failed one is gone: %v", err)
	}
}
