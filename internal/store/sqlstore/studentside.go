package sqlstore

import (
	"context"
	"errors"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func (c *conn) SetStudentReview(ctx context.Context, courseID int64, enabled bool, by int64, at time.Time) error {
	return c.exec(ctx, "set student review", `INSERT INTO student_review_courses (course_id, enabled, updated_by, updated_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (course_id) DO UPDATE SET enabled = excluded.enabled,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`, courseID, enabled, by, ms(at))
}

func (c *conn) StudentReview(ctx context.Context, courseID int64) (bool, error) {
	var on bool
	err := c.r.QueryRowContext(ctx, `SELECT enabled FROM student_review_courses WHERE course_id = $1`, courseID).Scan(&on)
	if err = wrap("student review", err); errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return on, err
}

func (c *conn) ReleaseReview(ctx context.Context, r *proctor.ReviewRelease) error {
	return c.exec(ctx, "release review", `INSERT INTO review_releases (session_id, released_at, released_by, explain_until)
		VALUES ($1, $2, $3, $4) ON CONFLICT (session_id) DO UPDATE SET released_by = excluded.released_by,
		explain_until = excluded.explain_until`, r.SessionID, ms(r.ReleasedAt), r.ReleasedBy, ms(r.ExplainUntil))
}

func (c *conn) GetReviewRelease(ctx context.Context, sessionID int64) (*proctor.ReviewRelease, error) {
	r := proctor.ReviewRelease{SessionID: sessionID}
	var released, until int64
	err := c.r.QueryRowContext(ctx, `SELECT released_at, released_by, explain_until FROM review_releases
		WHERE session_id = $1`, sessionID).Scan(&released, &r.ReleasedBy, &until)
	if err != nil {
		return nil, wrap("get review release", err)
	}
	r.ReleasedAt, r.ExplainUntil = fromMS(released), fromMS(until)
	return &r, nil
}

// SaveExplanation keeps the first time an explanation was written; a
// changed body clears notified_at so the next digest carries it.
func (c *conn) SaveExplanation(ctx context.Context, e *proctor.Explanation) error {
	return c.exec(ctx, "save explanation", `INSERT INTO explanations
		(session_id, violation_key, body, created_at, updated_at, notified_at) VALUES ($1, $2, $3, $4, $4, 0)
		ON CONFLICT (session_id, violation_key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at,
		notified_at = CASE WHEN explanations.body = excluded.body THEN explanations.notified_at ELSE 0 END`,
		e.SessionID, e.ViolationKey, e.Body, ms(e.UpdatedAt))
}

func scanExplanation(sc scanner) (*proctor.Explanation, error) {
	var e proctor.Explanation
	var created, updated, notified int64
	if err := sc.Scan(&e.SessionID, &e.ViolationKey, &e.Body, &created, &updated, &notified); err != nil {
		return nil, err
	}
	e.CreatedAt, e.UpdatedAt, e.NotifiedAt = fromMS(created), fromMS(updated), fromMS(notified)
	return &e, nil
}

func (c *conn) ListExplanations(ctx context.Context, sessionID int64) ([]proctor.Explanation, error) {
	return queryAll(ctx, c.r, "list explanations", `SELECT session_id, violation_key, body, created_at, updated_at, notified_at
		FROM explanations WHERE session_id = $1 ORDER BY `+c.bytewise("violation_key"), scanExplanation, sessionID)
}

func (c *conn) CountExamExplanations(ctx context.Context, examID int64) (map[int64]int, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT e.session_id, count(*) FROM explanations e
		JOIN sessions s ON s.id = e.session_id WHERE s.exam_id = $1 GROUP BY e.session_id`, examID)
	if err != nil {
		return nil, wrap("count explanations", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, wrap("count explanations", err)
		}
		out[id] = n
	}
	return out, wrap("count explanations", rows.Err())
}

func (c *conn) MarkExplanationsNotified(ctx context.Context, sessionID int64, upTo, at time.Time) error {
	return c.exec(ctx, "mark explanations notified", `UPDATE explanations SET notified_at = $1
		WHERE session_id = $2 AND notified_at = 0 AND updated_at <= $3`, ms(at), sessionID, ms(upTo))
}

func (c *conn) ListUploads(ctx context.Context, sessionID int64) ([]store.Upload, error) {
	return queryAll(ctx, c.r, "list uploads", `SELECT kind, seq, sha256, size, at, duration_ms FROM (
		SELECT 1 AS rank, 'frame' AS kind, seq, sha256, size, captured_at AS at, 0 AS duration_ms FROM frames WHERE session_id = $1
		UNION ALL SELECT 2, 'chunk_' || stream, seq, sha256, size, started_at, duration_ms FROM video_chunks WHERE session_id = $1
		UNION ALL SELECT 3, 'audio', seq, sha256, size, started_at, duration_ms FROM audio_chunks WHERE session_id = $1
		UNION ALL SELECT 4, 'events', batch, sha256, 0, received_at, 0 FROM event_batches WHERE session_id = $1 AND source = 'browser'
		UNION ALL SELECT 5, 'photo', id, sha256, size, captured_at, 0 FROM photos WHERE session_id = $1
		) uploads ORDER BY rank, `+c.bytewise("kind")+`, seq`, scanUpload, sessionID)
}

func scanUpload(sc scanner) (*store.Upload, error) {
	var u store.Upload
	var at int64
	if err := sc.Scan(&u.Kind, &u.Seq, &u.SHA256, &u.Size, &at, &u.DurationMS); err != nil {
		return nil, err
	}
	u.At = fromMS(at)
	return &u, nil
}
