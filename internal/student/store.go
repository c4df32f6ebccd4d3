package student

import (
	"context"

	"vigil/internal/proctor"
	"vigil/internal/signer"
	"vigil/internal/store"
)

// Store is what the student's side reads; releases, explanations and their
// mail are written through InTx.
type Store interface {
	GetCourse(ctx context.Context, id int64) (*proctor.Course, error)
	GetExam(ctx context.Context, id int64) (*proctor.Exam, error)
	GetStudent(ctx context.Context, id int64) (*proctor.Student, error)
	GetAccommodation(ctx context.Context, examID, studentID int64) (*proctor.Accommodation, error)
	InstitutionRetention(ctx context.Context) (proctor.Retention, error)
	StudentReview(ctx context.Context, courseID int64) (bool, error)
	// The session's uploads (the receipt) and its flags with their frames.
	ListUploads(ctx context.Context, sessionID int64) ([]store.Upload, error)
	GetFrame(ctx context.Context, sessionID, seq int64) (*proctor.Frame, error)
	GetViolation(ctx context.Context, id int64) (*proctor.Violation, error)
	ListViolations(ctx context.Context, sessionID int64) ([]proctor.Violation, error)
	GetPhotoByID(ctx context.Context, id int64) (*proctor.Photo, error) // a Different Person's photos
	// Secret keeps the key that signs a student's links to their screen
	// recording.
	signer.SecretStore
	// Releases and explanations.
	GetReviewRelease(ctx context.Context, sessionID int64) (*proctor.ReviewRelease, error)
	ListExplanations(ctx context.Context, sessionID int64) ([]proctor.Explanation, error)
	CountExamExplanations(ctx context.Context, examID int64) (map[int64]int, error)
	GetSession(ctx context.Context, id int64) (*proctor.Session, error) // issuing a session's link
	auditor
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}

// auditor appends audit entries, on the store or inside a transaction.
type auditor interface {
	AppendAudit(ctx context.Context, e *proctor.AuditEntry) error
}
