package review

import (
	"context"
	"time"

	"vigil/internal/export"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Store is what review reads, and the writes it makes outside a
// transaction (audit entries); its other writes go through InTx.
type Store interface {
	auditor
	// Courses, exams, people and who may see what.
	ListCoursesForUser(ctx context.Context, userID int64) ([]proctor.Course, error)
	GetCourse(ctx context.Context, id int64) (*proctor.Course, error)
	CourseRole(ctx context.Context, courseID, userID int64) (proctor.CourseRole, error)
	ListExams(ctx context.Context, courseID int64) ([]store.ExamSummary, error)
	GetExam(ctx context.Context, id int64) (*proctor.Exam, error)
	ListAccommodations(ctx context.Context, examID int64) ([]proctor.Accommodation, error)
	ListStudents(ctx context.Context, courseID int64) ([]proctor.Student, error)
	GetStudent(ctx context.Context, id int64) (*proctor.Student, error)
	GetUser(ctx context.Context, id int64) (*proctor.User, error)
	GetUserByEmail(ctx context.Context, email string) (*proctor.User, string, error)
	ListUsers(ctx context.Context) ([]proctor.User, error)
	// Sessions and what they captured.
	GetSession(ctx context.Context, id int64) (*proctor.Session, error)
	ListExamSessions(ctx context.Context, examID int64) ([]store.SessionRow, error)
	CountFrames(ctx context.Context, sessionID int64) (int64, error)
	ListFrames(ctx context.Context, sessionID, from int64, limit int) ([]proctor.Frame, error)
	ListChunks(ctx context.Context, sessionID int64, stream string) ([]proctor.VideoChunk, error)
	GetAudio(ctx context.Context, sessionID, seq int64) (*proctor.AudioChunk, error)
	ListPhotos(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
	ListStudentPhotos(ctx context.Context, studentID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error)
	ListEvents(ctx context.Context, sessionID int64) ([]proctor.Event, error)
	ListEventBatchTimes(ctx context.Context, sessionID int64, source string) ([]time.Time, error)
	GetFrame(ctx context.Context, sessionID, seq int64) (*proctor.Frame, error)
	NextFrameSeq(ctx context.Context, sessionID int64) (int64, error) // the live view's latest thumbnail
	GetPhotoByID(ctx context.Context, id int64) (*proctor.Photo, error)
	// What the analysis found, and the notes on it.
	AnalysisProblems(ctx context.Context, sessionID int64, limit int) ([]store.AnalysisProblem, error)
	ListAudioSignals(ctx context.Context, sessionID int64) ([]proctor.AudioSignal, error)
	ListViolations(ctx context.Context, sessionID int64) ([]proctor.Violation, error)
	ListExamViolations(ctx context.Context, examID int64) (map[int64][]proctor.Violation, error)
	GetViolation(ctx context.Context, id int64) (*proctor.Violation, error)
	ListNotes(ctx context.Context, sessionID int64) ([]proctor.Note, error)
	// The audit log, exports and retention.
	ListAudit(ctx context.Context, f store.AuditFilter) ([]proctor.AuditEntry, error)
	GetExport(ctx context.Context, id int64) (*proctor.Export, error)
	ListExports(ctx context.Context, userID int64, limit int) ([]proctor.Export, error)
	InstitutionRetention(ctx context.Context) (proctor.Retention, error)
	ExpiredMedia(ctx context.Context, inst proctor.Retention, now time.Time, limit int) ([]store.MediaExpiry, error)
	ExpiredOnboarding(ctx context.Context, inst proctor.Retention, now time.Time, limit int) ([]store.OnboardingExpiry, error)
	// The mail outbox, and the key that signs export links.
	ListMail(ctx context.Context, limit int) ([]proctor.Mail, error)
	export.SecretStore
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}

// auditor appends audit entries, on the store or inside a transaction.
type auditor interface {
	AppendAudit(ctx context.Context, e *proctor.AuditEntry) error
}
