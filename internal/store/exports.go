package store

import (
	"context"
	"time"

	"vigil/internal/proctor"
)

// Exports holds export requests, Vigil's mail outbox and the server's own
// secrets (the key that signs download links).
type Exports interface {
	CreateExport(ctx context.Context, e *proctor.Export) error
	GetExport(ctx context.Context, id int64) (*proctor.Export, error)
	// ListExports lists a user's exports, newest first, at most limit.
	ListExports(ctx context.Context, userID int64, limit int) ([]proctor.Export, error)
	// UpdateExport stores an export's state, progress, file, error, mail
	// state and times (everything but who asked and for what).
	UpdateExport(ctx context.Context, e *proctor.Export) error
	// ExpiredExports lists ready exports whose link expired by now.
	ExpiredExports(ctx context.Context, now time.Time, limit int) ([]proctor.Export, error)

	CreateMail(ctx context.Context, m *proctor.Mail) error
	GetMail(ctx context.Context, id int64) (*proctor.Mail, error)
	// UpdateMail stores a message's state, attempts, last error and sent time.
	UpdateMail(ctx context.Context, m *proctor.Mail) error
	// ListMail lists the outbox, newest first, at most limit.
	ListMail(ctx context.Context, limit int) ([]proctor.Mail, error)

	// Secret returns the server secret called name, storing gen() under that
	// name the first time (the first writer wins; later callers get it).
	Secret(ctx context.Context, name string, gen func() []byte) ([]byte, error)
}
