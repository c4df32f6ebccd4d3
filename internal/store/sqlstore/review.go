package sqlstore

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func (c *conn) DecideViolation(ctx context.Context, id int64, d proctor.Decision, note string, by int64, at time.Time) error {
	return c.execOne(ctx, "decide violation", `UPDATE violations
		SET decision = $1, decision_note = $2, decided_by = $3, decided_at = $4 WHERE id = $5`,
		string(d), note, by, ms(at), id)
}

func (c *conn) AddNote(ctx context.Context, n *proctor.Note) error {
	id, err := c.insertID(ctx, "add note", `INSERT INTO notes (session_id, author_id, body, created_at)
		VALUES ($1, $2, $3, $4) RETURNING id`, n.SessionID, n.AuthorID, n.Body, ms(n.CreatedAt))
	n.ID = id
	return err
}

func (c *conn) ListNotes(ctx context.Context, sessionID int64) ([]proctor.Note, error) {
	return queryAll(ctx, c.r, "list notes", `SELECT n.id, n.session_id, n.author_id, u.name, n.body, n.created_at
		FROM notes n JOIN users u ON u.id = n.author_id WHERE n.session_id = $1 ORDER BY n.created_at, n.id`, scanNote, sessionID)
}

func scanNote(sc scanner) (*proctor.Note, error) {
	var n proctor.Note
	var created int64
	if err := sc.Scan(&n.ID, &n.SessionID, &n.AuthorID, &n.Author, &n.Body, &created); err != nil {
		return nil, err
	}
	n.CreatedAt = fromMS(created)
	return &n, nil
}

func (c *conn) SetReviewed(ctx context.Context, sessionID int64, reviewed bool, by int64, at time.Time) error {
	if !reviewed {
		by, at = 0, time.Time{}
	}
	return c.execOne(ctx, "set reviewed", `UPDATE sessions SET reviewed = $1, reviewed_by = $2, reviewed_at = $3
		WHERE id = $4`, reviewed, by, ms(at), sessionID)
}

func (c *conn) ListExamSessions(ctx context.Context, examID int64) ([]store.SessionRow, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT `+sessionCols+`, `+studentCols+`
		FROM sessions s JOIN students st ON st.id = s.student_id
		WHERE s.exam_id = $1 ORDER BY s.id`, examID)
	if err != nil {
		return nil, wrap("list exam sessions", err)
	}
	defer rows.Close()
	var out []store.SessionRow
	index := map[int64]int{}
	for rows.Next() {
		var r store.SessionRow
		var t sessionTimes
		var purged int64
		if err := rows.Scan(append(sessionDest(&r.Session, &t), studentDest(&r.Student, &purged)...)...); err != nil {
			return nil, wrap("list exam sessions", err)
		}
		t.fill(&r.Session)
		r.Student.OnboardingPurgedAt = fromMS(purged)
		r.Counts = map[proctor.ViolationType]int{}
		index[r.Session.ID] = len(out)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list exam sessions", err)
	}
	return out, c.addViolationCounts(ctx, examID, out, index)
}

func (c *conn) addViolationCounts(ctx context.Context, examID int64, out []store.SessionRow, index map[int64]int) error {
	rows, err := c.r.QueryContext(ctx, `SELECT v.session_id, v.type, count(*) FROM violations v
		JOIN sessions s ON s.id = v.session_id WHERE s.exam_id = $1 AND v.applied
		GROUP BY v.session_id, v.type`, examID)
	if err != nil {
		return wrap("count violations", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var typ string
		var n int
		if err := rows.Scan(&sid, &typ, &n); err != nil {
			return wrap("count violations", err)
		}
		if i, ok := index[sid]; ok {
			out[i].Counts[proctor.ViolationType(typ)] = n
		}
	}
	return wrap("count violations", rows.Err())
}

func (c *conn) AppendAudit(ctx context.Context, e *proctor.AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	id, err := c.insertID(ctx, "append audit", `INSERT INTO audit_log
		(at, user_id, actor, action, course_id, subject, detail, remote) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		ms(e.At), e.UserID, e.Actor, e.Action, e.CourseID, e.Subject, e.Detail, e.Remote)
	e.ID = id
	return err
}

func (c *conn) ListAudit(ctx context.Context, f store.AuditFilter) ([]proctor.AuditEntry, error) {
	q := `SELECT id, at, user_id, actor, action, course_id, subject, detail, remote FROM audit_log WHERE true`
	var args []any
	// add appends a condition; its placeholders, written %s, become $n
	// numbered after those before it.
	add := func(cond string, vs ...any) {
		nums := make([]any, len(vs))
		for i := range vs {
			nums[i] = fmt.Sprintf("$%d", len(args)+i+1)
		}
		q += " AND " + fmt.Sprintf(cond, nums...)
		args = append(args, vs...)
	}
	if f.CourseID != 0 {
		add("course_id = %s", f.CourseID)
	}
	switch {
	case f.UserID != 0 && f.Actor != "":
		add("(user_id = %s OR "+c.nocase("actor")+" = "+c.nocase("CAST(%s AS text)")+")", f.UserID, f.Actor)
	case f.UserID != 0:
		add("user_id = %s", f.UserID)
	case f.Actor != "":
		add(c.nocase("actor")+" = "+c.nocase("CAST(%s AS text)"), f.Actor)
	}
	if f.Action != "" {
		add("action = %s", f.Action)
	}
	if f.Subject != "" {
		add("subject = %s", f.Subject)
	}
	if !f.Since.IsZero() {
		add("at >= %s", ms(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < %s", ms(f.Until))
	}
	if f.BeforeID != 0 {
		// Row values: the entries after that one in the newest-first order.
		add("(at, id) < (SELECT at, id FROM audit_log WHERE id = %s)", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	return queryAll(ctx, c.r, "list audit", q+fmt.Sprintf(` ORDER BY at DESC, id DESC LIMIT $%d`, len(args)+1),
		scanAudit, append(args, limit)...)
}

func scanAudit(sc scanner) (*proctor.AuditEntry, error) {
	var e proctor.AuditEntry
	var at int64
	if err := sc.Scan(&e.ID, &at, &e.UserID, &e.Actor, &e.Action, &e.CourseID, &e.Subject, &e.Detail, &e.Remote); err != nil {
		return nil, err
	}
	e.At = fromMS(at)
	return &e, nil
}
