package export

import (
	"context"

	"vigil/internal/proctor"
	"vigil/internal/signer"
)

// Store is what planning an export reads (the rows only; the media comes
// from the blob store).
type Store interface {
	GetCourse(ctx context.Context, id int64) (*proctor.Course, error)
	GetExam(ctx context.Context, id int64) (*proctor.Exam, error)
	GetSession(ctx context.Context, id int64) (*proctor.Session, error)
	GetStudent(ctx context.Context, id int64) (*proctor.Student, error)
	ListViolations(ctx context.Context, sessionID int64) ([]proctor.Violation, error)
	GetFrame(ctx context.Context, sessionID, seq int64) (*proctor.Frame, error)
	ListChunks(ctx context.Context, sessionID int64, stream string) ([]proctor.VideoChunk, error)
	ListPhotos(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
	ListStudentPhotos(ctx context.Context, studentID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
	ListEvents(ctx context.Context, sessionID int64) ([]proctor.Event, error)
	// GetUser names the instructors in the verdicts' explanations.
	GetUser(ctx context.Context, id int64) (*proctor.User, error)
}

// SecretStore keeps the server secret that signs download links.
type SecretStore = signer.SecretStore
