package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func (c *conn) CreatePlatform(ctx context.Context, p *proctor.Platform) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now().UTC()
	}
	return c.atomic(ctx, func(c *conn) error {
		err := c.keyed(ctx, func() error {
			id, err := c.insertID(ctx, "create platform", `INSERT INTO lti_platforms
				(name, issuer, client_id, auth_url, token_url, jwks_url, auto_enable,
				 canvas_url, canvas_token, canvas_client_id, canvas_client_secret, created_at, joined_to, product)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
				p.Name, p.Issuer, p.ClientID, p.AuthURL, p.TokenURL, p.JWKSURL, p.AutoEnable,
				p.CanvasURL, p.CanvasToken, p.CanvasClientID, p.CanvasClientSecret, ms(p.CreatedAt), p.JoinedTo, p.Product)
			p.ID = id
			return err
		})
		if err != nil {
			return err
		}
		return c.saveDeployments(ctx, p)
	})
}

func (c *conn) UpdatePlatform(ctx context.Context, p *proctor.Platform) error {
	return c.atomic(ctx, func(c *conn) error {
		err := c.keyed(ctx, func() error {
			return c.execOne(ctx, "update platform", `UPDATE lti_platforms SET name = $1, issuer = $2, client_id = $3,
				auth_url = $4, token_url = $5, jwks_url = $6, auto_enable = $7, canvas_url = $8, canvas_token = $9,
				canvas_client_id = $10, canvas_client_secret = $11, product = $12 WHERE id = $13`,
				p.Name, p.Issuer, p.ClientID, p.AuthURL, p.TokenURL, p.JWKSURL, p.AutoEnable,
				p.CanvasURL, p.CanvasToken, p.CanvasClientID, p.CanvasClientSecret, p.Product, p.ID)
		})
		if err != nil {
			return err
		}
		if err := c.exec(ctx, "update platform deployments", `DELETE FROM lti_deployments WHERE platform_id = $1`, p.ID); err != nil {
			return err
		}
		return c.saveDeployments(ctx, p)
	})
}

func (c *conn) saveDeployments(ctx context.Context, p *proctor.Platform) error {
	for _, d := range p.Deployments {
		if err := c.exec(ctx, "save deployment", `INSERT INTO lti_deployments (platform_id, deployment_id) VALUES ($1, $2)
			ON CONFLICT DO NOTHING`, p.ID, d); err != nil {
			return err
		}
	}
	return nil
}

const platformCols = `id, name, issuer, client_id, auth_url, token_url, jwks_url, auto_enable,
	canvas_url, canvas_token, canvas_client_id, canvas_client_secret, created_at, joined_to, product`

func scanPlatform(sc scanner) (*proctor.Platform, error) {
	var p proctor.Platform
	var created int64
	if err := sc.Scan(&p.ID, &p.Name, &p.Issuer, &p.ClientID, &p.AuthURL, &p.TokenURL, &p.JWKSURL, &p.AutoEnable,
		&p.CanvasURL, &p.CanvasToken, &p.CanvasClientID, &p.CanvasClientSecret, &created, &p.JoinedTo, &p.Product); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

func (c *conn) withDeployments(ctx context.Context, p *proctor.Platform) error {
	ds, err := queryAll(ctx, c.r, "list deployments", `SELECT deployment_id FROM lti_deployments WHERE platform_id = $1
		ORDER BY `+c.bytewise("deployment_id"), func(sc scanner) (*string, error) {
		var d string
		return &d, sc.Scan(&d)
	}, p.ID)
	p.Deployments = ds
	return err
}

func (c *conn) GetPlatform(ctx context.Context, id int64) (*proctor.Platform, error) {
	p, err := scanPlatform(c.r.QueryRowContext(ctx, `SELECT `+platformCols+` FROM lti_platforms WHERE id = $1`, id))
	if err != nil {
		return nil, wrap("get platform", err)
	}
	return p, c.withDeployments(ctx, p)
}

func (c *conn) FindPlatform(ctx context.Context, issuer, clientID string) (*proctor.Platform, error) {
	if clientID != "" {
		p, err := scanPlatform(c.r.QueryRowContext(ctx, `SELECT `+platformCols+` FROM lti_platforms
			WHERE issuer = $1 AND client_id = $2`, issuer, clientID))
		if err != nil {
			return nil, wrap("find platform", err)
		}
		return p, c.withDeployments(ctx, p)
	}
	ps, err := queryAll(ctx, c.r, "find platform", `SELECT `+platformCols+` FROM lti_platforms WHERE issuer = $1 LIMIT 2`, scanPlatform, issuer)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		return nil, fmt.Errorf("sqlstore: find platform: %d platforms with issuer %q: %w", len(ps), issuer, store.ErrNotFound)
	}
	return &ps[0], c.withDeployments(ctx, &ps[0])
}

func (c *conn) ListPlatforms(ctx context.Context) ([]proctor.Platform, error) {
	ps, err := queryAll(ctx, c.r, "list platforms", `SELECT `+platformCols+` FROM lti_platforms ORDER BY `+c.bytewise("name")+`, id`, scanPlatform)
	for i := range ps {
		if err == nil {
			err = c.withDeployments(ctx, &ps[i])
		}
	}
	return ps, err
}

func (c *conn) AddToolKey(ctx context.Context, k *proctor.ToolKey) error {
	return c.execKeyed(ctx, "add tool key", `INSERT INTO lti_keys (kid, private_pem, created_at, activated_at, retired_at)
		VALUES ($1, $2, $3, $4, $5)`, k.KID, string(k.PrivatePEM), ms(k.CreatedAt), ms(k.ActivatedAt), ms(k.RetiredAt))
}

func (c *conn) UpdateToolKey(ctx context.Context, k *proctor.ToolKey) error {
	return c.execOne(ctx, "update tool key", `UPDATE lti_keys SET activated_at = $1, retired_at = $2 WHERE kid = $3`,
		ms(k.ActivatedAt), ms(k.RetiredAt), k.KID)
}

func (c *conn) ListToolKeys(ctx context.Context) ([]proctor.ToolKey, error) {
	return queryAll(ctx, c.r, "list tool keys", `SELECT kid, private_pem, created_at, activated_at, retired_at
		FROM lti_keys ORDER BY created_at, `+c.bytewise("kid"), func(sc scanner) (*proctor.ToolKey, error) {
		var k proctor.ToolKey
		var pem string
		var created, activated, retired int64
		if err := sc.Scan(&k.KID, &pem, &created, &activated, &retired); err != nil {
			return nil, err
		}
		k.PrivatePEM = []byte(pem)
		k.CreatedAt, k.ActivatedAt, k.RetiredAt = fromMS(created), fromMS(activated), fromMS(retired)
		return &k, nil
	})
}

func (c *conn) DeleteToolKey(ctx context.Context, kid string) error {
	return c.execOne(ctx, "delete tool key", `DELETE FROM lti_keys WHERE kid = $1`, kid)
}

func (c *conn) SaveLogin(ctx context.Context, l *store.LTILogin) error {
	return c.execKeyed(ctx, "save login", `INSERT INTO lti_logins
		(state_hash, nonce, platform_id, target_link_uri, storage_target, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		l.StateHash, l.Nonce, l.PlatformID, l.TargetLinkURI, l.StorageTarget, ms(l.ExpiresAt))
}

func (c *conn) TakeLogin(ctx context.Context, stateHash string, now time.Time) (*store.LTILogin, error) {
	l := store.LTILogin{StateHash: stateHash}
	var expires int64
	// DELETE … RETURNING: of two requests with the same state, one gets
	// the row and the other waits for it, then finds nothing.
	err := c.w.QueryRowContext(ctx, `DELETE FROM lti_logins WHERE state_hash = $1
		RETURNING nonce, platform_id, target_link_uri, storage_target, expires_at`, stateHash).
		Scan(&l.Nonce, &l.PlatformID, &l.TargetLinkURI, &l.StorageTarget, &expires)
	if err != nil {
		return nil, wrap("take login", err)
	}
	if err := c.exec(ctx, "prune logins", `DELETE FROM lti_logins WHERE expires_at < $1`, ms(now)); err != nil {
		return nil, err
	}
	l.ExpiresAt = fromMS(expires)
	if !now.Before(l.ExpiresAt) {
		return nil, fmt.Errorf("sqlstore: take login: expired: %w", store.ErrNotFound)
	}
	return &l, nil
}

func (c *conn) UseNonce(ctx context.Context, platformID int64, nonce string, expires, now time.Time) error {
	return c.atomic(ctx, func(c *conn) error {
		if err := c.exec(ctx, "prune nonces", `DELETE FROM lti_nonces WHERE expires_at < $1`, ms(now)); err != nil {
			return err
		}
		return c.execKeyed(ctx, "use nonce", `INSERT INTO lti_nonces (platform_id, nonce, expires_at) VALUES ($1, $2, $3)`,
			platformID, nonce, ms(expires))
	})
}

func (c *conn) SavePending(ctx context.Context, p *store.LTIPending) error {
	return c.execKeyed(ctx, "save pending launch", `INSERT INTO lti_pending (id_hash, state_hash, launch, expires_at)
		VALUES ($1, $2, $3, $4)`, p.IDHash, p.StateHash, string(p.Launch), ms(p.ExpiresAt))
}

func (c *conn) TakePending(ctx context.Context, idHash string, now time.Time) (*store.LTIPending, error) {
	p := store.LTIPending{IDHash: idHash}
	var launch string
	var expires int64
	err := c.w.QueryRowContext(ctx, `DELETE FROM lti_pending WHERE id_hash = $1 RETURNING state_hash, launch, expires_at`, idHash).
		Scan(&p.StateHash, &launch, &expires)
	if err != nil {
		return nil, wrap("take pending launch", err)
	}
	if err := c.exec(ctx, "prune pending launches", `DELETE FROM lti_pending WHERE expires_at < $1`, ms(now)); err != nil {
		return nil, err
	}
	p.Launch, p.ExpiresAt = []byte(launch), fromMS(expires)
	if !now.Before(p.ExpiresAt) {
		return nil, fmt.Errorf("sqlstore: take pending launch: expired: %w", store.ErrNotFound)
	}
	return &p, nil
}

func (c *conn) LTIUser(ctx context.Context, platformID int64, sub string) (*proctor.User, error) {
	u, _, err := scanUser(c.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users
		WHERE id = (SELECT user_id FROM lti_users WHERE platform_id = $1 AND sub = $2)`, platformID, sub))
	return u, wrap("lti user", err)
}

func (c *conn) LinkLTIUser(ctx context.Context, platformID int64, sub string, userID int64) error {
	return c.execKeyed(ctx, "link lti user", `INSERT INTO lti_users (platform_id, sub, user_id) VALUES ($1, $2, $3)`,
		platformID, sub, userID)
}

func (c *conn) UpdateUser(ctx context.Context, u *proctor.User) error {
	return c.execOne(ctx, "update user", `UPDATE users SET name = $1, role = $2 WHERE id = $3`, u.Name, string(u.Role), u.ID)
}

func (c *conn) SaveLTIContext(ctx context.Context, x *proctor.LTIContext) error {
	// Keyed: another course already tied to the same platform context is
	// ErrConflict.
	return c.execKeyed(ctx, "save lti context", `INSERT INTO lti_contexts
		(course_id, platform_id, context_id, lms_course_id, nrps_url, roster_synced_at, nrps_platform_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (course_id) DO UPDATE SET lms_course_id = excluded.lms_course_id,
		nrps_url = excluded.nrps_url, roster_synced_at = excluded.roster_synced_at, nrps_platform_id = excluded.nrps_platform_id`,
		x.CourseID, x.PlatformID, x.ContextID, x.LMSCourseID, x.NRPSURL, ms(x.RosterSyncedAt), x.NRPSPlatformID)
}

const contextCols = `course_id, platform_id, context_id, lms_course_id, nrps_url, roster_synced_at, nrps_platform_id`

func scanContext(sc scanner) (*proctor.LTIContext, error) {
	var x proctor.LTIContext
	var synced int64
	if err := sc.Scan(&x.CourseID, &x.PlatformID, &x.ContextID, &x.LMSCourseID, &x.NRPSURL, &synced, &x.NRPSPlatformID); err != nil {
		return nil, err
	}
	x.RosterSyncedAt = fromMS(synced)
	return &x, nil
}

func (c *conn) FindLTIContext(ctx context.Context, platformID int64, contextID string) (*proctor.LTIContext, error) {
	x, err := scanContext(c.r.QueryRowContext(ctx, `SELECT `+contextCols+` FROM lti_contexts
		WHERE platform_id = $1 AND context_id = $2`, platformID, contextID))
	return x, wrap("find lti context", err)
}

func (c *conn) GetLTIContext(ctx context.Context, courseID int64) (*proctor.LTIContext, error) {
	x, err := scanContext(c.r.QueryRowContext(ctx, `SELECT `+contextCols+` FROM lti_contexts WHERE course_id = $1`, courseID))
	return x, wrap("get lti context", err)
}

func (c *conn) FindStudentByExternalID(ctx context.Context, courseID int64, externalID string) (*proctor.Student, error) {
	s, err := scanStudent(c.r.QueryRowContext(ctx, `SELECT `+studentCols+` FROM students st
		WHERE st.course_id = $1 AND st.external_id = $2 AND st.external_id != ''`, courseID, externalID))
	return s, wrap("find student by external id", err)
}

func (c *conn) UpdateStudent(ctx context.Context, s *proctor.Student) error {
	return c.keyed(ctx, func() error {
		return c.execOne(ctx, "update student", `UPDATE students SET first_name = $1, last_name = $2, email = $3, external_id = $4
			WHERE id = $5`, s.FirstName, s.LastName, strings.TrimSpace(s.Email), s.ExternalID, s.ID)
	})
}

func (c *conn) SaveLMSQuiz(ctx context.Context, q *proctor.LMSQuiz) error {
	return c.exec(ctx, "save lms quiz", `INSERT INTO lms_quizzes (exam_id, quiz_id, access_code, updated_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (exam_id) DO UPDATE SET quiz_id = excluded.quiz_id,
		access_code = excluded.access_code, updated_at = excluded.updated_at`, q.ExamID, q.QuizID, q.AccessCode, ms(q.UpdatedAt))
}

func scanLMSQuiz(sc scanner) (*proctor.LMSQuiz, error) {
	var q proctor.LMSQuiz
	var updated int64
	if err := sc.Scan(&q.ExamID, &q.QuizID, &q.AccessCode, &updated); err != nil {
		return nil, err
	}
	q.UpdatedAt = fromMS(updated)
	return &q, nil
}

func (c *conn) GetLMSQuiz(ctx context.Context, examID int64) (*proctor.LMSQuiz, error) {
	q, err := scanLMSQuiz(c.r.QueryRowContext(ctx, `SELECT exam_id, quiz_id, access_code, updated_at FROM lms_quizzes
		WHERE exam_id = $1`, examID))
	return q, wrap("get lms quiz", err)
}

func (c *conn) ListLMSQuizzes(ctx context.Context, courseID int64) ([]proctor.LMSQuiz, error) {
	return queryAll(ctx, c.r, "list lms quizzes", `SELECT q.exam_id, q.quiz_id, q.access_code, q.updated_at
		FROM lms_quizzes q JOIN exams e ON e.id = q.exam_id WHERE e.course_id = $1 ORDER BY q.exam_id`, scanLMSQuiz, courseID)
}

func (c *conn) CreateCourseRequest(ctx context.Context, r *proctor.CourseRequest) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	if r.State == "" {
		r.State = proctor.RequestPending
	}
	id, err := c.insertID(ctx, "create course request", `INSERT INTO course_requests (course_id, user_id, note, state, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, r.CourseID, r.UserID, r.Note, string(r.State), ms(r.CreatedAt))
	r.ID = id
	return err
}

const requestCols = `id, course_id, user_id, note, state, created_at, decided_by, decided_at, decision_note`

func scanRequest(sc scanner) (*proctor.CourseRequest, error) {
	var r proctor.CourseRequest
	var state string
	var created, decided int64
	if err := sc.Scan(&r.ID, &r.CourseID, &r.UserID, &r.Note, &state, &created, &r.DecidedBy, &decided, &r.DecisionNote); err != nil {
		return nil, err
	}
	r.State, r.CreatedAt, r.DecidedAt = proctor.RequestState(state), fromMS(created), fromMS(decided)
	return &r, nil
}

func (c *conn) GetCourseRequest(ctx context.Context, id int64) (*proctor.CourseRequest, error) {
	r, err := scanRequest(c.r.QueryRowContext(ctx, `SELECT `+requestCols+` FROM course_requests WHERE id = $1`, id))
	return r, wrap("get course request", err)
}

func (c *conn) ListCourseRequests(ctx context.Context, state proctor.RequestState) ([]proctor.CourseRequest, error) {
	return queryAll(ctx, c.r, "list course requests", `SELECT `+requestCols+` FROM course_requests
		WHERE $1 = '' OR state = $1 ORDER BY created_at DESC, id DESC LIMIT 500`, scanRequest, string(state))
}

func (c *conn) PendingCourseRequest(ctx context.Context, courseID int64) (*proctor.CourseRequest, error) {
	r, err := scanRequest(c.r.QueryRowContext(ctx, `SELECT `+requestCols+` FROM course_requests
		WHERE course_id = $1 AND state = 'pending' ORDER BY id DESC LIMIT 1`, courseID))
	return r, wrap("pending course request", err)
}

func (c *conn) DecideCourseRequest(ctx context.Context, r *proctor.CourseRequest) error {
	return c.execOne(ctx, "decide course request", `UPDATE course_requests SET state = $1, decided_by = $2, decided_at = $3,
		decision_note = $4 WHERE id = $5 AND state = 'pending'`, string(r.State), r.DecidedBy, ms(r.DecidedAt), r.DecisionNote, r.ID)
}

func (c *conn) SaveProctoringLaunch(ctx context.Context, l *proctor.ProctoringLaunch) error {
	return c.exec(ctx, "save proctoring launch", `INSERT INTO lti_proctoring (session_id, platform_id, deployment_id,
		resource_link_id, user_sub, attempt_number, session_data, start_assessment_url, acs_url, acs_actions,
		end_assessment_return, started_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (session_id) DO UPDATE SET deployment_id = excluded.deployment_id, resource_link_id = excluded.resource_link_id,
		attempt_number = excluded.attempt_number, session_data = excluded.session_data,
		start_assessment_url = excluded.start_assessment_url, acs_url = excluded.acs_url, acs_actions = excluded.acs_actions,
		end_assessment_return = excluded.end_assessment_return, started_at = excluded.started_at, ended_at = excluded.ended_at`,
		l.SessionID, l.PlatformID, l.DeploymentID, l.ResourceLinkID, l.UserSub, l.AttemptNumber, l.SessionData,
		l.StartAssessmentURL, l.ACSURL, strings.Join(l.ACSActions, " "), l.EndAssessmentReturn, ms(l.StartedAt), ms(l.EndedAt))
}

func (c *conn) GetProctoringLaunch(ctx context.Context, sessionID int64) (*proctor.ProctoringLaunch, error) {
	l := proctor.ProctoringLaunch{SessionID: sessionID}
	var actions string
	var started, ended int64
	err := c.r.QueryRowContext(ctx, `SELECT platform_id, deployment_id, resource_link_id, user_sub, attempt_number, session_data,
		start_assessment_url, acs_url, acs_actions, end_assessment_return, started_at, ended_at
		FROM lti_proctoring WHERE session_id = $1`, sessionID).Scan(&l.PlatformID, &l.DeploymentID, &l.ResourceLinkID, &l.UserSub,
		&l.AttemptNumber, &l.SessionData, &l.StartAssessmentURL, &l.ACSURL, &actions, &l.EndAssessmentReturn, &started, &ended)
	if err != nil {
		return nil, wrap("get proctoring launch", err)
	}
	l.ACSActions = strings.Fields(actions)
	l.StartedAt, l.EndedAt = fromMS(started), fromMS(ended)
	return &l, nil
}

func (c *conn) SaveCanvasToken(ctx context.Context, t *proctor.CanvasToken) error {
	return c.exec(ctx, "save canvas token", `INSERT INTO canvas_tokens (platform_id, user_id, access_token, refresh_token, expires_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (platform_id, user_id) DO UPDATE SET access_token = excluded.access_token,
		refresh_token = excluded.refresh_token, expires_at = excluded.expires_at`,
		t.PlatformID, t.UserID, t.AccessToken, t.RefreshToken, ms(t.ExpiresAt))
}

func (c *conn) GetCanvasToken(ctx context.Context, platformID, userID int64) (*proctor.CanvasToken, error) {
	t := proctor.CanvasToken{PlatformID: platformID, UserID: userID}
	var expires int64
	err := c.r.QueryRowContext(ctx, `SELECT access_token, refresh_token, expires_at FROM canvas_tokens
		WHERE platform_id = $1 AND user_id = $2`, platformID, userID).Scan(&t.AccessToken, &t.RefreshToken, &expires)
	if err != nil {
		return nil, wrap("get canvas token", err)
	}
	t.ExpiresAt = fromMS(expires)
	return &t, nil
}
