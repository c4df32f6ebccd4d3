package devlms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// toolKeyCache keeps the tools' public key sets by JWKS URL. A kid that is
// not in the cached set makes it fetch the set again once, which is how a
// tool's key rotation reaches the platform.
type toolKeyCache struct {
	client *http.Client
	mu     sync.Mutex
	sets   map[string]jwk.Set
}

func newToolKeyCache(client *http.Client) *toolKeyCache {
	return &toolKeyCache{client: client, sets: map[string]jwk.Set{}}
}

// key finds the key with kid in the set at jwksURL.
func (c *toolKeyCache) key(ctx context.Context, jwksURL, kid string) (jwk.Key, error) {
	c.mu.Lock()
	set := c.sets[jwksURL]
	c.mu.Unlock()
	if set != nil {
		if k, ok := set.LookupKeyID(kid); ok {
			return k, nil
		}
	}
	set, err := c.fetch(ctx, jwksURL)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.sets[jwksURL] = set
	c.mu.Unlock()
	if k, ok := set.LookupKeyID(kid); ok {
		return k, nil
	}
	return nil, fmt.Errorf("no key with kid %q in the tool's JWKS at %s", kid, jwksURL)
}

func (c *toolKeyCache) fetch(ctx context.Context, jwksURL string) (jwk.Set, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
	if err != nil {
		return nil, fmt.Errorf("tool JWKS URL %s: %w", jwksURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch the tool's JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the tool's JWKS at %s: HTTP %d", jwksURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read the tool's JWKS: %w", err)
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("parse the tool's JWKS at %s: %w", jwksURL, err)
	}
	return set, nil
}

// verifyToolJWT checks a compact JWT from a tool: RS256, a kid, and a
// signature by that kid's key in the tool's JWKS. The tool is found by the
// token's iss, which LTI sets to the client id. It returns the tool and the
// verified claims; it checks no claim beyond iss.
func (p *Platform) verifyToolJWT(ctx context.Context, compact string) (*Tool, claims, error) {
	msg, err := jws.Parse([]byte(compact), jws.WithCompact())
	if err != nil {
		return nil, nil, fmt.Errorf("not a compact JWS: %w", err)
	}
	if len(msg.Signatures()) != 1 {
		return nil, nil, errors.New("the JWT must have exactly one signature")
	}
	headers := msg.Signatures()[0].ProtectedHeaders()
	if alg, _ := headers.Algorithm(); alg != jwa.RS256() {
		return nil, nil, fmt.Errorf("alg is %q; tools must sign with RS256", alg.String())
	}
	kid, ok := headers.KeyID()
	if !ok || kid == "" {
		return nil, nil, errors.New("the JWT header has no kid")
	}
	var unverified claims
	if err := json.Unmarshal(msg.Payload(), &unverified); err != nil {
		return nil, nil, fmt.Errorf("the JWT payload is not a JSON object: %w", err)
	}
	iss := unverified.str("iss")
	p.mu.Lock()
	found := p.state.tool(iss)
	var tool Tool
	if found != nil {
		tool = *found
	}
	p.mu.Unlock()
	if found == nil {
		return nil, nil, fmt.Errorf("iss %q is not the client id of a registered tool", iss)
	}
	key, err := p.toolKeys.key(ctx, tool.JWKSURL, kid)
	if err != nil {
		return nil, nil, err
	}
	payload, err := jws.Verify([]byte(compact), jws.WithKey(jwa.RS256(), key))
	if err != nil {
		return nil, nil, fmt.Errorf("signature does not verify with the tool's key %q: %w", kid, err)
	}
	var verified claims
	if err := json.Unmarshal(payload, &verified); err != nil {
		return nil, nil, fmt.Errorf("the JWT payload is not a JSON object: %w", err)
	}
	return &tool, verified, nil
}
