package fileblob_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"vigil/internal/blob"
	"vigil/internal/blob/fileblob"
)

// TestConcat: parts, whole objects and a stretch of one (as a pack holds
// an upload), read as one stream, from any offset, across part
// boundaries, never past a part's end.
func TestConcat(t *testing.T) {
	b, err := fileblob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var parts []blob.Part
	for i, s := range []string{"abc", "defgh", "", "XXklmYY", "ij"} {
		key := "p/" + string(rune('a'+i))
		if _, err := b.Put(ctx, key, strings.NewReader(s)); err != nil {
			t.Fatal(err)
		}
		p := blob.Part{Key: key, Size: int64(len(s))}
		if strings.HasPrefix(s, "XX") {
			p.Offset, p.Size = 2, 3 // "klm" of it
		}
		parts = append(parts, p)
	}
	c := blob.NewConcat(ctx, b, parts)
	defer c.Close()
	all, err := io.ReadAll(c)
	if err != nil || string(all) != "abcdefghklmij" || c.Size() != 13 {
		t.Fatalf("whole: %q %v, size %d", all, err, c.Size())
	}
	for _, tc := range []struct {
		off  int64
		want string
	}{{2, "cdefghklmij"}, {3, "defghklmij"}, {8, "klmij"}, {9, "lmij"}, {11, "ij"}, {13, ""}} {
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
