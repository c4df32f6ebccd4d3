// Package lti is Vigil's side of LTI 1.3 (1EdTech LTI Core 1.3, Deep
// Linking 2.0, Names and Role Provisioning 2.0, Proctoring Services 1.0):
// it checks launches from registered platforms, signs the messages Vigil
// sends back, calls the platforms' services and holds Vigil's own keys.
// It knows nothing of HTTP handlers or pages (internal/web) and keeps its
// state through a small slice of the store.
package lti

import "time"

// Claim names, from the specifications (docs/LTI.md cites each).
const (
	claimLTI                = "https://purl.imsglobal.org/spec/lti/claim/"
	ClaimMessageType        = claimLTI + "message_type"
	ClaimVersion            = claimLTI + "version"
	ClaimDeploymentID       = claimLTI + "deployment_id"
	ClaimTargetLinkURI      = claimLTI + "target_link_uri"
	ClaimRoles              = claimLTI + "roles"
	ClaimContext            = claimLTI + "context"
	ClaimResourceLink       = claimLTI + "resource_link"
	ClaimCustom             = claimLTI + "custom"
	ClaimLaunchPresentation = claimLTI + "launch_presentation"
	ClaimToolPlatform       = claimLTI + "tool_platform"

	ClaimNRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

	claimDL                  = "https://purl.imsglobal.org/spec/lti-dl/claim/"
	ClaimDeepLinkingSettings = claimDL + "deep_linking_settings"
	ClaimContentItems        = claimDL + "content_items"
	ClaimDeepLinkingData     = claimDL + "data"
	ClaimDeepLinkingMessage  = claimDL + "msg"

	claimAP                  = "https://purl.imsglobal.org/spec/lti-ap/claim/"
	ClaimAttemptNumber       = claimAP + "attempt_number"
	ClaimSessionData         = claimAP + "session_data"
	ClaimStartAssessmentURL  = claimAP + "start_assessment_url"
	ClaimEndAssessmentReturn = claimAP + "end_assessment_return"
	ClaimACS                 = claimAP + "acs"
	ClaimVerifiedUser        = claimAP + "verified_user"
)

// Message types Vigil handles (received) or sends.
const (
	MsgResourceLink        = "LtiResourceLinkRequest"
	MsgDeepLinking         = "LtiDeepLinkingRequest"
	MsgDeepLinkingResponse = "LtiDeepLinkingResponse"
	MsgStartProctoring     = "LtiStartProctoring"
	MsgStartAssessment     = "LtiStartAssessment"
	MsgEndAssessment       = "LtiEndAssessment"
)

// Version is the only LTI version accepted.
const Version = "1.3.0"

// Service scopes Vigil asks for. Grade scopes (AGS) are never asked for:
// Vigil never writes grades.
const (
	ScopeNRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
	ScopeACS  = "https://purl.imsglobal.org/spec/lti-ap/scope/control.all"
)

// Media types of the services.
const (
	MediaNRPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
	MediaACS  = "application/vnd.ims.lti-ap.v1.control+json"
)

// Launch is a checked launch: who, from where, into what.
type Launch struct {
	PlatformID    int64
	Issuer        string
	ClientID      string
	DeploymentID  string
	MessageType   string
	TargetLinkURI string

	Sub        string
	Name       string
	GivenName  string
	FamilyName string
	Email      string
	Roles      []string

	Context      Context
	ResourceLink ResourceLink
	Custom       map[string]string
	NRPSURL      string

	DeepLinking *DeepLinkingSettings `json:",omitempty"`
	Proctoring  *Proctoring          `json:",omitempty"`

	DocumentTarget string // iframe or window, when the platform says
	ReturnURL      string
	ExpiresAt      time.Time
}

// Context is the course the launch comes from.
type Context struct{ ID, Label, Title string }

// ResourceLink is the link the user followed.
type ResourceLink struct{ ID, Title string }

// DeepLinkingSettings is what a deep linking request allows back.
type DeepLinkingSettings struct {
	ReturnURL      string
	AcceptTypes    []string
	AcceptMultiple bool
	Data           string
}

// Proctoring is what an LtiStartProctoring or LtiEndAssessment launch
// carries: the attempt, what to echo, where to send the student next.
type Proctoring struct {
	AttemptNumber       int
	SessionData         string
	StartAssessmentURL  string
	EndAssessmentReturn bool
	ACSURL              string
	ACSActions          []string
}
