package lti

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// KeySets fetches and caches platforms' public key sets (JWKS). A set is
// kept for maxAge; a token signed with a key id the cached set lacks makes
// it fetch again (the platform rotated its keys), but at most once per
// minRefetch per URL, so a stream of forged key ids cannot make Vigil
// hammer a platform.
type KeySets struct {
	HTTP       *http.Client
	Now        func() time.Time
	MaxAge     time.Duration
	MinRefetch time.Duration

	mu   sync.Mutex
	sets map[string]*cachedSet
}

type cachedSet struct {
	set       jwk.Set
	fetchedAt time.Time
}

// NewKeySets returns a cache with the usual ages: an hour, and ten
// seconds between refetches.
func NewKeySets(client *http.Client, now func() time.Time) *KeySets {
	return &KeySets{HTTP: client, Now: now, MaxAge: time.Hour, MinRefetch: 10 * time.Second, sets: map[string]*cachedSet{}}
}

// maxJWKSBytes bounds a key set download.
const maxJWKSBytes = 1 << 20

// Key returns the key with id kid from the set at url.
func (k *KeySets) Key(ctx context.Context, url, kid string) (jwk.Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.Now()
	c := k.sets[url]
	if c != nil && now.Sub(c.fetchedAt) < k.MaxAge {
		if key, ok := c.set.LookupKeyID(kid); ok {
			return key, nil
		}
		if now.Sub(c.fetchedAt) < k.MinRefetch {
			return nil, refuse(CodeUnknownKey, "the token's key %q is not among the platform's keys", kid)
		}
	}
	set, err := k.fetch(ctx, url)
	if err != nil {
		if c != nil {
			if key, ok := c.set.LookupKeyID(kid); ok { // a stale set still knows the key
				return key, nil
			}
		}
		return nil, refuse(CodePlatformKeys, "the platform's keys could not be fetched from %s: %v", url, err)
	}
	k.sets[url] = &cachedSet{set: set, fetchedAt: now}
	if key, ok := set.LookupKeyID(kid); ok {
		return key, nil
	}
	return nil, refuse(CodeUnknownKey, "the token's key %q is not among the platform's keys", kid)
}

func (k *KeySets) fetch(ctx context.Context, url string) (jwk.Set, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := k.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes))
	if err != nil {
		return nil, err
	}
	return jwk.Parse(body)
}
