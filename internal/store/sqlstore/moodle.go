package sqlstore

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Registrations of one LMS, registration links, quiz passwords and the
// recording's last uploads (docs/MOODLE.md).

func (c *conn) FindPlatformByDeployment(ctx context.Context, issuer, deploymentID string) (*proctor.Platform, error) {
	ps, err := queryAll(ctx, c.r, "find platform by deployment", `SELECT `+platformCols+` FROM lti_platforms p
		WHERE issuer = $1 AND EXISTS (SELECT 1 FROM lti_deployments d WHERE d.platform_id = p.id AND d.deployment_id = $2)
		LIMIT 2`, scanPlatform, issuer, deploymentID)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		return nil, fmt.Errorf("sqlstore: find platform by deployment: %d registrations: %w", len(ps), store.ErrNotFound)
	}
	return &ps[0], c.withDeployments(ctx, &ps[0])
}

func (c *conn) JoinPlatform(ctx context.Context, fromID, intoID int64) ([]int64, error) {
	var folded []int64
	err := c.atomic(ctx, func(c *conn) error {
		folded = nil
		// Courses both registrations have: fold the empty ones of from.
		both, err := queryAll(ctx, c.w, "join platform: shared courses", `SELECT f.course_id,
			(SELECT count(*) FROM exams e WHERE e.course_id = f.course_id)
			FROM lti_contexts f JOIN lti_contexts i ON i.context_id = f.context_id AND i.platform_id = $2
			WHERE f.platform_id = $1 ORDER BY f.course_id`, func(sc scanner) (*[2]int64, error) {
			var r [2]int64
			return &r, sc.Scan(&r[0], &r[1])
		}, fromID, intoID)
		if err != nil {
			return err
		}
		for _, b := range both {
			if b[1] > 0 {
				return fmt.Errorf("sqlstore: join platform: course %d has exams and its LMS course is a course of the other registration: %w",
					b[0], store.ErrConflict)
			}
			if err := c.exec(ctx, "join platform: fold course", `DELETE FROM lti_contexts WHERE course_id = $1`, b[0]); err != nil {
				return err
			}
			if err := c.exec(ctx, "join platform: switch off course", `UPDATE courses SET enabled = $1 WHERE id = $2`, false, b[0]); err != nil {
				return err
			}
			folded = append(folded, b[0])
		}
		steps := []struct {
			op, sql string
			args    []any
		}{
			{"move contexts", `UPDATE lti_contexts SET nrps_platform_id = CASE WHEN nrps_platform_id = 0 THEN platform_id ELSE nrps_platform_id END,
				platform_id = $2 WHERE platform_id = $1`, []any{fromID, intoID}},
			{"drop shared users", `DELETE FROM lti_users WHERE platform_id = $1
				AND sub IN (SELECT sub FROM lti_users WHERE platform_id = $2)`, []any{fromID, intoID}},
			{"move users", `UPDATE lti_users SET platform_id = $2 WHERE platform_id = $1`, []any{fromID, intoID}},
			{"move admins", `INSERT INTO platform_admins (platform_id, user_id) SELECT $2, user_id FROM platform_admins
				WHERE platform_id = $1 ON CONFLICT DO NOTHING`, []any{fromID, intoID}},
			{"drop admins", `DELETE FROM platform_admins WHERE platform_id = $1`, []any{fromID}},
			{"join", `UPDATE lti_platforms SET joined_to = $2 WHERE id = $1 OR joined_to = $1`, []any{fromID, intoID}},
		}
		for _, s := range steps {
			if err := c.exec(ctx, "join platform: "+s.op, s.sql, s.args...); err != nil {
				return err
			}
		}
		return nil
	})
	return folded, err
}

func (c *conn) CreateRegistrationLink(ctx context.Context, l *proctor.RegistrationLink) error {
	return c.keyed(ctx, func() error {
		return c.exec(ctx, "create registration link", `INSERT INTO lti_registration_links
			(token_hash, created_at, expires_at, created_by) VALUES ($1, $2, $3, $4)`,
			l.TokenHash, ms(l.CreatedAt), ms(l.ExpiresAt), l.CreatedBy)
	})
}

func (c *conn) GetRegistrationLink(ctx context.Context, tokenHash string) (*proctor.RegistrationLink, error) {
	l := proctor.RegistrationLink{TokenHash: tokenHash}
	var created, expires, used int64
	err := c.r.QueryRowContext(ctx, `SELECT created_at, expires_at, created_by, used_at, platform_id
		FROM lti_registration_links WHERE token_hash = $1`, tokenHash).Scan(&created, &expires, &l.CreatedBy, &used, &l.PlatformID)
	if err != nil {
		return nil, wrap("get registration link", err)
	}
	l.CreatedAt, l.ExpiresAt, l.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return &l, nil
}

func (c *conn) UseRegistrationLink(ctx context.Context, tokenHash string, platformID int64, at time.Time) error {
	err := c.execOne(ctx, "use registration link", `UPDATE lti_registration_links SET used_at = $1, platform_id = $2
		WHERE token_hash = $3 AND used_at = 0`, ms(at), platformID, tokenHash)
	if err != nil {
		return fmt.Errorf("sqlstore: registration link unknown or used: %w", store.ErrConflict)
	}
	return nil
}

func (c *conn) SetQuizPassword(ctx context.Context, p *proctor.QuizPassword) error {
	return c.exec(ctx, "set quiz password", `INSERT INTO quiz_passwords (exam_id, password, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (exam_id) DO UPDATE SET password = excluded.password, created_at = excluded.created_at`,
		p.ExamID, p.Password, ms(p.CreatedAt))
}

func (c *conn) GetQuizPassword(ctx context.Context, examID int64) (*proctor.QuizPassword, error) {
	p := proctor.QuizPassword{ExamID: examID}
	var created int64
	err := c.r.QueryRowContext(ctx, `SELECT password, created_at FROM quiz_passwords WHERE exam_id = $1`, examID).
		Scan(&p.Password, &created)
	if err != nil {
		return nil, wrap("get quiz password", err)
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

func (c *conn) DeleteQuizPassword(ctx context.Context, examID int64) error {
	return c.exec(ctx, "delete quiz password", `DELETE FROM quiz_passwords WHERE exam_id = $1`, examID)
}

func (c *conn) RecordingActivity(ctx context.Context, sessionID int64) (proctor.RecordingActivity, error) {
	var first, frame, webcam, screen int64
	// Each is the first or newest row of its primary key's order: one index
	// probe.
	err := c.r.QueryRowContext(ctx, `SELECT
		coalesce((SELECT received_at FROM frames WHERE session_id = $1 ORDER BY seq LIMIT 1), 0),
		coalesce((SELECT received_at FROM frames WHERE session_id = $1 ORDER BY seq DESC LIMIT 1), 0),
		coalesce((SELECT received_at FROM video_chunks WHERE session_id = $1 AND stream = 'webcam' ORDER BY seq DESC LIMIT 1), 0),
		coalesce((SELECT received_at FROM video_chunks WHERE session_id = $1 AND stream = 'screen' ORDER BY seq DESC LIMIT 1), 0)`,
		sessionID).Scan(&first, &frame, &webcam, &screen)
	if err != nil {
		return proctor.RecordingActivity{}, wrap("recording activity", err)
	}
	return proctor.RecordingActivity{FirstFrame: fromMS(first), LastFrame: fromMS(frame), LastWebcam: fromMS(webcam), LastScreen: fromMS(screen)}, nil
}
