package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"vigil/internal/proctor"
)

// Verifier checks id_tokens from registered platforms.
type Verifier struct {
	Keys *KeySets
	Now  func() time.Time
	// Leeway absorbs clock differences on exp and iat.
	Leeway time.Duration
}

// maxTokenBytes bounds an id_token (claims of a real launch are a few KB).
const maxTokenBytes = 64 << 10

// claims is a decoded JWT payload.
type claims map[string]any

// Verify checks an id_token from platform p that must carry nonce, and
// returns the launch it describes. The order of the checks is the
// specification's: signature, issuer, audience and authorised party,
// times, nonce, then the LTI claims.
func (v *Verifier) Verify(ctx context.Context, p *proctor.Platform, token, nonce string) (*Launch, error) {
	c, err := v.verifySignature(ctx, p, token)
	if err != nil {
		return nil, err
	}
	if err := v.checkStandard(c, p, nonce); err != nil {
		return nil, err
	}
	l, err := parseLaunch(c, p)
	if err != nil {
		return nil, err
	}
	if exp, ok := c.time("exp"); ok {
		l.ExpiresAt = exp
	}
	return l, nil
}

func (v *Verifier) verifySignature(ctx context.Context, p *proctor.Platform, token string) (claims, error) {
	if len(token) == 0 || len(token) > maxTokenBytes {
		return nil, refuse(CodeBadToken, "the id_token is missing or too large")
	}
	msg, err := jws.Parse([]byte(token))
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, refuse(CodeBadToken, "the id_token is not a signed JWT")
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if alg, ok := hdr.Algorithm(); !ok || alg != jwa.RS256() {
		return nil, refuse(CodeBadToken, "the id_token must be signed with RS256")
	}
	kid, ok := hdr.KeyID()
	if !ok || kid == "" {
		return nil, refuse(CodeBadToken, "the id_token's header has no key id (kid)")
	}
	key, err := v.Keys.Key(ctx, p.JWKSURL, kid)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify([]byte(token), jws.WithKey(jwa.RS256(), key))
	if err != nil {
		return nil, refuse(CodeBadSignature, "the id_token's signature does not verify with the platform's key %q", kid)
	}
	var c claims
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, refuse(CodeBadToken, "the id_token's claims are not a JSON object")
	}
	return c, nil
}

func (v *Verifier) checkStandard(c claims, p *proctor.Platform, nonce string) error {
	if c.str("iss") != p.Issuer {
		return refuse(CodeWrongIssuer, "the token was issued by %q, not by the registered platform", c.str("iss"))
	}
	aud := c.strs("aud")
	if !slices.Contains(aud, p.ClientID) {
		return refuse(CodeWrongAudience, "the token is not addressed to Vigil's client id")
	}
	azp, hasAZP := c["azp"]
	if (hasAZP || len(aud) > 1) && azp != p.ClientID {
		return refuse(CodeWrongAZP, "the token's authorised party (azp) is not Vigil's client id")
	}
	now := v.Now()
	exp, ok := c.time("exp")
	if !ok || !now.Before(exp.Add(v.Leeway)) {
		return refuse(CodeExpired, "the token has expired")
	}
	iat, ok := c.time("iat")
	if !ok || iat.After(now.Add(v.Leeway)) {
		return refuse(CodeNotYetValid, "the token's issue time (iat) is missing or in the future")
	}
	if nonce == "" || c.str("nonce") != nonce {
		return refuse(CodeBadNonce, "the token's nonce is not the one Vigil sent for this login")
	}
	return nil
}

func (c claims) str(name string) string {
	s, _ := c[name].(string)
	return s
}

// strs reads a claim that is a string or an array of strings.
func (c claims) strs(name string) []string {
	switch v := c[name].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (c claims) obj(name string) claims {
	m, _ := c[name].(map[string]any)
	return m
}

func (c claims) time(name string) (time.Time, bool) {
	n, ok := c[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0).UTC(), true
}

func (c claims) int(name string) (int, bool) {
	n, ok := c[name].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil
}

func (c claims) boolean(name string) bool {
	b, _ := c[name].(bool)
	return b
}
