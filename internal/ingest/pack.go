package ingest

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"vigil/internal/blob"
)

// batchPack gathers the new media of a batch (frames, audio and video
// chunks) to store them in one object, one after another: one write (an
// S3 PUT, a file and its fsync) for a few seconds of a student's capture
// instead of one an item. Each item's row names the pack and where its
// bytes are in it (Packed, Offset), and every reader opens that part
// (blob.OpenPart, blob.Concat).
type batchPack struct {
	items []packItem
}

// packItem is one upload's bytes; own is the key it has on its own, and
// place points its row into the pack.
type packItem struct {
	own   string
	data  []byte
	place func(key string, offset int64)
}

func (p *batchPack) add(own string, data []byte, place func(key string, offset int64)) {
	p.items = append(p.items, packItem{own, data, place})
}

// write stores the pack and points its items into it. A lone item is
// stored as a single upload stores it, under its own key. The pack's key
// is content-addressed as an item's is (the hash of its items' own keys,
// which hold their kinds, numbers and hashes), so a retried batch writes
// the same object and a crash before the rows commit leaves only an
// unreferenced one.
func (p *batchPack) write(ctx context.Context, b blob.Bucket, sessionID int64) error {
	switch len(p.items) {
	case 0:
		return nil
	case 1:
		_, err := b.Put(ctx, p.items[0].own, bytes.NewReader(p.items[0].data))
		return err
	}
	size := 0
	own := make([]string, len(p.items))
	for i, it := range p.items {
		size += len(it.data)
		own[i] = it.own
	}
	key := fmt.Sprintf("sessions/%d/packs/%s.pack", sessionID, sha256Hex([]byte(strings.Join(own, "\n")))[:32])
	// One slice, not a MultiReader: a backend must know the length to
	// write it in one go (S3: one plain PUT, not a multipart upload).
	pack := make([]byte, 0, size)
	for _, it := range p.items {
		it.place(key, int64(len(pack)))
		pack = append(pack, it.data...)
	}
	_, err := b.Put(ctx, key, bytes.NewReader(pack))
	return err
}
