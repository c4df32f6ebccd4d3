package lti

import (
	"fmt"

	"vigil/internal/proctor"
)

// handled are the message types a platform may launch Vigil with.
var handled = map[string]bool{MsgResourceLink: true, MsgDeepLinking: true, MsgStartProctoring: true, MsgEndAssessment: true}

// parseLaunch checks the LTI claims of a verified token and reads them.
func parseLaunch(c claims, p *proctor.Platform) (*Launch, error) {
	if v := c.str(ClaimVersion); v != Version {
		return nil, refuse(CodeWrongVersion, "LTI version %q is not supported; Vigil speaks %s", v, Version)
	}
	l := &Launch{PlatformID: p.ID, Issuer: p.Issuer, ClientID: p.ClientID, MessageType: c.str(ClaimMessageType),
		DeploymentID: c.str(ClaimDeploymentID), TargetLinkURI: c.str(ClaimTargetLinkURI), Sub: c.str("sub"),
		Name: c.str("name"), GivenName: c.str("given_name"), FamilyName: c.str("family_name"), Email: c.str("email")}
	if !handled[l.MessageType] {
		return nil, refuse(CodeUnsupportedMessage, "message type %q is not one Vigil handles", l.MessageType)
	}
	if l.DeploymentID == "" || !p.HasDeployment(l.DeploymentID) {
		return nil, refuse(CodeUnknownDeployment, "deployment %q is not registered for this LMS: Vigil's administrator adds it to the LMS's registration (Administration → Registered LMSs → Change)", l.DeploymentID)
	}
	roles, ok := c[ClaimRoles].([]any)
	if !ok {
		return nil, refuse(CodeMissingRoles, "the launch has no roles claim")
	}
	l.Roles = c.strs(ClaimRoles)
	if len(l.Roles) != len(roles) {
		return nil, refuse(CodeMissingRoles, "the roles claim must be a list of strings")
	}
	if l.Sub == "" {
		return nil, refuse(CodeMissingClaim, "the launch has no user (sub): anonymous launches are not supported")
	}
	if l.TargetLinkURI == "" {
		return nil, refuse(CodeMissingClaim, "the launch has no target_link_uri")
	}
	readContext(c, l)
	if err := readMessage(c, l); err != nil {
		return nil, err
	}
	return l, nil
}

func readContext(c claims, l *Launch) {
	ctx := c.obj(ClaimContext)
	l.Context = Context{ID: ctx.str("id"), Label: ctx.str("label"), Title: ctx.str("title")}
	rl := c.obj(ClaimResourceLink)
	l.ResourceLink = ResourceLink{ID: rl.str("id"), Title: rl.str("title")}
	l.Custom = map[string]string{}
	for k, v := range c.obj(ClaimCustom) {
		l.Custom[k] = fmt.Sprint(v)
	}
	l.NRPSURL = c.obj(ClaimNRPS).str("context_memberships_url")
	lp := c.obj(ClaimLaunchPresentation)
	l.DocumentTarget, l.ReturnURL = lp.str("document_target"), lp.str("return_url")
}

// readMessage reads and checks what each message type must carry.
func readMessage(c claims, l *Launch) error {
	switch l.MessageType {
	case MsgResourceLink:
		if l.ResourceLink.ID == "" {
			return refuse(CodeMissingClaim, "a resource link launch must carry resource_link.id")
		}
	case MsgDeepLinking:
		dl := c.obj(ClaimDeepLinkingSettings)
		if dl.str("deep_link_return_url") == "" {
			return refuse(CodeMissingClaim, "a deep linking request must carry deep_linking_settings.deep_link_return_url")
		}
		l.DeepLinking = &DeepLinkingSettings{ReturnURL: dl.str("deep_link_return_url"), AcceptTypes: dl.strs("accept_types"),
			AcceptMultiple: dl.boolean("accept_multiple"), Data: dl.str("data")}
	case MsgStartProctoring, MsgEndAssessment:
		return readProctoring(c, l)
	}
	return nil
}

func readProctoring(c claims, l *Launch) error {
	if l.ResourceLink.ID == "" {
		return refuse(CodeMissingClaim, "a proctoring message must carry resource_link.id")
	}
	attempt, ok := c.int(ClaimAttemptNumber)
	if !ok || attempt < 1 {
		return refuse(CodeMissingClaim, "a proctoring message must carry a positive attempt_number")
	}
	pr := &Proctoring{AttemptNumber: attempt, SessionData: c.str(ClaimSessionData),
		StartAssessmentURL: c.str(ClaimStartAssessmentURL), EndAssessmentReturn: c.boolean(ClaimEndAssessmentReturn)}
	if acs := c.obj(ClaimACS); acs != nil {
		pr.ACSURL, pr.ACSActions = acs.str("assessment_control_url"), acs.strs("actions")
	}
	if l.MessageType == MsgStartProctoring && pr.StartAssessmentURL == "" {
		return refuse(CodeMissingClaim, "LtiStartProctoring must carry start_assessment_url")
	}
	l.Proctoring = pr
	return nil
}
