package proctor

import "time"

// Platform is an LMS registered with Vigil as an LTI 1.3 platform. The
// issuer and client id together name it; launches come only from its
// deployments.
type Platform struct {
	ID          int64
	Name        string
	Issuer      string
	ClientID    string
	AuthURL     string // OIDC authorisation endpoint
	TokenURL    string // OAuth2 token endpoint for its services
	JWKSURL     string // its public keys
	Deployments []string
	// AutoEnable lets its courses use Vigil without a request to an
	// administrator.
	AutoEnable bool
	// Canvas REST API access, when the platform is Canvas: the API's base
	// URL, and either a token or a developer key for each instructor to
	// authorise Vigil (OAuth2). Secrets: never shown back or logged.
	CanvasURL          string
	CanvasToken        string
	CanvasClientID     string
	CanvasClientSecret string
	// JoinedTo is the registration whose LMS this one is (0: its own).
	// An LMS such as Moodle gives each tool it registers a client id of
	// its own; registrations of one LMS (one issuer) that an administrator
	// joins share their courses and people, which belong to the first.
	JoinedTo int64
	// Product is what the LMS says it is (product_family_code of its
	// OpenID configuration: "moodle", "canvas", …), when known.
	Product   string
	CreatedAt time.Time
}

// Home is the registration that holds this LMS's courses and people: the
// one it joined, or itself.
func (p *Platform) Home() int64 {
	if p.JoinedTo != 0 {
		return p.JoinedTo
	}
	return p.ID
}

// HasDeployment reports whether id is one of the platform's deployments.
func (p *Platform) HasDeployment(id string) bool {
	for _, d := range p.Deployments {
		if d == id {
			return true
		}
	}
	return false
}

// ToolKey is one of Vigil's own RSA signing keys. A key is published (in
// the JWKS) from its creation until a while after it retires, and signs
// only while active: the next key is published before it signs anything.
type ToolKey struct {
	KID         string
	PrivatePEM  []byte
	CreatedAt   time.Time
	ActivatedAt time.Time // zero: not yet signing
	RetiredAt   time.Time // zero: not retired
}

// LTIContext ties a course to the platform context it came from.
type LTIContext struct {
	CourseID    int64
	PlatformID  int64
	ContextID   string
	LMSCourseID string // the LMS's own course id (Canvas: custom canvas_course_id)
	NRPSURL     string // Names and Role Provisioning endpoint, when offered
	// NRPSPlatformID is the registration whose launch gave NRPSURL (its
	// client id must read it; 0: PlatformID's).
	NRPSPlatformID int64
	RosterSyncedAt time.Time
}

// LMSQuiz is the LMS quiz an exam proctors, and the hidden access code
// Vigil set on it (revealed only inside a live proctored session).
type LMSQuiz struct {
	ExamID     int64
	QuizID     string
	AccessCode string
	UpdatedAt  time.Time
}

// AssessmentKind is a kind of name an LMS gives one of its assessments
// (a quiz, a test, an activity) when it reaches Vigil.
type AssessmentKind string

// The names of an LMS assessment. Each is unique within a course (one
// platform's context), and names at most one exam there.
const (
	// AssessmentResourceLink is an LTI resource link id: resource link
	// launches and LTI Proctoring messages carry it.
	AssessmentResourceLink AssessmentKind = "resource_link"
	// AssessmentCanvasQuiz is a Canvas quiz id: the Canvas REST API's, and
	// a launch's custom canvas_quiz_id.
	AssessmentCanvasQuiz AssessmentKind = "canvas_quiz"
)

// AssessmentKey is one name of an LMS assessment.
type AssessmentKey struct {
	Kind AssessmentKind
	ID   string
}

func (k AssessmentKey) String() string { return string(k.Kind) + ":" + k.ID }

// AssessmentLink is an LMS assessment's name and the exam it is.
type AssessmentLink struct {
	AssessmentKey
	ExamID int64
}

// RegistrationLink is a one-time address an administrator gives an LMS
// administrator, who pastes it into the LMS to register Vigil there (LTI
// Dynamic Registration). Only its hash is kept.
type RegistrationLink struct {
	TokenHash  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	CreatedBy  string
	UsedAt     time.Time // zero: not used yet
	PlatformID int64     // the registration it made
}

// RequestState is where a course enablement request stands.
type RequestState string

// Request states.
const (
	RequestPending  RequestState = "pending"
	RequestApproved RequestState = "approved"
	RequestDenied   RequestState = "denied"
)

// CourseRequest is an instructor's request to use Vigil in a course.
type CourseRequest struct {
	ID           int64
	CourseID     int64
	UserID       int64
	Note         string
	State        RequestState
	CreatedAt    time.Time
	DecidedBy    int64
	DecidedAt    time.Time
	DecisionNote string
}

// ProctoringLaunch is an attempt the platform proctors through LTI
// Proctoring Services: what Vigil must echo when it lets the assessment
// start, and where it may send Assessment Control requests.
type ProctoringLaunch struct {
	SessionID           int64
	PlatformID          int64
	DeploymentID        string
	ResourceLinkID      string
	UserSub             string
	AttemptNumber       int
	SessionData         string
	StartAssessmentURL  string
	ACSURL              string
	ACSActions          []string
	EndAssessmentReturn bool
	StartedAt           time.Time // when Vigil let the assessment start
	EndedAt             time.Time // when the platform said it ended
}

// CanvasToken is an instructor's OAuth2 token for a Canvas REST API.
type CanvasToken struct {
	PlatformID   int64
	UserID       int64
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time
}

// Audit actions of the LTI and administration side.
const (
	AuditLTILaunch        = "lti.launch"
	AuditLTIRefused       = "lti.refused"
	AuditPlatformSaved    = "lti.platform_saved"
	AuditKeysRotated      = "lti.keys_rotated"
	AuditCourseRequested  = "course.requested"
	AuditCourseDecided    = "course.decided"
	AuditQuizProctored    = "exam.quiz_proctored"
	AuditAssessmentStart  = "lti.start_assessment"
	AuditAssessmentEnd    = "lti.end_assessment"
	AuditAssessmentAction = "lti.assessment_control"
	AuditDeepLink         = "lti.deep_link"
	// AuditPlatformRegistered: an LMS registered Vigil by a registration
	// link (LTI Dynamic Registration).
	AuditPlatformRegistered = "lti.platform_registered"
	// AuditPlatformJoined: an administrator joined two registrations of
	// one LMS.
	AuditPlatformJoined = "lti.platform_joined"
	// AuditRegistrationLink: an administrator made a registration link.
	AuditRegistrationLink = "lti.registration_link"
	// AuditQuizPassword: an instructor made, changed or removed an exam's
	// quiz password.
	AuditQuizPassword = "exam.quiz_password"
	// AuditExamMerged: two exams that were one LMS assessment became one
	// (migration 0011); the subject is the exam that remains.
	AuditExamMerged = "exam.merged"
)
