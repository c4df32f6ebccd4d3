package sqlstore

import (
	"context"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func (c *conn) SetCourseMember(ctx context.Context, courseID, userID int64, role proctor.CourseRole) error {
	return c.exec(ctx, "set course member", `INSERT INTO course_members (course_id, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (course_id, user_id) DO UPDATE SET role = excluded.role`, courseID, userID, string(role))
}

func (c *conn) RemoveCourseMember(ctx context.Context, courseID, userID int64) error {
	return c.exec(ctx, "remove course member", `DELETE FROM course_members WHERE course_id = $1 AND user_id = $2`, courseID, userID)
}

// CourseRole is the user's role in the course: instructor for an
// administrator of the course's LMS, else their membership's, else none.
func (c *conn) CourseRole(ctx context.Context, courseID, userID int64) (proctor.CourseRole, error) {
	var role string
	err := c.r.QueryRowContext(ctx, `SELECT coalesce(
		(SELECT 'instructor' FROM lti_contexts x JOIN platform_admins pa ON pa.platform_id = x.platform_id
		  WHERE x.course_id = $1 AND pa.user_id = $2),
		(SELECT role FROM course_members WHERE course_id = $1 AND user_id = $2), '')`, courseID, userID).Scan(&role)
	return proctor.CourseRole(role), wrap("course role", err)
}

func (c *conn) ListCourseMembers(ctx context.Context, courseID int64) ([]store.CourseMember, error) {
	return queryAll(ctx, c.r, "list course members", `SELECT m.user_id, m.role, coalesce(lu.sub, '')
		FROM course_members m
		LEFT JOIN lti_contexts x ON x.course_id = m.course_id
		LEFT JOIN lti_users lu ON lu.user_id = m.user_id AND lu.platform_id = x.platform_id
		WHERE m.course_id = $1 ORDER BY m.user_id`, scanCourseMember, courseID)
}

func scanCourseMember(sc scanner) (*store.CourseMember, error) {
	var m store.CourseMember
	var role string
	if err := sc.Scan(&m.UserID, &role, &m.LTISub); err != nil {
		return nil, err
	}
	m.Role = proctor.CourseRole(role)
	return &m, nil
}

func (c *conn) SetPlatformAdmin(ctx context.Context, platformID, userID int64, admin bool) error {
	q := `DELETE FROM platform_admins WHERE platform_id = $1 AND user_id = $2`
	if admin {
		q = `INSERT INTO platform_admins (platform_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	}
	return c.exec(ctx, "set platform admin", q, platformID, userID)
}
