package student

import (
	"context"
	"errors"
	"slices"
	"strings"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// About is what the consent page and the system check tell a student
// before anything is captured.
type About struct {
	Course  string `json:"course"`
	Exam    string `json:"exam"`
	Student string `json:"student"`
	// MediaDays is how long the recording is kept after the exam, and
	// OnboardingDays the profile photos (the course's retention).
	MediaDays      int `json:"media_days"`
	OnboardingDays int `json:"onboarding_days"`
	// StudentReview: the course lets students see their own flags once
	// an instructor releases the review, and answer them.
	StudentReview bool `json:"student_review"`
	// Accommodations are this student's, in words (proctor.Accommodation.ForStudent).
	Accommodations []string `json:"accommodations"`
	// Assistive is what the exam allows for assistive technology.
	Assistive Assistive `json:"assistive"`
}

// Assistive lists the screen readers and magnifiers every student may use
// (the maintained list, unless the exam turned it off or blacklists one),
// and the apps and key combinations allowed for this student.
type Assistive struct {
	ForEveryone []string `json:"for_everyone"`
	Apps        []string `json:"apps"`
	Keys        []string `json:"keys"`
}

// readerNames are the maintained list's entries as people name them.
var readerNames = map[string]string{
	"nvda": "NVDA", "jfw": "JAWS", "narrator": "Narrator", "voiceover": "VoiceOver", "orca": "Orca",
	"zoomtext": "ZoomText", "supernova": "SuperNova", "fusion": "Fusion",
}

// About tells the student of a session what the consent page and the
// system check say.
func (s *Service) About(ctx context.Context, sess *proctor.Session) (*About, error) {
	exam, course, err := s.scope(ctx, sess)
	if err != nil {
		return nil, err
	}
	st, err := s.d.Store.GetStudent(ctx, sess.StudentID)
	if err != nil {
		return nil, err
	}
	inst, err := s.d.Store.InstitutionRetention(ctx)
	if err != nil {
		return nil, err
	}
	ret := inst.Apply(course.Retention)
	a := &About{Course: course.Title, Exam: exam.Title, Student: st.FullName(), MediaDays: ret.MediaDays,
		OnboardingDays: ret.OnboardingDays, Accommodations: []string{}}
	if a.StudentReview, err = s.d.Store.StudentReview(ctx, course.ID); err != nil {
		return nil, err
	}
	acc, err := s.d.Store.GetAccommodation(ctx, exam.ID, sess.StudentID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if acc != nil {
		a.Accommodations = acc.ForStudent()
	}
	a.Assistive = assistive(&exam.Settings, acc)
	return a, nil
}

func assistive(x *proctor.Settings, acc *proctor.Accommodation) Assistive {
	as := Assistive{ForEveryone: []string{}, Apps: []string{}, Keys: []string{}}
	if x.UseDefaultApps {
		for _, app := range proctor.DefaultAllowed {
			if name, ok := readerNames[app]; ok && !proctor.AppListed(x.BlacklistedApps, app) {
				as.ForEveryone = append(as.ForEveryone, name)
			}
		}
	}
	if acc != nil {
		as.Apps = append(as.Apps, acc.AllowedApps...)
		as.Keys = append(as.Keys, acc.AllowedKeys...)
	}
	slices.SortFunc(as.ForEveryone, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return as
}

// Consent records that the student agreed to what the consent page says
// (its version), before the system check asks for any device.
func (s *Service) Consent(ctx context.Context, sess *proctor.Session, remote string) error {
	exam, err := s.d.Store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return err
	}
	return s.audit(ctx, s.d.Store, sess, exam.CourseID, proctor.AuditConsent, "consent page "+proctor.ConsentVersion, remote)
}
