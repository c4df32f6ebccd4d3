package lms

import (
	"context"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Store is what the LMS side reads, and the writes it makes outside a
// transaction; launches, roster syncs and requests write through InTx.
type Store interface {
	// ingest.LinkStore issues a student's session link (GetExam, GetStudent, InTx).
	ingest.LinkStore
	auditor
	// Platforms, course contexts and Canvas.
	GetPlatform(ctx context.Context, id int64) (*proctor.Platform, error)
	GetLTIContext(ctx context.Context, courseID int64) (*proctor.LTIContext, error)
	GetCanvasToken(ctx context.Context, platformID, userID int64) (*proctor.CanvasToken, error)
	SaveCanvasToken(ctx context.Context, t *proctor.CanvasToken) error
	GetLMSQuiz(ctx context.Context, examID int64) (*proctor.LMSQuiz, error)
	ListLMSQuizzes(ctx context.Context, courseID int64) ([]proctor.LMSQuiz, error)
	// Quiz passwords, the recording's health they are shown on, and
	// Dynamic Registration's links.
	GetQuizPassword(ctx context.Context, examID int64) (*proctor.QuizPassword, error)
	RecordingActivity(ctx context.Context, sessionID int64) (proctor.RecordingActivity, error)
	GetRegistrationLink(ctx context.Context, tokenHash string) (*proctor.RegistrationLink, error)
	// One LMS assessment, one exam: the names attached to exams.
	ExamForAssessment(ctx context.Context, courseID int64, key proctor.AssessmentKey) (*proctor.Exam, error)
	ListAssessments(ctx context.Context, courseID int64) ([]proctor.AssessmentLink, error)
	// The administrators' page: platforms, keys, course requests.
	ListPlatforms(ctx context.Context) ([]proctor.Platform, error)
	ListToolKeys(ctx context.Context) ([]proctor.ToolKey, error)
	ListCourseRequests(ctx context.Context, state proctor.RequestState) ([]proctor.CourseRequest, error)
	PendingCourseRequest(ctx context.Context, courseID int64) (*proctor.CourseRequest, error)
	GetCourse(ctx context.Context, id int64) (*proctor.Course, error)
	GetUser(ctx context.Context, id int64) (*proctor.User, error)
	// Launches and hand-offs waiting for the browser to come back.
	SavePending(ctx context.Context, p *store.LTIPending) error
	TakePending(ctx context.Context, idHash string, now time.Time) (*store.LTIPending, error)
	// LTI Proctoring attempts and their sessions.
	GetProctoringLaunch(ctx context.Context, sessionID int64) (*proctor.ProctoringLaunch, error)
	SaveProctoringLaunch(ctx context.Context, l *proctor.ProctoringLaunch) error
	GetSession(ctx context.Context, id int64) (*proctor.Session, error)
	LatestSession(ctx context.Context, examID, studentID int64) (*proctor.Session, error)
	GetSessionLink(ctx context.Context, tokenHash string) (*store.SessionLink, error)
	NextFrameSeq(ctx context.Context, sessionID int64) (int64, error)
}

// auditor appends audit entries, on the store or inside a transaction.
type auditor interface {
	AppendAudit(ctx context.Context, e *proctor.AuditEntry) error
}

// StackStore is what the whole LTI side keeps: the LMS logic's Store, the
// launch checks' logins and nonces, and Vigil's signing keys.
type StackStore interface {
	Store
	lti.FlowStore
	lti.KeyStore
}
