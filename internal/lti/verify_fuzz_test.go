package lti_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"vigil/internal/lti"
	"vigil/internal/proctor"
)

// launchCodes are every refusal a launch's id_token may get.
var launchCodes = map[string]bool{
	lti.CodeBadToken: true, lti.CodeUnknownKey: true, lti.CodePlatformKeys: true, lti.CodeBadSignature: true,
	lti.CodeWrongIssuer: true, lti.CodeWrongAudience: true, lti.CodeWrongAZP: true, lti.CodeExpired: true,
	lti.CodeNotYetValid: true, lti.CodeBadNonce: true, lti.CodeUnknownDeployment: true, lti.CodeWrongVersion: true,
	lti.CodeUnsupportedMessage: true, lti.CodeMissingClaim: true, lti.CodeMissingRoles: true,
}

// fuzzPlatform is an LMS for the fuzzers: its key signs id_tokens and its
// key set is served over real HTTP, where the verifier fetches it.
type fuzzPlatform struct {
	key      *rsa.PrivateKey
	platform *proctor.Platform
	verifier *lti.Verifier
	now      time.Time
}

const (
	fuzzKID   = "platform-key-1"
	fuzzNonce = "nonce-0123456789"
)

func newFuzzPlatform(tb testing.TB) *fuzzPlatform {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	pub, err := jwk.Import(&key.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	if err := pub.Set(jwk.KeyIDKey, fuzzKID); err != nil {
		tb.Fatal(err)
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		tb.Fatal(err)
	}
	jwks, err := json.Marshal(set)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(jwks) }))
	tb.Cleanup(srv.Close)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return &fuzzPlatform{key: key, now: now,
		platform: &proctor.Platform{ID: 7, Issuer: "https://lms.example.edu", ClientID: "vigil-client",
			JWKSURL: srv.URL, Deployments: []string{"dep-1"}},
		verifier: &lti.Verifier{Keys: lti.NewKeySets(srv.Client(), func() time.Time { return now }),
			Now: func() time.Time { return now }, Leeway: time.Minute}}
}

// sign signs payload (any bytes) as the platform does.
func (p *fuzzPlatform) sign(tb testing.TB, payload []byte) string {
	tb.Helper()
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, fuzzKID); err != nil {
		tb.Fatal(err)
	}
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), p.key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}

// launchClaims are the claims of a real resource link launch; kind picks
// the message type's own claims.
func (p *fuzzPlatform) launchClaims(kind string) map[string]any {
	c := map[string]any{
		"iss": p.platform.Issuer, "aud": p.platform.ClientID, "sub": "user-42", "nonce": fuzzNonce,
		"iat": p.now.Unix(), "exp": p.now.Add(5 * time.Minute).Unix(), "name": "Ada Student", "email": "ada@example.edu",
		lti.ClaimVersion: lti.Version, lti.ClaimDeploymentID: "dep-1", lti.ClaimMessageType: kind,
		lti.ClaimTargetLinkURI: "https://vigil.example.edu/lti/exam",
		lti.ClaimRoles:         []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"},
		lti.ClaimResourceLink:  map[string]any{"id": "rl-1", "title": "Midterm"},
		lti.ClaimContext:       map[string]any{"id": "ctx-1", "label": "BIO101", "title": "Biology"},
		lti.ClaimCustom:        map[string]any{"exam": 3},
		lti.ClaimNRPS:          map[string]any{"context_memberships_url": "https://lms.example.edu/nrps"},
	}
	switch kind {
	case lti.MsgDeepLinking:
		c[lti.ClaimDeepLinkingSettings] = map[string]any{"deep_link_return_url": "https://lms.example.edu/dl",
			"accept_types": []string{"ltiResourceLink"}, "accept_multiple": false, "data": "opaque"}
	case lti.MsgStartProctoring:
		c[lti.ClaimAttemptNumber] = 1
		c[lti.ClaimStartAssessmentURL] = "https://lms.example.edu/start"
		c[lti.ClaimSessionData] = "sd"
		c[lti.ClaimACS] = map[string]any{"assessment_control_url": "https://lms.example.edu/acs", "actions": []string{"flag", "terminate"}}
	}
	return c
}

func (p *fuzzPlatform) seedPayloads(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, kind := range []string{lti.MsgResourceLink, lti.MsgDeepLinking, lti.MsgStartProctoring, lti.MsgEndAssessment, "LtiSubmissionReview"} {
		b, err := json.Marshal(p.launchClaims(kind))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out, []byte(`{}`), []byte(`[]`), []byte(`{"iss": 1e400}`), []byte(`{"exp": 1e300, "iat": -1e300}`))
}

// FuzzLaunchClaims signs arbitrary payloads with the platform's real key,
// so every check after the signature sees them. A refusal carries a known
// code; a launch that verifies must say what its claims say.
func FuzzLaunchClaims(f *testing.F) {
	p := newFuzzPlatform(f)
	seeds := p.seedPayloads(f)
	if _, err := p.verifier.Verify(context.Background(), p.platform, p.sign(f, seeds[0]), fuzzNonce); err != nil {
		f.Fatalf("the seed launch does not verify, so the fuzzer would test only refusals: %v", err)
	}
	for _, b := range seeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		l, err := p.verifier.Verify(context.Background(), p.platform, p.sign(t, payload), fuzzNonce)
		if err != nil {
			checkLaunchRefusal(t, err)
			return
		}
		checkLaunchMatchesClaims(t, p, l, payload)
	})
}

// FuzzLaunchToken feeds arbitrary id_tokens (mostly broken JWS) to the
// verifier: only a refusal with a known code, or, for an unchanged signed
// seed, the launch it carries.
func FuzzLaunchToken(f *testing.F) {
	p := newFuzzPlatform(f)
	for _, b := range p.seedPayloads(f) {
		tok := p.sign(f, b)
		f.Add(tok)
		f.Add(tok[:len(tok)-4] + "AAAA")
		f.Add(strings.Replace(tok, ".", "..", 1))
	}
	f.Add("")
	f.Add("e30.e30.")
	f.Add(`{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJub25lIn0","signature":""}]}`)
	f.Fuzz(func(t *testing.T, token string) {
		l, err := p.verifier.Verify(context.Background(), p.platform, token, fuzzNonce)
		if err != nil {
			checkLaunchRefusal(t, err)
			return
		}
		msg, err := jws.Verify([]byte(token), jws.WithKey(jwa.RS256(), &p.key.PublicKey))
		if err != nil {
			t.Fatalf("a launch verified whose signature does not: %v", err)
		}
		checkLaunchMatchesClaims(t, p, l, msg)
	})
}

func checkLaunchRefusal(t *testing.T, err error) {
	t.Helper()
	var r *lti.Refusal
	if !errors.As(err, &r) || !launchCodes[r.Code] || r.Message == "" {
		t.Fatalf("refusal without a known code: %#v", err)
	}
}

// checkLaunchMatchesClaims reads the verified payload again, by itself,
// and compares it with the launch: nothing accepted that the checks
// should have refused, nothing read from the wrong claim.
func checkLaunchMatchesClaims(t *testing.T, p *fuzzPlatform, l *lti.Launch, payload []byte) {
	t.Helper()
	var c map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("a launch verified whose claims are not an object: %v", err)
	}
	str := func(name string) string { s, _ := c[name].(string); return s }
	if str("iss") != p.platform.Issuer || str("nonce") != fuzzNonce || str(lti.ClaimVersion) != lti.Version {
		t.Fatalf("accepted iss %q nonce %q version %q", str("iss"), str("nonce"), str(lti.ClaimVersion))
	}
	if l.Sub != str("sub") || l.Sub == "" || l.DeploymentID != str(lti.ClaimDeploymentID) || !p.platform.HasDeployment(l.DeploymentID) {
		t.Fatalf("launch sub %q deployment %q from claims %v", l.Sub, l.DeploymentID, c)
	}
	if l.MessageType != str(lti.ClaimMessageType) || l.TargetLinkURI != str(lti.ClaimTargetLinkURI) || l.TargetLinkURI == "" {
		t.Fatalf("launch message %q target %q from claims %v", l.MessageType, l.TargetLinkURI, c)
	}
	roles, _ := c[lti.ClaimRoles].([]any)
	if len(roles) != len(l.Roles) || !slices.Equal(l.Roles, stringsOf(roles)) {
		t.Fatalf("launch roles %q from claim %v", l.Roles, c[lti.ClaimRoles])
	}
	if !l.ExpiresAt.After(p.now.Add(-time.Minute)) {
		t.Fatalf("accepted a launch that expired at %s", l.ExpiresAt)
	}
	if (l.MessageType == lti.MsgStartProctoring || l.MessageType == lti.MsgEndAssessment) && (l.Proctoring == nil || l.Proctoring.AttemptNumber < 1) {
		t.Fatalf("a proctoring message without a positive attempt: %+v", l.Proctoring)
	}
	if l.MessageType == lti.MsgDeepLinking && (l.DeepLinking == nil || l.DeepLinking.ReturnURL == "") {
		t.Fatalf("a deep linking request without a return URL: %+v", l.DeepLinking)
	}
}

func stringsOf(vs []any) []string {
	var out []string
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
