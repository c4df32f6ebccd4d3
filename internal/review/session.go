package review

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// SessionPage is what the session page shows, on every tab.
type SessionPage struct {
	Course     *proctor.Course
	Exam       *proctor.Exam
	Session    *proctor.Session
	Student    *proctor.Student
	Violations []proctor.Violation
	Notes      []proctor.Note
	// Applied counts applied violations; Excused those the instructor excused.
	Applied, Excused int
	Frames           int64
	HasVideo         bool
	Scans            []proctor.Photo // this exam's verification attempts
	Onboarding       *Profile
	// Problems are media that could not be analysed (first few), so the
	// reviewer knows what the verdict did not see.
	Problems []store.AnalysisProblem
	// Capture notes how the session was captured (devices, screen share,
	// refused uploads); SourceGaps which signal sources it lacked.
	Capture    []CaptureNote
	SourceGaps string
	// Retention is the course's; MediaUntil when the session's media is
	// due for deletion (zero while the session has not ended, or once
	// Session.MediaPurgedAt says it was deleted).
	Retention  CourseRetention
	MediaUntil time.Time
	// Companions: how the desktop agent and the browser extension reported.
	Companions []CompanionNote
	// Reason explains the rules' verdict; ReviewedReason, present once an
	// instructor has decided anything, the verdict after those decisions.
	Reason         analysis.Reason
	ReviewedReason *analysis.Reason
	// Evidence is each violation's evidence besides snapshots, by id.
	Evidence map[int64]Evidence
	// MayChange: the viewer may decide, note, mark and export (not a
	// read-only reviewer), so the page offers those forms.
	MayChange bool
	// People names, by user id, who decided a violation or marked the
	// session reviewed, so the page says who decided what.
	People map[int64]string
}

// Troubled says whether the capture notes, companions or analysis
// report anything that left evidence missing or partial.
func (p *SessionPage) Troubled() bool {
	if len(p.Problems) > 0 {
		return true
	}
	for _, c := range p.Capture {
		if c.Trouble {
			return true
		}
	}
	for _, c := range p.Companions {
		if c.Trouble {
			return true
		}
	}
	return false
}

// Profile is a student's onboarding profile: every onboarding photo attempt
// and whether a passing face and ID photo are on file.
type Profile struct {
	Photos   []proctor.Photo
	Complete bool
	// CompletedAt is when the last photo needed for completion arrived.
	CompletedAt time.Time
	// Face is the latest accepted face photo, to compare scans with.
	Face *proctor.Photo
	// PurgedAt is when the retention policy last deleted onboarding
	// photos of this student (zero: never).
	PurgedAt time.Time
}

// maxProblems bounds the analysis problems listed on the session page.
const maxProblems = 10

// Session loads a session page and records the view in the audit log.
func (s *Service) Session(ctx context.Context, a Actor, sessionID int64) (*SessionPage, error) {
	sess, exam, err := s.sessionScope(ctx, a, sessionID, s.canSee)
	if err != nil {
		return nil, err
	}
	p := &SessionPage{Exam: exam, Session: sess, MayChange: s.canChange(ctx, a, exam.CourseID) == nil}
	if err := s.fillSession(ctx, p); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, s.store, a, proctor.AuditSessionView, exam.CourseID, fmt.Sprintf("session:%d", sess.ID), ""); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Service) fillSession(ctx context.Context, p *SessionPage) error {
	var err error
	if p.Course, err = s.store.GetCourse(ctx, p.Exam.CourseID); err != nil {
		return err
	}
	if p.Student, err = s.store.GetStudent(ctx, p.Session.StudentID); err != nil {
		return err
	}
	if p.Violations, err = s.store.ListViolations(ctx, p.Session.ID); err != nil {
		return err
	}
	for i := range p.Violations {
		if p.Violations[i].Applied {
			p.Applied++
		}
		if p.Violations[i].Decision == proctor.DecisionExcused {
			p.Excused++
		}
	}
	if p.Reason, p.ReviewedReason, err = analysis.NewReasoner(s.store).Reasons(ctx, p.Session, p.Exam.Settings.Policy, p.Violations); err != nil {
		return err
	}
	if p.Evidence, err = s.evidence(ctx, p.Session, p.Violations); err != nil {
		return err
	}
	if p.People, err = s.names(ctx, deciders(p.Session, p.Violations)...); err != nil {
		return err
	}
	if p.Notes, err = s.store.ListNotes(ctx, p.Session.ID); err != nil {
		return err
	}
	if p.Frames, err = s.store.CountFrames(ctx, p.Session.ID); err != nil {
		return err
	}
	chunks, err := s.store.ListChunks(ctx, p.Session.ID, proctor.StreamWebcam)
	if err != nil {
		return err
	}
	p.HasVideo = len(chunks) > 0
	if p.Scans, err = s.store.ListPhotos(ctx, p.Session.ID, proctor.PurposeVerification); err != nil {
		return err
	}
	if p.Problems, err = s.store.AnalysisProblems(ctx, p.Session.ID, maxProblems); err != nil {
		return err
	}
	if p.Capture, err = s.captureNotes(ctx, p.Session); err != nil {
		return err
	}
	p.SourceGaps = SourceGaps(p.Session.Sources)
	if p.Retention, err = s.courseRetention(ctx, p.Course); err != nil {
		return err
	}
	if !p.Session.MediaPurged() {
		p.MediaUntil = p.Session.MediaExpiresAt(p.Retention.Effective.MediaDays)
	}
	if p.Companions, err = s.companionNotes(ctx, p.Session, p.Exam); err != nil {
		return err
	}
	if p.Onboarding, err = s.profile(ctx, p.Student.ID); err != nil {
		return err
	}
	p.Onboarding.PurgedAt = p.Student.OnboardingPurgedAt
	return nil
}

func (s *Service) profile(ctx context.Context, studentID int64) (*Profile, error) {
	photos, err := s.store.ListStudentPhotos(ctx, studentID, proctor.PurposeOnboarding)
	if err != nil {
		return nil, err
	}
	p := &Profile{Photos: photos}
	for i := range photos {
		if photos[i].Kind == proctor.PhotoFace && photos[i].Passed {
			p.Face = &photos[i]
		}
	}
	if done, last := proctor.Onboarded(photos); done {
		p.Complete, p.CompletedAt = true, last.ReceivedAt
	}
	return p, nil
}
