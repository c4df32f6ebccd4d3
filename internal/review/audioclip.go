package review

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"vigil/internal/analysis/voice"
	"vigil/internal/blob"
	"vigil/internal/proctor"
)

// clipMargin is the sound kept either side of a violation's span, so the
// reviewer hears what led into it; maxClip bounds a clip's length.
const (
	clipMargin = time.Second
	maxClip    = 90 * time.Second
)

// AudioClip is the recorded sound of a Background Audio violation's span,
// a second either side, at voice.Rate; silence the client left out (or
// never sent) is silence in the clip.
type AudioClip struct {
	Samples []float32
	Rate    int
	Start   time.Time
	// SpanFrom and SpanTo are where the violation itself lies in the clip.
	SpanFrom, SpanTo time.Duration
}

// ViolationAudio cuts the clip of a Background Audio violation from the
// stored audio chunks and records the listening in the audit log.
func (s *Service) ViolationAudio(ctx context.Context, a Actor, sessionID, violationID int64, blobs blob.Bucket) (*AudioClip, error) {
	sess, exam, err := s.sessionScope(ctx, a, sessionID, s.canSee)
	if err != nil {
		return nil, err
	}
	v, err := s.store.GetViolation(ctx, violationID)
	if err != nil || v.SessionID != sess.ID || v.Type != proctor.BackgroundAudio {
		return nil, proctor.E(proctor.CodeNotFound, "this session has no such Background Audio violation")
	}
	clip, err := s.Clip(ctx, blobs, sess, v)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("audio clip of violation %d", v.ID)
	if err := s.audit(ctx, s.store, a, proctor.AuditMediaView, exam.CourseID, fmt.Sprintf("session:%d", sess.ID), what); err != nil {
		return nil, err
	}
	return clip, nil
}

// Clip cuts the clip of one of a session's Background Audio violations
// from its stored audio chunks. The caller has checked who may hear it
// and records that they did.
func (s *Service) Clip(ctx context.Context, blobs blob.Bucket, sess *proctor.Session, v *proctor.Violation) (*AudioClip, error) {
	if sess.MediaPurged() {
		return nil, proctor.E(proctor.CodeGone, "the audio of this session was deleted under the retention policy")
	}
	from := v.Start.Add(-clipMargin)
	to := v.End.Add(clipMargin)
	if to.Sub(from) > maxClip {
		to = from.Add(maxClip)
	}
	clip := &AudioClip{Rate: voice.Rate, Start: from, SpanFrom: v.Start.Sub(from), SpanTo: min(v.End.Sub(from), to.Sub(from))}
	clip.Samples = make([]float32, int(to.Sub(from).Seconds()*voice.Rate))
	seqs, err := s.audioChunksBetween(ctx, sess.ID, from, to)
	if err != nil {
		return nil, err
	}
	for _, seq := range seqs {
		if err := s.placeChunk(ctx, blobs, sess.ID, seq, clip); err != nil {
			return nil, err
		}
	}
	return clip, nil
}

// audioChunksBetween lists the audio chunks with analysed sound in
// [from, to], from their signals' windows.
func (s *Service) audioChunksBetween(ctx context.Context, sessionID int64, from, to time.Time) ([]int64, error) {
	sigs, err := s.store.ListAudioSignals(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	var seqs []int64
	seen := map[int64]bool{}
	for _, a := range sigs {
		end := a.Start.Add(time.Duration(a.DurMS) * time.Millisecond)
		if a.Start.After(to) || end.Before(from) || seen[a.ChunkSeq] {
			continue
		}
		seen[a.ChunkSeq] = true
		seqs = append(seqs, a.ChunkSeq)
	}
	return seqs, nil
}

// placeChunk decodes one stored chunk and copies the part of it inside the
// clip to its place.
func (s *Service) placeChunk(ctx context.Context, blobs blob.Bucket, sessionID, seq int64, clip *AudioClip) error {
	c, err := s.store.GetAudio(ctx, sessionID, seq)
	if err != nil {
		return err
	}
	o, err := blob.OpenPart(ctx, blobs, c.BlobKey, c.Offset, c.Size)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(o, maxChunkBytes))
	o.Close()
	if err != nil {
		return err
	}
	x, rate, err := voice.Decode(c.Format, body)
	if err != nil {
		return fmt.Errorf("audio chunk %d: %w", seq, err)
	}
	if rate != clip.Rate {
		x = voice.Resample(x, rate, clip.Rate)
	}
	offset := int(c.StartedAt.Sub(clip.Start).Seconds() * float64(clip.Rate))
	for i, v := range x {
		if j := offset + i; j >= 0 && j < len(clip.Samples) {
			clip.Samples[j] = v
		}
	}
	return nil
}

// maxChunkBytes bounds one chunk read (the ingest limit is far lower).
const maxChunkBytes = 16 << 20

// WaveformSVG draws a clip's waveform, one bar of the peak level per
// column, with the violation's span shaded, as an SVG image that is
// readable without colour (the span is also outlined).
func (c *AudioClip) WaveformSVG(width, height int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img">`, width, height, width, height)
	fmt.Fprintf(&b, `<title>Waveform of the sound, %s either side of the incident</title>`, clipMargin)
	if n := len(c.Samples); n > 0 {
		total := float64(n) / float64(c.Rate)
		x0 := c.SpanFrom.Seconds() / total * float64(width)
		x1 := c.SpanTo.Seconds() / total * float64(width)
		fmt.Fprintf(&b, `<rect x="%.1f" y="0" width="%.1f" height="%d" fill="#fde2e1" stroke="#b42318" stroke-dasharray="4 2"/>`, x0, max(x1-x0, 1), height)
		mid := float64(height) / 2
		for col := 0; col < width; col++ {
			lo, hi := col*n/width, (col+1)*n/width
			peak := float32(0)
			for _, v := range c.Samples[lo:max(hi, lo+1)] {
				peak = max(peak, v, -v)
			}
			h := max(float64(peak)*mid, 0.5)
			fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="1" height="%.1f" fill="#1d232b"/>`, col, mid-h, 2*h)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
