package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// LTI Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0/),
// the tool's side. An LMS administrator pastes Vigil's registration address
// into the LMS (Moodle 4.1+: "Register tool with URL"; Canvas: "LTI
// Registration"); the LMS opens it with two query parameters,
// openid_configuration (where the LMS describes itself) and
// registration_token (a bearer token for the two requests below). Vigil
// reads the LMS's OpenID configuration, posts its own client registration to
// the LMS's registration endpoint, and gets back its client id and
// deployment id; the page then tells the LMS it is done with a postMessage
// {subject: "org.imsglobal.lti.close"}.

// ToolConfigurationClaim names the LTI part of a client registration, and
// PlatformConfigurationClaim the LTI part of an LMS's OpenID configuration.
const (
	ToolConfigurationClaim     = "https://purl.imsglobal.org/spec/lti-tool-configuration"
	PlatformConfigurationClaim = "https://purl.imsglobal.org/spec/lti-platform-configuration"
)

// PlatformConfig is what Vigil reads of an LMS's OpenID configuration.
type PlatformConfig struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	RegistrationEndpoint  string `json:"registration_endpoint"`
	ScopesSupported       []string
	LTI                   struct {
		ProductFamilyCode string `json:"product_family_code"`
		Version           string `json:"version"`
		MessagesSupported []struct {
			Type       string   `json:"type"`
			Placements []string `json:"placements"`
		} `json:"messages_supported"`
	} `json:"https://purl.imsglobal.org/spec/lti-platform-configuration"`
}

// Product is the LMS's product family, lower case ("moodle", "canvas").
func (c *PlatformConfig) Product() string { return strings.ToLower(c.LTI.ProductFamilyCode) }

// Supports reports whether the LMS says it sends a message type (an LMS
// that lists none is taken to send the core ones).
func (c *PlatformConfig) Supports(msg string) bool {
	if len(c.LTI.MessagesSupported) == 0 {
		return msg == MsgResourceLink || msg == MsgDeepLinking
	}
	for _, m := range c.LTI.MessagesSupported {
		if m.Type == msg {
			return true
		}
	}
	return false
}

// maxRegistrationBody bounds what Vigil reads of an LMS's answers.
const maxRegistrationBody = 1 << 20

// FetchPlatformConfig reads and checks an LMS's OpenID configuration. The
// configuration must come from the issuer's own host (an address that
// names another host's issuer is refused: the issuer is who Vigil will
// trust launches from), over https (or http on this computer), and name
// every endpoint Vigil needs.
func FetchPlatformConfig(ctx context.Context, client *http.Client, configURL, regToken string) (*PlatformConfig, error) {
	cu, err := url.Parse(configURL)
	if err != nil || !Callable(configURL) {
		return nil, refuse(CodeBadRequest, "the LMS's openid_configuration %q is not an https address", configURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, configURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if regToken != "" {
		req.Header.Set("Authorization", "Bearer "+regToken)
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, refuse(CodeService, "Vigil could not read the LMS's configuration at %s: %v", configURL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxRegistrationBody))
	if err != nil {
		return nil, refuse(CodeService, "Vigil could not read the LMS's configuration: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, refuse(CodeService, "the LMS answered HTTP %d for its configuration (%s)", res.StatusCode, configURL)
	}
	var c PlatformConfig
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, refuse(CodeService, "the LMS's configuration is not JSON: %v", err)
	}
	iu, err := url.Parse(c.Issuer)
	if err != nil || c.Issuer == "" || !strings.EqualFold(iu.Host, cu.Host) {
		return nil, refuse(CodeBadRequest, "the LMS's configuration names issuer %q, which is not the host it came from (%s)", c.Issuer, cu.Host)
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"issuer", c.Issuer}, {"authorization_endpoint", c.AuthorizationEndpoint},
		{"token_endpoint", c.TokenEndpoint}, {"jwks_uri", c.JWKSURI}, {"registration_endpoint", c.RegistrationEndpoint}} {
		if !Callable(f.value) {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, refuse(CodeBadRequest, "the LMS's configuration lacks %s (as https addresses)", strings.Join(missing, ", "))
	}
	return &c, nil
}

// Callable: an address Vigil may call (https, or http on this computer,
// for development and tests).
func Callable(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	return u.Scheme == "https" || (u.Scheme == "http" && (h == "localhost" || h == "127.0.0.1" || h == "::1"))
}

// ToolRegistration is Vigil's client registration for an LMS: one tool for
// everything (the course dashboard, exams, and deep linking that places
// either), no grade services, the roster service only.
func ToolRegistration(base, name string, c *PlatformConfig) map[string]any {
	base = strings.TrimRight(base, "/")
	domain := base
	if u, err := url.Parse(base); err == nil {
		domain = u.Host
	}
	dashboard, exam, deepLink := base+"/lti/dashboard", base+"/lti/exam", base+"/lti/deep-link"
	// Moodle makes the tool's URL every new activity's: an activity added
	// from the activity chooser is one proctored exam. Elsewhere (Canvas)
	// the tool's URL is the course menu's: the dashboard.
	target := dashboard
	if c.Product() == "moodle" {
		target = exam
	}
	messages := []map[string]any{{
		"type": MsgDeepLinking, "target_link_uri": deepLink, "label": name + ": proctored exam or course dashboard",
		"placements": []string{"link_selection", "assignment_selection", "ContentArea"},
	}, {
		"type": MsgResourceLink, "target_link_uri": dashboard, "label": name,
		"placements": []string{"course_navigation"},
		"roles": []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
			"http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
			"http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"},
	}}
	tool := map[string]any{
		"domain": domain, "target_link_uri": target, "messages": messages,
		"description": name + ": open-source online exam proctoring. Instructors review proctored sessions; students are recorded only inside proctored exams.",
		"claims":      []string{"iss", "sub", "name", "given_name", "family_name", "email"},
	}
	if c.Product() == "canvas" {
		tool["custom_parameters"] = map[string]string{"canvas_course_id": "$Canvas.course.id", "canvas_user_id": "$Canvas.user.id"}
		tool["https://canvas.instructure.com/lti/privacy_level"] = "public"
	}
	return map[string]any{
		"application_type":           "web",
		"response_types":             []string{"id_token"},
		"grant_types":                []string{"implicit", "client_credentials"},
		"initiate_login_uri":         base + "/lti/login",
		"redirect_uris":              []string{base + "/lti/launch"},
		"client_name":                name,
		"jwks_uri":                   base + "/lti/jwks",
		"token_endpoint_auth_method": "private_key_jwt",
		// No Assignment and Grade Services scope: Vigil never posts a grade
		// (Moodle then sets "Accept grades from the tool" to Never).
		"scope":                ScopeNRPS,
		ToolConfigurationClaim: tool,
	}
}

// Registered is what the LMS answered to Vigil's registration.
type Registered struct {
	ClientID     string
	DeploymentID string
}

// Register posts Vigil's client registration to the LMS and reads the
// client id (and, when the LMS gives one, the deployment id) it answers.
func Register(ctx context.Context, client *http.Client, c *PlatformConfig, regToken string, registration map[string]any) (*Registered, error) {
	body, err := json.Marshal(registration)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.RegistrationEndpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if regToken != "" {
		req.Header.Set("Authorization", "Bearer "+regToken)
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, refuse(CodeService, "Vigil could not reach the LMS's registration endpoint: %v", err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, maxRegistrationBody))
	if err != nil {
		return nil, refuse(CodeService, "Vigil could not read the LMS's answer to its registration: %v", err)
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
		return nil, refuse(CodeService, "the LMS refused Vigil's registration (HTTP %d): %s", res.StatusCode, snippet(out))
	}
	var answer struct {
		ClientID string `json:"client_id"`
		Tool     struct {
			DeploymentID string `json:"deployment_id"`
		} `json:"https://purl.imsglobal.org/spec/lti-tool-configuration"`
	}
	if err := json.Unmarshal(out, &answer); err != nil || answer.ClientID == "" {
		return nil, refuse(CodeService, "the LMS's answer to Vigil's registration has no client_id")
	}
	return &Registered{ClientID: answer.ClientID, DeploymentID: answer.Tool.DeploymentID}, nil
}

// snippet is the start of an LMS's error answer, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "no detail"
	}
	return fmt.Sprintf("%q", s)
}
