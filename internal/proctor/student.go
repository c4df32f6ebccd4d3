package proctor

import (
	"strings"
	"time"
)

// The student's side of a session: their consent before anything is
// captured, the release of a reviewed session to them, and their answers
// to its flags. Students never sign in; they act through their session
// link, and every one of these acts is in the audit log under the actor
// "student:<id>".

// ConsentVersion names the wording of the consent page a student agreed
// to; it goes into the audit entry, so a later change of the text does
// not rewrite what an earlier student saw.
const ConsentVersion = "2026-12"

// ReviewRelease lets a student see their own session's flags and the
// evidence behind them, and answer each flag until ExplainUntil. Only an
// instructor of a course whose student review is switched on releases a
// session, and only once it has been analysed.
type ReviewRelease struct {
	SessionID    int64
	ReleasedAt   time.Time
	ReleasedBy   int64
	ExplainUntil time.Time
}

// Open reports whether explanations are still accepted at now.
func (r *ReviewRelease) Open(now time.Time) bool { return now.Before(r.ExplainUntil) }

// Explanation is a student's answer to one flag ("my little brother walked
// in"). It is keyed by the violation's Key, so it survives a re-decision
// of the session the way an instructor's decision does.
type Explanation struct {
	SessionID    int64
	ViolationKey string
	Body         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// NotifiedAt is when a digest mail told the instructors (zero: not
	// yet, or changed since).
	NotifiedAt time.Time
}

// MaxExplanation bounds one explanation, in characters.
const MaxExplanation = 2000

// Audit actions of the student's side.
const (
	// AuditConsent: the student agreed to what is recorded, before the
	// system check asked for any device.
	AuditConsent = "student.consent"
	// AuditStudentReviewView: the student opened their released review.
	AuditStudentReviewView = "student.review_view"
	// AuditStudentMediaView: the student saw evidence of their own flags.
	AuditStudentMediaView = "student.media_view"
	// AuditExplanation: the student sent explanations of flags.
	AuditExplanation = "student.explanation"
	// AuditReviewReleased: an instructor released a session's review to
	// its student.
	AuditReviewReleased = "session.review_released"
	// AuditStudentReviewSetting: an instructor switched the course's
	// student review on or off.
	AuditStudentReviewSetting = "course.student_review"
)

func init() {
	AuditActions = append(AuditActions, AuditConsent, AuditStudentReviewView, AuditStudentMediaView,
		AuditExplanation, AuditReviewReleased, AuditStudentReviewSetting)
}

// studentOff says, to the student, what switching a check off means.
var studentOff = map[ViolationType]string{
	OnlineAid:        "Leaving the exam page is not flagged for you.",
	LeftSession:      "You may leave the camera's view (for a break, for example): it is not flagged for you.",
	FacialSuspicion:  "Looking away from the screen is not flagged for you.",
	MultiplePeople:   "Another person in the camera's view (a helper, for example) is not flagged for you.",
	BackgroundMotion: "Movement behind you is not flagged for you.",
	BackgroundAudio:  "Voices and other sound in your room are not flagged for you.",
	Keystrokes:       "Key combinations are not flagged for you.",
	BlacklistedApps:  "The apps this exam does not allow are not flagged for you.",
}

// ForStudent says in plain words what an accommodation changes, as the
// student reads it on their own pages. The instructor's note is not
// included: it may hold what only staff should read.
func (a *Accommodation) ForStudent() []string {
	if a == nil {
		return nil
	}
	var out []string
	for _, t := range ViolationTypes {
		for _, off := range a.Off {
			if off == t {
				out = append(out, studentOff[t])
			}
		}
	}
	if len(a.AllowedApps) > 0 {
		out = append(out, "These apps are allowed for you: "+strings.Join(a.AllowedApps, ", ")+".")
	}
	if len(a.AllowedKeys) > 0 {
		out = append(out, "These key combinations are not flagged for you: "+strings.Join(a.AllowedKeys, ", ")+".")
	}
	return out
}
