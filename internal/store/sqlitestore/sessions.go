package sqlitestore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func (c *conn) CreateSession(ctx context.Context, s *proctor.Session) error {
	if s.State == "" {
		s.State = proctor.StateCreated
	}
	// The attempt number is taken in the same statement as the insert, so
	// two concurrent starts cannot both become attempt 1.
	id, err := c.insertID(ctx, "create session", `INSERT INTO sessions
		(exam_id, student_id, attempt, state, created_at, client_started_at)
		VALUES (?1, ?2, (SELECT coalesce(max(attempt), 0) + 1 FROM sessions WHERE exam_id = ?1 AND student_id = ?2), ?3, ?4, ?5)`,
		s.ExamID, s.StudentID, string(s.State), ms(s.CreatedAt), ms(s.ClientStartedAt))
	if err != nil {
		return err
	}
	s.ID = id
	return wrap("create session", c.w.QueryRowContext(ctx, `SELECT attempt FROM sessions WHERE id = ?`, id).Scan(&s.Attempt))
}

const sessionCols = `s.id, s.exam_id, s.student_id, s.attempt, s.state, s.created_at, s.client_started_at,
	s.finished_at, s.last_capture_at, s.verdict, s.reviewed_verdict, s.reviewed, s.reviewed_by,
	s.reviewed_at, s.analyzed_at, s.sources, s.media_purged_at, s.purged_frames, s.purged_chunks,
	s.purged_audio, s.purged_photos, s.purged_bytes`

func sessionDest(s *proctor.Session, t *sessionTimes) []any {
	return []any{&s.ID, &s.ExamID, &s.StudentID, &s.Attempt, &t.state, &t.created, &t.clientStarted,
		&t.finished, &t.lastCapture, &t.verdict, &t.reviewedVerdict, &s.Reviewed, &s.ReviewedBy,
		&t.reviewed, &t.analyzed, &t.sources, &t.purged, &s.Purged.Frames, &s.Purged.Chunks,
		&s.Purged.Audio, &s.Purged.Photos, &s.Purged.Bytes}
}

// sessionTimes holds the columns that need converting after a scan.
type sessionTimes struct {
	state, verdict, reviewedVerdict, sources                                  string
	created, clientStarted, finished, lastCapture, reviewed, analyzed, purged int64
}

func (t *sessionTimes) fill(s *proctor.Session) {
	s.State, s.Verdict, s.ReviewedVerdict = proctor.SessionState(t.state), proctor.Verdict(t.verdict), proctor.Verdict(t.reviewedVerdict)
	s.CreatedAt, s.ClientStartedAt, s.FinishedAt = fromMS(t.created), fromMS(t.clientStarted), fromMS(t.finished)
	s.LastCaptureAt, s.ReviewedAt, s.AnalyzedAt = fromMS(t.lastCapture), fromMS(t.reviewed), fromMS(t.analyzed)
	s.MediaPurgedAt = fromMS(t.purged)
	s.Sources = nil
	if t.sources != "" {
		s.Sources = strings.Split(t.sources, ",")
	}
}

func (c *conn) getSession(ctx context.Context, op, where string, args ...any) (*proctor.Session, error) {
	var s proctor.Session
	var t sessionTimes
	err := c.r.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE `+where, args...).Scan(sessionDest(&s, &t)...)
	if err != nil {
		return nil, wrap(op, err)
	}
	t.fill(&s)
	return &s, nil
}

func (c *conn) GetSession(ctx context.Context, id int64) (*proctor.Session, error) {
	return c.getSession(ctx, "get session", `s.id = ?`, id)
}

func (c *conn) LatestSession(ctx context.Context, examID, studentID int64) (*proctor.Session, error) {
	return c.getSession(ctx, "latest session",
		`s.exam_id = ? AND s.student_id = ? ORDER BY s.attempt DESC LIMIT 1`, examID, studentID)
}

func (c *conn) SetSessionState(ctx context.Context, id int64, from, to proctor.SessionState, at time.Time) error {
	if !from.CanMove(to) {
		return fmt.Errorf("sqlitestore: session %d: %s -> %s: %w", id, from, to, store.ErrConflict)
	}
	query, args := `UPDATE sessions SET state = ?`, []any{string(to)}
	switch to {
	case proctor.StateSubmitted, proctor.StateExpired:
		query, args = query+`, finished_at = ?`, append(args, ms(at))
	case proctor.StateAnalyzed:
		query, args = query+`, analyzed_at = ?`, append(args, ms(at))
	}
	res, err := c.w.ExecContext(ctx, query+` WHERE id = ? AND state = ?`, append(args, id, string(from))...)
	if err != nil {
		return wrap("set session state", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlitestore: session %d is not %s: %w", id, from, store.ErrConflict)
	}
	return nil
}

func (c *conn) TouchCapture(ctx context.Context, id int64, at time.Time) error {
	_, err := c.w.ExecContext(ctx,
		`UPDATE sessions SET last_capture_at = max(last_capture_at, ?) WHERE id = ?`, ms(at), id)
	return wrap("touch capture", err)
}

func (c *conn) AddSessionSource(ctx context.Context, id int64, source string) error {
	s, err := c.getSession(ctx, "add session source", `s.id = ?`, id)
	if err != nil {
		return err
	}
	if slices.Contains(s.Sources, source) {
		return nil
	}
	sources := append(s.Sources, source)
	slices.Sort(sources)
	_, err = c.w.ExecContext(ctx, `UPDATE sessions SET sources = ? WHERE id = ?`, strings.Join(sources, ","), id)
	return wrap("add session source", err)
}

func (c *conn) ExpireSessions(ctx context.Context, cutoff, at time.Time) ([]int64, error) {
	return queryAll(ctx, c.w, "expire sessions", `UPDATE sessions SET state = 'expired', finished_at = ?
		WHERE state IN ('created', 'in_progress') AND created_at < ? RETURNING id`, scanID, ms(at), ms(cutoff))
}

func scanID(sc scanner) (*int64, error) {
	var id int64
	return &id, sc.Scan(&id)
}

func (c *conn) AddSessionToken(ctx context.Context, t *store.SessionToken) error {
	if t.Source == "" {
		t.Source = "browser"
	}
	_, err := c.w.ExecContext(ctx, `INSERT INTO session_tokens (token_hash, session_id, source, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, t.Hash, t.SessionID, t.Source, ms(t.CreatedAt), ms(t.ExpiresAt))
	return wrap("add session token", err)
}

const tokenCols = `token_hash, session_id, source, created_at, expires_at`

func scanToken(sc scanner) (*store.SessionToken, error) {
	var t store.SessionToken
	var created, expires int64
	if err := sc.Scan(&t.Hash, &t.SessionID, &t.Source, &created, &expires); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
	return &t, nil
}

func (c *conn) GetSessionToken(ctx context.Context, tokenHash string) (*store.SessionToken, error) {
	t, err := scanToken(c.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM session_tokens WHERE token_hash = ?`, tokenHash))
	return t, wrap("get session token", err)
}

func (c *conn) ListSessionTokens(ctx context.Context, sessionID int64, source string) ([]store.SessionToken, error) {
	return queryAll(ctx, c.r, "list session tokens", `SELECT `+tokenCols+` FROM session_tokens
		WHERE session_id = ? AND source = ? ORDER BY created_at, token_hash`, scanToken, sessionID, source)
}

func (c *conn) CreateSessionLink(ctx context.Context, l *store.SessionLink) error {
	_, err := c.w.ExecContext(ctx, `INSERT INTO session_links (token_hash, exam_id, student_id, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, l.TokenHash, l.ExamID, l.StudentID, ms(l.CreatedAt), ms(l.ExpiresAt))
	return wrap("create session link", err)
}

func (c *conn) GetSessionLink(ctx context.Context, tokenHash string) (*store.SessionLink, error) {
	l := store.SessionLink{TokenHash: tokenHash}
	var created, expires int64
	err := c.r.QueryRowContext(ctx, `SELECT exam_id, student_id, created_at, expires_at FROM session_links
		WHERE token_hash = ?`, tokenHash).Scan(&l.ExamID, &l.StudentID, &created, &expires)
	if err != nil {
		return nil, wrap("get session link", err)
	}
	l.CreatedAt, l.ExpiresAt = fromMS(created), fromMS(expires)
	return &l, nil
}
