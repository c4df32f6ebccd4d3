package store

import (
	"context"
	"time"

	"vigil/internal/proctor"
)

// StudentSide holds what the student's side adds: whether a course lets
// students see their released reviews, the releases, the students'
// explanations of flags, and the list of what a session received (for the
// student's receipt).
type StudentSide interface {
	// SetStudentReview switches a course's student review on or off.
	SetStudentReview(ctx context.Context, courseID int64, enabled bool, by int64, at time.Time) error
	// StudentReview reports whether a course's student review is on
	// (false while nobody has set it).
	StudentReview(ctx context.Context, courseID int64) (bool, error)

	// ReleaseReview releases a session's review to its student, or moves
	// the date of a release already made.
	ReleaseReview(ctx context.Context, r *proctor.ReviewRelease) error
	// GetReviewRelease returns a session's release; ErrNotFound when there
	// is none.
	GetReviewRelease(ctx context.Context, sessionID int64) (*proctor.ReviewRelease, error)

	// SaveExplanation stores (or replaces) a student's explanation of one
	// flag; a changed one is due for the next digest again.
	SaveExplanation(ctx context.Context, e *proctor.Explanation) error
	// ListExplanations lists a session's explanations by violation key.
	ListExplanations(ctx context.Context, sessionID int64) ([]proctor.Explanation, error)
	// CountExamExplanations counts the explanations of each session of an
	// exam, by session id (sessions without any are left out).
	CountExamExplanations(ctx context.Context, examID int64) (map[int64]int, error)
	// MarkExplanationsNotified records that a digest told the instructors
	// of the session's explanations last changed at or before upTo.
	MarkExplanationsNotified(ctx context.Context, sessionID int64, upTo, at time.Time) error

	// ListUploads lists every item a session received — frames, video and
	// audio chunks, the browser's event batches and photos — with its hash,
	// size and length, in a fixed order.
	ListUploads(ctx context.Context, sessionID int64) ([]Upload, error)
}

// Upload is one item a session received.
type Upload struct {
	Kind       string // "frame", "chunk_webcam", "chunk_screen", "audio", "events", "photo"
	Seq        int64  // sequence, batch or photo id
	SHA256     string
	Size       int64
	At         time.Time // capture time (arrival for event batches)
	DurationMS int64     // video and audio chunks
}
