package lti_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"vigil/internal/lti"
	"vigil/internal/store/sqlstore"
)

func openStore(t testing.TB) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// clock is a test clock moved by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// TestKeyRotation: a fresh keyring has a signing key and a published next
// key; rotating too early is refused; after a day the next key signs, the
// old one stays published, and a day later it is gone. Every signature
// verifies against the published JWKS by its key id.
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	k := lti.NewKeyring(openStore(t), c.now)
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	first := signedKID(t, k)
	if n := len(publishedKIDs(t, k)); n != 2 {
		t.Fatalf("%d keys published at start, want 2 (active and next)", n)
	}
	if _, err := k.Rotate(ctx, false); !errors.Is(err, lti.ErrTooEarly) {
		t.Fatalf("rotating at once: %v, want ErrTooEarly", err)
	}
	c.t = c.t.Add(25 * time.Hour)
	r, err := k.Rotate(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	second := signedKID(t, k)
	if r.Retired != first || r.Activated != second || second == first {
		t.Fatalf("rotation %+v: signing with %s (was %s)", r, second, first)
	}
	pub := publishedKIDs(t, k)
	if !pub[first] || !pub[second] || !pub[r.Created] || len(pub) != 3 {
		t.Fatalf("published after rotation: %v", pub)
	}
	c.t = c.t.Add(25 * time.Hour)
	r2, err := k.Rotate(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	pub = publishedKIDs(t, k)
	if pub[first] || !pub[second] || len(r2.Deleted) != 1 || r2.Deleted[0] != first {
		t.Fatalf("a day after retiring, %s should be gone: %v (%+v)", first, pub, r2)
	}
	// Forced rotation works at once (an administrator after a key leak).
	if _, err := k.Rotate(ctx, true); err != nil {
		t.Fatal(err)
	}
}

func publishedKIDs(t *testing.T, k *lti.Keyring) map[string]bool {
	t.Helper()
	data, err := k.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
			KTY string `json:"kty"`
			D   string `json:"d"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, key := range set.Keys {
		if key.D != "" || key.KTY != "RSA" {
			t.Fatalf("JWKS publishes a private or non-RSA key: %+v", key)
		}
		out[key.KID] = true
	}
	return out
}

// signedKID signs, verifies the signature with the published key of the
// header's key id, and returns that id.
func signedKID(t *testing.T, k *lti.Keyring) string {
	t.Helper()
	tok, err := k.Sign(context.Background(), map[string]any{"hello": "world"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := jws.Parse([]byte(tok))
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := msg.Signatures()[0].ProtectedHeaders().KeyID()
	data, _ := k.JWKS(context.Background())
	set, err := jwk.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := set.LookupKeyID(kid)
	if !ok {
		t.Fatalf("signed with %s, which is not published", kid)
	}
	if _, err := jws.Verify([]byte(tok), jws.WithKey(jwa.RS256(), key)); err != nil {
		t.Fatalf("signature does not verify with the published key: %v", err)
	}
	return kid
}
