package devlms

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// States of a ProctoringAttempt.
const (
	AttemptProctoring = "proctoring" // LtiStartProctoring sent; waiting for the tool's LtiStartAssessment
	AttemptStarted    = "started"    // the tool started the assessment; the student is taking the quiz
	AttemptPaused     = "paused"     // paused through the Assessment Control Service
	AttemptTerminated = "terminated" // terminated through the Assessment Control Service
	AttemptSubmitted  = "submitted"  // the student submitted; LtiEndAssessment was started
)

// ProctoringAttempt is one LTI Proctoring attempt of a user on a quiz.
type ProctoringAttempt struct {
	ID             string // the platform's own id, in the quiz page's URLs
	ClientID       string
	CourseID       string
	UserID         string
	ResourceLinkID string // the quiz id
	AttemptNumber  int
	SessionData    string // sent in LtiStartProctoring; the tool must echo it
	State          string // one of the Attempt* states
	ExtraTime      int    // the sum of the ACS update actions' extra_time
	LaunchedAt     time.Time
	StartedAt      time.Time // zero until LtiStartAssessment arrived
	SubmittedAt    time.Time // zero until submitted
}

// Attempts returns copies of every proctoring attempt, oldest first.
func (p *Platform) Attempts() []ProctoringAttempt {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]ProctoringAttempt, 0, len(p.state.attempts))
	for _, a := range p.state.attempts {
		out = append(out, *a)
	}
	return out
}

// findAttempt finds the attempt of a launch's tool, course, user and quiz;
// number 0 means the latest. The caller holds p.mu.
func (p *Platform) findAttempt(s LaunchSpec, number int) *ProctoringAttempt {
	var found *ProctoringAttempt
	for _, a := range p.state.attempts {
		if a.ClientID != s.ClientID || a.CourseID != s.CourseID || a.UserID != s.UserID || a.ResourceLinkID != s.ResourceLinkID {
			continue
		}
		if a.AttemptNumber == number || (number == 0 && (found == nil || a.AttemptNumber > found.AttemptNumber)) {
			found = a
		}
	}
	return found
}

// beginAttempt records the attempt an LtiStartProctoring message starts. A
// relaunch of an unfinished attempt number gets fresh session data, as the
// old message can no longer be answered. The caller holds p.mu.
func (p *Platform) beginAttempt(s LaunchSpec, now time.Time) (*ProctoringAttempt, error) {
	number := s.AttemptNumber
	if number == 0 {
		if latest := p.findAttempt(s, 0); latest != nil {
			number = latest.AttemptNumber + 1
		} else {
			number = 1
		}
	}
	a := p.findAttempt(s, number)
	if a != nil && (a.State == AttemptSubmitted || a.State == AttemptTerminated) {
		return nil, fmt.Errorf("attempt %d is already %s", number, a.State)
	}
	if a == nil {
		a = &ProctoringAttempt{
			ID: randomID(12), ClientID: s.ClientID, CourseID: s.CourseID, UserID: s.UserID,
			ResourceLinkID: s.ResourceLinkID, AttemptNumber: number,
		}
		p.state.attempts = append(p.state.attempts, a)
	}
	a.SessionData = randomID(16)
	a.State = AttemptProctoring
	a.LaunchedAt = now
	return a, nil
}

// handleStartAssessment receives the tool's LtiStartAssessment message and,
// when it matches the attempt, shows the quiz.
func (p *Platform) handleStartAssessment(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.renderProblem(w, http.StatusBadRequest, "Start assessment refused", err.Error())
		return
	}
	attempt, quiz, problem := p.checkStartAssessment(r)
	if problem != nil {
		p.renderProblem(w, http.StatusBadRequest, "Start assessment refused", problem.Error())
		return
	}
	p.renderPage(w, http.StatusOK, "assessment", map[string]any{
		"Title": "Assessment started", "Attempt": attempt, "Quiz": quiz,
	})
}

// checkStartAssessment verifies an LtiStartAssessment message, marks its
// attempt started and returns copies of the attempt and its quiz.
func (p *Platform) checkStartAssessment(r *http.Request) (ProctoringAttempt, Quiz, error) {
	compact := r.PostForm.Get("JWT")
	if compact == "" {
		return ProctoringAttempt{}, Quiz{}, fmt.Errorf("the form has no JWT field")
	}
	tool, c, err := p.verifyToolJWT(r.Context(), compact)
	if err != nil {
		return ProctoringAttempt{}, Quiz{}, err
	}
	if err := p.checkToolMessage(tool, c, msgStartAssessment); err != nil {
		return ProctoringAttempt{}, Quiz{}, err
	}
	linkID := c.obj(claimLTI + "resource_link").str("id")
	number, ok := c.integer(claimAP + "attempt_number")
	if !ok {
		return ProctoringAttempt{}, Quiz{}, fmt.Errorf("attempt_number is missing or not an integer")
	}
	session := c.str(claimAP + "session_data")
	p.mu.Lock()
	defer p.mu.Unlock()
	var candidates []*ProctoringAttempt
	for _, a := range p.state.attempts {
		if a.ClientID == tool.ClientID && a.ResourceLinkID == linkID && int64(a.AttemptNumber) == number {
			candidates = append(candidates, a)
		}
	}
	if len(candidates) == 0 {
		return ProctoringAttempt{}, Quiz{}, fmt.Errorf("resource_link.id %q with attempt_number %d is no attempt this platform started", linkID, number)
	}
	i := slices.IndexFunc(candidates, func(a *ProctoringAttempt) bool { return a.SessionData == session })
	if i < 0 {
		return ProctoringAttempt{}, Quiz{}, fmt.Errorf("session_data does not match the one sent in LtiStartProctoring")
	}
	a := candidates[i]
	if a.State != AttemptProctoring && a.State != AttemptStarted {
		return ProctoringAttempt{}, Quiz{}, fmt.Errorf("attempt %d is %s and cannot start", a.AttemptNumber, a.State)
	}
	if a.State == AttemptProctoring {
		a.State = AttemptStarted
		a.StartedAt = p.now()
	}
	quiz := p.state.quiz(a.CourseID, a.ResourceLinkID)
	if quiz == nil {
		return ProctoringAttempt{}, Quiz{}, fmt.Errorf("the quiz %s no longer exists", a.ResourceLinkID)
	}
	return *a, *quiz, nil
}

// handleSubmitAttempt is the quiz page's Submit button: the attempt is
// submitted and, since end_assessment_return was requested, the browser is
// sent back to the tool with LtiEndAssessment.
func (p *Platform) handleSubmitAttempt(w http.ResponseWriter, r *http.Request) {
	spec, status, problem := p.submitAttempt(r.PathValue("id"))
	if problem != "" {
		p.renderProblem(w, status, "Cannot submit", problem)
		return
	}
	launch, err := p.StartLaunchURL(spec)
	if err != nil {
		p.renderProblem(w, http.StatusInternalServerError, "Cannot end the assessment", err.Error())
		return
	}
	http.Redirect(w, r, launch, http.StatusSeeOther)
}

// submitAttempt marks an attempt submitted and returns the end assessment
// launch to start, or the HTTP status and why it cannot.
func (p *Platform) submitAttempt(id string) (LaunchSpec, int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.state.attempts {
		if a.ID != id {
			continue
		}
		switch a.State {
		case AttemptStarted:
		case AttemptPaused:
			return LaunchSpec{}, http.StatusConflict, "The proctoring tool paused this attempt; it cannot be submitted until it resumes."
		default:
			return LaunchSpec{}, http.StatusConflict, fmt.Sprintf("This attempt is %s and cannot be submitted.", a.State)
		}
		a.State = AttemptSubmitted
		a.SubmittedAt = p.now()
		return LaunchSpec{
			Kind: LaunchEndAssessment, ClientID: a.ClientID, CourseID: a.CourseID, UserID: a.UserID,
			ResourceLinkID: a.ResourceLinkID, AttemptNumber: a.AttemptNumber,
		}, http.StatusOK, ""
	}
	return LaunchSpec{}, http.StatusNotFound, "No such attempt."
}
