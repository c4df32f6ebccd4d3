package store

import (
	"context"
	"time"

	"vigil/internal/proctor"
)

// LTI holds what LTI 1.3 needs: registered platforms, Vigil's keys, the
// single-use login states and nonces, and how a platform's users,
// contexts and assessments (resource links, quizzes) map onto Vigil's.
type LTI interface {
	// CreatePlatform stores a platform with its deployments; an issuer
	// and client id already registered is ErrConflict.
	CreatePlatform(ctx context.Context, p *proctor.Platform) error
	// UpdatePlatform replaces a platform's settings and deployments.
	UpdatePlatform(ctx context.Context, p *proctor.Platform) error
	GetPlatform(ctx context.Context, id int64) (*proctor.Platform, error)
	// FindPlatform finds a platform by issuer and client id. With an empty
	// client id it finds the issuer's only platform (ErrNotFound when none
	// or several).
	FindPlatform(ctx context.Context, issuer, clientID string) (*proctor.Platform, error)
	ListPlatforms(ctx context.Context) ([]proctor.Platform, error)
	// FindPlatformByDeployment finds the registration of an issuer that
	// holds a deployment (ErrNotFound when none or several): a login
	// initiation without client_id names the registration that way.
	FindPlatformByDeployment(ctx context.Context, issuer, deploymentID string) (*proctor.Platform, error)
	// JoinPlatform makes registration from part of the LMS of registration
	// into (its home): from's courses, people and LMS administrators
	// become into's. A course both have is folded when from's has no exam
	// (it was the empty second course a second registration made): it is
	// no longer tied to the LMS and is switched off; its id is returned.
	// One with exams is ErrConflict, and nothing changes.
	JoinPlatform(ctx context.Context, fromID, intoID int64) (folded []int64, err error)

	// CreateRegistrationLink stores a registration link (by its hash).
	CreateRegistrationLink(ctx context.Context, l *proctor.RegistrationLink) error
	// GetRegistrationLink returns a registration link (ErrNotFound).
	GetRegistrationLink(ctx context.Context, tokenHash string) (*proctor.RegistrationLink, error)
	// UseRegistrationLink marks a link used by the registration it made;
	// a link used already is ErrConflict.
	UseRegistrationLink(ctx context.Context, tokenHash string, platformID int64, at time.Time) error

	// SetQuizPassword stores (or replaces) an exam's quiz password.
	SetQuizPassword(ctx context.Context, p *proctor.QuizPassword) error
	// GetQuizPassword returns an exam's quiz password (ErrNotFound).
	GetQuizPassword(ctx context.Context, examID int64) (*proctor.QuizPassword, error)
	DeleteQuizPassword(ctx context.Context, examID int64) error

	AddToolKey(ctx context.Context, k *proctor.ToolKey) error
	// UpdateToolKey stores a key's activation and retirement times.
	UpdateToolKey(ctx context.Context, k *proctor.ToolKey) error
	// ListToolKeys lists every key, oldest first.
	ListToolKeys(ctx context.Context) ([]proctor.ToolKey, error)
	DeleteToolKey(ctx context.Context, kid string) error

	SaveLogin(ctx context.Context, l *LTILogin) error
	// OutstandingLogins deletes expired login states and counts the
	// platform's others (logins begun and not yet finished).
	OutstandingLogins(ctx context.Context, platformID int64, now time.Time) (int, error)
	// TakeLogin removes and returns a login state: each works once, and
	// not after it expires (ErrNotFound).
	TakeLogin(ctx context.Context, stateHash string, now time.Time) (*LTILogin, error)
	// UseNonce records a nonce seen in an id_token; a nonce seen before
	// (and not yet expired) is ErrConflict. Expired ones are pruned.
	UseNonce(ctx context.Context, platformID int64, nonce string, expires, now time.Time) error
	// SavePending keeps a verified launch until the browser proves it
	// holds the login state (client-side storage); TakePending removes it.
	SavePending(ctx context.Context, p *LTIPending) error
	TakePending(ctx context.Context, idHash string, now time.Time) (*LTIPending, error)

	// LTIUser returns the Vigil user a platform's user is (ErrNotFound).
	LTIUser(ctx context.Context, platformID int64, sub string) (*proctor.User, error)
	LinkLTIUser(ctx context.Context, platformID int64, sub string, userID int64) error
	// UpdateUser changes a user's name and role.
	UpdateUser(ctx context.Context, u *proctor.User) error

	// SaveLTIContext ties a course to a platform context (or updates the tie).
	SaveLTIContext(ctx context.Context, c *proctor.LTIContext) error
	// FindLTIContext finds the course of a platform context (ErrNotFound).
	FindLTIContext(ctx context.Context, platformID int64, contextID string) (*proctor.LTIContext, error)
	GetLTIContext(ctx context.Context, courseID int64) (*proctor.LTIContext, error)

	FindStudentByExternalID(ctx context.Context, courseID int64, externalID string) (*proctor.Student, error)
	UpdateStudent(ctx context.Context, s *proctor.Student) error

	// ExamForAssessment returns the exam an LMS assessment's name is
	// attached to in a course (ErrNotFound).
	ExamForAssessment(ctx context.Context, courseID int64, key proctor.AssessmentKey) (*proctor.Exam, error)
	// AttachAssessment attaches an LMS assessment's name to an exam of the
	// course. Attaching it again to the same exam does nothing; a name
	// attached to another exam is ErrConflict, and stays where it is.
	AttachAssessment(ctx context.Context, courseID int64, key proctor.AssessmentKey, examID int64) error
	// ListAssessments lists the assessment names attached in a course.
	ListAssessments(ctx context.Context, courseID int64) ([]proctor.AssessmentLink, error)
	// ExamMergedInto returns the exam an exam was merged into (migration
	// 0011 folded exams that were one LMS assessment), or ErrNotFound.
	ExamMergedInto(ctx context.Context, examID int64) (int64, error)
	// TakeMergedExams returns, once, the exams that others were merged
	// into, so that their sessions can be decided again under one set of
	// settings.
	TakeMergedExams(ctx context.Context) ([]int64, error)

	// SaveLMSQuiz ties an exam to an LMS quiz (and its hidden access code).
	SaveLMSQuiz(ctx context.Context, q *proctor.LMSQuiz) error
	GetLMSQuiz(ctx context.Context, examID int64) (*proctor.LMSQuiz, error)
	// ListLMSQuizzes lists the quizzes tied to a course's exams.
	ListLMSQuizzes(ctx context.Context, courseID int64) ([]proctor.LMSQuiz, error)

	CreateCourseRequest(ctx context.Context, r *proctor.CourseRequest) error
	GetCourseRequest(ctx context.Context, id int64) (*proctor.CourseRequest, error)
	// ListCourseRequests lists requests, newest first; state "" means all.
	ListCourseRequests(ctx context.Context, state proctor.RequestState) ([]proctor.CourseRequest, error)
	// PendingCourseRequest returns a course's pending request (ErrNotFound).
	PendingCourseRequest(ctx context.Context, courseID int64) (*proctor.CourseRequest, error)
	DecideCourseRequest(ctx context.Context, r *proctor.CourseRequest) error

	SaveProctoringLaunch(ctx context.Context, l *proctor.ProctoringLaunch) error
	GetProctoringLaunch(ctx context.Context, sessionID int64) (*proctor.ProctoringLaunch, error)

	SaveCanvasToken(ctx context.Context, t *proctor.CanvasToken) error
	GetCanvasToken(ctx context.Context, platformID, userID int64) (*proctor.CanvasToken, error)
}

// LTILogin is an OIDC login in flight: the state (kept as a hash) and the
// nonce Vigil sent to the platform.
type LTILogin struct {
	StateHash     string
	Nonce         string
	PlatformID    int64
	TargetLinkURI string
	// StorageTarget is the platform's client-side storage frame, when it
	// offered one (lti_storage_target).
	StorageTarget string
	ExpiresAt     time.Time
}

// LTIPending is a verified launch waiting for its state to be proven.
type LTIPending struct {
	IDHash    string
	StateHash string
	Launch    []byte // the launch, as the lti package encodes it
	ExpiresAt time.Time
}
