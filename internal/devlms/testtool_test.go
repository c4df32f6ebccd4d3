package devlms

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// sharedToolKey is the test tools' first RSA key: generating one per test
// would cost more time than the tests themselves.
var sharedToolKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// testTool is a minimal LTI 1.3 tool: it serves its JWKS, answers login
// initiations with an authorization request, verifies the id_tokens it
// receives against the platform's JWKS, and signs its own messages.
type testTool struct {
	t   *testing.T
	f   *fixture
	srv *httptest.Server
	reg Tool

	mu        sync.Mutex
	key       jwk.Key // current private key
	public    jwk.Set
	jwksHits  int
	logins    []url.Values
	nonces    map[string]string // state → nonce
	launches  []claims          // verified id_tokens, in arrival order
	authTweak func(url.Values)  // a test's change to the next authorization requests
}

func newTestTool(t *testing.T, f *fixture, clientID string, proctoring bool) *testTool {
	t.Helper()
	tt := &testTool{t: t, f: f, public: jwk.NewSet(), nonces: map[string]string{}}
	tt.useKey(sharedToolKey())
	mux := http.NewServeMux()
	mux.HandleFunc("/jwks", tt.serveJWKS)
	mux.HandleFunc("/login", tt.serveLogin)
	mux.HandleFunc("POST /launch", tt.serveLaunch)
	tt.srv = httptest.NewServer(mux)
	t.Cleanup(tt.srv.Close)
	tt.reg = Tool{
		ClientID: clientID, DeploymentID: "dep-1", Name: "Vigil",
		LoginURL: tt.srv.URL + "/login", RedirectURIs: []string{tt.srv.URL + "/launch"},
		TargetLinkURI: tt.srv.URL + "/launch", JWKSURL: tt.srv.URL + "/jwks",
		DeepLinkURL: tt.srv.URL + "/deeplink", Custom: map[string]string{"course": "$Canvas.course.id", "mode": "exam"},
		ProctoringEnabled: proctoring,
	}
	if err := f.p.RegisterTool(tt.reg); err != nil {
		t.Fatalf("RegisterTool: %v", err)
	}
	return tt
}

// useKey makes raw the tool's signing key and adds its public half to the
// tool's JWKS (old keys stay, as in a rotation).
func (tt *testTool) useKey(raw *rsa.PrivateKey) {
	tt.t.Helper()
	key, err := jwk.Import(raw)
	if err != nil {
		tt.t.Fatal(err)
	}
	if err := key.Set(jwk.KeyIDKey, "tool-"+randomID(4)); err != nil {
		tt.t.Fatal(err)
	}
	public, err := jwk.PublicKeyOf(key)
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.key = key
	if err := tt.public.AddKey(public); err != nil {
		tt.t.Fatal(err)
	}
}

func (tt *testTool) serveJWKS(w http.ResponseWriter, r *http.Request) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.jwksHits++
	json.NewEncoder(w).Encode(tt.public)
}

// serveLogin answers the platform's login initiation (GET or POST) with a
// redirect to the platform's authorization endpoint.
func (tt *testTool) serveLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	state, nonce := randomID(8), randomID(8)
	q := url.Values{
		"scope": {"openid"}, "response_type": {"id_token"}, "response_mode": {"form_post"},
		"prompt": {"none"}, "client_id": {r.Form.Get("client_id")},
		"redirect_uri": {tt.srv.URL + "/launch"}, "login_hint": {r.Form.Get("login_hint")},
		"lti_message_hint": {r.Form.Get("lti_message_hint")}, "state": {state}, "nonce": {nonce},
	}
	tt.mu.Lock()
	tt.logins = append(tt.logins, r.Form)
	tt.nonces[state] = nonce
	tweak := tt.authTweak
	tt.mu.Unlock()
	if tweak != nil {
		tweak(q)
	}
	http.Redirect(w, r, tt.f.p.AuthURL()+"?"+q.Encode(), http.StatusFound)
}

// serveLaunch receives the id_token and checks what any tool must: the
// platform's signature, iss, aud and the nonce of its state.
func (tt *testTool) serveLaunch(w http.ResponseWriter, r *http.Request) {
	c, err := tt.verifyPlatformJWT(r.PostFormValue("id_token"))
	if err != nil {
		http.Error(w, "tool: "+err.Error(), http.StatusBadRequest)
		return
	}
	tt.mu.Lock()
	nonce, ok := tt.nonces[r.PostFormValue("state")]
	delete(tt.nonces, r.PostFormValue("state"))
	tt.mu.Unlock()
	if !ok || c.str("nonce") != nonce {
		http.Error(w, "tool: state or nonce mismatch", http.StatusBadRequest)
		return
	}
	if c.str("iss") != tt.f.p.Issuer() || c.str("aud") != tt.reg.ClientID {
		http.Error(w, "tool: wrong iss or aud", http.StatusBadRequest)
		return
	}
	tt.mu.Lock()
	tt.launches = append(tt.launches, c)
	tt.mu.Unlock()
	io.WriteString(w, "tool launched: "+c.str(claimLTI+"message_type"))
}

// verifyPlatformJWT verifies a JWT with the platform's published JWKS.
func (tt *testTool) verifyPlatformJWT(token string) (claims, error) {
	resp, err := http.Get(tt.f.p.JWKSURL())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify([]byte(token), jws.WithKeySet(set))
	if err != nil {
		return nil, err
	}
	var c claims
	return c, json.Unmarshal(payload, &c)
}

// lastLaunch returns the latest verified id_token claims.
func (tt *testTool) lastLaunch() claims {
	tt.t.Helper()
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if len(tt.launches) == 0 {
		tt.t.Fatal("the tool received no launch")
	}
	return tt.launches[len(tt.launches)-1]
}

func (tt *testTool) setAuthTweak(tweak func(url.Values)) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.authTweak = tweak
}

func (tt *testTool) lastLogin() url.Values {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.logins[len(tt.logins)-1]
}

func (tt *testTool) jwksFetches() int {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.jwksHits
}

func (tt *testTool) launchCount() int {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return len(tt.launches)
}

// sign signs claims as the tool, RS256 with its current kid.
func (tt *testTool) sign(c map[string]any) string {
	tt.t.Helper()
	tt.mu.Lock()
	key := tt.key
	tt.mu.Unlock()
	return signWith(tt.t, key, c)
}

func signWith(t *testing.T, key jwk.Key, c map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), key))
	if err != nil {
		t.Fatal(err)
	}
	return string(signed)
}

// message returns the claims every tool-to-platform LTI message carries.
func (tt *testTool) message(messageType string) map[string]any {
	now := tt.f.clock.Now()
	return map[string]any{
		"iss": tt.reg.ClientID, "aud": tt.f.p.Issuer(),
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": randomID(8),
		claimLTI + "message_type":  messageType,
		claimLTI + "version":       "1.3.0",
		claimLTI + "deployment_id": tt.reg.DeploymentID,
	}
}

// assertion returns the claims of a valid client assertion.
func (tt *testTool) assertion() map[string]any {
	now := tt.f.clock.Now()
	return map[string]any{
		"iss": tt.reg.ClientID, "sub": tt.reg.ClientID, "aud": tt.f.p.TokenURL(),
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": randomID(8),
	}
}

// requestToken posts a client credentials grant with a signed assertion.
func (tt *testTool) requestToken(assertion string, scopes ...string) (int, map[string]any) {
	tt.t.Helper()
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {assertion},
		"scope":                 {strings.Join(scopes, " ")},
	}
	resp, err := http.PostForm(tt.f.p.TokenURL(), form)
	if err != nil {
		tt.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tt.t.Fatalf("token answer is not JSON: %v", err)
	}
	return resp.StatusCode, body
}

// accessToken gets a service token with the given scopes.
func (tt *testTool) accessToken(scopes ...string) string {
	tt.t.Helper()
	status, body := tt.requestToken(tt.sign(tt.assertion()), scopes...)
	if status != http.StatusOK {
		tt.t.Fatalf("token: %d %v", status, body)
	}
	return body["access_token"].(string)
}
