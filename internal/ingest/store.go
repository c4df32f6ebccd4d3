package ingest

import (
	"context"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Store is what ingest reads and writes outside a transaction; its writes
// go through InTx, so that rows and the analysis job commit together.
type Store interface {
	LinkStore
	uploads
	store.QuizReader
	// Tokens, sessions and session links.
	GetSessionToken(ctx context.Context, tokenHash string) (*store.SessionToken, *proctor.Session, error)
	GetSession(ctx context.Context, id int64) (*proctor.Session, error)
	GetSessionLink(ctx context.Context, tokenHash string) (*store.SessionLink, error)
	GetAccommodation(ctx context.Context, examID, studentID int64) (*proctor.Accommodation, error)
	// Where each upload stream stands, for a resuming client.
	ListStudentPhotos(ctx context.Context, studentID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
	// Companions: pairing codes, their tokens, and when their batches came.
	CreatePairingCode(ctx context.Context, c *store.PairingCode) error
	GetPairingCode(ctx context.Context, codeHash string) (*store.PairingCode, error)
	ListSessionTokens(ctx context.Context, sessionID int64, source string) ([]store.SessionToken, error)
	ListEventBatchTimes(ctx context.Context, sessionID int64, source string) ([]time.Time, error)
	// AppendAudit records a refused upload.
	AppendAudit(ctx context.Context, e *proctor.AuditEntry) error
}

// LinkStore is what issuing a session link needs.
type LinkStore interface {
	GetExam(ctx context.Context, id int64) (*proctor.Exam, error)
	GetStudent(ctx context.Context, id int64) (*proctor.Student, error)
	GetSession(ctx context.Context, id int64) (*proctor.Session, error)
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}

// uploads are the reads that tell a retry from a clash or a gap: made once
// before any work, and inside the transaction (on a store.Tx) only when
// the insert meets the same number (insertOnce).
type uploads interface {
	UploadSlot(ctx context.Context, kind store.UploadKind, sessionID int64, stream string, seq int64) (store.UploadSlot, error)
	NextFrameSeq(ctx context.Context, sessionID int64) (int64, error)
	NextChunkSeq(ctx context.Context, sessionID int64, stream string) (int64, error)
	NextAudioSeq(ctx context.Context, sessionID int64) (int64, error)
	NextEventBatch(ctx context.Context, sessionID int64, source string) (int64, error)
	GetPhoto(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose, kind proctor.PhotoKind, attempt int) (*proctor.Photo, error)
	ListPhotos(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
}
