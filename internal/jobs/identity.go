package jobs

import (
	"context"
	"errors"

	"vigil/internal/analysis"
	"vigil/internal/blob"
	"vigil/internal/proctor"
)

// comparePhotos compares the session's identity scans that wait for it
// with the student's onboarding face photo, and records each result. It
// reports whether there were any.
func (w *analyzeWorker) comparePhotos(ctx context.Context, sid int64) (bool, error) {
	if w.deps.Identity == nil {
		return false, nil
	}
	photos, err := w.deps.Store.PendingIdentityPhotos(ctx, sid)
	if err != nil || len(photos) == 0 {
		return false, err
	}
	ref, err := w.reference(ctx, photos[0].StudentID, analysis.Reference{})
	if err != nil {
		return false, err
	}
	for i := range photos {
		m, sim, err := w.comparePhoto(ctx, ref, &photos[i])
		if err != nil {
			return false, err
		}
		if err := w.deps.Store.SetPhotoIdentity(ctx, photos[i].ID, m, sim, ref.PhotoID); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (w *analyzeWorker) comparePhoto(ctx context.Context, ref analysis.Reference, p *proctor.Photo) (proctor.IdentityMatch, float64, error) {
	if !ref.Usable() {
		return proctor.MatchNoReference, 0, nil
	}
	data, err := readBlob(ctx, w.deps.Blobs, p.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		w.deps.Log.Error("identity photo missing from storage", "session", p.SessionID, "photo", p.ID, "key", p.BlobKey)
		return proctor.MatchUnreadable, 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	return w.deps.Identity.ComparePhoto(ctx, ref, data)
}

// setReference gives the tracker the student's onboarding face photo to
// compare the webcam with, once: onboarding comes before the exam, so the
// photo a session starts with is the one it keeps. Until there is one it
// looks again at each batch.
func (w *analyzeWorker) setReference(ctx context.Context, tr *analysis.Tracker, sid int64) error {
	if w.deps.Frames.Identity == nil || tr.Identity.Ref.PhotoID != 0 {
		return nil
	}
	s, err := w.deps.Store.GetSession(ctx, sid)
	if err != nil {
		return err
	}
	ref, err := w.reference(ctx, s.StudentID, tr.Identity.Ref)
	if err != nil {
		return err
	}
	tr.SetReference(ref)
	return nil
}

// reference embeds the student's latest accepted onboarding face photo,
// unless have holds it already. Without one the reference is empty: there
// is nothing to compare with.
func (w *analyzeWorker) reference(ctx context.Context, studentID int64, have analysis.Reference) (analysis.Reference, error) {
	p, err := referencePhoto(ctx, w.deps.Store, studentID)
	if err != nil || p == nil {
		return analysis.Reference{}, err
	}
	if p.ID == have.PhotoID {
		return have, nil
	}
	data, err := readBlob(ctx, w.deps.Blobs, p.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return analysis.Reference{PhotoID: p.ID}, nil // deleted under the retention policy
	}
	if err != nil {
		return analysis.Reference{}, err
	}
	id := w.deps.Identity
	if id == nil {
		id = w.deps.Frames.Identity
	}
	return id.NewReference(ctx, p.ID, data)
}

// referencePhoto is the student's latest onboarding face photo that passed
// its check, or nil.
func referencePhoto(ctx context.Context, q interface {
	ListStudentPhotos(ctx context.Context, studentID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
}, studentID int64) (*proctor.Photo, error) {
	photos, err := q.ListStudentPhotos(ctx, studentID, proctor.PurposeOnboarding)
	if err != nil {
		return nil, err
	}
	var ref *proctor.Photo
	for i := range photos {
		if photos[i].Kind == proctor.PhotoFace && photos[i].Passed {
			ref = &photos[i]
		}
	}
	return ref, nil
}
