package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"vigil/internal/devlms"
	vlms "vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
)

// lms is the development LMS wired to a test server: seeded, Vigil
// registered there as a tool and the LMS registered in Vigil.
type lms struct {
	*devlms.Platform
	URL  string
	Seed devlms.SeedData
	Reg  *proctor.Platform
}

const toolClientID = "vigil-test"

type lmsOptions struct {
	autoEnable bool
	canvas     bool   // give Vigil an API token for the Canvas-like API
	host       string // "localhost" serves the LMS on another site than Vigil (browser tests)
	rateLimit  float64
}

func startLMS(t *testing.T, srv *testserver.Server, o lmsOptions) *lms {
	t.Helper()
	p, err := devlms.New(devlms.Options{Now: srv.Now, RateLimit: o.rateLimit})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(p.Handler())
	t.Cleanup(hs.Close)
	base := hs.URL
	if o.host != "" {
		base = strings.Replace(base, "127.0.0.1", o.host, 1)
	}
	p.SetBaseURL(base)
	l := &lms{Platform: p, URL: base, Seed: devlms.Seed(p)}
	err = p.RegisterTool(devlms.Tool{ClientID: toolClientID, DeploymentID: "1", Name: "Vigil", LoginURL: srv.URL + "/lti/login",
		RedirectURIs: []string{srv.URL + "/lti/launch"}, TargetLinkURI: srv.URL + "/lti/dashboard", JWKSURL: srv.URL + "/lti/jwks",
		DeepLinkURL: srv.URL + "/lti/deep-link", ProctoringEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	l.Reg = &proctor.Platform{Name: "Dev LMS", Issuer: p.Issuer(), ClientID: toolClientID, AuthURL: p.AuthURL(),
		TokenURL: p.TokenURL(), JWKSURL: p.JWKSURL(), Deployments: []string{"1"}, AutoEnable: o.autoEnable}
	if o.canvas {
		l.Reg.CanvasURL, l.Reg.CanvasToken = base, p.IssueAPIToken(l.Seed.InstructorID)
	}
	if err := srv.LTI.LMS.SavePlatform(context.Background(), vlms.Who{Name: "test"}, l.Reg); err != nil {
		t.Fatal(err)
	}
	return l
}

// browserClient is an HTTP client that keeps cookies and follows redirects,
// like a browser without JavaScript.
func browserClient() *http.Client { return &http.Client{Jar: newJar()} }

// launchForm starts a launch and follows it to the form the platform posts
// to Vigil's redirect URI (id_token and state).
func (l *lms) launchForm(t *testing.T, c *http.Client, spec devlms.LaunchSpec) (string, url.Values) {
	t.Helper()
	start, err := l.StartLaunchURL(spec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Get(start)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	action, fields, err := devlms.ParseAutoPostForm(body)
	if err != nil || fields.Get("id_token") == "" {
		t.Fatalf("launch stopped at %s (%d): %v\n%s", res.Request.URL, res.StatusCode, err, body)
	}
	return action, fields
}

// post posts a form and returns the final status and page.
func postForm(t *testing.T, c *http.Client, action string, fields url.Values) (int, string) {
	t.Helper()
	res, err := c.PostForm(action, fields)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, string(body)
}

// launch runs a whole launch and returns Vigil's answer.
func (l *lms) launch(t *testing.T, c *http.Client, spec devlms.LaunchSpec) (int, string) {
	t.Helper()
	action, fields := l.launchForm(t, c, spec)
	return postLaunch(t, c, action, fields)
}

// postLaunch posts the platform's form to Vigil and, when Vigil answers
// with its same-site confirmation (the state cookie did not come with the
// platform's post), posts that too, as the page's script would.
func postLaunch(t *testing.T, c *http.Client, action string, fields url.Values) (int, string) {
	t.Helper()
	status, page := postForm(t, c, action, fields)
	if next, confirm, err := devlms.ParseAutoPostForm([]byte(page)); err == nil && strings.HasSuffix(next, "/lti/confirm") {
		u, _ := url.Parse(action)
		return postForm(t, c, u.Scheme+"://"+u.Host+next, confirm)
	}
	return status, page
}

// continueTo follows a teacher's launch page to the dashboard page it opens.
func continueTo(t *testing.T, c *http.Client, base, page string) (string, int, string) {
	t.Helper()
	m := regexp.MustCompile(`data-next="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no destination on the launch page:\n%s", page)
	}
	next := strings.ReplaceAll(m[1], "&amp;", "&")
	status, body := get(t, c, base+next)
	return next, status, body
}

// claimsOf decodes a JWT's payload (without checking it).
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// signWithStranger signs claims with a key the platform never published.
func signWithStranger(t *testing.T, claims map[string]any, kid string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, kid)
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// refusalCode reads the reason code off Vigil's refusal page.
func refusalCode(page string) string {
	m := regexp.MustCompile(`<code id="lti-code">([a-z_]+)</code>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// formValue reads a hidden field's value from a page.
func formValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no field %q on the page", name)
	}
	return m[1]
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func storeFilter(action string) store.AuditFilter { return store.AuditFilter{Action: action} }

func mustSign(t *testing.T, l *lms, claims map[string]any) string {
	t.Helper()
	tok, err := l.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
