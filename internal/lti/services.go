package lti

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"vigil/internal/proctor"
)

// Services calls platforms' LTI Advantage services with OAuth2 client
// credentials: the token is asked for with a signed assertion and kept
// until shortly before it expires.
type Services struct {
	HTTP *http.Client
	Keys *Keyring

	mu     sync.Mutex
	tokens map[string]accessToken // by platform id and scopes
}

type accessToken struct {
	value   string
	expires time.Time
}

// NewServices returns a service client.
func NewServices(client *http.Client, keys *Keyring) *Services {
	return &Services{HTTP: client, Keys: keys, tokens: map[string]accessToken{}}
}

// maxServiceBytes bounds a service answer.
const maxServiceBytes = 8 << 20

// Token returns an access token of the platform for scopes.
func (s *Services) Token(ctx context.Context, p *proctor.Platform, scopes ...string) (string, error) {
	key := fmt.Sprint(p.ID, " ", strings.Join(scopes, " "))
	now := s.Keys.Now()
	s.mu.Lock()
	t, ok := s.tokens[key]
	s.mu.Unlock()
	if ok && now.Before(t.expires) {
		return t.value, nil
	}
	assertion, err := s.Keys.ClientAssertion(ctx, p)
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {assertion}, "scope": {strings.Join(scopes, " ")}}
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	status, err := s.do(ctx, http.MethodPost, p.TokenURL, "application/x-www-form-urlencoded", "application/json", "", strings.NewReader(form.Encode()), &out, nil)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK || out.AccessToken == "" {
		return "", refuse(CodeService, "the platform's token endpoint refused Vigil (HTTP %d %s %s)", status, out.Error, out.Description)
	}
	life := time.Duration(max(out.ExpiresIn, 60)) * time.Second
	s.mu.Lock()
	s.tokens[key] = accessToken{value: out.AccessToken, expires: now.Add(life - 30*time.Second)}
	s.mu.Unlock()
	return out.AccessToken, nil
}

// do sends one request and decodes a JSON answer into out; it returns the
// status and, when headers is not nil, copies the answer's headers there.
func (s *Services) do(ctx context.Context, method, target, ctype, accept, token string, body io.Reader, out any, headers *http.Header) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return 0, refuse(CodeService, "bad service URL %q", target)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", accept)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.HTTP.Do(req)
	if err != nil {
		return 0, refuse(CodeService, "the platform could not be reached: %v", err)
	}
	defer res.Body.Close()
	if headers != nil {
		*headers = res.Header
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxServiceBytes))
	if err != nil {
		return res.StatusCode, refuse(CodeService, "reading the platform's answer: %v", err)
	}
	// A success must be the JSON asked for: an empty 200 roster page read
	// as "no members" would look like everyone leaving the course. An
	// error's body is read when there is one, for its words.
	if out != nil && (len(data) > 0 || res.StatusCode < 300) {
		if err := json.Unmarshal(data, out); err != nil && res.StatusCode < 300 {
			return res.StatusCode, refuse(CodeService, "the platform's answer is not the JSON expected: %v", err)
		}
	}
	return res.StatusCode, nil
}

// Member is one person of a course's roster (NRPS 2.0).
type Member struct {
	UserID     string   `json:"user_id"`
	Status     string   `json:"status"`
	Name       string   `json:"name"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Email      string   `json:"email"`
	Roles      []string `json:"roles"`
}

// IsActive reports whether the member's enrolment is active (not
// Inactive or Deleted).
func (m *Member) IsActive() bool { return m.Status == "" || m.Status == "Active" }

// Launch is the member's roles as a launch would carry them, to ask the
// same questions of a roster entry as of a launch.
func (m *Member) Launch() *Launch { return &Launch{Roles: m.Roles} }

// IsLearner reports whether the member is an active learner.
func (m *Member) IsLearner() bool {
	return m.IsActive() && m.Launch().IsLearner()
}

// maxRosterPages bounds how many pages of a roster are followed.
const maxRosterPages = 100

var nextLink = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// Members reads a course's whole roster from its NRPS endpoint, page by page.
func (s *Services) Members(ctx context.Context, p *proctor.Platform, membershipsURL string) ([]Member, error) {
	token, err := s.Token(ctx, p, ScopeNRPS)
	if err != nil {
		return nil, err
	}
	var all []Member
	next := membershipsURL
	for page := 0; next != "" && page < maxRosterPages; page++ {
		var out struct {
			Members []Member `json:"members"`
		}
		var hdr http.Header
		status, err := s.do(ctx, http.MethodGet, next, "", MediaNRPS, token, nil, &out, &hdr)
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			return nil, refuse(CodeService, "the platform's roster service answered HTTP %d", status)
		}
		all = append(all, out.Members...)
		next = ""
		if m := nextLink.FindStringSubmatch(hdr.Get("Link")); m != nil {
			next = m[1]
		}
	}
	return all, nil
}

// ControlRequest is an Assessment Control Service request (Proctoring
// Services 1.0): what Vigil asks the platform to do with an attempt.
type ControlRequest struct {
	UserSub          string
	ResourceLinkID   string
	AttemptNumber    int
	Action           string // flag, terminate, pause, resume, update
	IncidentTime     time.Time
	IncidentSeverity float64 // 0 to 1
	ReasonCode       string
	ReasonMessage    string
}

// Control sends an ACS request and returns the attempt's status.
func (s *Services) Control(ctx context.Context, p *proctor.Platform, pl *proctor.ProctoringLaunch, r ControlRequest) (string, error) {
	if pl.ACSURL == "" || !slices.Contains(pl.ACSActions, r.Action) {
		return "", refuse(CodeService, "the platform does not offer %q for this attempt", r.Action)
	}
	token, err := s.Token(ctx, p, ScopeACS)
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]any{
		"user": map[string]any{"sub": r.UserSub}, "resource_link": map[string]any{"id": r.ResourceLinkID},
		"attempt_number": r.AttemptNumber, "action": r.Action, "incident_time": r.IncidentTime.UTC().Format(time.RFC3339),
		"incident_severity": r.IncidentSeverity, "reason_code": r.ReasonCode, "reason_msg": r.ReasonMessage,
	})
	var out struct {
		Status string `json:"status"`
	}
	status, err := s.do(ctx, http.MethodPost, pl.ACSURL, MediaACS, MediaACS, token, strings.NewReader(string(body)), &out, nil)
	if err != nil {
		return "", err
	}
	if status/100 != 2 {
		return "", refuse(CodeService, "the platform refused the %s request (HTTP %d)", r.Action, status)
	}
	return out.Status, nil
}
