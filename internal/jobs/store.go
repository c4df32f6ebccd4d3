package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/riverqueue/river/riverdriver"

	"vigil/internal/export"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/student"
)

// Store is what the workers read, and the writes they make outside a
// transaction; the rest go through InTx, which commits a job's results
// with its completion or with the jobs it enqueues.
type Store interface {
	// Analysis: the media waiting for it and the state it carries on.
	PendingFrames(ctx context.Context, sessionID int64, limit int) ([]proctor.Frame, error)
	PendingAudio(ctx context.Context, sessionID int64, limit int) ([]proctor.AudioChunk, error)
	SaveAudioSignals(ctx context.Context, sessionID, chunkSeq int64, sigs []proctor.AudioSignal, problem string) error
	AnalysisState(ctx context.Context, sessionID int64) ([]byte, error)
	// Identity: the scans waiting to be compared, their results, and the
	// onboarding photos they are compared with.
	PendingIdentityPhotos(ctx context.Context, sessionID int64) ([]proctor.Photo, error)
	SetPhotoIdentity(ctx context.Context, photoID int64, m proctor.IdentityMatch, similarity float64, referenceID int64) error
	ListStudentPhotos(ctx context.Context, studentID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
	// Exports to build and expire, mail to send.
	GetExport(ctx context.Context, id int64) (*proctor.Export, error)
	UpdateExport(ctx context.Context, e *proctor.Export) error
	ExpiredExports(ctx context.Context, now time.Time, limit int) ([]proctor.Export, error)
	GetMail(ctx context.Context, id int64) (*proctor.Mail, error)
	// Retention: what has expired and the media keys to delete.
	InstitutionRetention(ctx context.Context) (proctor.Retention, error)
	ExpiredMedia(ctx context.Context, inst proctor.Retention, now time.Time, limit int) ([]store.MediaExpiry, error)
	ExpiredOnboarding(ctx context.Context, inst proctor.Retention, now time.Time, limit int) ([]store.OnboardingExpiry, error)
	SessionMediaKeys(ctx context.Context, sessionID int64) ([]string, error)
	ListExamSessions(ctx context.Context, examID int64) ([]store.SessionRow, error)
	// export.Store is what an export's plan reads (sessions, their
	// chunks and photos among it).
	export.Store
	export.SecretStore
	// student.Store is what the explanations' digest mail reads.
	student.Store
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
	// RiverDriver is the queue's driver on the same database.
	RiverDriver() riverdriver.Driver[*sql.Tx]
}
