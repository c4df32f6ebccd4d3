// Package store defines how Vigil keeps its data, without saying in what:
// the interfaces here have no SQL. The implementation (sqlstore, on SQLite
// or PostgreSQL) passes the shared suite in storetest on both engines.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/proctor"
)

// Errors every implementation returns (wrapped, test with errors.Is).
var (
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique key is taken or an expected state did not hold.
	ErrConflict = errors.New("store: conflict")
	// ErrUnsupported: the engine cannot do this (Listen on SQLite).
	ErrUnsupported = errors.New("store: not supported by this database")
	// ErrStorageFull: the database's disk is full (SQLite's "database or
	// disk is full", PostgreSQL's disk_full). It passes once space is freed.
	ErrStorageFull = errors.New("store: database or disk is full")
	// ErrSchemaOutdated: the database needs `vigil migrate`.
	ErrSchemaOutdated = errors.New("store: database schema is older than this version of vigil")
)

// Store is the whole of Vigil's data. Reads may come from a reader pool;
// writes outside InTx are each their own transaction.
type Store interface {
	Queries
	// InTx runs fn in one write transaction: all of fn's writes and the jobs
	// it enqueues commit together, or none do.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// RiverDriver is the job queue's driver on the same database, so that
	// jobs enqueued in InTx commit with their data.
	RiverDriver() riverdriver.Driver[*sql.Tx]
	// SchemaVersion returns the applied and the wanted migration numbers.
	SchemaVersion(ctx context.Context) (have, want int, err error)
	Notifier
	Close() error
}

// Notifier carries small messages between the processes that share a
// database (the live view's events, from the process that stored an
// upload to those whose pages watch it).
type Notifier interface {
	// Notify sends payload (at most a few kilobytes) to the listeners of
	// channel; with one process per database it may do nothing.
	Notify(ctx context.Context, channel, payload string) error
	// Listen calls fn with each payload sent on channel until ctx ends;
	// ErrUnsupported where one process serves the database alone.
	Listen(ctx context.Context, channel string, fn func(payload string)) error
}

// Tx is a write transaction.
type Tx interface {
	Queries
	// Enqueue adds a background job that commits with the transaction.
	Enqueue(ctx context.Context, job JobArgs) error
	// CompleteJob marks the running job complete inside this transaction,
	// so a worker's results and its completion commit together.
	CompleteJob(ctx context.Context, job *rivertype.JobRow) error
}

// JobArgs is a background job's arguments (the same shape as river.JobArgs).
type JobArgs interface{ Kind() string }

// Queries are the reads and writes, available on a Store and inside a Tx.
type Queries interface {
	Directory
	Sessions
	Capture
	Analysis
	Review
	Access
	LTI
	Exports
	Retention
	Companions
	Membership
	StudentSide
}

// Directory holds courses, exams, students and dashboard users.
type Directory interface {
	CreateCourse(ctx context.Context, c *proctor.Course) error
	GetCourse(ctx context.Context, id int64) (*proctor.Course, error)
	GetCourseByCode(ctx context.Context, code string) (*proctor.Course, error)
	// UpdateCourse changes a course's code, title and enablement.
	UpdateCourse(ctx context.Context, c *proctor.Course) error
	// ListCoursesForUser lists the courses a user may see (all, for an admin).
	ListCoursesForUser(ctx context.Context, userID int64) ([]proctor.Course, error)
	AddCourseMember(ctx context.Context, courseID, userID int64) error
	IsCourseMember(ctx context.Context, courseID, userID int64) (bool, error)

	CreateExam(ctx context.Context, e *proctor.Exam) error
	GetExam(ctx context.Context, id int64) (*proctor.Exam, error)
	ListExams(ctx context.Context, courseID int64) ([]ExamSummary, error)
	UpdateExamSettings(ctx context.Context, examID int64, s proctor.Settings, at time.Time) error

	// SetAccommodation stores (or replaces) one student's accommodation for an
	// exam; an accommodation with nothing switched off and no app allowed
	// removes it.
	SetAccommodation(ctx context.Context, a *proctor.Accommodation) error
	GetAccommodation(ctx context.Context, examID, studentID int64) (*proctor.Accommodation, error)
	ListAccommodations(ctx context.Context, examID int64) ([]proctor.Accommodation, error)

	CreateStudent(ctx context.Context, s *proctor.Student) error
	GetStudent(ctx context.Context, id int64) (*proctor.Student, error)
	FindStudentByEmail(ctx context.Context, courseID int64, email string) (*proctor.Student, error)
	// ListStudents lists a course's students by last and first name.
	ListStudents(ctx context.Context, courseID int64) ([]proctor.Student, error)

	CreateUser(ctx context.Context, u *proctor.User, passwordHash string) error
	GetUser(ctx context.Context, id int64) (*proctor.User, error)
	// GetUserByEmail returns the user and the stored password hash.
	GetUserByEmail(ctx context.Context, email string) (*proctor.User, string, error)
	// ListUsers lists every dashboard user by name.
	ListUsers(ctx context.Context) ([]proctor.User, error)
}

// ExamSummary is an exam with its session counts, for the course dashboard.
type ExamSummary struct {
	proctor.Exam
	Sessions  int
	Finished  int
	Reviewed  int
	Failed    int
	InProcess int
}

// Sessions holds proctored attempts and the tokens that reach them.
type Sessions interface {
	// CreateSession assigns the next attempt number for the student and exam.
	CreateSession(ctx context.Context, s *proctor.Session) error
	GetSession(ctx context.Context, id int64) (*proctor.Session, error)
	// LatestSession is the student's newest attempt at the exam.
	LatestSession(ctx context.Context, examID, studentID int64) (*proctor.Session, error)
	// SetSessionState moves a session from one state to another; ErrConflict
	// when it was no longer in from.
	SetSessionState(ctx context.Context, id int64, from, to proctor.SessionState, at time.Time) error
	// TouchCapture raises the session's last capture time to at, never lowers it.
	TouchCapture(ctx context.Context, id int64, at time.Time) error
	// TouchRecording notes recorded media from from to to: it lowers the
	// session's recording start to from (never raises it) and raises its
	// last capture time to to.
	TouchRecording(ctx context.Context, id int64, from, to time.Time) error
	// SetLMSAttempt records the LMS's own attempt number for the session.
	SetLMSAttempt(ctx context.Context, id int64, attempt int) error
	AddSessionSource(ctx context.Context, id int64, source string) error
	// ExpireSessions moves open sessions created before cutoff to expired and
	// returns their ids.
	ExpireSessions(ctx context.Context, cutoff, at time.Time) ([]int64, error)

	// AddSessionToken stores a token (its hash) for one session and source.
	AddSessionToken(ctx context.Context, t *SessionToken) error
	// GetSessionToken returns the token with this hash, expired or not (an
	// expired token is still found, so its refusal can be recorded against
	// its session), and its session: every upload asks, and one query is
	// one round trip less per upload.
	GetSessionToken(ctx context.Context, tokenHash string) (*SessionToken, *proctor.Session, error)

	CreateSessionLink(ctx context.Context, l *SessionLink) error
	GetSessionLink(ctx context.Context, tokenHash string) (*SessionLink, error)
	// BindSessionLink ties a link to the session it opened; a link already
	// bound keeps its session.
	BindSessionLink(ctx context.Context, tokenHash string, sessionID int64) error
}

// SessionToken opens one session for one capture source: the proctoring
// window (SourceBrowser) or a companion paired with it (agent, extension),
// which may only upload its own events.
type SessionToken struct {
	Hash      string
	SessionID int64
	Source    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionLink lets one student start (or resume) a session of one exam.
// Once it has opened a session it opens that one (SessionID); until then
// NewAttempt says whether it may start a new attempt when the student's
// latest is over, or opens the latest.
type SessionLink struct {
	TokenHash  string
	ExamID     int64
	StudentID  int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	SessionID  int64
	NewAttempt bool
}

// UploadKind names a kind of numbered upload, for Capture.UploadSlot.
type UploadKind string

// The numbered uploads.
const (
	UploadFrame      UploadKind = "frame"
	UploadAudio      UploadKind = "audio chunk"
	UploadVideo      UploadKind = "video chunk" // per stream
	UploadEventBatch UploadKind = "event batch" // per source
)

// UploadSlot is what the store holds at one upload's number.
type UploadSlot struct {
	SHA256 string // of what is stored under the number; "" when nothing is
	Next   int64  // one past the highest number stored (0 if none)
}

// Capture holds what the client uploads. Inserts of an existing key return
// ErrConflict; callers look the existing row up to tell a retry from a clash.
type Capture interface {
	// UploadSlot reads, in one query, what is stored under one upload's
	// number and the number expected next: all an upload's check for a
	// retry, a clash or a gap needs (ingest runs it twice per upload).
	// stream is the video stream or the events' source; "" for frames and
	// audio.
	UploadSlot(ctx context.Context, kind UploadKind, sessionID int64, stream string, seq int64) (UploadSlot, error)
	InsertFrame(ctx context.Context, f *proctor.Frame) error
	GetFrame(ctx context.Context, sessionID, seq int64) (*proctor.Frame, error)
	// NextFrameSeq is one past the highest stored sequence number (0 if none).
	NextFrameSeq(ctx context.Context, sessionID int64) (int64, error)
	// RecordingActivity is when the session's last webcam still, webcam
	// chunk and screen chunk arrived (received_at).
	RecordingActivity(ctx context.Context, sessionID int64) (proctor.RecordingActivity, error)
	// ListFrames lists frames in sequence order from seq from, at most limit.
	ListFrames(ctx context.Context, sessionID, from int64, limit int) ([]proctor.Frame, error)
	CountFrames(ctx context.Context, sessionID int64) (int64, error)

	InsertChunk(ctx context.Context, c *proctor.VideoChunk) error
	GetChunk(ctx context.Context, sessionID int64, stream string, seq int64) (*proctor.VideoChunk, error)
	NextChunkSeq(ctx context.Context, sessionID int64, stream string) (int64, error)
	ListChunks(ctx context.Context, sessionID int64, stream string) ([]proctor.VideoChunk, error)

	// InsertEventBatch stores a batch's events under its source and number
	// (each source numbers its batches from 0); the batch's SHA-256 tells a
	// retry from a clash.
	InsertEventBatch(ctx context.Context, sessionID int64, source string, batch int64, sha string, events []proctor.Event, at time.Time) error
	NextEventBatch(ctx context.Context, sessionID int64, source string) (int64, error)
	// ListEventBatchTimes lists when each of a source's batches arrived
	// (server clock), in batch order: a companion's heartbeat record.
	ListEventBatchTimes(ctx context.Context, sessionID int64, source string) ([]time.Time, error)
	ListEvents(ctx context.Context, sessionID int64) ([]proctor.Event, error)

	InsertAudio(ctx context.Context, a *proctor.AudioChunk) error
	GetAudio(ctx context.Context, sessionID, seq int64) (*proctor.AudioChunk, error)
	NextAudioSeq(ctx context.Context, sessionID int64) (int64, error)

	InsertPhoto(ctx context.Context, p *proctor.Photo) error
	GetPhoto(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose, kind proctor.PhotoKind, attempt int) (*proctor.Photo, error)
	GetPhotoByID(ctx context.Context, id int64) (*proctor.Photo, error)
	// ListPhotos lists a session's photos of one purpose by kind and attempt.
	ListPhotos(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
	// ListStudentPhotos lists all of a student's photos of one purpose.
	ListStudentPhotos(ctx context.Context, studentID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
}

// Analysis holds detector signals and the violations decided from them.
type Analysis interface {
	// PendingFrames lists frames without a signal, in sequence order.
	PendingFrames(ctx context.Context, sessionID int64, limit int) ([]proctor.Frame, error)
	CountPendingFrames(ctx context.Context, sessionID int64) (int64, error)
	// SaveFrameSignals stores signals; a signal for a frame that has one
	// replaces it (analysis is idempotent).
	SaveFrameSignals(ctx context.Context, sigs []proctor.FrameSignal) error
	ListFrameSignals(ctx context.Context, sessionID int64) ([]proctor.FrameSignal, error)

	// PendingAudio lists audio chunks without signals, in sequence order.
	PendingAudio(ctx context.Context, sessionID int64, limit int) ([]proctor.AudioChunk, error)
	CountPendingAudio(ctx context.Context, sessionID int64) (int64, error)
	// SaveAudioSignals stores one chunk's signals (replacing any) and marks
	// the chunk analysed; problem says why it could not be ("" if it could).
	SaveAudioSignals(ctx context.Context, sessionID, chunkSeq int64, sigs []proctor.AudioSignal, problem string) error
	ListAudioSignals(ctx context.Context, sessionID int64) ([]proctor.AudioSignal, error)
	// AnalysisProblems lists frames and audio chunks that could not be
	// analysed, with the reason, at most limit of them.
	AnalysisProblems(ctx context.Context, sessionID int64, limit int) ([]AnalysisProblem, error)

	// AnalysisState is what the analysis of a session carries between runs
	// (opaque to the store); nil when there is none yet.
	AnalysisState(ctx context.Context, sessionID int64) ([]byte, error)
	SaveAnalysisState(ctx context.Context, sessionID int64, data []byte) error

	// ReplaceViolations swaps a session's violations for a fresh decision,
	// carrying instructors' decisions over to violations with the same Key.
	ReplaceViolations(ctx context.Context, sessionID int64, vs []proctor.Violation) error
	ListViolations(ctx context.Context, sessionID int64) ([]proctor.Violation, error)
	// ListExamViolations lists the violations of every session of an exam,
	// by session id, each session's in time order (one query for a list).
	ListExamViolations(ctx context.Context, examID int64) (map[int64][]proctor.Violation, error)
	GetViolation(ctx context.Context, id int64) (*proctor.Violation, error)
	SetVerdict(ctx context.Context, sessionID int64, automated, reviewed proctor.Verdict, at time.Time) error

	// PendingIdentityPhotos lists a session's photos waiting to be
	// compared with the onboarding photo (identity "pending"), in the
	// order they arrived; CountPendingIdentity counts them.
	PendingIdentityPhotos(ctx context.Context, sessionID int64) ([]proctor.Photo, error)
	CountPendingIdentity(ctx context.Context, sessionID int64) (int64, error)
	// SetPhotoIdentity records a photo's comparison: its result, the
	// similarity and the onboarding photo compared with (0: none).
	SetPhotoIdentity(ctx context.Context, photoID int64, m proctor.IdentityMatch, similarity float64, referenceID int64) error
}

// AnalysisProblem is media of a session that could not be analysed.
type AnalysisProblem struct {
	Kind   string // "frame" or "audio"
	Seq    int64
	Reason string
}

// Review holds instructors' decisions, notes and the audit log.
type Review interface {
	DecideViolation(ctx context.Context, id int64, d proctor.Decision, note string, by int64, at time.Time) error
	AddNote(ctx context.Context, n *proctor.Note) error
	ListNotes(ctx context.Context, sessionID int64) ([]proctor.Note, error)
	SetReviewed(ctx context.Context, sessionID int64, reviewed bool, by int64, at time.Time) error
	// ListExamSessions is the Student List: every attempt at an exam with
	// its student and its applied violation counts.
	ListExamSessions(ctx context.Context, examID int64) ([]SessionRow, error)

	// AppendAudit adds an entry; there is no way to change or remove one.
	AppendAudit(ctx context.Context, e *proctor.AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]proctor.AuditEntry, error)
}

// SessionRow is one line of the Student List.
type SessionRow struct {
	Session proctor.Session
	Student proctor.Student
	// Counts are applied violations by type.
	Counts map[proctor.ViolationType]int
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	CourseID int64
	// UserID matches a user's entries, Actor those written under a name
	// (case-insensitive: an email, "system", "student:12"); with both set
	// an entry matching either is selected.
	UserID  int64
	Actor   string
	Action  string
	Subject string
	Since   time.Time // inclusive
	Until   time.Time // exclusive
	// BeforeID pages back: only entries listed after that entry (newest
	// first, by time then id) are selected.
	BeforeID int64
	Limit    int // 1000 when zero, at most 10000
}

// Access holds dashboard sign-in state: browser sessions and one-time links.
type Access interface {
	CreateWebSession(ctx context.Context, w *WebSession) error
	GetWebSession(ctx context.Context, tokenHash string, now time.Time) (*WebSession, error)
	DeleteWebSession(ctx context.Context, tokenHash string) error

	CreateSignInLink(ctx context.Context, tokenHash string, userID int64, expires time.Time) error
	// UseSignInLink consumes a one-time link and returns its user; a used or
	// expired link is ErrNotFound.
	UseSignInLink(ctx context.Context, tokenHash string, now time.Time) (int64, error)
}

// WebSession is a signed-in dashboard browser.
type WebSession struct {
	TokenHash string
	UserID    int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}
