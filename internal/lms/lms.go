// Package lms is what Vigil does with an LMS once LTI has vouched for a
// launch: it finds or makes the course, the person and the exam, decides
// where the launch leads, keeps the roster, proctors Canvas quizzes with a
// hidden access code, and carries out LTI Proctoring Services and Deep
// Linking. The protocol itself is package lti; pages are package web.
package lms

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/lti"
	"vigil/internal/proctor"
)

// Service is the LMS side of Vigil.
type Service struct {
	Store    Store
	Ingest   *ingest.Service
	Keys     *lti.Keyring
	Services *lti.Services
	HTTP     *http.Client // Canvas REST calls
	Now      func() time.Time
	Log      *slog.Logger
	// Base is Vigil's public base URL (links returned by deep linking).
	Base string
	// GlobalAdmins names the LMS users who administer all of Vigil: e-mail
	// addresses, or ISSUER#SUB. An LMS's own administrators administer
	// only that LMS's courses.
	GlobalAdmins []string
	// AssistantsChange gives teaching assistants and content developers
	// an instructor's rights; without it they review, read-only.
	AssistantsChange bool
	// MailSends: an SMTP server takes Vigil's mail, so a message is queued
	// for sending; without one it is kept in the outbox for administrators.
	MailSends bool
}

// studentLinkLife: a session link from a launch is for now, not next week.
const studentLinkLife = 24 * time.Hour

// rosterAge: a roster older than this is read again on an instructor launch.
const rosterAge = 10 * time.Minute

// Kind is where a launch leads.
type Kind int

// Where launches lead.
const (
	GoDashboard     Kind = iota + 1 // the course dashboard (instructors)
	GoExam                          // an exam's Student List (instructors)
	GoAdmin                         // the administration pages
	GoRequest                       // the course is not enabled: ask for it
	GoDeepLink                      // choose an exam to place in the course
	GoStudentExam                   // the student opens the proctoring window
	GoProctoring                    // LTI Proctoring: checks, then the assessment
	GoEndAssessment                 // LTI Proctoring: the assessment ended
	GoInfo                          // a message only
	GoCourses                       // the list of courses (an LMS's administrators)
)

// String names where a launch leads, for logs (outcome=exam, not outcome=2).
func (k Kind) String() string {
	names := [...]string{GoDashboard: "dashboard", GoExam: "exam", GoAdmin: "admin", GoRequest: "enablement_request",
		GoDeepLink: "deep_link", GoStudentExam: "student_exam", GoProctoring: "proctoring", GoEndAssessment: "end_assessment",
		GoInfo: "info", GoCourses: "courses"}
	if k > 0 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("kind_%d", int(k))
}

// Outcome is what a launch leads to.
type Outcome struct {
	Kind    Kind
	User    *proctor.User // teachers and administrators are signed in as this user
	Course  *proctor.Course
	Exam    *proctor.Exam
	Student *proctor.Student
	// StudentLink is the session link token the proctoring window opens.
	StudentLink string
	SessionID   int64
	Launch      *lti.Launch
	Message     string
}

func info(msg string, args ...any) *Outcome {
	return &Outcome{Kind: GoInfo, Message: fmt.Sprintf(msg, args...)}
}

// Who acts, for the audit log: a dashboard user and the address their
// request came from, or (User nil) a student or a tool by Name
// ("student:12", "cli").
type Who struct {
	User   *proctor.User
	Name   string
	Remote string
}

// As is a signed-in user acting from remote.
func As(u *proctor.User, remote string) Who { return Who{User: u, Remote: remote} }

func (s *Service) audit(ctx context.Context, q auditor, who Who, action string, courseID int64, subject, detail string) error {
	e := &proctor.AuditEntry{At: s.Now(), Actor: who.Name, Action: action, CourseID: courseID,
		Subject: subject, Detail: detail, Remote: who.Remote}
	if who.User != nil {
		e.UserID, e.Actor = who.User.ID, who.User.Email
	}
	return q.AppendAudit(ctx, e)
}
