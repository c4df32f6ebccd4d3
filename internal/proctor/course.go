package proctor

import "time"

// Course is a course of the LMS (or one made by hand, with `vigil admin`).
type Course struct {
	ID        int64
	Code      string // short code, e.g. "BIO-101"
	Title     string
	CreatedAt time.Time
	// Enabled: the course may use Vigil. A course an LMS launch creates
	// waits for an administrator unless its platform enables courses.
	Enabled bool
	// Retention overrides the institution's retention for this course;
	// zero fields follow the institution.
	Retention Retention
}

// Exam is a quiz of a course that may be proctored.
type Exam struct {
	ID        int64
	CourseID  int64
	Title     string
	OpensAt   time.Time
	Settings  Settings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Student is a person who takes exams. Students do not sign in to the
// dashboard; they reach a session through a session link.
type Student struct {
	ID         int64
	CourseID   int64
	FirstName  string
	LastName   string
	Email      string
	ExternalID string // the LMS's id, later
	// OnboardingPurgedAt is when the retention policy last deleted some of
	// the student's onboarding photos (zero: never).
	OnboardingPurgedAt time.Time
}

// FullName is "First Last".
func (s *Student) FullName() string { return s.FirstName + " " + s.LastName }

// Role is what a dashboard user may do.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"
	RoleInstructor Role = "instructor"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleInstructor }

// User is a person who signs in to the dashboard.
type User struct {
	ID        int64
	Email     string
	Name      string
	Role      Role
	CreatedAt time.Time
}

// Note is a reviewer's note on a session.
type Note struct {
	ID        int64
	SessionID int64
	AuthorID  int64
	Author    string
	Body      string
	CreatedAt time.Time
}

// AuditEntry records who did what, when and from where. The log is
// append-only: nothing in Vigil updates or deletes an entry.
type AuditEntry struct {
	ID       int64
	At       time.Time
	UserID   int64 // 0 for the system or a student
	Actor    string
	Action   string // e.g. "session.view", "violation.decide"
	CourseID int64
	Subject  string // what was acted on, e.g. "session:42"
	Detail   string
	Remote   string // where from (IP address)
}

// Audit actions.
const (
	AuditSessionView      = "session.view"
	AuditMediaView        = "media.view"
	AuditViolationDecide  = "violation.decide"
	AuditSessionNote      = "session.note"
	AuditSessionReviewed  = "session.reviewed"
	AuditSignIn           = "user.sign_in"
	AuditSignInLinkIssued = "user.sign_in_link"
	AuditSessionLink      = "session.link_issued"
	AuditExamSettings     = "exam.settings"
	AuditAccommodation    = "exam.accommodation"
	// AuditTokenRefused: a capture client used an expired session token.
	AuditTokenRefused = "session.token_refused"
)

// AuditActions lists the actions Vigil writes, for the audit log's filter.
// A filter may name others (entries of older or newer versions).
var AuditActions = []string{
	AuditSessionView, AuditMediaView, AuditViolationDecide, AuditSessionNote, AuditSessionReviewed,
	AuditSignIn, AuditSignInLinkIssued, AuditSessionLink, AuditExamSettings, AuditAccommodation,
	AuditTokenRefused, AuditLTILaunch, AuditLTIRefused, AuditPlatformSaved, AuditKeysRotated,
	AuditCourseRequested, AuditCourseDecided, AuditQuizProctored, AuditAssessmentStart,
	AuditAssessmentEnd, AuditAssessmentAction, AuditDeepLink, AuditExamMerged, AuditRetentionPurged,
	AuditRetentionSettings, AuditLogExported, AuditExportRequested, AuditExportReady, AuditExportFailed,
	AuditExportDownloaded, AuditExportRefused, AuditExportExpired, AuditMailSent, AuditMailFailed,
	AuditPlatformRegistered, AuditPlatformJoined, AuditRegistrationLink, AuditQuizPassword,
}
