package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"vigil/internal/proctor"
)

const exportCols = `id, user_id, course_id, exam_id, scope, session_ids, items, state, files_done, files_total, bytes_done,
	blob_key, size, sha256, error, mail, mail_error, created_at, finished_at, expires_at`

func (c *conn) CreateExport(ctx context.Context, e *proctor.Export) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	if e.State == "" {
		e.State = proctor.ExportQueued
	}
	sessions, _ := json.Marshal(e.SessionIDs)
	items, _ := json.Marshal(e.Items)
	id, err := c.insertID(ctx, "create export", `INSERT INTO exports (user_id, course_id, exam_id, scope, session_ids, items, state,
		files_total, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		e.UserID, e.CourseID, e.ExamID, string(e.Scope), string(sessions), string(items), string(e.State), e.FilesTotal,
		ms(e.CreatedAt), ms(e.ExpiresAt))
	e.ID = id
	return err
}

func scanExport(sc scanner) (*proctor.Export, error) {
	var e proctor.Export
	var scope, sessions, items, state, mail string
	var created, finished, expires int64
	err := sc.Scan(&e.ID, &e.UserID, &e.CourseID, &e.ExamID, &scope, &sessions, &items, &state, &e.FilesDone, &e.FilesTotal,
		&e.BytesDone, &e.BlobKey, &e.Size, &e.SHA256, &e.Error, &mail, &e.MailError, &created, &finished, &expires)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(sessions), &e.SessionIDs); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(items), &e.Items); err != nil {
		return nil, err
	}
	e.Scope, e.State, e.Mail = proctor.ExportScope(scope), proctor.ExportState(state), proctor.MailState(mail)
	e.CreatedAt, e.FinishedAt, e.ExpiresAt = fromMS(created), fromMS(finished), fromMS(expires)
	return &e, nil
}

func (c *conn) GetExport(ctx context.Context, id int64) (*proctor.Export, error) {
	e, err := scanExport(c.r.QueryRowContext(ctx, `SELECT `+exportCols+` FROM exports WHERE id = $1`, id))
	return e, wrap("get export", err)
}

func (c *conn) ListExports(ctx context.Context, userID int64, limit int) ([]proctor.Export, error) {
	return queryAll(ctx, c.r, "list exports", `SELECT `+exportCols+` FROM exports WHERE user_id = $1
		ORDER BY id DESC LIMIT $2`, scanExport, userID, limit)
}

func (c *conn) UpdateExport(ctx context.Context, e *proctor.Export) error {
	return c.execOne(ctx, "update export", `UPDATE exports SET state = $1, files_done = $2, files_total = $3, bytes_done = $4,
		blob_key = $5, size = $6, sha256 = $7, error = $8, mail = $9, mail_error = $10, finished_at = $11, expires_at = $12
		WHERE id = $13`,
		string(e.State), e.FilesDone, e.FilesTotal, e.BytesDone, e.BlobKey, e.Size, e.SHA256, e.Error, string(e.Mail), e.MailError,
		ms(e.FinishedAt), ms(e.ExpiresAt), e.ID)
}

func (c *conn) ExpiredExports(ctx context.Context, now time.Time, limit int) ([]proctor.Export, error) {
	return queryAll(ctx, c.r, "expired exports", `SELECT `+exportCols+` FROM exports
		WHERE state = 'ready' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`, scanExport, ms(now), limit)
}

const mailCols = `id, to_addr, subject, body, state, attempts, last_error, export_id, created_at, sent_at`

func (c *conn) CreateMail(ctx context.Context, m *proctor.Mail) error {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now().UTC()
	}
	id, err := c.insertID(ctx, "create mail", `INSERT INTO mail_outbox (to_addr, subject, body, state, export_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, m.To, m.Subject, m.Body, string(m.State), m.ExportID, ms(m.CreatedAt))
	m.ID = id
	return err
}

func scanMail(sc scanner) (*proctor.Mail, error) {
	var m proctor.Mail
	var state string
	var created, sent int64
	if err := sc.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &state, &m.Attempts, &m.LastError, &m.ExportID, &created, &sent); err != nil {
		return nil, err
	}
	m.State, m.CreatedAt, m.SentAt = proctor.MailState(state), fromMS(created), fromMS(sent)
	return &m, nil
}

func (c *conn) GetMail(ctx context.Context, id int64) (*proctor.Mail, error) {
	m, err := scanMail(c.r.QueryRowContext(ctx, `SELECT `+mailCols+` FROM mail_outbox WHERE id = $1`, id))
	return m, wrap("get mail", err)
}

func (c *conn) UpdateMail(ctx context.Context, m *proctor.Mail) error {
	return c.execOne(ctx, "update mail", `UPDATE mail_outbox SET state = $1, attempts = $2, last_error = $3, sent_at = $4
		WHERE id = $5`, string(m.State), m.Attempts, m.LastError, ms(m.SentAt), m.ID)
}

func (c *conn) ListMail(ctx context.Context, limit int) ([]proctor.Mail, error) {
	return queryAll(ctx, c.r, "list mail", `SELECT `+mailCols+` FROM mail_outbox ORDER BY id DESC LIMIT $1`, scanMail, limit)
}

func (c *conn) Secret(ctx context.Context, name string, gen func() []byte) ([]byte, error) {
	var v []byte
	err := c.r.QueryRowContext(ctx, `SELECT value FROM server_secrets WHERE name = $1`, name).Scan(&v)
	if !errors.Is(err, sql.ErrNoRows) {
		return v, wrap("read secret", err)
	}
	// First writer wins: a second process's insert waits for the first's
	// commit, then does nothing, and the read after it is a new statement
	// that sees the winner's value (inside a SERIALIZABLE transaction it
	// cannot: PostgreSQL reports a serialization failure and InTx retries).
	err = c.exec(ctx, "save secret", `INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, gen(), ms(time.Now()))
	if err != nil {
		return nil, err
	}
	err = c.w.QueryRowContext(ctx, `SELECT value FROM server_secrets WHERE name = $1`, name).Scan(&v)
	return v, wrap("read secret", err)
}
