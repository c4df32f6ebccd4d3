package fileblob_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"vigil/internal/blob"
	"vigil/internal/blob/fileblob"
)

// TestConcat: parts read as one stream, from any offset, across part
// boundaries.
func TestConcat(t *testing.T) {
	b, err := fileblob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var parts []blob.Info
	for i, s := range []string{"abc", "defgh", "", "ij"} {
		key := "p/" + string(rune('a'+i))
		if _, err := b.Put(ctx, key, strings.NewReader(s)); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, blob.Info{Key: key, Size: int64(len(s))})
	}
	c := blob.NewConcat(ctx, b, parts)
	defer c.Close()
	all, err := io.ReadAll(c)
	if err != nil || string(all) != "abcdefghij" || c.Size() != 10 {
		t.Fatalf("whole: %q %v, size %d", all, err, c.Size())
	}
	for _, tc := range []struct {
		off  int64
		want string
	}{{2, "cdefghij"}, {3, "defghij"}, {8, "ij"}, {10, ""}} {
		if _, err := c.Seek(tc.off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		if err != nil || string(got) != tc.want {
			t.Errorf("from %d: %q %v, want %q", tc.off, got, err, tc.want)
		}
	}
	if _, err := c.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("seek before the start accepted")
	}
}
