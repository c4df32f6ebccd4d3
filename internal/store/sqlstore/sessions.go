package sqlstore

import (
	"context"
	"database/sql"
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
	// Two starts at once must not both become attempt n+1. Locking the
	// student's row makes the second wait; at READ COMMITTED its insert, a
	// new statement, then sees the first one's session. (NO KEY UPDATE: rows
	// that merely reference the student are not held up.) On SQLite,
	// writers take turns and the transaction alone is enough.
	return c.atomic(ctx, func(c *conn) error {
		if err := c.lockRows(ctx, "lock student", "NO KEY UPDATE", `SELECT FROM students WHERE id = $1`, s.StudentID); err != nil {
			return err
		}
		err := c.w.QueryRowContext(ctx, `INSERT INTO sessions
			(exam_id, student_id, attempt, state, created_at, client_started_at)
			VALUES ($1, $2, (SELECT coalesce(max(attempt), 0) + 1 FROM sessions WHERE exam_id = $1 AND student_id = $2), $3, $4, $5)
			RETURNING id, attempt`,
			s.ExamID, s.StudentID, string(s.State), ms(s.CreatedAt), ms(s.ClientStartedAt)).Scan(&s.ID, &s.Attempt)
		return wrap("create session", err)
	})
}

const sessionCols = `s.id, s.exam_id, s.student_id, s.attempt, s.state, s.created_at, s.client_started_at,
	s.finished_at, s.last_capture_at, s.verdict, s.reviewed_verdict, s.reviewed, s.reviewed_by,
	s.reviewed_at, s.analyzed_at, s.sources, s.media_purged_at, s.purged_frames, s.purged_chunks,
	s.purged_audio, s.purged_photos, s.purged_bytes, s.recorded_from, s.lms_attempt`

func sessionDest(s *proctor.Session, t *sessionTimes) []any {
	return []any{&s.ID, &s.ExamID, &s.StudentID, &s.Attempt, &t.state, &t.created, &t.clientStarted,
		&t.finished, &t.lastCapture, &t.verdict, &t.reviewedVerdict, &s.Reviewed, &s.ReviewedBy,
		&t.reviewed, &t.analyzed, &t.sources, &t.purged, &s.Purged.Frames, &s.Purged.Chunks,
		&s.Purged.Audio, &s.Purged.Photos, &s.Purged.Bytes, &t.recordedFrom, &s.LMSAttempt}
}

// sessionTimes holds the columns that need converting after a scan.
type sessionTimes struct {
	state, verdict, reviewedVerdict, sources                                  string
	created, clientStarted, finished, lastCapture, reviewed, analyzed, purged int64
	recordedFrom                                                              int64
}

func (t *sessionTimes) fill(s *proctor.Session) {
	s.State, s.Verdict, s.ReviewedVerdict = proctor.SessionState(t.state), proctor.Verdict(t.verdict), proctor.Verdict(t.reviewedVerdict)
	s.CreatedAt, s.ClientStartedAt, s.FinishedAt = fromMS(t.created), fromMS(t.clientStarted), fromMS(t.finished)
	s.LastCaptureAt, s.ReviewedAt, s.AnalyzedAt = fromMS(t.lastCapture), fromMS(t.reviewed), fromMS(t.analyzed)
	s.MediaPurgedAt, s.RecordedFrom = fromMS(t.purged), fromMS(t.recordedFrom)
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
	return c.getSession(ctx, "get session", `s.id = $1`, id)
}

func (c *conn) LatestSession(ctx context.Context, examID, studentID int64) (*proctor.Session, error) {
	return c.getSession(ctx, "latest session",
		`s.exam_id = $1 AND s.student_id = $2 ORDER BY s.attempt DESC LIMIT 1`, examID, studentID)
}

func (c *conn) SetSessionState(ctx context.Context, id int64, from, to proctor.SessionState, at time.Time) error {
	if !from.CanMove(to) {
		return fmt.Errorf("sqlstore: session %d: %s -> %s: %w", id, from, to, store.ErrConflict)
	}
	query, args := `UPDATE sessions SET state = $1`, []any{string(to)}
	switch to {
	case proctor.StateSubmitted, proctor.StateExpired:
		query, args = query+`, finished_at = $2`, append(args, ms(at))
	case proctor.StateAnalyzed:
		query, args = query+`, analyzed_at = $2`, append(args, ms(at))
	}
	// At READ COMMITTED a concurrent move makes this statement wait, then
	// check the state again on the row as that move left it.
	where := fmt.Sprintf(` WHERE id = $%d AND state = $%d`, len(args)+1, len(args)+2)
	res, err := c.w.ExecContext(ctx, query+where, append(args, id, string(from))...)
	if err != nil {
		return wrap("set session state", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlstore: session %d is not %s: %w", id, from, store.ErrConflict)
	}
	return nil
}

func (c *conn) TouchCapture(ctx context.Context, id int64, at time.Time) error {
	return c.exec(ctx, "touch capture",
		`UPDATE sessions SET last_capture_at = CASE WHEN last_capture_at < $1 THEN $1 ELSE last_capture_at END WHERE id = $2`, ms(at), id)
}

func (c *conn) TouchRecording(ctx context.Context, id int64, from, to time.Time) error {
	return c.exec(ctx, "touch recording", `UPDATE sessions SET
		recorded_from = CASE WHEN recorded_from = 0 OR recorded_from > $1 THEN $1 ELSE recorded_from END,
		last_capture_at = CASE WHEN last_capture_at < $2 THEN $2 ELSE last_capture_at END
		WHERE id = $3`, ms(from), ms(to), id)
}

func (c *conn) SetLMSAttempt(ctx context.Context, id int64, attempt int) error {
	return c.execOne(ctx, "set LMS attempt", `UPDATE sessions SET lms_attempt = $1 WHERE id = $2`, attempt, id)
}

func (c *conn) AddSessionSource(ctx context.Context, id int64, source string) error {
	// Read, add, write back under the session's row lock, so two sources
	// added at once are both kept.
	return c.atomic(ctx, func(c *conn) error {
		var sources string
		err := c.w.QueryRowContext(ctx, `SELECT sources FROM sessions WHERE id = $1`+c.rowLock("NO KEY UPDATE"), id).Scan(&sources)
		if err != nil {
			return wrap("add session source", err)
		}
		list := strings.Split(sources, ",")
		if sources == "" {
			list = nil
		}
		if slices.Contains(list, source) {
			return nil
		}
		list = append(list, source)
		slices.Sort(list)
		return c.exec(ctx, "add session source", `UPDATE sessions SET sources = $1 WHERE id = $2`, strings.Join(list, ","), id)
	})
}

func (c *conn) ExpireSessions(ctx context.Context, cutoff, at time.Time) ([]int64, error) {
	return queryAll(ctx, c.w, "expire sessions", `UPDATE sessions SET state = 'expired', finished_at = $1
		WHERE state IN ('created', 'in_progress') AND created_at < $2 RETURNING id`, scanID, ms(at), ms(cutoff))
}

func scanID(sc scanner) (*int64, error) {
	var id int64
	return &id, sc.Scan(&id)
}

func (c *conn) AddSessionToken(ctx context.Context, t *store.SessionToken) error {
	if t.Source == "" {
		t.Source = "browser"
	}
	return c.execKeyed(ctx, "add session token", `INSERT INTO session_tokens (token_hash, session_id, source, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, t.Hash, t.SessionID, t.Source, ms(t.CreatedAt), ms(t.ExpiresAt))
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

func (c *conn) GetSessionToken(ctx context.Context, tokenHash string) (*store.SessionToken, *proctor.Session, error) {
	var tok store.SessionToken
	var created, expires int64
	var s proctor.Session
	var st sessionTimes
	dest := append([]any{&tok.Hash, &tok.SessionID, &tok.Source, &created, &expires}, sessionDest(&s, &st)...)
	err := c.r.QueryRowContext(ctx, `SELECT t.token_hash, t.session_id, t.source, t.created_at, t.expires_at, `+sessionCols+`
		FROM session_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1`, tokenHash).Scan(dest...)
	if err != nil {
		return nil, nil, wrap("get session token", err)
	}
	tok.CreatedAt, tok.ExpiresAt = fromMS(created), fromMS(expires)
	st.fill(&s)
	return &tok, &s, nil
}

func (c *conn) ListSessionTokens(ctx context.Context, sessionID int64, source string) ([]store.SessionToken, error) {
	return queryAll(ctx, c.r, "list session tokens", `SELECT `+tokenCols+` FROM session_tokens
		WHERE session_id = $1 AND source = $2 ORDER BY created_at, token_hash`, scanToken, sessionID, source)
}

func (c *conn) CreateSessionLink(ctx context.Context, l *store.SessionLink) error {
	return c.execKeyed(ctx, "create session link", `INSERT INTO session_links
		(token_hash, exam_id, student_id, created_at, expires_at, session_id, new_attempt)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, l.TokenHash, l.ExamID, l.StudentID, ms(l.CreatedAt), ms(l.ExpiresAt),
		nullID(l.SessionID), l.NewAttempt)
}

func (c *conn) GetSessionLink(ctx context.Context, tokenHash string) (*store.SessionLink, error) {
	l := store.SessionLink{TokenHash: tokenHash}
	var created, expires int64
	var session sql.NullInt64
	err := c.r.QueryRowContext(ctx, `SELECT exam_id, student_id, created_at, expires_at, session_id, new_attempt
		FROM session_links WHERE token_hash = $1`, tokenHash).Scan(&l.ExamID, &l.StudentID, &created, &expires, &session, &l.NewAttempt)
	if err != nil {
		return nil, wrap("get session link", err)
	}
	l.CreatedAt, l.ExpiresAt, l.SessionID = fromMS(created), fromMS(expires), session.Int64
	return &l, nil
}

func (c *conn) BindSessionLink(ctx context.Context, tokenHash string, sessionID int64) error {
	return c.execOne(ctx, "bind session link", `UPDATE session_links SET session_id = coalesce(session_id, $1)
		WHERE token_hash = $2`, sessionID, tokenHash)
}

// nullID stores 0 as NULL, for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
