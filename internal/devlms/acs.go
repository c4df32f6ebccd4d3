package devlms

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"time"
)

// MediaTypeACS is the media type of Assessment Control Service requests and
// answers.
const MediaTypeACS = "application/vnd.ims.lti-ap.v1.control+json"

// acsActions are the actions the platform offers in the acs claim.
var acsActions = []string{"flag", "terminate", "pause", "resume", "update"}

// ACSRequest is one request a tool sent to the Assessment Control Service
// with a valid token, as received, and what the platform answered.
type ACSRequest struct {
	ClientID         string
	UserIss          string
	UserSub          string
	ResourceLinkID   string
	AttemptNumber    int
	Action           string
	IncidentTime     time.Time
	IncidentSeverity float64 // 0 when absent
	ReasonCode       string
	ReasonMsg        string
	ExtraTime        int
	Body             string    // the raw request body
	ReceivedAt       time.Time // the platform clock
	HTTPStatus       int       // 200, or the 400/404/415 answered
	Problem          string    // why it was refused; "" when accepted
	Status           string    // the attempt status answered: running, paused, terminated or complete
}

// acsBody is the JSON of an Assessment Control Service request.
type acsBody struct {
	User struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
	} `json:"user"`
	ResourceLink struct {
		ID string `json:"id"`
	} `json:"resource_link"`
	AttemptNumber    *int     `json:"attempt_number"`
	Action           string   `json:"action"`
	IncidentTime     string   `json:"incident_time"`
	IncidentSeverity *float64 `json:"incident_severity"`
	ReasonCode       string   `json:"reason_code"`
	ReasonMsg        string   `json:"reason_msg"`
	ExtraTime        *int     `json:"extra_time"`
}

// ACSRequests returns copies of what tools sent to the Assessment Control
// Service, oldest first.
func (p *Platform) ACSRequests() []ACSRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.state.acsRequests)
}

// handleACS is the Assessment Control Service: the proctoring tool flags,
// pauses, resumes, terminates or extends an attempt.
func (p *Platform) handleACS(w http.ResponseWriter, r *http.Request) {
	tok, status, why := p.serviceCaller(r, ScopeACS)
	if status != 0 {
		writeServiceError(w, status, why)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		writeServiceError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	rec := ACSRequest{ClientID: tok.clientID, Body: string(body), ReceivedAt: p.now()}
	rec.HTTPStatus, rec.Problem = p.controlAttempt(r, body, &rec)
	p.mu.Lock()
	p.state.acsRequests = append(p.state.acsRequests, rec)
	p.mu.Unlock()
	if rec.HTTPStatus != http.StatusOK {
		writeServiceError(w, rec.HTTPStatus, rec.Problem)
		return
	}
	answer := map[string]any{"status": rec.Status}
	if rec.Action == "update" {
		answer["extra_time"] = rec.ExtraTime
	}
	writeJSON(w, http.StatusOK, MediaTypeACS, answer)
}

// controlAttempt validates an ACS request, applies its action to the
// attempt and fills rec. It returns the HTTP status and, unless 200, why.
func (p *Platform) controlAttempt(r *http.Request, body []byte, rec *ACSRequest) (int, string) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != MediaTypeACS {
		return http.StatusUnsupportedMediaType, "Content-Type must be " + MediaTypeACS
	}
	var b acsBody
	if err := json.Unmarshal(body, &b); err != nil {
		return http.StatusBadRequest, "body is not a control request: " + err.Error()
	}
	rec.UserIss, rec.UserSub, rec.ResourceLinkID = b.User.Iss, b.User.Sub, b.ResourceLink.ID
	rec.Action, rec.ReasonCode, rec.ReasonMsg = b.Action, b.ReasonCode, b.ReasonMsg
	if b.AttemptNumber != nil {
		rec.AttemptNumber = *b.AttemptNumber
	}
	if b.IncidentSeverity != nil {
		rec.IncidentSeverity = *b.IncidentSeverity
	}
	if b.ExtraTime != nil {
		rec.ExtraTime = *b.ExtraTime
	}
	if problem := p.checkACSBody(b, rec); problem != "" {
		return http.StatusBadRequest, problem
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var attempt *ProctoringAttempt
	for _, a := range p.state.attempts {
		if a.ClientID == rec.ClientID && a.UserID == rec.UserSub && a.ResourceLinkID == rec.ResourceLinkID && a.AttemptNumber == rec.AttemptNumber {
			attempt = a
		}
	}
	if attempt == nil {
		return http.StatusNotFound, fmt.Sprintf("no attempt %d of user %q on resource link %q for this tool", rec.AttemptNumber, rec.UserSub, rec.ResourceLinkID)
	}
	applyControl(attempt, rec.Action, rec.ExtraTime)
	rec.Status = controlStatus(attempt.State)
	return http.StatusOK, ""
}

// checkACSBody checks the fields of a control request; "" when valid.
func (p *Platform) checkACSBody(b acsBody, rec *ACSRequest) string {
	switch {
	case b.User.Sub == "":
		return "user.sub is required"
	case b.User.Iss != "" && b.User.Iss != p.Issuer():
		return fmt.Sprintf("user.iss %q is not this platform", b.User.Iss)
	case b.ResourceLink.ID == "":
		return "resource_link.id is required"
	case b.AttemptNumber == nil || *b.AttemptNumber < 1:
		return "attempt_number must be a positive integer"
	case !slices.Contains(acsActions, b.Action):
		return fmt.Sprintf("action %q is not one of %v", b.Action, acsActions)
	case b.IncidentTime == "":
		return "incident_time is required"
	case b.IncidentSeverity != nil && (*b.IncidentSeverity < 0 || *b.IncidentSeverity > 1):
		return "incident_severity must be between 0 and 1"
	case b.ExtraTime != nil && (b.Action != "update" || *b.ExtraTime < 0):
		return "extra_time belongs only to update actions and must not be negative"
	}
	t, err := time.Parse(time.RFC3339, b.IncidentTime)
	if err != nil {
		return fmt.Sprintf("incident_time %q is not an RFC 3339 date-time", b.IncidentTime)
	}
	rec.IncidentTime = t
	return ""
}

// applyControl changes an attempt's state for an action. Finished attempts
// do not change; flag only records.
func applyControl(a *ProctoringAttempt, action string, extraTime int) {
	if a.State == AttemptSubmitted || a.State == AttemptTerminated {
		return
	}
	switch action {
	case "pause":
		a.State = AttemptPaused
	case "resume":
		if a.State == AttemptPaused {
			a.State = AttemptStarted
		}
	case "terminate":
		a.State = AttemptTerminated
	case "update":
		a.ExtraTime += extraTime
	}
}

// controlStatus maps an attempt state to the ACS status vocabulary.
func controlStatus(state string) string {
	switch state {
	case AttemptPaused:
		return "paused"
	case AttemptTerminated:
		return "terminated"
	case AttemptSubmitted:
		return "complete"
	}
	return "running"
}
