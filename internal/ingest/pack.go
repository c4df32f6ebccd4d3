package ingest

import (
	"bytes"
	"context"
	"io"

	"vigil/internal/blob"
	"vigil/internal/proctor"
)

// framePack gathers the new frames of a batch to store them in one
// object, one after another: one write (an S3 PUT, a file and its fsync)
// for a few seconds of a student's webcam instead of one a frame. Each
// frame's row names the pack and where its JPEG is in it (Frame.Packed,
// Offset), and every reader opens that part (blob.OpenPart).
type framePack struct {
	frames []*proctor.Frame
	data   [][]byte
}

func (p *framePack) add(f *proctor.Frame, data []byte) {
	p.frames = append(p.frames, f)
	p.data = append(p.data, data)
}

// write stores the pack and points its frames into it. A lone frame is
// stored as a single upload stores it, under its own key. The pack's key
// is content-addressed as a frame's is (its first frame's number and the
// hash of its frames' hashes), so a retried batch writes the same object
// and a crash before the rows commit leaves only an unreferenced one.
func (p *framePack) write(ctx context.Context, b blob.Bucket) error {
	switch len(p.frames) {
	case 0:
		return nil
	case 1:
		_, err := b.Put(ctx, p.frames[0].BlobKey, bytes.NewReader(p.data[0]))
		return err
	}
	var hashes bytes.Buffer
	parts := make([]io.Reader, len(p.data))
	var offset int64
	for i, f := range p.frames {
		hashes.WriteString(f.SHA256)
		parts[i] = bytes.NewReader(p.data[i])
		f.Packed, f.Offset = true, offset
		offset += f.Size
	}
	first := p.frames[0]
	key := blobKey(first.SessionID, "frames", first.Seq, sha256Hex(hashes.Bytes()), "pack")
	for _, f := range p.frames {
		f.BlobKey = key
	}
	_, err := b.Put(ctx, key, io.MultiReader(parts...))
	return err
}
