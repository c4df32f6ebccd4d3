package store

import (
	"context"

	"vigil/internal/proctor"
)

// Membership holds who may do what in which course: members with their
// course role, and the administrators of an LMS's courses. Access is
// taken away here too: a membership is removed or lowered when the LMS
// says so.
type Membership interface {
	// SetCourseMember adds a member or changes their role.
	SetCourseMember(ctx context.Context, courseID, userID int64, role proctor.CourseRole) error
	// RemoveCourseMember takes a membership away; none is not an error.
	RemoveCourseMember(ctx context.Context, courseID, userID int64) error
	// CourseRole is what a user may do in a course: instructor for an
	// administrator of the course's LMS, else their member role; "" when
	// neither. (Vigil's own administrators are not asked about here.)
	CourseRole(ctx context.Context, courseID, userID int64) (proctor.CourseRole, error)
	// ListCourseMembers lists a course's members by user id.
	ListCourseMembers(ctx context.Context, courseID int64) ([]CourseMember, error)
	// SetPlatformAdmin grants (or takes away) administration of the
	// courses of one LMS.
	SetPlatformAdmin(ctx context.Context, platformID, userID int64, admin bool) error
}

// CourseMember is one member of a course.
type CourseMember struct {
	UserID int64
	Role   proctor.CourseRole
	// LTISub is the member's user id on the course's LMS; "" for a local
	// account (or a course not from an LMS), which no LMS roster removes.
	LTISub string
}
