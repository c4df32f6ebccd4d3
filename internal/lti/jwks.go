package lti

import (
	"cmp"
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
//
// Each key set URL has its own lock: launches of one platform wait for
// its one fetch (never several at once), while a platform whose JWKS
// hangs delays only its own launches, never another platform's. Waiting
// for the lock ends with the request's context.
type KeySets struct {
	HTTP       *http.Client
	Now        func() time.Time
	MaxAge     time.Duration
	MinRefetch time.Duration
	// FetchTimeout bounds one key set download (NewKeySets: 10 s).
	FetchTimeout time.Duration

	mu   sync.Mutex // guards sets (the map, not the entries)
	sets map[string]*keySetEntry
}

// keySetEntry is one URL's cached set; lock (a one-slot channel, so that
// waiting for it can stop with a context) guards the rest.
type keySetEntry struct {
	lock      chan struct{}
	set       jwk.Set
	fetchedAt time.Time
}

// NewKeySets returns a cache with the usual ages: an hour, and ten
// seconds between refetches.
func NewKeySets(client *http.Client, now func() time.Time) *KeySets {
	return &KeySets{HTTP: client, Now: now, MaxAge: time.Hour, MinRefetch: 10 * time.Second, FetchTimeout: 10 * time.Second,
		sets: map[string]*keySetEntry{}}
}

// maxJWKSBytes bounds a key set download.
const maxJWKSBytes = 1 << 20

// entry returns url's entry, locked; the caller unlocks it.
func (k *KeySets) entry(ctx context.Context, url string) (*keySetEntry, error) {
	k.mu.Lock()
	e := k.sets[url]
	if e == nil {
		e = &keySetEntry{lock: make(chan struct{}, 1)}
		k.sets[url] = e
	}
	k.mu.Unlock()
	select {
	case e.lock <- struct{}{}:
		return e, nil
	case <-ctx.Done():
		return nil, refuse(CodePlatformKeys, "the platform's keys are still being fetched from %s: try again", url)
	}
}

// Key returns the key with id kid from the set at url.
func (k *KeySets) Key(ctx context.Context, url, kid string) (jwk.Key, error) {
	e, err := k.entry(ctx, url)
	if err != nil {
		return nil, err
	}
	defer func() { <-e.lock }()
	now := k.Now()
	if e.set != nil && now.Sub(e.fetchedAt) < k.MaxAge {
		if key, ok := e.set.LookupKeyID(kid); ok {
			return key, nil
		}
		if now.Sub(e.fetchedAt) < k.MinRefetch {
			return nil, refuse(CodeUnknownKey, "the token's key %q is not among the platform's keys", kid)
		}
	}
	set, err := k.fetch(ctx, url)
	if err != nil {
		if e.set != nil {
			if key, ok := e.set.LookupKeyID(kid); ok { // a stale set still knows the key
				return key, nil
			}
		}
		return nil, refuse(CodePlatformKeys, "the platform's keys could not be fetched from %s: %v", url, err)
	}
	e.set, e.fetchedAt = set, now
	if key, ok := set.LookupKeyID(kid); ok {
		return key, nil
	}
	return nil, refuse(CodeUnknownKey, "the token's key %q is not among the platform's keys", kid)
}

func (k *KeySets) fetch(ctx context.Context, url string) (jwk.Set, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(k.FetchTimeout, 10*time.Second))
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
