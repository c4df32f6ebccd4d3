package lti_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"vigil/internal/lti"
)

// jwksServer serves a key set with one key, "k1".
func jwksServer(t *testing.T) string {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key, err := jwk.Import(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	key.Set(jwk.KeyIDKey, "k1")
	set := jwk.NewSet()
	set.AddKey(key)
	data, _ := json.Marshal(set)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	t.Cleanup(hs.Close)
	return hs.URL
}

// TestSlowPlatformKeysStallNoOtherPlatform: while one platform's JWKS
// hangs, another platform's key is found at once, and the launches waiting
// for the hanging one give up with their context.
func TestSlowPlatformKeysStallNoOtherPlatform(t *testing.T) {
	arrived := make(chan struct{}, 8)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	good := jwksServer(t)
	ks := lti.NewKeySets(&http.Client{}, time.Now)

	go ks.Key(context.Background(), hang.URL, "k1") // holds the hanging platform's fetch
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the hanging platform was never asked for its keys")
	}

	found := make(chan error, 1)
	go func() {
		_, err := ks.Key(context.Background(), good, "k1")
		found <- err
	}()
	select {
	case err := <-found:
		if err != nil {
			t.Fatalf("the other platform's key: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the other platform's launch waits for the hanging platform's keys")
	}

	// A second launch of the hanging platform waits for the first fetch,
	// but no longer than its own context allows.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := ks.Key(ctx, hang.URL, "k1")
	var ref *lti.Refusal
	if !errors.As(err, &ref) || ref.Code != lti.CodePlatformKeys {
		t.Fatalf("waiting launch: %v, want %s", err, lti.CodePlatformKeys)
	}
}
