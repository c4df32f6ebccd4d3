package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func (c *conn) CreateCourse(ctx context.Context, co *proctor.Course) error {
	if co.CreatedAt.IsZero() {
		co.CreatedAt = time.Now().UTC()
	}
	return c.keyed(ctx, func() error {
		id, err := c.insertID(ctx, "create course", `INSERT INTO courses
			(code, title, created_at, enabled, media_retention_days, onboarding_retention_days)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			co.Code, co.Title, ms(co.CreatedAt), co.Enabled, nullDays(co.Retention.MediaDays), nullDays(co.Retention.OnboardingDays))
		co.ID = id
		return err
	})
}

const courseCols = `id, code, title, created_at, enabled, coalesce(media_retention_days, 0), coalesce(onboarding_retention_days, 0)`

func scanCourse(sc scanner) (*proctor.Course, error) {
	var co proctor.Course
	var created int64
	if err := sc.Scan(&co.ID, &co.Code, &co.Title, &created, &co.Enabled, &co.Retention.MediaDays, &co.Retention.OnboardingDays); err != nil {
		return nil, err
	}
	co.CreatedAt = fromMS(created)
	return &co, nil
}

func (c *conn) GetCourse(ctx context.Context, id int64) (*proctor.Course, error) {
	co, err := scanCourse(c.r.QueryRowContext(ctx, `SELECT `+courseCols+` FROM courses WHERE id = $1`, id))
	return co, wrap("get course", err)
}

func (c *conn) GetCourseByCode(ctx context.Context, code string) (*proctor.Course, error) {
	co, err := scanCourse(c.r.QueryRowContext(ctx, `SELECT `+courseCols+` FROM courses WHERE code = $1`, code))
	return co, wrap("get course by code", err)
}

func (c *conn) ListCoursesForUser(ctx context.Context, userID int64) ([]proctor.Course, error) {
	// Text is ordered byte by byte (bytewise), as SQLite does, whatever
	// the database's own collation.
	return queryAll(ctx, c.r, "list courses", `SELECT `+courseCols+` FROM courses
		WHERE EXISTS (SELECT 1 FROM users WHERE id = $1 AND role = 'admin')
		   OR id IN (SELECT course_id FROM course_members WHERE user_id = $1)
		   OR id IN (SELECT x.course_id FROM lti_contexts x JOIN platform_admins pa ON pa.platform_id = x.platform_id WHERE pa.user_id = $1)
		ORDER BY `+c.bytewise("code"), scanCourse, userID)
}

func (c *conn) UpdateCourse(ctx context.Context, co *proctor.Course) error {
	return c.keyed(ctx, func() error {
		return c.execOne(ctx, "update course", `UPDATE courses SET code = $1, title = $2, enabled = $3 WHERE id = $4`,
			co.Code, co.Title, co.Enabled, co.ID)
	})
}

func (c *conn) AddCourseMember(ctx context.Context, courseID, userID int64) error {
	return c.exec(ctx, "add course member",
		`INSERT INTO course_members (course_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, courseID, userID)
}

func (c *conn) IsCourseMember(ctx context.Context, courseID, userID int64) (bool, error) {
	var member bool
	err := c.r.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM course_members WHERE course_id = $1 AND user_id = $2)`, courseID, userID).Scan(&member)
	return member, wrap("is course member", err)
}

func (c *conn) CreateExam(ctx context.Context, e *proctor.Exam) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	e.UpdatedAt = e.CreatedAt
	settings, err := json.Marshal(e.Settings)
	if err != nil {
		return fmt.Errorf("sqlstore: exam settings: %w", err)
	}
	e.ID, err = c.insertID(ctx, "create exam", `INSERT INTO exams
		(course_id, title, opens_at, settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		e.CourseID, e.Title, ms(e.OpensAt), string(settings), ms(e.CreatedAt), ms(e.UpdatedAt))
	return err
}

const examCols = `e.id, e.course_id, e.title, e.opens_at, e.settings, e.created_at, e.updated_at`

func scanExam(sc scanner, extra ...any) (*proctor.Exam, error) {
	var e proctor.Exam
	var opens, created, updated int64
	var settings string
	dest := append([]any{&e.ID, &e.CourseID, &e.Title, &opens, &settings, &created, &updated}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	e.OpensAt, e.CreatedAt, e.UpdatedAt = fromMS(opens), fromMS(created), fromMS(updated)
	s, err := proctor.ParseSettings([]byte(settings))
	if err != nil {
		return nil, fmt.Errorf("exam %d has unreadable settings: %w", e.ID, err)
	}
	e.Settings = s
	return &e, nil
}

func (c *conn) GetExam(ctx context.Context, id int64) (*proctor.Exam, error) {
	e, err := scanExam(c.r.QueryRowContext(ctx, `SELECT `+examCols+` FROM exams e WHERE e.id = $1`, id))
	return e, wrap("get exam", err)
}

func (c *conn) ListExams(ctx context.Context, courseID int64) ([]store.ExamSummary, error) {
	return queryAll(ctx, c.r, "list exams", `SELECT `+examCols+`,
		count(s.id),
		count(s.id) FILTER (WHERE s.state IN ('submitted', 'analyzed', 'expired')),
		count(s.id) FILTER (WHERE s.reviewed),
		count(s.id) FILTER (WHERE s.verdict = 'fail'),
		count(s.id) FILTER (WHERE s.state IN ('created', 'in_progress'))
		FROM exams e LEFT JOIN sessions s ON s.exam_id = e.id
		WHERE e.course_id = $1 GROUP BY e.id ORDER BY e.opens_at, e.id`, scanExamSummary, courseID)
}

func scanExamSummary(sc scanner) (*store.ExamSummary, error) {
	var sum store.ExamSummary
	e, err := scanExam(sc, &sum.Sessions, &sum.Finished, &sum.Reviewed, &sum.Failed, &sum.InProcess)
	if err != nil {
		return nil, err
	}
	sum.Exam = *e
	return &sum, nil
}

func (c *conn) UpdateExamSettings(ctx context.Context, examID int64, s proctor.Settings, at time.Time) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlstore: exam settings: %w", err)
	}
	return c.execOne(ctx, "update exam settings",
		`UPDATE exams SET settings = $1, updated_at = $2 WHERE id = $3`, string(b), ms(at), examID)
}

func (c *conn) CreateStudent(ctx context.Context, s *proctor.Student) error {
	return c.keyed(ctx, func() error {
		id, err := c.insertID(ctx, "create student", `INSERT INTO students
			(course_id, first_name, last_name, email, external_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			s.CourseID, s.FirstName, s.LastName, strings.TrimSpace(s.Email), s.ExternalID)
		s.ID = id
		return err
	})
}

const studentCols = `st.id, st.course_id, st.first_name, st.last_name, st.email, st.external_id, st.onboarding_purged_at`

// studentDest scans studentCols; the purge time lands in purged, for fill.
func studentDest(s *proctor.Student, purged *int64) []any {
	return []any{&s.ID, &s.CourseID, &s.FirstName, &s.LastName, &s.Email, &s.ExternalID, purged}
}

func scanStudent(sc scanner) (*proctor.Student, error) {
	var s proctor.Student
	var purged int64
	if err := sc.Scan(studentDest(&s, &purged)...); err != nil {
		return nil, err
	}
	s.OnboardingPurgedAt = fromMS(purged)
	return &s, nil
}

func (c *conn) GetStudent(ctx context.Context, id int64) (*proctor.Student, error) {
	s, err := scanStudent(c.r.QueryRowContext(ctx, `SELECT `+studentCols+` FROM students st WHERE st.id = $1`, id))
	return s, wrap("get student", err)
}

func (c *conn) FindStudentByEmail(ctx context.Context, courseID int64, email string) (*proctor.Student, error) {
	s, err := scanStudent(c.r.QueryRowContext(ctx, `SELECT `+studentCols+` FROM students st
		WHERE st.course_id = $1 AND `+c.nocase("st.email")+` = `+c.nocase("CAST($2 AS text)")+` AND st.email != ''
		ORDER BY st.id LIMIT 1`, courseID, strings.TrimSpace(email)))
	return s, wrap("find student", err)
}

func (c *conn) ListStudents(ctx context.Context, courseID int64) ([]proctor.Student, error) {
	return queryAll(ctx, c.r, "list students", `SELECT `+studentCols+` FROM students st WHERE st.course_id = $1
		ORDER BY `+c.nocase("st.last_name")+`, `+c.nocase("st.first_name")+`, st.id`, scanStudent, courseID)
}

func (c *conn) CreateUser(ctx context.Context, u *proctor.User, passwordHash string) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now().UTC()
	}
	return c.keyed(ctx, func() error {
		id, err := c.insertID(ctx, "create user",
			`INSERT INTO users (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			strings.TrimSpace(u.Email), u.Name, string(u.Role), passwordHash, ms(u.CreatedAt))
		u.ID = id
		return err
	})
}

func scanUser(row scanner) (*proctor.User, string, error) {
	var u proctor.User
	var role, hash string
	var created int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &hash, &created); err != nil {
		return nil, "", err
	}
	u.Role, u.CreatedAt = proctor.Role(role), fromMS(created)
	return &u, hash, nil
}

const userCols = `id, email, name, role, password_hash, created_at`

func (c *conn) GetUser(ctx context.Context, id int64) (*proctor.User, error) {
	u, _, err := scanUser(c.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	return u, wrap("get user", err)
}

func (c *conn) ListUsers(ctx context.Context) ([]proctor.User, error) {
	return queryAll(ctx, c.r, "list users", `SELECT `+userCols+` FROM users ORDER BY `+c.nocase("name")+`, id`,
		func(sc scanner) (*proctor.User, error) {
			u, _, err := scanUser(sc)
			return u, err
		})
}

func (c *conn) GetUserByEmail(ctx context.Context, email string) (*proctor.User, string, error) {
	u, hash, err := scanUser(c.r.QueryRowContext(ctx,
		`SELECT `+userCols+` FROM users WHERE `+c.nocase("email")+` = `+c.nocase("CAST($1 AS text)"), strings.TrimSpace(email)))
	return u, hash, wrap("get user by email", err)
}
