package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"syscall"

	"vigil/internal/proctor"
)

// Result is a finished export file.
type Result struct {
	Key    string
	Size   int64
	SHA256 string
	Files  int
}

// Key is where an export's ZIP is kept in the blob store.
func Key(exportID int64) string {
	return fmt.Sprintf("exports/%d/vigil-export-%d.zip", exportID, exportID)
}

// Build plans the export and streams its ZIP into the blob store. A failed
// build leaves no file behind.
func (b *Builder) Build(ctx context.Context, e *proctor.Export, report func(Progress)) (*Result, error) {
	files, err := b.Plan(ctx, e)
	if err != nil {
		return nil, err
	}
	report(Progress{FilesTotal: len(files)})
	key := Key(e.ID)
	pr, pw := io.Pipe()
	sum := sha256.New()
	written := make(chan error, 1)
	go func() {
		_, err := Write(ctx, e, files, io.MultiWriter(pw, sum), report)
		pw.CloseWithError(err)
		written <- err
	}()
	size, err := b.Blobs.Put(ctx, key, pr)
	// When the store stops reading (a full disk), the writer must stop too.
	pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
	if werr := <-written; err == nil && werr != nil {
		err = werr
	}
	if err != nil {
		_ = b.Blobs.Delete(context.WithoutCancel(ctx), key)
		return nil, err
	}
	return &Result{Key: key, Size: size, SHA256: hex.EncodeToString(sum.Sum(nil)), Files: len(files) + 2}, nil
}

// Explain turns a build error into words for the requester.
func Explain(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "The server ran out of storage space while writing the export; nothing was kept. " +
			"Ask your Vigil administrator to free space, then raise the request again."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "The export was interrupted (the server stopped or it took too long). Raise the request again."
	}
	return "The export could not be built: " + err.Error()
}
