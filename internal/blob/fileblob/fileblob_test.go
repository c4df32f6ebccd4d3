package fileblob_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/blob"
	"vigil/internal/blob/blobtest"
	"vigil/internal/blob/fileblob"
)

func TestBucketSuite(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Bucket {
		b, err := fileblob.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestOpenRemovesStaleTemporaryFiles(t *testing.T) {
	root := t.TempDir()
	if _, err := fileblob.Open(root); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, ".tmp", "put-123")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := fileblob.Open(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temporary file survived: %v", err)
	}
}
