package devlms

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// OAuth2 scopes of the LTI Advantage services the platform grants.
const (
	ScopeNRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
	ScopeACS  = "https://purl.imsglobal.org/spec/lti-ap/scope/control.all"
)

const (
	serviceTokenTTL     = time.Hour
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// serviceToken is an access token for the LTI services.
type serviceToken struct {
	clientID string
	scopes   []string
	expires  time.Time
}

// oauthError is an OAuth2 error answer (RFC 6749 section 5.2).
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) write(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, e.status, "application/json", map[string]string{"error": e.code, "error_description": e.desc})
}

// handleToken grants LTI service tokens for client credentials proven by a
// JWT the tool signed (the LTI Security Framework's client assertion).
func (p *Platform) handleToken(w http.ResponseWriter, r *http.Request) {
	tok, err := p.grantServiceToken(r)
	if err != nil {
		err.write(w)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(serviceTokenTTL.Seconds()),
		"scope":        strings.Join(p.serviceTokenScopes(tok), " "),
	})
}

func (p *Platform) grantServiceToken(r *http.Request) (string, *oauthError) {
	if err := r.ParseForm(); err != nil {
		return "", &oauthError{http.StatusBadRequest, "invalid_request", err.Error()}
	}
	f := r.PostForm
	if g := f.Get("grant_type"); g != "client_credentials" {
		return "", &oauthError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type is %q; only client_credentials is supported", g)}
	}
	if t := f.Get("client_assertion_type"); t != clientAssertionType {
		return "", &oauthError{http.StatusBadRequest, "invalid_request", fmt.Sprintf("client_assertion_type must be %s", clientAssertionType)}
	}
	assertion := f.Get("client_assertion")
	if assertion == "" {
		return "", &oauthError{http.StatusBadRequest, "invalid_request", "client_assertion is missing"}
	}
	tool, c, err := p.verifyToolJWT(r.Context(), assertion)
	if err != nil {
		return "", &oauthError{http.StatusUnauthorized, "invalid_client", err.Error()}
	}
	if oerr := p.checkClientAssertion(tool, c, f.Get("client_id")); oerr != nil {
		return "", oerr
	}
	var granted []string
	for _, s := range strings.Fields(f.Get("scope")) {
		if (s == ScopeNRPS || (s == ScopeACS && tool.ProctoringEnabled)) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	if len(granted) == 0 {
		return "", &oauthError{http.StatusBadRequest, "invalid_scope", fmt.Sprintf("none of the scopes %q can be granted to this tool", f.Get("scope"))}
	}
	tok := randomID(24)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for k, t := range p.state.serviceTokens {
		if now.After(t.expires) {
			delete(p.state.serviceTokens, k)
		}
	}
	p.state.serviceTokens[tok] = serviceToken{clientID: tool.ClientID, scopes: granted, expires: now.Add(serviceTokenTTL)}
	return tok, nil
}

// checkClientAssertion checks the claims of a verified client assertion:
// who it is from (invalid_client), and whether it may be used now
// (invalid_grant): audience, times and a single-use jti.
func (p *Platform) checkClientAssertion(tool *Tool, c claims, formClientID string) *oauthError {
	if c.str("sub") != tool.ClientID {
		return &oauthError{http.StatusUnauthorized, "invalid_client", fmt.Sprintf("sub %q is not the client id %q", c.str("sub"), tool.ClientID)}
	}
	if formClientID != "" && formClientID != tool.ClientID {
		return &oauthError{http.StatusUnauthorized, "invalid_client", fmt.Sprintf("client_id %q is not the assertion's issuer %q", formClientID, tool.ClientID)}
	}
	aud := c.audience()
	if !slices.Contains(aud, p.TokenURL()) && !slices.Contains(aud, p.Issuer()) {
		return &oauthError{http.StatusBadRequest, "invalid_grant", fmt.Sprintf("aud %q is neither the token URL %q nor the issuer", aud, p.TokenURL())}
	}
	now := p.now()
	if err := c.checkTimes(now); err != nil {
		return &oauthError{http.StatusBadRequest, "invalid_grant", err.Error()}
	}
	jti := c.str("jti")
	if jti == "" {
		return &oauthError{http.StatusBadRequest, "invalid_grant", "jti is missing"}
	}
	exp, _ := c.integer("exp")
	p.mu.Lock()
	defer p.mu.Unlock()
	forget(p.state.usedJTIs, now)
	key := tool.ClientID + " " + jti
	if _, used := p.state.usedJTIs[key]; used {
		return &oauthError{http.StatusBadRequest, "invalid_grant", fmt.Sprintf("jti %q was already used", jti)}
	}
	p.state.usedJTIs[key] = time.Unix(exp, 0)
	return nil
}

func (p *Platform) serviceTokenScopes(tok string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state.serviceTokens[tok].scopes
}

// serviceCaller checks a service request's bearer token for a scope. It
// returns the token, or the HTTP status (401 or 403) and why.
func (p *Platform) serviceCaller(r *http.Request, scope string) (serviceToken, int, string) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return serviceToken{}, http.StatusUnauthorized, "a Bearer access token from " + p.TokenURL() + " is required"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.state.serviceTokens[tok]
	if !ok || p.now().After(t.expires) {
		return serviceToken{}, http.StatusUnauthorized, "the access token is unknown or expired"
	}
	if !slices.Contains(t.scopes, scope) {
		return serviceToken{}, http.StatusForbidden, "the access token lacks the scope " + scope
	}
	return t, 0, ""
}
