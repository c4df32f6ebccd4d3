// Package ingest accepts what a capture client uploads: it checks limits and
// content, writes media to blob storage, and stores rows together with the
// analysis job in one transaction. An upload is acknowledged only once all of
// that is durable; a retried upload is acknowledged again and never stored
// twice; a clash or a gap is refused without touching what is stored.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/auth"
	"vigil/internal/blob"
	"vigil/internal/live"
	"vigil/internal/proctor"
	"vigil/internal/ratelimit"
	"vigil/internal/store"
)

// Limits bound what one client may send.
type Limits struct {
	MaxFrameBytes  int64 // one webcam JPEG
	MaxPhotoBytes  int64 // one identity photo
	MaxChunkBytes  int64 // one WebM chunk
	MaxAudioBytes  int64 // one audio chunk
	MaxEventsBytes int64 // one event batch (JSON)
	MaxBatchBytes  int64 // one request of a batch of uploads (PutBatch)
	MaxBatchEvents int   // events in one batch
	MaxAttempt     int   // photo attempts per kind
	// Requests per second per session, and the burst a client may use to
	// catch up after being offline.
	RatePerSecond float64
	RateBurst     int
}

// DefaultLimits fit a 640x480 webcam at 1 frame/s, 10-second WebM chunks at
// a few hundred kbit/s, and a client catching up after a long network drop.
func DefaultLimits() Limits {
	return Limits{
		MaxFrameBytes: 1 << 20, MaxPhotoBytes: 8 << 20, MaxChunkBytes: 16 << 20, MaxAudioBytes: 4 << 20,
		MaxEventsBytes: 256 << 10, MaxBatchBytes: 24 << 20, MaxBatchEvents: 1000, MaxAttempt: 50,
		RatePerSecond: 20, RateBurst: 200,
	}
}

// Service is the ingest API's logic, independent of HTTP.
type Service struct {
	store   Store
	blobs   blob.Bucket
	faces   analysis.Detector
	limits  Limits
	now     func() time.Time
	log     *slog.Logger
	limiter *ratelimit.Limiter[int64]
	refused refusals
	live    live.Publisher // nil: nobody watches
}

// New returns a Service. faces checks identity photos as they arrive.
func New(st Store, blobs blob.Bucket, faces analysis.Detector, limits Limits, now func() time.Time, log *slog.Logger) *Service {
	return &Service{store: st, blobs: blobs, faces: faces, limits: limits, now: now, log: log,
		limiter: ratelimit.New[int64](limits.RatePerSecond, limits.RateBurst, now)}
}

// Limits returns the limits in force.
func (s *Service) Limits() Limits { return s.limits }

// Ack acknowledges a durable upload.
type Ack struct {
	Seq       int64 `json:"seq"`
	Next      int64 `json:"next"`      // the next sequence number expected
	Duplicate bool  `json:"duplicate"` // true when this was a retry of a stored upload
}

// Authenticate finds the session a bearer token opens and checks it is the
// session the URL names and that the token's source is one of sources (the
// proctoring window's own endpoints take only "browser" tokens; a companion
// may only upload its own events). It also applies the per-session rate
// limit. It returns the session and the token's source.
func (s *Service) Authenticate(ctx context.Context, sessionID int64, token string, sources ...string) (*proctor.Session, string, error) {
	if token == "" {
		return nil, "", proctor.E(proctor.CodeUnauthenticated, "send the session token as \"Authorization: Bearer <token>\"")
	}
	hash := auth.HashToken(token)
	tok, sess, err := s.store.GetSessionToken(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", proctor.E(proctor.CodeUnauthenticated, "the session token is not valid")
	}
	if err != nil {
		return nil, "", err
	}
	if tok.SessionID != sessionID {
		return nil, "", proctor.E(proctor.CodeForbidden, "this token belongs to another session")
	}
	if !slices.Contains(sources, tok.Source) {
		return nil, "", proctor.E(proctor.CodeForbidden, "a %s token cannot be used here", proctor.SourceLabel(tok.Source))
	}
	if !s.now().Before(tok.ExpiresAt) {
		s.recordRefusal(ctx, tok.SessionID, hash)
		return nil, "", proctor.E(proctor.CodeUnauthenticated, "the session token has expired: open the exam link again")
	}
	if wait, ok := s.limiter.Allow(sessionID); !ok {
		return nil, "", proctor.E(proctor.CodeRateLimited, "too many requests; retry in %s", wait.Round(time.Millisecond)).
			With("retry_after_ms", wait.Milliseconds())
	}
	return sess, tok.Source, nil
}

// checkOpen refuses uploads to a finished or expired session.
func (s *Service) checkOpen(sess *proctor.Session) error {
	if !sess.ResumableAt(s.now()) {
		return proctor.E(proctor.CodeSessionClosed, "this session is %s and accepts no more uploads", sess.State.Label())
	}
	return nil
}

// Capture times must lie between a minute before the session's start and
// a few minutes into the server's future (clocks drift), and within the
// resume window.
const (
	clockSkewBefore = time.Minute
	clockSkewAfter  = 5 * time.Minute
)

func (s *Service) checkCaptureTime(sess *proctor.Session, at time.Time) error {
	if at.IsZero() {
		return proctor.E(proctor.CodeBadTimestamp, "a capture time is required (RFC 3339)")
	}
	switch {
	case at.Before(sess.ClientStartedAt.Add(-clockSkewBefore)):
		return proctor.E(proctor.CodeBadTimestamp, "capture time %s is before the session started", at.Format(time.RFC3339))
	case at.After(s.now().Add(clockSkewAfter)):
		return proctor.E(proctor.CodeBadTimestamp, "capture time %s is in the future", at.Format(time.RFC3339))
	case at.After(sess.ClientStartedAt.Add(proctor.ResumeWindow)):
		return proctor.E(proctor.CodeBadTimestamp, "capture time %s is after the session's %s window", at.Format(time.RFC3339), proctor.ResumeWindow)
	}
	return nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// checkSeq decides what an upload numbered seq is, given the next number
// expected and the hash stored under seq (if any): a retry, a clash, a gap,
// or new.
func checkSeq(what string, seq, next int64, storedSHA, sha string) (dup bool, err error) {
	switch {
	case seq < 0:
		return false, proctor.E(proctor.CodeInvalid, "%s sequence numbers start at 0", what)
	case storedSHA == sha && storedSHA != "":
		return true, nil
	case storedSHA != "":
		return false, proctor.E(proctor.CodeSequenceConflict, "%s %d was already received with different content", what, seq).With("next", next)
	case seq > next:
		return false, proctor.E(proctor.CodeSequenceGap, "%s %d skips ahead: the next expected is %d", what, seq, next).With("next", next)
	}
	return false, nil
}

// seen tells a retry (true) from a clash or a gap (error) for the upload of
// this kind numbered seq with hash sha, from the hash kept under seq and
// the number expected next (one query). It runs once before any work is
// done and again inside the transaction, where it is authoritative.
func seen(ctx context.Context, q uploads, kind store.UploadKind, sid int64, stream string, seq int64, sha string) (bool, error) {
	return seenAfter(ctx, q, kind, sid, stream, seq, sha, 0)
}

// seenAfter is seen for an upload of a batch whose earlier items of the
// same stream, not stored yet, end before floor: the next number expected
// is then at least floor.
func seenAfter(ctx context.Context, q uploads, kind store.UploadKind, sid int64, stream string, seq int64, sha string, floor int64) (bool, error) {
	slot, err := q.UploadSlot(ctx, kind, sid, stream, seq)
	if err != nil {
		return false, err
	}
	return checkSeq(string(kind), seq, max(slot.Next, floor), slot.SHA256, sha)
}

// insertOnce inserts an upload that the check before its transaction (seen)
// found new, and says whether it was a retry after all. The unique key is
// the only check left to make inside the transaction: nothing can have
// filled a gap meanwhile (the next number only grows, and an open
// session's uploads are never removed), so only the same number stored by
// a concurrent request can stand in the way, and its hash tells a retry
// from a clash. One round trip instead of two for every upload.
func insertOnce(ctx context.Context, tx store.Tx, kind store.UploadKind, sid int64, stream string, seq int64, sha string, insert func() error) (dup bool, err error) {
	err = insert()
	if !errors.Is(err, store.ErrConflict) {
		return false, err
	}
	return seen(ctx, tx, kind, sid, stream, seq, sha)
}

// markStarted moves a created session to in_progress on its first capture.
func markStarted(ctx context.Context, tx store.Tx, sess *proctor.Session, now time.Time) error {
	if sess.State != proctor.StateCreated {
		return nil
	}
	err := tx.SetSessionState(ctx, sess.ID, proctor.StateCreated, proctor.StateInProgress, now)
	if errors.Is(err, store.ErrConflict) {
		return nil // a concurrent upload got there first
	}
	return err
}

func blobKey(sessionID int64, kind string, seq int64, sha, ext string) string {
	return fmt.Sprintf("sessions/%d/%s/%08d-%s.%s", sessionID, kind, seq, sha[:16], ext)
}
