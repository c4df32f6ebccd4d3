package loadtest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"vigil/internal/blob"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Store is what Verify reads: the capture rows of the sessions the run
// played.
type Store interface {
	ListFrames(ctx context.Context, sessionID, from int64, limit int) ([]proctor.Frame, error)
	GetAudio(ctx context.Context, sessionID, seq int64) (*proctor.AudioChunk, error)
	NextAudioSeq(ctx context.Context, sessionID int64) (int64, error)
	ListChunks(ctx context.Context, sessionID int64, stream string) ([]proctor.VideoChunk, error)
	NextEventBatch(ctx context.Context, sessionID int64, source string) (int64, error)
	ListPhotos(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
}

// Check is the count of acknowledged items against the store.
type Check struct {
	Acknowledged int64 `json:"acknowledged"`
	Verified     int64 `json:"verified"` // stored once, with the content sent
	// Lost: acknowledged and not stored (or its media object missing).
	Lost int64 `json:"lost"`
	// Mismatched: stored under the number with other content.
	Mismatched int64 `json:"mismatched"`
	// Duplicated: stored twice under one number.
	Duplicated int64 `json:"duplicated"`
	// Unacknowledged: stored, but the client never got the answer (its
	// request timed out and the run ended before a retry was answered:
	// only students stopped or stuck at the end have any).
	Unacknowledged int64 `json:"unacknowledged"`
	// Problems names the first few items that failed, for the reader.
	Problems []string `json:"problems,omitempty"`
	// BlobsChecked says whether every media object was looked up too.
	BlobsChecked bool `json:"blobs_checked"`
}

// OK reports whether every acknowledged item is stored once as sent.
func (c *Check) OK() bool { return c.Lost == 0 && c.Mismatched == 0 && c.Duplicated == 0 }

// Verify counts every item the run had acknowledged against st (and, when
// blobs is not nil, looks every media object up in it).
func Verify(ctx context.Context, r *Report, st Store, blobs blob.Bucket) (*Check, error) {
	c := &Check{BlobsChecked: blobs != nil}
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, s := range r.acked {
		g.Go(func() error {
			var one Check
			if err := verifySession(ctx, &one, s, st, blobs); err != nil {
				return fmt.Errorf("session %d: %w", s.SessionID, err)
			}
			mu.Lock()
			defer mu.Unlock()
			c.Acknowledged += one.Acknowledged
			c.Verified += one.Verified
			c.Lost += one.Lost
			c.Mismatched += one.Mismatched
			c.Duplicated += one.Duplicated
			c.Unacknowledged += one.Unacknowledged
			for _, p := range one.Problems {
				if len(c.Problems) < 20 {
					c.Problems = append(c.Problems, p)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	r.Check = c
	return c, nil
}

// row is a stored item: its sequence number, hash and media key; end,
// where a frame's, audio or video chunk's bytes end in its object (a pack
// holds several).
type row struct {
	seq      int64
	sha, key string
	end      int64
}

func verifySession(ctx context.Context, c *Check, s SessionItems, st Store, blobs blob.Bucket) error {
	var frames []row
	for from := int64(0); ; {
		page, err := st.ListFrames(ctx, s.SessionID, from, 1000)
		if err != nil {
			return err
		}
		for _, f := range page {
			frames = append(frames, row{f.Seq, f.SHA256, f.BlobKey, f.Offset + f.Size})
			from = f.Seq + 1
		}
		if len(page) < 1000 {
			break
		}
	}
	compare(ctx, c, "frame", s.SessionID, s.Frames, frames, blobs)

	next, err := st.NextAudioSeq(ctx, s.SessionID)
	if err != nil {
		return err
	}
	var audio []row
	for seq := range next {
		a, err := st.GetAudio(ctx, s.SessionID, seq)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		audio = append(audio, row{a.Seq, a.SHA256, a.BlobKey, a.Offset + a.Size})
	}
	compare(ctx, c, "audio", s.SessionID, s.Audio, audio, blobs)

	for _, v := range []struct {
		stream string
		acked  [][32]byte
	}{{proctor.StreamWebcam, s.Webcam}, {proctor.StreamScreen, s.Screen}} {
		chunks, err := st.ListChunks(ctx, s.SessionID, v.stream)
		if err != nil {
			return err
		}
		var rows []row
		for _, ch := range chunks {
			rows = append(rows, row{ch.Seq, ch.SHA256, ch.BlobKey, ch.Offset + ch.Size})
		}
		compare(ctx, c, v.stream, s.SessionID, v.acked, rows, blobs)
	}

	photos, err := st.ListPhotos(ctx, s.SessionID, proctor.PurposeOnboarding)
	if err != nil {
		return err
	}
	var rows []row
	for _, p := range photos {
		if p.Kind == proctor.PhotoFace {
			rows = append(rows, row{seq: int64(p.Attempt - 1), sha: p.SHA256, key: p.BlobKey})
		}
	}
	compare(ctx, c, "photo", s.SessionID, s.Photos, rows, blobs)

	batches, err := st.NextEventBatch(ctx, s.SessionID, proctor.SourceBrowser)
	if err != nil {
		return err
	}
	c.Acknowledged += s.Batches
	switch {
	case batches < s.Batches:
		c.Lost += s.Batches - batches
		c.problem("session %d: %d event batches acknowledged, %d stored", s.SessionID, s.Batches, batches)
	case batches > s.Batches:
		c.Unacknowledged += batches - s.Batches
	}
	c.Verified += min(batches, s.Batches)
	return nil
}

func (c *Check) problem(format string, args ...any) {
	if len(c.Problems) < 20 {
		c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
	}
}

// compare matches a stream's acknowledged hashes (by sequence number) with
// its stored rows.
func compare(ctx context.Context, c *Check, what string, sid int64, acked [][32]byte, stored []row, blobs blob.Bucket) {
	c.Acknowledged += int64(len(acked))
	bySeq := map[int64]row{}
	for _, r := range stored {
		if _, twice := bySeq[r.seq]; twice {
			c.Duplicated++
			c.problem("session %d: %s %d stored twice", sid, what, r.seq)
			continue
		}
		if r.seq >= int64(len(acked)) {
			c.Unacknowledged++
			continue
		}
		bySeq[r.seq] = r
	}
	// A pack holds several items: its size is looked up once.
	sizes := map[string]int64{}
	for seq, want := range acked {
		r, ok := bySeq[int64(seq)]
		switch {
		case !ok:
			c.Lost++
			c.problem("session %d: %s %d acknowledged and not stored", sid, what, seq)
		case r.sha != hex.EncodeToString(want[:]):
			c.Mismatched++
			c.problem("session %d: %s %d stored with other content", sid, what, seq)
		default:
			if blobs != nil {
				size, seen := sizes[r.key]
				var err error
				if !seen {
					var info blob.Info
					info, err = blobs.Stat(ctx, r.key)
					if size = info.Size; err == nil {
						sizes[r.key] = size
					}
				}
				if err == nil && size < r.end {
					err = fmt.Errorf("%d bytes, and the %s ends at %d", size, what, r.end)
				}
				if err != nil {
					c.Lost++
					c.problem("session %d: %s %d: media object %s: %v", sid, what, seq, r.key, err)
					continue
				}
			}
			c.Verified++
		}
	}
}
