package devlms

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// A valid client assertion gets a Bearer token with the grantable subset of
// the scopes asked: NRPS and ACS, never grades. aud may be the issuer too.
func TestServiceTokenGrant(t *testing.T) {
	f := newFixture(t, Options{})
	ags := "https://purl.imsglobal.org/spec/lti-ags/scope/score"
	status, body := f.tool.requestToken(f.tool.sign(f.tool.assertion()), ScopeNRPS, ags, ScopeACS)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["access_token"] == "" {
		t.Errorf("token answer %v", body)
	}
	if body["scope"] != ScopeNRPS+" "+ScopeACS {
		t.Errorf("granted scope %q, want NRPS and ACS only", body["scope"])
	}
	claims := f.tool.assertion()
	claims["aud"] = []string{f.p.Issuer()}
	if status, body := f.tool.requestToken(f.tool.sign(claims), ScopeNRPS); status != http.StatusOK {
		t.Errorf("aud = issuer: %d %v", status, body)
	}
}

// Bad token requests get the OAuth2 error that names them, with 400 or 401.
func TestServiceTokenRefusals(t *testing.T) {
	f := newFixture(t, Options{})
	strangerKey := func() jwk.Key {
		raw, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		k, _ := jwk.Import(raw)
		// The stranger claims the tool's kid: only the signature can tell.
		f.tool.mu.Lock()
		kid, _ := f.tool.key.KeyID()
		f.tool.mu.Unlock()
		k.Set(jwk.KeyIDKey, kid)
		return k
	}()
	with := func(change func(map[string]any)) string {
		c := f.tool.assertion()
		change(c)
		return f.tool.sign(c)
	}
	reused := f.tool.sign(f.tool.assertion())
	if status, body := f.tool.requestToken(reused, ScopeNRPS); status != http.StatusOK {
		t.Fatalf("first use of an assertion: %d %v", status, body)
	}
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"x"}`))
	cases := []struct {
		name       string
		assertion  string
		scopes     []string
		status     int
		code, want string
	}{
		{"forged signature", signWith(t, strangerKey, f.tool.assertion()), []string{ScopeNRPS}, 401, "invalid_client", "signature"},
		{"alg none", noneHeader + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"vigil-client"}`)) + ".", []string{ScopeNRPS}, 401, "invalid_client", "RS256"},
		{"unknown issuer", with(func(c map[string]any) { c["iss"], c["sub"] = "nobody", "nobody" }), []string{ScopeNRPS}, 401, "invalid_client", "iss"},
		{"sub is not the client", with(func(c map[string]any) { c["sub"] = "someone" }), []string{ScopeNRPS}, 401, "invalid_client", "sub"},
		{"wrong audience", with(func(c map[string]any) { c["aud"] = "https://elsewhere.example/token" }), []string{ScopeNRPS}, 400, "invalid_grant", "aud"},
		{"expired", with(func(c map[string]any) { c["exp"] = f.clock.Now().Add(-time.Second).Unix() }), []string{ScopeNRPS}, 400, "invalid_grant", "expired"},
		{"issued in the future", with(func(c map[string]any) { c["iat"] = f.clock.Now().Add(time.Hour).Unix() }), []string{ScopeNRPS}, 400, "invalid_grant", "iat"},
		{"no jti", with(func(c map[string]any) { delete(c, "jti") }), []string{ScopeNRPS}, 400, "invalid_grant", "jti"},
		{"reused jti", reused, []string{ScopeNRPS}, 400, "invalid_grant", "already used"},
		{"only grade scopes", f.tool.sign(f.tool.assertion()), []string{"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"}, 400, "invalid_scope", "scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.tool.requestToken(tc.assertion, tc.scopes...)
			desc, _ := body["error_description"].(string)
			if status != tc.status || body["error"] != tc.code || !strings.Contains(desc, tc.want) {
				t.Errorf("got %d %v, want %d %s naming %q", status, body, tc.status, tc.code, tc.want)
			}
		})
	}
	resp, err := http.PostForm(f.p.TokenURL(), map[string][]string{"grant_type": {"password"}})
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != 400 || !strings.Contains(body, "unsupported_grant_type") {
		t.Errorf("password grant: %d %s", resp.StatusCode, body)
	}
	resp, err = http.PostForm(f.p.TokenURL(), map[string][]string{"grant_type": {"client_credentials"}, "client_assertion_type": {"basic"}})
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != 400 || !strings.Contains(body, "client_assertion_type") {
		t.Errorf("wrong assertion type: %d %s", resp.StatusCode, body)
	}
}

// The tool's JWKS is cached, and fetched again when an assertion names a
// kid the cached set lacks, which is how a tool's key rotation arrives.
func TestToolKeyRotationRefetchesJWKS(t *testing.T) {
	f := newFixture(t, Options{})
	f.tool.accessToken(ScopeNRPS)
	f.tool.accessToken(ScopeNRPS)
	if hits := f.tool.jwksFetches(); hits != 1 {
		t.Fatalf("JWKS fetched %d times for two assertions with one kid, want 1 (cached)", hits)
	}
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.tool.useKey(raw)
	f.tool.accessToken(ScopeNRPS)
	if hits := f.tool.jwksFetches(); hits != 2 {
		t.Errorf("JWKS fetched %d times after the tool's rotation, want 2", hits)
	}
}
