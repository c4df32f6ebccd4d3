package loadtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// memStore holds one session's frames and chunks.
type memStore struct {
	frames []proctor.Frame
	chunks []proctor.VideoChunk
}

func (m *memStore) ListFrames(_ context.Context, _, from int64, limit int) ([]proctor.Frame, error) {
	var out []proctor.Frame
	for _, f := range m.frames {
		if f.Seq >= from && len(out) < limit {
			out = append(out, f)
		}
	}
	return out, nil
}
func (m *memStore) GetAudio(context.Context, int64, int64) (*proctor.AudioChunk, error) {
	return nil, store.ErrNotFound
}
func (m *memStore) NextAudioSeq(context.Context, int64) (int64, error) { return 0, nil }
func (m *memStore) ListChunks(_ context.Context, _ int64, stream string) ([]proctor.VideoChunk, error) {
	if stream == proctor.StreamWebcam {
		return m.chunks, nil
	}
	return nil, nil
}
func (m *memStore) NextEventBatch(context.Context, int64, string) (int64, error) { return 2, nil }
func (m *memStore) ListPhotos(context.Context, int64, proctor.PhotoPurpose) ([]proctor.Photo, error) {
	return nil, nil
}

func hashOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestVerifyCounts: a frame acknowledged and missing is lost, one stored
// with other content is mismatched, one stored twice is duplicated, a
// chunk stored beyond what was acknowledged is unacknowledged, and event
// batches are counted.
func TestVerifyCounts(t *testing.T) {
	items := SessionItems{SessionID: 1, Batches: 3}
	for i := range 4 {
		items.Frames = append(items.Frames, sha256.Sum256([]byte{byte(i)}))
	}
	items.Webcam = [][32]byte{sha256.Sum256([]byte("c0"))}
	st := &memStore{
		frames: []proctor.Frame{{Seq: 0, SHA256: hashOf([]byte{0})}, {Seq: 1, SHA256: hashOf([]byte("other"))}, {Seq: 3, SHA256: hashOf([]byte{3})},
			{Seq: 3, SHA256: hashOf([]byte{3})}},
		chunks: []proctor.VideoChunk{{Seq: 0, SHA256: hashOf([]byte("c0"))}, {Seq: 1, SHA256: hashOf([]byte("c1"))}},
	}
	rep := &Report{acked: []SessionItems{items}}
	c, err := Verify(context.Background(), rep, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Check{Acknowledged: 4 + 1 + 3, Verified: 2 + 1 + 2, Lost: 1 + 1, Mismatched: 1, Duplicated: 1, Unacknowledged: 1}
	if c.Acknowledged != want.Acknowledged || c.Verified != want.Verified || c.Lost != want.Lost || c.Mismatched != want.Mismatched ||
		c.Duplicated != want.Duplicated || c.Unacknowledged != want.Unacknowledged || c.OK() {
		t.Fatalf("check %+v, want %+v", c, want)
	}
}

// TestWebMChunks: the recording is cut at its clusters; the first piece
// carries the header, and the pieces add up to the file.
func TestWebMChunks(t *testing.T) {
	m, err := loadMedia()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.video) != 3 {
		t.Fatalf("%d chunks, want 3 (a 30-second recording with a cluster every 10 s)", len(m.video))
	}
	total := 0
	for i, c := range m.video {
		total += len(c)
		cluster := []byte{0x1F, 0x43, 0xB6, 0x75}
		if i > 0 && !bytes.HasPrefix(c, cluster) {
			t.Errorf("chunk %d does not start with a cluster", i)
		}
	}
	if !bytes.HasPrefix(m.video[0], []byte{0x1A, 0x45, 0xDF, 0xA3}) || total < 100_000 {
		t.Fatalf("first chunk %x…, %d bytes in all", m.video[0][:4], total)
	}
	if !bytes.Equal(m.chunk(0), m.video[0]) || !bytes.Equal(m.chunk(1), m.video[1]) || !bytes.Equal(m.chunk(3), m.video[1]) {
		t.Error("chunk numbering does not loop over the clusters after the header")
	}
}
