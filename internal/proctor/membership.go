package proctor

// CourseRole is what a member of a course may do in it.
type CourseRole string

// Course roles.
const (
	// CourseInstructor reviews and changes: decisions, notes, settings,
	// links, exports.
	CourseInstructor CourseRole = "instructor"
	// CourseReviewer only reads: the Student List, sessions and their
	// evidence (teaching assistants and content developers by default).
	CourseReviewer CourseRole = "reviewer"
)

// Valid reports whether r is a known course role.
func (r CourseRole) Valid() bool { return r == CourseInstructor || r == CourseReviewer }

// MayChange reports whether the role may change anything in the course.
func (r CourseRole) MayChange() bool { return r == CourseInstructor }

// Audit actions of membership changes.
const (
	// AuditMemberChanged: a member's course role was set (added, raised
	// or lowered) by an LMS launch or roster.
	AuditMemberChanged = "course.member_role"
	// AuditMemberRemoved: the LMS no longer lists a member as teaching
	// the course (a lesser role, dropped or gone from the roster).
	AuditMemberRemoved = "course.member_removed"
)

func init() { AuditActions = append(AuditActions, AuditMemberChanged, AuditMemberRemoved) }
