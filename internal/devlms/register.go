package devlms

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// LTI Dynamic Registration 1.0, the platform's side, as Moodle ("Register
// tool with URL") and Canvas play it: StartRegistration gives the address
// to open (the tool's registration URL with openid_configuration and a
// single-use registration_token); the tool reads GET /openid-configuration
// and posts its client registration to POST /register, which registers it
// as a new tool with a client id and a deployment of its own — a second
// registration of a tool is a second client id, as in Moodle.

// scopeAGSPrefix: any Assignment and Grade Services scope.
const scopeAGSPrefix = "https://purl.imsglobal.org/spec/lti-ags/scope/"

// DynamicRegistration is a client registration the platform accepted.
type DynamicRegistration struct {
	ClientID, DeploymentID string
	// Request is the tool's registration, as posted.
	Request map[string]any
	// AcceptGrades: the tool asked for a grade scope (Moodle then sets
	// "Accept grades from the tool" to "Delegate"; without, "Never").
	AcceptGrades bool
	Scopes       []string
}

type registration struct {
	used bool
}

// StartRegistration returns the address that starts a Dynamic
// Registration of the tool whose registration URL is toolURL: toolURL with
// openid_configuration and a fresh single-use registration_token.
func (p *Platform) StartRegistration(toolURL string) (string, error) {
	u, err := url.Parse(toolURL)
	if err != nil || checkAbsoluteURL(toolURL) != nil {
		return "", err
	}
	token := randomID(16)
	p.mu.Lock()
	p.state.registrations[token] = &registration{}
	base := p.baseURL
	p.mu.Unlock()
	q := u.Query()
	q.Set("openid_configuration", base+"/openid-configuration")
	q.Set("registration_token", token)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Registrations lists the accepted Dynamic Registrations, oldest first.
func (p *Platform) Registrations() []DynamicRegistration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.state.dynamic)
}

// SetProduct sets the product_family_code the OpenID configuration names
// ("moodle", "canvas"; "" is "devlms").
func (p *Platform) SetProduct(code string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.product = code
}

// OmitRegistrationDeployment makes the registration answer carry no
// deployment_id, as an LMS that deploys a tool only when it is installed
// may answer; the tool's deployment exists all the same.
func (p *Platform) OmitRegistrationDeployment(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drNoDeployment = on
}

// registrationToken checks a request's bearer registration token; used
// says whether it may have been used already (the configuration may be
// read again after registering).
func (p *Platform) registrationToken(r *http.Request, unusedOnly bool) (*registration, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, false
	}
	for t, reg := range p.state.registrations {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 && (!unusedOnly || !reg.used) {
			return reg, true
		}
	}
	return nil, false
}

// handleOpenIDConfiguration describes the platform (OpenID Connect
// Discovery, with LTI's platform configuration).
func (p *Platform) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	_, ok := p.registrationToken(r, false)
	product := p.product
	base := p.baseURL
	p.mu.Unlock()
	if r.Header.Get("Authorization") != "" && !ok {
		writeJSON(w, http.StatusUnauthorized, "application/json", map[string]string{"error": "invalid_token"})
		return
	}
	if product == "" {
		product = "devlms"
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/auth",
		"token_endpoint":                        base + "/token",
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256"},
		"jwks_uri":                              base + "/jwks",
		"registration_endpoint":                 base + "/register",
		"scopes_supported":                      []string{"openid", ScopeNRPS, ScopeACS},
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public", "pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"sub", "iss", "name", "given_name", "family_name", "email"},
		"https://purl.imsglobal.org/spec/lti-platform-configuration": map[string]any{
			"product_family_code": product,
			"version":             "1.0",
			"messages_supported": []map[string]any{
				{"type": "LtiResourceLinkRequest"},
				{"type": "LtiDeepLinkingRequest", "placements": []string{"ContentArea"}},
			},
		},
	})
}

// handleRegister registers a tool from its client registration.
func (p *Platform) handleRegister(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, why string) {
		writeJSON(w, status, "application/json", map[string]string{"error": code, "error_description": why})
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(http.StatusBadRequest, "invalid_request", "unreadable body")
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		fail(http.StatusBadRequest, "invalid_client_metadata", "not JSON")
		return
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	strs := func(m map[string]any, k string) []string {
		var out []string
		list, _ := m[k].([]any)
		for _, v := range list {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	tool, _ := req["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)
	switch {
	case !slices.Contains(strs(req, "response_types"), "id_token"):
		fail(http.StatusBadRequest, "invalid_client_metadata", "response_types must hold id_token")
		return
	case str(req, "token_endpoint_auth_method") != "private_key_jwt":
		fail(http.StatusBadRequest, "invalid_client_metadata", "token_endpoint_auth_method must be private_key_jwt")
		return
	case str(req, "initiate_login_uri") == "" || len(strs(req, "redirect_uris")) == 0 || str(req, "jwks_uri") == "":
		fail(http.StatusBadRequest, "invalid_client_metadata", "initiate_login_uri, redirect_uris and jwks_uri are required")
		return
	case tool == nil || str(tool, "target_link_uri") == "" || str(tool, "domain") == "":
		fail(http.StatusBadRequest, "invalid_client_metadata", "the LTI tool configuration needs target_link_uri and domain")
		return
	}
	t := Tool{Name: str(req, "client_name"), LoginURL: str(req, "initiate_login_uri"), RedirectURIs: strs(req, "redirect_uris"),
		TargetLinkURI: str(tool, "target_link_uri"), JWKSURL: str(req, "jwks_uri"), Custom: map[string]string{}}
	if custom, ok := tool["custom_parameters"].(map[string]any); ok {
		for k, v := range custom {
			if s, ok := v.(string); ok {
				t.Custom[k] = s
			}
		}
	}
	messages, _ := tool["messages"].([]any)
	for _, m := range messages {
		if mm, ok := m.(map[string]any); ok && str(mm, "type") == "LtiDeepLinkingRequest" {
			t.DeepLinkURL = str(mm, "target_link_uri")
		}
	}
	scopes := strings.Fields(str(req, "scope"))
	p.mu.Lock()
	reg, ok := p.registrationToken(r, true)
	if !ok {
		p.mu.Unlock()
		fail(http.StatusUnauthorized, "invalid_token", "a valid, unused registration token is required")
		return
	}
	reg.used = true
	d := &p.state.directory
	t.ClientID = "dr-" + d.nextID("client", func(id string) bool { return d.tool("dr-"+id) != nil })
	t.DeploymentID = d.nextID("deployment", func(string) bool { return false })
	p.mu.Unlock()
	if err := p.RegisterTool(t); err != nil {
		fail(http.StatusBadRequest, "invalid_client_metadata", err.Error())
		return
	}
	dr := DynamicRegistration{ClientID: t.ClientID, DeploymentID: t.DeploymentID, Request: req, Scopes: scopes}
	for _, s := range scopes {
		if strings.HasPrefix(s, scopeAGSPrefix) {
			dr.AcceptGrades = true
		}
	}
	p.mu.Lock()
	p.state.dynamic = append(p.state.dynamic, dr)
	p.mu.Unlock()
	answer := map[string]any{}
	for k, v := range req {
		answer[k] = v
	}
	answer["client_id"] = t.ClientID
	toolAnswer := map[string]any{}
	for k, v := range tool {
		toolAnswer[k] = v
	}
	p.mu.Lock()
	if !p.drNoDeployment {
		toolAnswer["deployment_id"] = t.DeploymentID
	}
	p.mu.Unlock()
	answer["https://purl.imsglobal.org/spec/lti-tool-configuration"] = toolAnswer
	writeJSON(w, http.StatusOK, "application/json", answer)
}

// handleRegisterPage is GET /admin/register?url=…: a page that opens the
// tool's registration URL (with a fresh registration token) in a frame and
// closes it when the tool says it is done.
func (p *Platform) handleRegisterPage(w http.ResponseWriter, r *http.Request) {
	src, err := p.StartRegistration(r.URL.Query().Get("url"))
	if err != nil || src == "" {
		p.renderProblem(w, http.StatusBadRequest, "Not a tool URL", "Give the tool's registration URL as ?url=….")
		return
	}
	p.renderPage(w, http.StatusOK, "register", map[string]any{"Title": "Register a tool", "Src": src})
}
