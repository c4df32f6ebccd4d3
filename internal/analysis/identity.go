package analysis

import (
	"cmp"
	"context"
	"errors"
	"image"
	"slices"
	"time"

	"vigil/internal/analysis/face"
	"vigil/internal/analysis/identity"
	"vigil/internal/proctor"
)

// Embedder turns a face, aligned by its five landmarks, into an identity
// embedding of unit length; *identity.Pool is one, safe for concurrent use.
type Embedder interface {
	Embed(ctx context.Context, img image.Image, lm [5]face.Point) ([]float32, error)
}

// Identity tells whether faces are the student of the onboarding face
// photo: on identity scans (ComparePhoto) and on sampled webcam frames
// (Frames.Identity). It runs in the analysis jobs, never while an upload
// waits for its answer.
type Identity struct {
	Faces Detector // finds faces on photos
	// Landmarks re-detects a face on a crop around it (as for frames):
	// precise landmarks align the face better. Nil: the photo's detection.
	Landmarks Detector
	Embedder  Embedder
	// Threshold is the cosine similarity from which two faces count as
	// the same person (DefaultMatchThreshold for the stand-in model).
	Threshold float64
	// Every is how often the webcam is checked (0: DefaultCheckEvery).
	Every time.Duration
}

// DefaultMatchThreshold is the similarity from which the stand-in model
// (third_party/faceplugin) counts two faces as one person. Measured with
// `vigil eval` (docs/IDENTITY.md): the lowest same-person pair of the
// shared media scored 0.50 and 99.8 % of FairFace's pairs of different
// people scored below 0.40; a false "different person" costs an honest
// student a flag, so the threshold leaves the genuine pairs a margin.
const DefaultMatchThreshold = 0.40

// Webcam sampling (docs/IDENTITY.md).
const (
	// DefaultCheckEvery: the webcam face is compared about once a minute.
	DefaultCheckEvery = time.Minute
	// returnAfter: a face that comes back after this long without exactly
	// one face in view (the student left, or others were in view) is
	// compared at once: that is when someone else would sit down.
	returnAfter = 3 * time.Second
	// jumpEvery bounds the checks a face that moved abruptly to another
	// place in the picture triggers (a swap without leaving the view).
	jumpEvery = 10 * time.Second
	// confirmChecks: after a mismatch the next frames with one face are
	// compared this many more times, so one odd frame is not a person.
	confirmChecks = 2
	// minIdentityFace is the smallest face side, in pixels, compared:
	// below it the aligned crop is mostly interpolation.
	minIdentityFace = 32
)

// Reference is what a session's faces are compared with: the embedding
// of the student's onboarding face photo.
type Reference struct {
	PhotoID   int64
	Embedding []float32 // nil: that photo shows no face to compare with
}

// Usable reports whether there is a face to compare with.
func (r *Reference) Usable() bool { return len(r.Embedding) > 0 }

// MatchThreshold is the similarity from which two faces are the same
// person.
func (id *Identity) MatchThreshold() float64 {
	if id.Threshold > 0 {
		return id.Threshold
	}
	return DefaultMatchThreshold
}

func (id *Identity) every() time.Duration {
	if id.Every > 0 {
		return id.Every
	}
	return DefaultCheckEvery
}

// Match says what a similarity means under the threshold.
func (id *Identity) Match(similarity float64) proctor.IdentityMatch {
	if similarity >= id.MatchThreshold() {
		return proctor.MatchSame
	}
	return proctor.MatchDifferent
}

// NewReference embeds the largest face of an onboarding face photo. A
// photo that cannot be decoded or shows no usable face gives a Reference
// without an embedding, not an error.
func (id *Identity) NewReference(ctx context.Context, photoID int64, data []byte) (Reference, error) {
	ref := Reference{PhotoID: photoID}
	img, err := DecodeJPEG(data)
	if err != nil {
		return ref, nil
	}
	embs, err := id.embedAll(ctx, img)
	if err != nil || len(embs) == 0 {
		return ref, err
	}
	ref.Embedding = embs[0].Embedding
	return ref, nil
}

// FaceEmbedding is one face of a picture and its embedding.
type FaceEmbedding struct {
	Face      face.Face
	Embedding []float32
}

// Embeddings embeds every face of a JPEG large enough to compare, the
// largest first (the evaluation picks its subject among them). A JPEG
// that cannot be decoded has none.
func (id *Identity) Embeddings(ctx context.Context, data []byte) ([]FaceEmbedding, error) {
	img, err := DecodeJPEG(data)
	if err != nil {
		return nil, nil
	}
	return id.embedAll(ctx, img)
}

// ComparePhoto compares the faces of an identity scan with the reference:
// the scan shows the same person when every face on it does (a photo ID
// held up beside the student shows two faces, both the student's), and a
// different person when any face does not. The similarity returned is the
// lowest.
func (id *Identity) ComparePhoto(ctx context.Context, ref Reference, data []byte) (proctor.IdentityMatch, float64, error) {
	if !ref.Usable() {
		return proctor.MatchNoReference, 0, nil
	}
	img, err := DecodeJPEG(data)
	if err != nil {
		return proctor.MatchUnreadable, 0, nil
	}
	embs, err := id.embedAll(ctx, img)
	if err != nil {
		return "", 0, err
	}
	if len(embs) == 0 {
		return proctor.MatchNoFace, 0, nil
	}
	lowest := 1.0
	for _, e := range embs {
		lowest = min(lowest, identity.Similarity(ref.Embedding, e.Embedding))
	}
	return id.Match(lowest), lowest, nil
}

// embedAll embeds every face of a photo large enough to compare, the
// largest first.
func (id *Identity) embedAll(ctx context.Context, img image.Image) ([]FaceEmbedding, error) {
	faces, err := id.Faces.Detect(ctx, img)
	if err != nil {
		return nil, err
	}
	sortBySize(faces)
	var out []FaceEmbedding
	for _, f := range faces {
		if min(f.W, f.H) < minIdentityFace {
			continue
		}
		if r, ok := refineFace(ctx, id.Landmarks, img, f); ok {
			f = r
		}
		e, err := id.Embedder.Embed(ctx, img, f.Landmarks)
		if errors.Is(err, identity.ErrNoLandmarks) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, FaceEmbedding{Face: f, Embedding: e})
	}
	return out, nil
}

func sortBySize(faces []face.Face) {
	slices.SortStableFunc(faces, func(a, b face.Face) int { return cmp.Compare(b.W*b.H, a.W*a.H) })
}

// IdentityState is what the webcam identity check carries from frame to
// frame (part of the Tracker).
type IdentityState struct {
	Ref       Reference
	LastCheck time.Time // capture time of the last comparison
	// NotOneSince is when the frames stopped showing exactly one face
	// (zero while they show one).
	NotOneSince time.Time
	Confirm     int // comparisons still owed after a mismatch
}

// checkFrame compares the one face of a frame with the reference when a
// comparison is due, and records the result in sig.
func (a *Frames) checkFrame(ctx context.Context, tr *Tracker, img image.Image, fc face.Face, sig *proctor.FrameSignal, jumped bool) {
	st := &tr.Identity
	if min(fc.W, fc.H) < minIdentityFace || !a.identityDue(st, sig.CapturedAt, jumped) {
		return
	}
	t, c := time.Now(), a.cpu()
	defer func() {
		if a.Stages != nil && a.Stages.CPU != nil {
			a.Stages.IdentityCPU += a.cpu() - c
		}
	}()
	emb, err := a.Identity.Embedder.Embed(ctx, img, fc.Landmarks)
	if err != nil {
		return // no landmarks (a second opinion's box) or shutting down: due again next frame
	}
	sim := identity.Similarity(st.Ref.Embedding, emb)
	sig.Identity, sig.Similarity = a.Identity.Match(sim), sim
	st.LastCheck = sig.CapturedAt
	switch {
	case sig.Identity == proctor.MatchDifferent && st.Confirm == 0:
		st.Confirm = confirmChecks
	case sig.Identity == proctor.MatchDifferent:
		st.Confirm--
	default:
		st.Confirm = 0
	}
	a.count(func(s *Stages) *int { return &s.Identified })
	a.lap(func(s *Stages) *time.Duration { return &s.Identity }, &t)
}

func (a *Frames) cpu() time.Duration {
	if a.Stages == nil || a.Stages.CPU == nil {
		return 0
	}
	return a.Stages.CPU()
}

// identityDue says whether the frame captured at `at`, showing one face,
// is compared: the first such frame, one a minute later, one where a face
// comes back, one where the face jumped elsewhere, and those that confirm
// a mismatch.
func (a *Frames) identityDue(st *IdentityState, at time.Time, jumped bool) bool {
	returned := !st.NotOneSince.IsZero() && at.Sub(st.NotOneSince) >= returnAfter
	st.NotOneSince = time.Time{}
	since := at.Sub(st.LastCheck)
	return st.Confirm > 0 || st.LastCheck.IsZero() || since >= a.Identity.every() || returned ||
		(jumped && since >= jumpEvery)
}

// trackPresence notes when the frames stop showing exactly one face.
func trackPresence(st *IdentityState, faces int, at time.Time) {
	if faces != 1 && st.NotOneSince.IsZero() {
		st.NotOneSince = at
	}
}

// faceJumped reports whether the one face of this frame lies elsewhere
// than the one face of the last, or is much larger or smaller (the same
// test that starts a new stretch of framing for Facial Suspicion):
// another person may have taken the seat.
func faceJumped(before, after []face.Face) bool {
	if len(before) != 1 || len(after) != 1 {
		return false
	}
	return jumped(box(before[0]), box(after[0]))
}

func box(f face.Face) proctor.FaceBox { return proctor.FaceBox{X: f.X, Y: f.Y, W: f.W, H: f.H} }
