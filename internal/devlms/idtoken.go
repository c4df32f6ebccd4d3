package devlms

import (
	"errors"
	"time"
)

// idTokenTTL is the lifetime of the id_tokens the platform sends.
const idTokenTTL = 5 * time.Minute

// deepLinkRequestTTL is how long the tool has to answer a deep linking
// request: the instructor may take a while to configure the exam.
const deepLinkRequestTTL = time.Hour

// platformVersion goes into the tool_platform claim.
const platformVersion = "1.0"

// deepLinkRequest remembers a deep linking request by its opaque data, which
// the tool must echo in its response.
type deepLinkRequest struct {
	clientID, courseID, userID string
	quizID                     string // made from this quiz's proctoring settings; "" from a module
	expires                    time.Time
}

// launchIDToken builds and signs the id_token of a launch.
func (p *Platform) launchIDToken(pl *pendingLaunch, nonce string) (string, error) {
	c, err := p.launchClaims(pl, nonce)
	if err != nil {
		return "", err
	}
	return p.Sign(c)
}

// launchClaims makes the id_token claims of a launch, recording what the
// message starts: a deep linking request or a proctoring attempt.
func (p *Platform) launchClaims(pl *pendingLaunch, nonce string) (claims, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := &p.state.directory
	s, tool := pl.spec, pl.tool
	course, user := d.course(s.CourseID), d.user(s.UserID)
	if course == nil || user == nil {
		return nil, errors.New("the course or the user of this launch no longer exists")
	}
	now := p.now()
	c := claims{
		"iss":         p.baseURL,
		"aud":         tool.ClientID,
		"azp":         tool.ClientID,
		"sub":         user.ID,
		"exp":         now.Add(idTokenTTL).Unix(),
		"iat":         now.Unix(),
		"nonce":       nonce,
		"name":        user.Name(),
		"given_name":  user.GivenName,
		"family_name": user.FamilyName,
		"email":       user.Email,

		claimLTI + "version":         ltiVersion,
		claimLTI + "deployment_id":   tool.DeploymentID,
		claimLTI + "target_link_uri": s.TargetLinkURI,
		claimLTI + "roles":           launchRoles(d.roles(course.ID, user.ID), user.Admin),
		claimLTI + "context": map[string]any{
			"id": course.ID, "label": course.Label, "title": course.Title,
			"type": []string{courseOfferingURI},
		},
		claimLTI + "tool_platform": map[string]any{
			"guid": p.guid, "name": "Vigil dev LMS",
			"product_family_code": "vigil-devlms", "version": platformVersion,
		},
		claimLTI + "launch_presentation": map[string]any{
			"document_target": s.Frame,
			"return_url":      p.baseURL + "/?course=" + course.ID,
		},
		claimLTI + "custom": p.launchCustom(tool, s, course, user),
		claimNRPS: map[string]any{
			"context_memberships_url": p.baseURL + "/nrps/" + course.ID,
			"service_versions":        []string{"2.0"},
		},
	}
	resourceLink := map[string]any{"id": s.ResourceLinkID, "title": s.ResourceLinkTitle}
	switch s.Kind {
	case LaunchResource:
		c[claimLTI+"message_type"] = msgResourceLink
		c[claimLTI+"resource_link"] = resourceLink
	case LaunchDeepLink:
		c[claimLTI+"message_type"] = msgDeepLinkRequest
		c[claimDL+"deep_linking_settings"] = p.deepLinkSettings(s, now)
	case LaunchProctoring:
		c[claimLTI+"message_type"] = msgStartProctoring
		c[claimLTI+"resource_link"] = resourceLink
		attempt, err := p.beginAttempt(s, now)
		if err != nil {
			return nil, err
		}
		c[claimAP+"attempt_number"] = attempt.AttemptNumber
		c[claimAP+"session_data"] = attempt.SessionData
		c[claimAP+"start_assessment_url"] = p.baseURL + "/proctoring/start_assessment"
		c[claimAP+"end_assessment_return"] = true
		if tool.ProctoringEnabled {
			c[claimAP+"acs"] = map[string]any{
				"assessment_control_url": p.baseURL + "/acs",
				"actions":                []string{"flag", "terminate", "pause", "resume", "update"},
			}
		}
	case LaunchEndAssessment:
		attempt := p.findAttempt(s, s.AttemptNumber)
		if attempt == nil {
			return nil, errors.New("the proctoring attempt of this end assessment launch no longer exists")
		}
		c[claimLTI+"message_type"] = msgEndAssessment
		c[claimLTI+"resource_link"] = resourceLink
		c[claimAP+"attempt_number"] = attempt.AttemptNumber
		c[claimAP+"session_data"] = attempt.SessionData
	}
	return c, nil
}

// deepLinkSettings makes the deep_linking_settings claim and remembers the
// request by its data. The caller holds p.mu.
func (p *Platform) deepLinkSettings(s LaunchSpec, now time.Time) map[string]any {
	for data, req := range p.state.deepLinkReqs {
		if now.After(req.expires) {
			delete(p.state.deepLinkReqs, data)
		}
	}
	data := randomID(16)
	p.state.deepLinkReqs[data] = deepLinkRequest{
		clientID: s.ClientID, courseID: s.CourseID, userID: s.UserID, quizID: s.ResourceLinkID,
		expires: now.Add(deepLinkRequestTTL),
	}
	return map[string]any{
		"deep_link_return_url":                 p.baseURL + "/deep_link_return",
		"accept_types":                         []string{"ltiResourceLink"},
		"accept_presentation_document_targets": []string{"iframe", "window"},
		"accept_multiple":                      false,
		"auto_create":                          true,
		"data":                                 data,
	}
}

// launchRoles is the roles claim: the enrolment's roles, plus the
// institution administrator role for admins. It is never null.
func launchRoles(enrolled []string, admin bool) []string {
	roles := append([]string{}, enrolled...)
	if admin {
		roles = append(roles, RoleInstitutionAdministrator)
	}
	return roles
}

// launchCustom merges the tool's custom parameters with the launch's,
// expands Canvas-style substitution variables, and always fills
// canvas_course_id and canvas_user_id as a Canvas tool configured with
// $Canvas.course.id and $Canvas.user.id would get them, and canvas_quiz_id
// in every launch made for a quiz (its link, its proctoring messages, a deep
// linking request from its settings). The caller holds p.mu.
func (p *Platform) launchCustom(tool Tool, s LaunchSpec, course *Course, user *User) map[string]string {
	vars := map[string]string{
		"$Canvas.course.id":     course.ID,
		"$Canvas.user.id":       user.ID,
		"$Canvas.api.baseUrl":   p.baseURL,
		"$Context.id":           course.ID,
		"$Context.title":        course.Title,
		"$Context.label":        course.Label,
		"$ResourceLink.id":      s.ResourceLinkID,
		"$Person.name.given":    user.GivenName,
		"$Person.name.family":   user.FamilyName,
		"$Person.email.primary": user.Email,
	}
	custom := map[string]string{}
	for _, from := range []map[string]string{tool.Custom, s.Custom} {
		for k, v := range from {
			if sub, ok := vars[v]; ok {
				v = sub
			}
			custom[k] = v
		}
	}
	custom["canvas_course_id"] = course.ID
	custom["canvas_user_id"] = user.ID
	if p.state.quiz(course.ID, s.ResourceLinkID) != nil {
		custom["canvas_quiz_id"] = s.ResourceLinkID
	}
	return custom
}
