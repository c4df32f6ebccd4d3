package lti

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"vigil/internal/proctor"
)

// messageLife is how long a message Vigil signs is valid: long enough to
// be posted by the browser, short enough to be useless when stolen.
const messageLife = 5 * time.Minute

func randomID() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// toolMessage signs a message Vigil sends to a platform through the
// browser (tool-originated: iss is Vigil's client id, aud the platform).
func (k *Keyring) toolMessage(ctx context.Context, p *proctor.Platform, deploymentID, messageType string, extra map[string]any) (string, error) {
	now := k.Now()
	c := map[string]any{
		"iss": p.ClientID, "aud": p.Issuer, "iat": now.Unix(), "exp": now.Add(messageLife).Unix(), "nonce": randomID(),
		ClaimDeploymentID: deploymentID, ClaimMessageType: messageType, ClaimVersion: Version,
	}
	for name, v := range extra {
		c[name] = v
	}
	return k.Sign(ctx, c)
}

// ContentItem is an LTI resource link Vigil returns by deep linking.
type ContentItem struct {
	Title  string
	URL    string
	Custom map[string]string
}

// DeepLinkingResponse signs the LtiDeepLinkingResponse carrying items,
// echoing the request's data; msg is shown to the instructor.
func (k *Keyring) DeepLinkingResponse(ctx context.Context, p *proctor.Platform, l *Launch, items []ContentItem, msg string) (string, error) {
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		item := map[string]any{"type": "ltiResourceLink", "title": it.Title, "url": it.URL}
		if len(it.Custom) > 0 {
			item["custom"] = it.Custom
		}
		out = append(out, item)
	}
	extra := map[string]any{ClaimContentItems: out}
	if l.DeepLinking != nil && l.DeepLinking.Data != "" {
		extra[ClaimDeepLinkingData] = l.DeepLinking.Data
	}
	if msg != "" {
		extra[ClaimDeepLinkingMessage] = msg
	}
	return k.toolMessage(ctx, p, l.DeploymentID, MsgDeepLinkingResponse, extra)
}

// StartAssessment signs the LtiStartAssessment message that lets the
// platform start the assessment, echoing the attempt and session data.
func (k *Keyring) StartAssessment(ctx context.Context, p *proctor.Platform, pl *proctor.ProctoringLaunch) (string, error) {
	extra := map[string]any{
		ClaimResourceLink:  map[string]any{"id": pl.ResourceLinkID},
		ClaimAttemptNumber: pl.AttemptNumber,
		ClaimSessionData:   pl.SessionData,
	}
	if pl.EndAssessmentReturn {
		extra[ClaimEndAssessmentReturn] = true
	}
	return k.toolMessage(ctx, p, pl.DeploymentID, MsgStartAssessment, extra)
}

// ClientAssertion signs the JWT with which Vigil authenticates to a
// platform's token endpoint (RFC 7523).
func (k *Keyring) ClientAssertion(ctx context.Context, p *proctor.Platform) (string, error) {
	now := k.Now()
	return k.Sign(ctx, map[string]any{"iss": p.ClientID, "sub": p.ClientID, "aud": p.TokenURL,
		"iat": now.Unix(), "exp": now.Add(messageLife).Unix(), "jti": randomID()})
}
