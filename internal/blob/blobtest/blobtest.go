// Package blobtest is the suite every blob.Bucket backend must pass.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/blob"
)

// Factory returns a new empty bucket; it registers its own cleanup on t.
type Factory func(t *testing.T) blob.Bucket

// Run runs the whole suite.
func Run(t *testing.T, newBucket Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, blob.Bucket)
	}{
		{"PutOpenRoundTrip", testRoundTrip},
		{"OverwriteAndSeek", testOverwriteSeek},
		{"PartOfAnObject", testPart},
		{"MissingObjects", testMissing},
		{"InvalidKeys", testInvalidKeys},
		{"FailedPutLeavesNothing", testFailedPut},
		{"ConcurrentPutsOfOneKey", testConcurrentPuts},
		{"ListByPrefix", testList},
		{"SignedURL", testSignedURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newBucket(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, b blob.Bucket, key string, data []byte) {
	t.Helper()
	n, err := b.Put(t.Context(), key, bytes.NewReader(data))
	must(t, err)
	if n != int64(len(data)) {
		t.Fatalf("Put %s wrote %d bytes, want %d", key, n, len(data))
	}
}

func read(t *testing.T, b blob.Bucket, key string) []byte {
	t.Helper()
	o, err := b.Open(t.Context(), key)
	must(t, err)
	defer o.Close()
	data, err := io.ReadAll(o)
	must(t, err)
	return data
}

func testRoundTrip(t *testing.T, b blob.Bucket) {
	data := bytes.Repeat([]byte("frame-bytes "), 10000)
	put(t, b, "sessions/1/frames/000001-abc.jpg", data)
	if got := read(t, b, "sessions/1/frames/000001-abc.jpg"); !bytes.Equal(got, data) {
		t.Fatal("read back different bytes")
	}
	info, err := b.Stat(t.Context(), "sessions/1/frames/000001-abc.jpg")
	must(t, err)
	if info.Size != int64(len(data)) || info.Key != "sessions/1/frames/000001-abc.jpg" || info.ModTime.IsZero() {
		t.Fatalf("Stat = %+v", info)
	}
	put(t, b, "empty", nil)
	if got := read(t, b, "empty"); len(got) != 0 {
		t.Fatal("empty object is not empty")
	}
}

func testOverwriteSeek(t *testing.T, b blob.Bucket) {
	put(t, b, "a/b", []byte("first version"))
	put(t, b, "a/b", []byte("0123456789"))
	o, err := b.Open(t.Context(), "a/b")
	must(t, err)
	defer o.Close()
	if o.Info().Size != 10 {
		t.Fatalf("Info().Size = %d", o.Info().Size)
	}
	if _, err := o.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(o)
	must(t, err)
	if string(rest) != "456789" {
		t.Fatalf("after seek read %q", rest)
	}
}

// testPart reads stretches of one object as OpenPart gives them, with the
// seeks http.ServeContent makes for a range request.
func testPart(t *testing.T, b blob.Bucket) {
	put(t, b, "sessions/1/frames/pack", []byte("AAAABBBBBBCC"))
	for _, tc := range []struct {
		offset, size int64
		want         string
	}{{0, 4, "AAAA"}, {4, 6, "BBBBBB"}, {10, 2, "CC"}, {12, 0, ""}} {
		o, err := blob.OpenPart(t.Context(), b, "sessions/1/frames/pack", tc.offset, tc.size)
		must(t, err)
		if o.Info().Size != tc.size || o.Info().Key != "sessions/1/frames/pack" {
			t.Errorf("part %d+%d: Info() = %+v", tc.offset, tc.size, o.Info())
		}
		got, err := io.ReadAll(o)
		must(t, err)
		if string(got) != tc.want {
			t.Errorf("part %d+%d read %q, want %q", tc.offset, tc.size, got, tc.want)
		}
		end, err := o.Seek(0, io.SeekEnd)
		must(t, err)
		if end != tc.size {
			t.Errorf("part %d+%d ends at %d", tc.offset, tc.size, end)
		}
		if tc.size > 0 {
			_, err = o.Seek(-1, io.SeekCurrent)
			must(t, err)
			last, err := io.ReadAll(o)
			must(t, err)
			if string(last) != tc.want[len(tc.want)-1:] {
				t.Errorf("part %d+%d: last byte after seeks %q", tc.offset, tc.size, last)
			}
		}
		o.Close()
	}
	if _, err := blob.OpenPart(t.Context(), b, "sessions/1/frames/pack", 8, 5); !errors.Is(err, blob.ErrShortObject) {
		t.Fatalf("a part past the object's end: %v", err)
	}
	if _, err := blob.OpenPart(t.Context(), b, "no/such", 0, 1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a part of a missing object: %v", err)
	}
}

func testMissing(t *testing.T, b blob.Bucket) {
	_, err := b.Open(t.Context(), "no/such")
	if !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open missing: %v", err)
	}
	_, err = b.Stat(t.Context(), "no/such")
	if !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat missing: %v", err)
	}
	must(t, b.Delete(t.Context(), "no/such"))
	put(t, b, "x/y", []byte("1"))
	must(t, b.Delete(t.Context(), "x/y"))
	if _, err := b.Open(t.Context(), "x/y"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("deleted object still opens: %v", err)
	}
	// A "folder" is not an object.
	put(t, b, "dir/file", []byte("1"))
	if _, err := b.Open(t.Context(), "dir"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open of a prefix: %v", err)
	}
}

func testInvalidKeys(t *testing.T, b blob.Bucket) {
	for _, key := range []string{"", "/abs", "a/../b", "..", "a//b", "a/./b", ".tmp/x", "a/b/", "sp ace", "new\nline", "ü", strings.Repeat("k", 600)} {
		if _, err := b.Put(t.Context(), key, strings.NewReader("x")); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := b.Open(t.Context(), key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Open(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

// failingReader returns some bytes, then an error: a client that hangs up.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 100000 {
		return 0, errors.New("connection reset")
	}
	n := copy(p, bytes.Repeat([]byte("z"), len(p)))
	f.n += n
	return n, nil
}

func testFailedPut(t *testing.T, b blob.Bucket) {
	if _, err := b.Put(t.Context(), "half", &failingReader{}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if _, err := b.Stat(t.Context(), "half"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a failed Put left an object: %v", err)
	}
	put(t, b, "kept", []byte("original"))
	if _, err := b.Put(t.Context(), "kept", &failingReader{}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if got := read(t, b, "kept"); string(got) != "original" {
		t.Fatalf("a failed overwrite damaged the object: %q", got)
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := b.Put(cancelled, "cancelled", strings.NewReader("x")); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	for info, err := range b.List(t.Context(), "") {
		must(t, err)
		if info.Key != "kept" {
			t.Fatalf("unexpected object after failed puts: %q", info.Key)
		}
	}
}

func testConcurrentPuts(t *testing.T, b blob.Bucket) {
	versions := [][]byte{bytes.Repeat([]byte("a"), 200000), bytes.Repeat([]byte("b"), 150000), bytes.Repeat([]byte("c"), 100000)}
	var wg sync.WaitGroup
	for _, v := range versions {
		wg.Go(func() {
			if _, err := b.Put(t.Context(), "race", bytes.NewReader(v)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := read(t, b, "race")
	if !slices.ContainsFunc(versions, func(v []byte) bool { return bytes.Equal(v, got) }) {
		t.Fatalf("concurrent puts produced a mixed object of %d bytes", len(got))
	}
}

func testList(t *testing.T, b blob.Bucket) {
	for _, k := range []string{"sessions/1/frames/a", "sessions/1/frames/b", "sessions/1/photos/c", "sessions/12/frames/d", "exports/e"} {
		put(t, b, k, []byte(k))
	}
	collect := func(prefix string) []string {
		var keys []string
		for info, err := range b.List(t.Context(), prefix) {
			must(t, err)
			keys = append(keys, info.Key)
		}
		slices.Sort(keys)
		return keys
	}
	cases := map[string][]string{
		"sessions/1/":        {"sessions/1/frames/a", "sessions/1/frames/b", "sessions/1/photos/c"},
		"sessions/1/frames/": {"sessions/1/frames/a", "sessions/1/frames/b"},
		"sessions/1":         {"sessions/1/frames/a", "sessions/1/frames/b", "sessions/1/photos/c", "sessions/12/frames/d"},
		"exports/":           {"exports/e"},
		"nothing/":           nil,
	}
	for prefix, want := range cases {
		if got := collect(prefix); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %v, want %v", prefix, got, want)
		}
	}
	if all := collect(""); len(all) != 5 {
		t.Errorf("List(\"\") = %v", all)
	}
	// Stopping early must not fail.
	for range b.List(t.Context(), "") {
		break
	}
}

func testSignedURL(t *testing.T, b blob.Bucket) {
	put(t, b, "signed/x", []byte("1"))
	u, err := b.SignedURL(t.Context(), "signed/x", time.Minute)
	if errors.Is(err, blob.ErrNotSupported) {
		return
	}
	must(t, err)
	if !strings.HasPrefix(u, "http") {
		t.Fatalf("SignedURL = %q", u)
	}
}
