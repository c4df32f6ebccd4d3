// Package jobargs names Vigil's background jobs: each job's arguments, its
// kind (River's name for it) and how it is queued. Domain packages enqueue
// these in the same transaction as their data (store.Tx.Enqueue); package
// jobs works them. Keeping them here lets the domain enqueue without
// depending on the workers, so jobs depends on the domain and not the
// other way round.
package jobargs

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// QueueExports is the queue export builds run on, apart from the analysis.
const QueueExports = "exports"

// waitingOrRunning makes a job unique while one like it waits or runs.
var waitingOrRunning = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
}

// AnalyzeSession analyses a session's new uploads and, once the session is
// finished, decides its violations. One is pending per session at a time:
// uploads arriving meanwhile are picked up by the same job.
type AnalyzeSession struct {
	SessionID int64 `json:"session_id"`
}

// Kind is River's name for the job.
func (AnalyzeSession) Kind() string { return "analyze_session" }

// InsertOpts makes the job unique per session while it waits or runs.
// "completed" is left out so that the next upload after a run enqueues anew;
// the worker completes its job in the same transaction as its last check
// for new work, so no upload can slip between the two.
func (AnalyzeSession) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingOrRunning}}
}

// ExpireSessions closes sessions never finished within the resume window and
// has what they recorded analysed. It runs periodically.
type ExpireSessions struct{}

// Kind is River's name for the job.
func (ExpireSessions) Kind() string { return "expire_sessions" }

// Redecide runs the rules again over the stored signals of an exam's
// decided sessions — after its settings changed, or one student's
// accommodation (StudentID set). Nothing is detected or recorded again.
type Redecide struct {
	ExamID    int64 `json:"exam_id"`
	StudentID int64 `json:"student_id,omitempty"`
}

// Kind is River's name for the job.
func (Redecide) Kind() string { return "redecide" }

// InsertOpts: one pending re-decision per exam (and student) is enough;
// a change while one runs queues another, so the newest settings win.
func (Redecide) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingOrRunning}}
}

// SyncRoster reads a course's roster from its LMS (LTI Names and Role
// Provisioning), so the Student List shows who has not started.
type SyncRoster struct {
	CourseID int64 `json:"course_id"`
}

// Kind is River's name for the job.
func (SyncRoster) Kind() string { return "sync_roster" }

// InsertOpts: one waiting or running sync per course is enough.
func (SyncRoster) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingOrRunning}}
}

// BuildExport builds an export's ZIP, then queues the email that says it
// is ready.
type BuildExport struct {
	ExportID int64 `json:"export_id"`
}

// Kind is River's name for the job.
func (BuildExport) Kind() string { return "build_export" }

// InsertOpts: a build that fails is reported to the requester, who raises
// the request again; only a build cut off by a stopping server runs again.
func (BuildExport) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, Queue: QueueExports}
}

// ExpireExports deletes the files of exports whose links expired. It runs
// periodically.
type ExpireExports struct{}

// Kind is River's name for the job.
func (ExpireExports) Kind() string { return "expire_exports" }

// SendMail sends one message of the outbox.
type SendMail struct {
	MailID int64 `json:"mail_id"`
}

// Kind is River's name for the job.
func (SendMail) Kind() string { return "send_mail" }

// MailAttempts is how often a message is tried: with the workers' backoff
// (jobs.DefaultMailRetry doubling), eleven waits of 30 s doubling to
// 4 h 16 min, then 6 h, about 14.5 hours in all for a mail server that
// stays down (jobs.TestMailRetrySchedule).
const MailAttempts = 12

// InsertOpts bounds the attempts.
func (SendMail) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MailAttempts} }

// PurgeMedia deletes media kept longer than the retention policy allows:
// the frames, recordings, audio and verification photos of sessions that
// ended more than their course's period ago, and onboarding photos older
// than theirs. Sessions keep their summary. It runs periodically.
type PurgeMedia struct{}

// Kind is River's name for the job.
func (PurgeMedia) Kind() string { return "purge_media" }

// InsertOpts: one waiting or running purge is enough.
func (PurgeMedia) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingOrRunning}}
}

// JoinVideo writes each recorded segment of a finished session as one
// object, so that a store with signed URLs (S3) can serve the dashboard's
// player directly (jobs.Deps.JoinVideo). The chunks stay: exports and the
// fallback player read them.
type JoinVideo struct {
	SessionID int64 `json:"session_id"`
}

// Kind is River's name for the job.
func (JoinVideo) Kind() string { return "join_video" }

// ExplanationDigest mails a session's instructors the explanations its
// student sent since the last digest. One is queued with each batch of
// explanations, to run At (a few minutes later), so that explanations sent
// close together arrive in one mail; a digest that finds nothing new sends
// nothing.
type ExplanationDigest struct {
	SessionID int64     `json:"session_id"`
	At        time.Time `json:"at"`
}

// Kind is River's name for the job.
func (ExplanationDigest) Kind() string { return "explanation_digest" }

// InsertOpts schedules the digest.
func (d ExplanationDigest) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, ScheduledAt: d.At}
}
