package devlms

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// signingKey is one of the platform's RS256 keys.
type signingKey struct {
	kid     string
	private jwk.Key
	public  jwk.Key
}

// RotateKeys makes a new signing key current. Earlier keys stay in the JWKS
// so that tokens they signed still verify, as a real platform's rotation.
func (p *Platform) RotateKeys() error {
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("devlms: generate signing key: %w", err)
	}
	private, err := jwk.Import(raw)
	if err != nil {
		return fmt.Errorf("devlms: import signing key: %w", err)
	}
	kid := "devlms-" + randomID(8)
	for k, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: jwa.RS256(), jwk.KeyUsageKey: "sig"} {
		if err := private.Set(k, v); err != nil {
			return fmt.Errorf("devlms: set %s on signing key: %w", k, err)
		}
	}
	public, err := jwk.PublicKeyOf(private)
	if err != nil {
		return fmt.Errorf("devlms: public signing key: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = append(p.keys, &signingKey{kid: kid, private: private, public: public})
	return nil
}

// Sign signs claims as a JWT with RS256, the current key and its kid. The
// platform signs its own messages this way; tests use it to craft hostile
// tokens that carry a valid platform signature.
func (p *Platform) Sign(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("devlms: encode claims: %w", err)
	}
	p.mu.Lock()
	key := p.keys[len(p.keys)-1]
	p.mu.Unlock()
	headers := jws.NewHeaders()
	for k, v := range map[string]string{jws.KeyIDKey: key.kid, jws.TypeKey: "JWT"} {
		if err := headers.Set(k, v); err != nil {
			return "", fmt.Errorf("devlms: set %s header: %w", k, err)
		}
	}
	signed, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), key.private, jws.WithProtectedHeaders(headers)))
	if err != nil {
		return "", fmt.Errorf("devlms: sign: %w", err)
	}
	return string(signed), nil
}

// handleJWKS publishes every public key that was ever current.
func (p *Platform) handleJWKS(w http.ResponseWriter, r *http.Request) {
	set := jwk.NewSet()
	p.mu.Lock()
	for _, k := range p.keys {
		if err := set.AddKey(k.public); err != nil {
			p.mu.Unlock()
			http.Error(w, "jwks: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "max-age=300")
	writeJSON(w, http.StatusOK, "application/json", set)
}
