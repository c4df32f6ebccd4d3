// Package blob stores media (frames, photos, video chunks, exports) by key.
// fileblob keeps them on local disk; other backends (S3) come later and pass
// the same suite in blobtest.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"
)

// Errors every backend returns (wrapped; test with errors.Is).
var (
	ErrNotFound = errors.New("blob: not found")
	// ErrInvalidKey: the key is empty, absolute, has "..", or odd characters.
	ErrInvalidKey = errors.New("blob: invalid key")
	// ErrNotSupported: the backend cannot do this (signed URLs on local disk).
	ErrNotSupported = errors.New("blob: not supported by this backend")
	// ErrStorageFull: the store has no room for the object (a full disk
	// or quota). It passes once space is freed.
	ErrStorageFull = errors.New("blob: storage is full")
)

// Bucket is a flat namespace of immutable-once-written objects.
type Bucket interface {
	// Put stores r's bytes under key, replacing any object there. When Put
	// returns nil the object is durable; a failed Put leaves no partial object.
	Put(ctx context.Context, key string, r io.Reader) (size int64, err error)
	// Open reads an object. The reader can seek, for HTTP range requests.
	Open(ctx context.Context, key string) (Object, error)
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// List yields objects whose keys start with prefix, in no set order.
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]
	// SignedURL returns a URL that reads the object without Vigil until
	// expiry, or ErrNotSupported.
	SignedURL(ctx context.Context, key string, expiry time.Duration) (string, error)
	Close() error
}

// Object is an open object.
type Object interface {
	io.ReadSeekCloser
	Info() Info
}

// Info describes a stored object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// maxKeyLen keeps keys well inside every backend's limits.
const maxKeyLen = 512

// CheckKey refuses keys that could escape a folder or confuse a backend:
// keys are slash-separated segments of letters, digits, '-', '_' and '.',
// none empty and none starting with '.' (so no "." or "..", and no clash with
// a backend's hidden temporary files).
func CheckKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg[0] == '.' || !validSegment(seg) {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
	}
	return nil
}

func validSegment(seg string) bool {
	for _, r := range seg {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}
