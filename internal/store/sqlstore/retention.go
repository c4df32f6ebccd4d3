package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// dayMS is a retention day in stored milliseconds.
const dayMS = int64(proctor.Day / time.Millisecond)

// nullDays stores a course override: 0 (the institution's) is NULL.
func nullDays(days int) any {
	if days == 0 {
		return nil
	}
	return days
}

func (c *conn) InstitutionRetention(ctx context.Context) (proctor.Retention, error) {
	var r proctor.Retention
	err := c.r.QueryRowContext(ctx, `SELECT media_days, onboarding_days FROM retention_defaults WHERE id = 1`).
		Scan(&r.MediaDays, &r.OnboardingDays)
	if errors.Is(err, sql.ErrNoRows) {
		return proctor.DefaultRetention, nil
	}
	return r, wrap("institution retention", err)
}

func (c *conn) SetInstitutionRetention(ctx context.Context, r proctor.Retention, by int64, at time.Time) error {
	return c.exec(ctx, "set institution retention", `INSERT INTO retention_defaults
		(id, media_days, onboarding_days, updated_by, updated_at) VALUES (1, $1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET media_days = excluded.media_days, onboarding_days = excluded.onboarding_days,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		r.MediaDays, r.OnboardingDays, by, ms(at))
}

func (c *conn) SetCourseRetention(ctx context.Context, courseID int64, r proctor.Retention) error {
	return c.execOne(ctx, "set course retention", `UPDATE courses SET media_retention_days = $1, onboarding_retention_days = $2
		WHERE id = $3`, nullDays(r.MediaDays), nullDays(r.OnboardingDays), courseID)
}

func (c *conn) ExpiredMedia(ctx context.Context, inst proctor.Retention, now time.Time, limit int) ([]store.MediaExpiry, error) {
	// No period is shorter than a day, so only sessions ended a day ago
	// can be due: that bound lets the partial index do the narrowing.
	return queryAll(ctx, c.r, "expired media", `SELECT s.id, e.course_id, s.finished_at, coalesce(c.media_retention_days, $1)
		FROM sessions s JOIN exams e ON e.id = s.exam_id JOIN courses c ON c.id = e.course_id
		WHERE s.media_purged_at = 0 AND s.finished_at > 0 AND s.finished_at <= CAST($2 AS bigint) - CAST($3 AS bigint)
		  AND s.finished_at + coalesce(c.media_retention_days, $1) * $3 <= $2
		ORDER BY s.finished_at, s.id LIMIT $4`, func(sc scanner) (*store.MediaExpiry, error) {
		var m store.MediaExpiry
		var finished int64
		if err := sc.Scan(&m.SessionID, &m.CourseID, &finished, &m.Days); err != nil {
			return nil, err
		}
		m.FinishedAt = fromMS(finished)
		return &m, nil
	}, inst.MediaDays, ms(now), dayMS, limit)
}

func (c *conn) SessionMediaKeys(ctx context.Context, sessionID int64) ([]string, error) {
	return queryAll(ctx, c.r, "session media keys", `SELECT blob_key FROM frames WHERE session_id = $1
		UNION ALL SELECT blob_key FROM video_chunks WHERE session_id = $1
		UNION ALL SELECT blob_key FROM audio_chunks WHERE session_id = $1
		UNION ALL SELECT blob_key FROM photos WHERE session_id = $1 AND purpose = 'verification'`,
		func(sc scanner) (*string, error) {
			var k string
			return &k, sc.Scan(&k)
		}, sessionID)
}

// sessionMediaDeletes run in this order: signals before the rows
// they reference.
var sessionMediaDeletes = []string{
	`DELETE FROM frame_signals WHERE session_id = $1`,
	`DELETE FROM frames WHERE session_id = $1`,
	`DELETE FROM audio_signals WHERE session_id = $1`,
	`DELETE FROM audio_chunks WHERE session_id = $1`,
	`DELETE FROM video_chunks WHERE session_id = $1`,
	`DELETE FROM photos WHERE session_id = $1 AND purpose = 'verification'`,
	// The frame tracker holds the last thumbnail: a picture of the student.
	`DELETE FROM analysis_state WHERE session_id = $1`,
}

func (c *conn) PurgeSessionMedia(ctx context.Context, sessionID int64, at time.Time) (proctor.MediaCounts, error) {
	var n proctor.MediaCounts
	err := c.atomic(ctx, func(c *conn) error {
		// The row lock makes a second purge of the session wait, then read
		// the mark the first one left.
		var purged int64
		err := c.w.QueryRowContext(ctx, `SELECT media_purged_at FROM sessions WHERE id = $1`+c.rowLock("NO KEY UPDATE"), sessionID).Scan(&purged)
		if err != nil {
			return wrap("purge session media", err)
		}
		if purged != 0 {
			return fmt.Errorf("sqlstore: session %d media was purged already: %w", sessionID, store.ErrConflict)
		}
		if n, err = c.countSessionMedia(ctx, sessionID); err != nil {
			return err
		}
		for _, q := range sessionMediaDeletes {
			if err := c.exec(ctx, "purge session media", q, sessionID); err != nil {
				return err
			}
		}
		return c.execOne(ctx, "mark session purged", `UPDATE sessions SET media_purged_at = $1, purged_frames = $2,
			purged_chunks = $3, purged_audio = $4, purged_photos = $5, purged_bytes = $6 WHERE id = $7`,
			ms(at), n.Frames, n.Chunks, n.Audio, n.Photos, n.Bytes, sessionID)
	})
	return n, err
}

func (c *conn) countSessionMedia(ctx context.Context, sessionID int64) (proctor.MediaCounts, error) {
	var n proctor.MediaCounts
	var fb, cb, ab, pb int64
	err := c.w.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM frames WHERE session_id = $1), (SELECT coalesce(sum(size), 0) FROM frames WHERE session_id = $1),
		(SELECT count(*) FROM video_chunks WHERE session_id = $1), (SELECT coalesce(sum(size), 0) FROM video_chunks WHERE session_id = $1),
		(SELECT count(*) FROM audio_chunks WHERE session_id = $1), (SELECT coalesce(sum(size), 0) FROM audio_chunks WHERE session_id = $1),
		(SELECT count(*) FROM photos WHERE session_id = $1 AND purpose = 'verification'),
		(SELECT coalesce(sum(size), 0) FROM photos WHERE session_id = $1 AND purpose = 'verification')`, sessionID).
		Scan(&n.Frames, &fb, &n.Chunks, &cb, &n.Audio, &ab, &n.Photos, &pb)
	n.Bytes = fb + cb + ab + pb
	return n, wrap("count session media", err)
}

func (c *conn) ExpiredOnboarding(ctx context.Context, inst proctor.Retention, now time.Time, limit int) ([]store.OnboardingExpiry, error) {
	return queryAll(ctx, c.r, "expired onboarding", `SELECT `+photoCols+`, course_id, days FROM (
			SELECT p.*, st.course_id AS course_id, coalesce(c.onboarding_retention_days, $1) AS days
			FROM photos p JOIN students st ON st.id = p.student_id JOIN courses c ON c.id = st.course_id
			WHERE p.purpose = 'onboarding' AND p.received_at <= CAST($2 AS bigint) - CAST($3 AS bigint)) AS due
		WHERE received_at + days * $3 <= $2 ORDER BY student_id, id LIMIT $4`,
		func(sc scanner) (*store.OnboardingExpiry, error) {
			var o store.OnboardingExpiry
			p, err := scanPhoto(extraScanner{sc, []any{&o.CourseID, &o.Days}})
			if err != nil {
				return nil, err
			}
			o.Photo = *p
			return &o, nil
		}, inst.OnboardingDays, ms(now), dayMS, limit)
}

// extraScanner scans columns after those another scan function reads.
type extraScanner struct {
	sc    scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

func (c *conn) DeleteOnboardingPhotos(ctx context.Context, studentID int64, ids []int64, at time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n := 0
	err := c.atomic(ctx, func(c *conn) error {
		// One statement for all: ids that are not this student's
		// onboarding photos simply match nothing.
		args := []any{studentID}
		for _, id := range ids {
			args = append(args, id)
		}
		res, err := c.w.ExecContext(ctx, `DELETE FROM photos WHERE student_id = $1 AND purpose = 'onboarding'
			AND id IN (`+placeholders(2, len(ids))+`)`, args...)
		if err != nil {
			return wrap("delete onboarding photos", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return wrap("delete onboarding photos", err)
		}
		if n = int(k); n == 0 {
			return nil
		}
		return c.execOne(ctx, "mark onboarding purged", `UPDATE students SET onboarding_purged_at = $1 WHERE id = $2`, ms(at), studentID)
	})
	return n, err
}
