// Package fileblob is a blob.Bucket in a folder on local disk. A Put writes a
// temporary file, syncs it, renames it into place and syncs the folder, so an
// object is either whole and durable or absent — never half-written, even
// when the process is killed mid-write.
package fileblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"vigil/internal/blob"
)

// tmpDir holds writes in progress, inside the root so rename stays on one
// filesystem. Keys cannot start with '.', so it never shows up in List.
const tmpDir = ".tmp"

// Bucket is a blob.Bucket rooted at a folder.
type Bucket struct {
	root string
}

var _ blob.Bucket = (*Bucket)(nil)

// Open returns a bucket in root, creating the folder if needed, and removes
// temporary files a killed process left behind.
func Open(root string) (*Bucket, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("fileblob: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(abs, tmpDir), 0o750); err != nil {
		return nil, fmt.Errorf("fileblob: create %s: %w", abs, err)
	}
	b := &Bucket{root: abs}
	b.removeStaleTemps()
	return b, nil
}

func (b *Bucket) removeStaleTemps() {
	entries, _ := os.ReadDir(filepath.Join(b.root, tmpDir))
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			os.Remove(filepath.Join(b.root, tmpDir, e.Name()))
		}
	}
}

func (b *Bucket) path(key string) (string, error) {
	if err := blob.CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(b.root, filepath.FromSlash(key)), nil
}

// Put writes r to key durably.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	dst, err := b.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return 0, fmt.Errorf("fileblob: put %s: %w", key, noSpace(err))
	}
	tmp, err := os.CreateTemp(filepath.Join(b.root, tmpDir), "put-*")
	if err != nil {
		return 0, fmt.Errorf("fileblob: put %s: %w", key, noSpace(err))
	}
	n, err := writeSynced(ctx, tmp, r)
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err == nil {
		err = syncDir(filepath.Dir(dst))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("fileblob: put %s: %w", key, noSpace(err))
	}
	return n, nil
}

// noSpace marks a full disk or an exhausted quota with blob.ErrStorageFull.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", blob.ErrStorageFull, err)
	}
	return err
}

// writeSynced copies r into f, fsyncs and closes it.
func writeSynced(ctx context.Context, f *os.File, r io.Reader) (int64, error) {
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// syncDir makes a rename durable: the new directory entry reaches the disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fileblob: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fileblob: sync %s: %w", dir, err)
	}
	return nil
}

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type object struct {
	*os.File
	info blob.Info
}

func (o *object) Info() blob.Info { return o.info }

// Open opens key for reading.
func (b *Bucket) Open(_ context.Context, key string) (blob.Object, error) {
	p, err := b.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, notFound(key, err)
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, notFound(key, fs.ErrNotExist)
	}
	return &object{File: f, info: blob.Info{Key: key, Size: st.Size(), ModTime: st.ModTime()}}, nil
}

func notFound(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fileblob: %s: %w", key, blob.ErrNotFound)
	}
	return fmt.Errorf("fileblob: %s: %w", key, err)
}

// Stat describes key.
func (b *Bucket) Stat(_ context.Context, key string) (blob.Info, error) {
	p, err := b.path(key)
	if err != nil {
		return blob.Info{}, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return blob.Info{}, notFound(key, err)
	}
	if st.IsDir() {
		return blob.Info{}, notFound(key, fs.ErrNotExist)
	}
	return blob.Info{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete removes key; a missing key is fine.
func (b *Bucket) Delete(_ context.Context, key string) error {
	p, err := b.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fileblob: delete %s: %w", key, err)
	}
	return nil
}

// List walks the folders under prefix.
func (b *Bucket) List(ctx context.Context, prefix string) iter.Seq2[blob.Info, error] {
	return func(yield func(blob.Info, error) bool) {
		start := b.root
		if i := strings.LastIndex(prefix, "/"); i > 0 {
			start = filepath.Join(b.root, filepath.FromSlash(prefix[:i]))
		}
		err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			return b.visit(p, d, prefix, yield)
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errStop) {
			yield(blob.Info{}, fmt.Errorf("fileblob: list %s: %w", prefix, err))
		}
	}
}

var errStop = errors.New("stop")

func (b *Bucket) visit(p string, d fs.DirEntry, prefix string, yield func(blob.Info, error) bool) error {
	rel, _ := filepath.Rel(b.root, p)
	key := filepath.ToSlash(rel)
	if d.IsDir() {
		if key == tmpDir {
			return filepath.SkipDir
		}
		return nil
	}
	if !strings.HasPrefix(key, prefix) {
		return nil
	}
	info, err := d.Info()
	if err != nil {
		return nil // removed while walking
	}
	if !yield(blob.Info{Key: key, Size: info.Size(), ModTime: info.ModTime()}, nil) {
		return errStop
	}
	return nil
}

// SignedURL is not possible on local disk: Vigil serves these objects itself.
func (b *Bucket) SignedURL(context.Context, string, time.Duration) (string, error) {
	return "", blob.ErrNotSupported
}

// Close does nothing; it is here for the interface.
func (b *Bucket) Close() error { return nil }
