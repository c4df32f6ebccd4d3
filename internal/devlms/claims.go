package devlms

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Claim names and prefixes of the specifications the platform speaks.
const (
	claimLTI  = "https://purl.imsglobal.org/spec/lti/claim/"
	claimDL   = "https://purl.imsglobal.org/spec/lti-dl/claim/"
	claimAP   = "https://purl.imsglobal.org/spec/lti-ap/claim/"
	claimNRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

	ltiVersion        = "1.3.0"
	courseOfferingURI = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
)

// Message types of LTI Core, Deep Linking and Proctoring Services.
const (
	msgResourceLink     = "LtiResourceLinkRequest"
	msgDeepLinkRequest  = "LtiDeepLinkingRequest"
	msgDeepLinkResponse = "LtiDeepLinkingResponse"
	msgStartProctoring  = "LtiStartProctoring"
	msgStartAssessment  = "LtiStartAssessment"
	msgEndAssessment    = "LtiEndAssessment"
)

// Tool messages older than messageMaxAge, or issued more than clockSkew in
// the future, are refused as stale.
const (
	messageMaxAge = 10 * time.Minute
	clockSkew     = time.Minute
)

// claims is a decoded JWT payload.
type claims map[string]any

// str returns a string claim, "" when absent or not a string.
func (c claims) str(name string) string {
	s, _ := c[name].(string)
	return s
}

// obj returns an object claim, nil when absent or not an object.
func (c claims) obj(name string) claims {
	m, _ := c[name].(map[string]any)
	return m
}

// integer returns a whole-number claim.
func (c claims) integer(name string) (int64, bool) {
	f, ok := c[name].(float64)
	if !ok || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// audience returns aud as a list: it may be a string or an array.
func (c claims) audience() []string {
	switch aud := c["aud"].(type) {
	case string:
		return []string{aud}
	case []any:
		var out []string
		for _, a := range aud {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// checkTimes checks exp and iat against now: not expired, not issued in the
// future, not older than messageMaxAge.
func (c claims) checkTimes(now time.Time) error {
	exp, ok := c.integer("exp")
	if !ok {
		return errors.New("exp is missing or not a number")
	}
	if !now.Before(time.Unix(exp, 0)) {
		return fmt.Errorf("the token expired at %s", time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	iat, ok := c.integer("iat")
	if !ok {
		return errors.New("iat is missing or not a number")
	}
	issued := time.Unix(iat, 0)
	if issued.After(now.Add(clockSkew)) {
		return errors.New("iat is in the future")
	}
	if now.Sub(issued) > messageMaxAge {
		return fmt.Errorf("iat is more than %s ago", messageMaxAge)
	}
	return nil
}

// checkToolMessage applies the checks every LTI message from a tool to the
// platform needs (Deep Linking response, Start Assessment): aud is this
// platform, fresh times, a nonce never seen, the message type, the version
// and the tool's deployment. The nonce is remembered when all pass.
func (p *Platform) checkToolMessage(tool *Tool, c claims, wantType string) error {
	if iss := c.str("iss"); iss != tool.ClientID {
		return fmt.Errorf("iss %q is not the client id %q", iss, tool.ClientID)
	}
	if aud := c.audience(); !slices.Contains(aud, p.Issuer()) {
		return fmt.Errorf("aud %q does not contain the platform issuer %q", aud, p.Issuer())
	}
	now := p.now()
	if err := c.checkTimes(now); err != nil {
		return err
	}
	if got := c.str(claimLTI + "message_type"); got != wantType {
		return fmt.Errorf("message_type is %q, want %q", got, wantType)
	}
	if got := c.str(claimLTI + "version"); got != ltiVersion {
		return fmt.Errorf("version is %q, want %q", got, ltiVersion)
	}
	if got := c.str(claimLTI + "deployment_id"); got != tool.DeploymentID {
		return fmt.Errorf("deployment_id is %q, want %q", got, tool.DeploymentID)
	}
	nonce := c.str("nonce")
	if nonce == "" {
		return errors.New("nonce is missing")
	}
	exp, _ := c.integer("exp")
	p.mu.Lock()
	defer p.mu.Unlock()
	forget(p.state.usedNonces, now)
	if _, seen := p.state.usedNonces[tool.ClientID+" "+nonce]; seen {
		return errors.New("nonce was already used")
	}
	p.state.usedNonces[tool.ClientID+" "+nonce] = time.Unix(exp, 0).Add(messageMaxAge)
	return nil
}

// forget drops remembered one-time values whose keep-until time has passed.
func forget(used map[string]time.Time, now time.Time) {
	for k, until := range used {
		if now.After(until) {
			delete(used, k)
		}
	}
}
