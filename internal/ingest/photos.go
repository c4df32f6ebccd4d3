package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// PhotoInput describes one identity photo attempt.
type PhotoInput struct {
	Purpose    proctor.PhotoPurpose
	Kind       proctor.PhotoKind
	Attempt    int
	CapturedAt time.Time
	Data       []byte
}

// PhotoAck tells the student at once whether the photo will do, and why not.
type PhotoAck struct {
	Attempt     int    `json:"attempt"`
	NextAttempt int    `json:"next_attempt"`
	Duplicate   bool   `json:"duplicate"`
	Passed      bool   `json:"passed"`
	Reason      string `json:"reason"`
	Faces       int    `json:"faces"`
}

// PutPhoto checks and stores an onboarding or verification photo. Every
// attempt is kept, failed ones included, for the Verification Scans and
// Onboarding tabs.
func (s *Service) PutPhoto(ctx context.Context, sess *proctor.Session, in PhotoInput) (PhotoAck, error) {
	if !in.Purpose.Valid() || !in.Kind.Valid() {
		return PhotoAck{}, proctor.E(proctor.CodeInvalid, "photo purpose must be onboarding or verification, and kind face, id or room")
	}
	if in.Attempt < 1 || in.Attempt > s.limits.MaxAttempt {
		return PhotoAck{}, proctor.E(proctor.CodeInvalid, "photo attempt must be between 1 and %d", s.limits.MaxAttempt)
	}
	sha := sha256Hex(in.Data)
	if p, err := s.photoSeen(ctx, s.store, sess.ID, in, sha); p != nil || err != nil {
		return photoAck(p, true), err
	}
	if err := s.checkOpen(sess); err != nil {
		return PhotoAck{}, err
	}
	if err := s.checkCaptureTime(sess, in.CapturedAt); err != nil {
		return PhotoAck{}, err
	}
	p, err := s.judgePhoto(ctx, sess, in, sha)
	if err != nil {
		return PhotoAck{}, err
	}
	if _, err := s.blobs.Put(ctx, p.BlobKey, bytes.NewReader(in.Data)); err != nil {
		return PhotoAck{}, err
	}
	var existing *proctor.Photo
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if existing, err = s.photoSeen(ctx, tx, sess.ID, in, sha); existing != nil || err != nil {
			return err
		}
		if err := tx.InsertPhoto(ctx, p); err != nil {
			return err
		}
		if p.Identity != proctor.MatchPending {
			return nil
		}
		// The comparison with the onboarding photo runs in the analysis
		// job, not while the student waits for this answer.
		return tx.Enqueue(ctx, jobargs.AnalyzeSession{SessionID: sess.ID})
	})
	if existing != nil {
		return photoAck(existing, true), err
	}
	return photoAck(p, false), err
}

func (s *Service) judgePhoto(ctx context.Context, sess *proctor.Session, in PhotoInput, sha string) (*proctor.Photo, error) {
	check, err := analysis.CheckPhoto(ctx, s.faces, in.Kind, in.Data)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, proctor.E(proctor.CodeNotJPEG, "photo: %v", err)
	}
	kind := fmt.Sprintf("photos-%s-%s", in.Purpose, in.Kind)
	return &proctor.Photo{SessionID: sess.ID, StudentID: sess.StudentID, Purpose: in.Purpose, Kind: in.Kind,
		Attempt: in.Attempt, BlobKey: blobKey(sess.ID, kind, int64(in.Attempt), sha, "jpg"), SHA256: sha,
		Size: int64(len(in.Data)), Passed: check.Passed, Reason: check.Reason, Faces: check.Faces,
		MeanLuma: check.MeanLuma, CapturedAt: in.CapturedAt, ReceivedAt: s.now(), Identity: toCompare(in, check)}, nil
}

// toCompare says whether a photo is compared with the student's onboarding
// face photo (later, by the analysis): face and ID scans, and the
// onboarding ID, once they passed their check. The onboarding face photo
// is what the others are compared with; a room photo has no face to
// compare; a face or ID photo without a face says so at once.
func toCompare(in PhotoInput, check analysis.PhotoCheck) proctor.IdentityMatch {
	switch {
	case in.Kind == proctor.PhotoRoom || (in.Purpose == proctor.PurposeOnboarding && in.Kind == proctor.PhotoFace):
		return proctor.MatchNone
	case check.Faces == 0:
		return proctor.MatchNoFace
	case check.Passed:
		return proctor.MatchPending
	}
	return proctor.MatchNone
}

// photoSeen returns the stored photo when this upload is a retry of it, an
// error when the attempt clashes or skips ahead, and nil for a new attempt.
func (s *Service) photoSeen(ctx context.Context, q uploads, sid int64, in PhotoInput, sha string) (*proctor.Photo, error) {
	p, err := q.GetPhoto(ctx, sid, in.Purpose, in.Kind, in.Attempt)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	stored := ""
	if p != nil {
		stored = p.SHA256
	}
	photos, err := q.ListPhotos(ctx, sid, in.Purpose)
	if err != nil {
		return nil, err
	}
	next := int64(1)
	for _, other := range photos {
		if other.Kind == in.Kind {
			next = max(next, int64(other.Attempt)+1)
		}
	}
	dup, err := checkSeq("photo attempt", int64(in.Attempt), next, stored, sha)
	if dup {
		return p, nil
	}
	return nil, err
}

func photoAck(p *proctor.Photo, dup bool) PhotoAck {
	if p == nil {
		return PhotoAck{}
	}
	return PhotoAck{Attempt: p.Attempt, NextAttempt: p.Attempt + 1, Duplicate: dup, Passed: p.Passed, Reason: p.Reason, Faces: p.Faces}
}
