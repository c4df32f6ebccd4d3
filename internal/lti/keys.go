package lti

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"vigil/internal/proctor"
)

// KeyStore is the part of the store the keyring needs.
type KeyStore interface {
	AddToolKey(ctx context.Context, k *proctor.ToolKey) error
	UpdateToolKey(ctx context.Context, k *proctor.ToolKey) error
	ListToolKeys(ctx context.Context) ([]proctor.ToolKey, error)
	DeleteToolKey(ctx context.Context, kid string) error
}

// Keyring holds Vigil's signing keys. There is always one active key,
// which signs, and one next key, published in the JWKS but not yet
// signing, so that platforms that cache Vigil's keys already hold the
// next one when it starts to sign. Rotate activates the next key once it
// has been published for MinPublished, retires the active one, and makes
// a new next key; a retired key stays published for RetiredFor, then is
// deleted.
type Keyring struct {
	Store        KeyStore
	Now          func() time.Time
	MinPublished time.Duration
	RetiredFor   time.Duration

	mu     sync.Mutex
	parsed map[string]*rsa.PrivateKey
}

// NewKeyring returns a keyring with the usual periods: a next key is
// published a day before it signs; a retired key stays published a day.
func NewKeyring(st KeyStore, now func() time.Time) *Keyring {
	return &Keyring{Store: st, Now: now, MinPublished: 24 * time.Hour, RetiredFor: 24 * time.Hour, parsed: map[string]*rsa.PrivateKey{}}
}

// keyBits: RSA-2048, what LTI platforms expect for RS256.
const keyBits = 2048

// Ensure creates the active and next keys when missing (first start).
func (k *Keyring) Ensure(ctx context.Context) error {
	keys, err := k.Store.ListToolKeys(ctx)
	if err != nil {
		return err
	}
	now := k.Now()
	if _, ok := activeKey(keys); !ok {
		if err := k.add(ctx, now, true); err != nil {
			return err
		}
	}
	if _, ok := nextKey(keys); !ok {
		return k.add(ctx, now, false)
	}
	return nil
}

func activeKey(keys []proctor.ToolKey) (proctor.ToolKey, bool) {
	var found proctor.ToolKey
	ok := false
	for _, key := range keys {
		if !key.ActivatedAt.IsZero() && key.RetiredAt.IsZero() && (!ok || key.ActivatedAt.After(found.ActivatedAt)) {
			found, ok = key, true
		}
	}
	return found, ok
}

func nextKey(keys []proctor.ToolKey) (proctor.ToolKey, bool) {
	for _, key := range keys {
		if key.ActivatedAt.IsZero() && key.RetiredAt.IsZero() {
			return key, true
		}
	}
	return proctor.ToolKey{}, false
}

func (k *Keyring) add(ctx context.Context, now time.Time, active bool) error {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return fmt.Errorf("lti: generate key: %w", err)
	}
	der := x509.MarshalPKCS1PrivateKey(priv)
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&priv.PublicKey))
	key := &proctor.ToolKey{KID: base64.RawURLEncoding.EncodeToString(sum[:12]), CreatedAt: now,
		PrivatePEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})}
	if active {
		key.ActivatedAt = now
	}
	return k.Store.AddToolKey(ctx, key)
}

// Rotation says what Rotate did.
type Rotation struct {
	Activated, Retired, Created string   // key ids
	Deleted                     []string // retired keys no longer published
}

// ErrTooEarly: the next key has not been published long enough.
var ErrTooEarly = errors.New("lti: the next key has not been published long enough")

// Rotate activates the next key (when it has been published MinPublished,
// or at once with force), retires the active key and publishes a new next
// key; it also deletes keys retired more than RetiredFor ago.
func (k *Keyring) Rotate(ctx context.Context, force bool) (Rotation, error) {
	var r Rotation
	if err := k.Ensure(ctx); err != nil {
		return r, err
	}
	keys, err := k.Store.ListToolKeys(ctx)
	if err != nil {
		return r, err
	}
	now := k.Now()
	next, _ := nextKey(keys)
	if !force && now.Sub(next.CreatedAt) < k.MinPublished {
		return r, fmt.Errorf("%w: key %s was published at %s; rotate after %s (or force it)", ErrTooEarly,
			next.KID, next.CreatedAt.Format(time.RFC3339), next.CreatedAt.Add(k.MinPublished).Format(time.RFC3339))
	}
	if cur, ok := activeKey(keys); ok {
		cur.RetiredAt = now
		if err := k.Store.UpdateToolKey(ctx, &cur); err != nil {
			return r, err
		}
		r.Retired = cur.KID
	}
	next.ActivatedAt = now
	if err := k.Store.UpdateToolKey(ctx, &next); err != nil {
		return r, err
	}
	r.Activated = next.KID
	if err := k.add(ctx, now, false); err != nil {
		return r, err
	}
	keys, err = k.Store.ListToolKeys(ctx)
	for _, key := range keys {
		if err == nil && !key.RetiredAt.IsZero() && now.Sub(key.RetiredAt) > k.RetiredFor {
			err = k.Store.DeleteToolKey(ctx, key.KID)
			r.Deleted = append(r.Deleted, key.KID)
		}
		if key.ActivatedAt.IsZero() && key.RetiredAt.IsZero() {
			r.Created = key.KID
		}
	}
	return r, err
}

// JWKS is the public key set to publish: every key not yet deleted.
func (k *Keyring) JWKS(ctx context.Context) ([]byte, error) {
	keys, err := k.Store.ListToolKeys(ctx)
	if err != nil {
		return nil, err
	}
	set := jwk.NewSet()
	for _, key := range keys {
		priv, err := k.private(key)
		if err != nil {
			return nil, err
		}
		pub, err := publicJWK(&priv.PublicKey, key.KID)
		if err != nil {
			return nil, err
		}
		if err := set.AddKey(pub); err != nil {
			return nil, err
		}
	}
	return json.Marshal(set)
}

func publicJWK(pub *rsa.PublicKey, kid string) (jwk.Key, error) {
	key, err := jwk.Import(pub)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: jwa.RS256(), jwk.KeyUsageKey: "sig"} {
		if err := key.Set(name, v); err != nil {
			return nil, err
		}
	}
	return key, nil
}

func (k *Keyring) private(key proctor.ToolKey) (*rsa.PrivateKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if p, ok := k.parsed[key.KID]; ok {
		return p, nil
	}
	block, _ := pem.Decode(key.PrivatePEM)
	if block == nil {
		return nil, fmt.Errorf("lti: key %s is not PEM", key.KID)
	}
	p, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("lti: key %s: %w", key.KID, err)
	}
	k.parsed[key.KID] = p
	return p, nil
}

// Sign signs claims as a compact JWS (RS256, typ JWT) with the active key.
func (k *Keyring) Sign(ctx context.Context, claims map[string]any) (string, error) {
	keys, err := k.Store.ListToolKeys(ctx)
	if err != nil {
		return "", err
	}
	cur, ok := activeKey(keys)
	if !ok {
		return "", errors.New("lti: no active signing key (run Ensure)")
	}
	priv, err := k.private(cur)
	if err != nil {
		return "", err
	}
	return signRS256(claims, priv, cur.KID)
}

func signRS256(claims map[string]any, priv *rsa.PrivateKey, kid string) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
		return "", err
	}
	if err := hdr.Set(jws.TypeKey, "JWT"); err != nil {
		return "", err
	}
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), priv, jws.WithProtectedHeaders(hdr)))
	return string(out), err
}

// PublicPEM is the active signing key's public half as PEM (PKIX), with
// its key id: what an LMS that takes a pasted key (Moodle's "Public key")
// needs instead of the key set URL.
func (k *Keyring) PublicPEM(ctx context.Context) (kid string, pemText []byte, err error) {
	keys, err := k.Store.ListToolKeys(ctx)
	if err != nil {
		return "", nil, err
	}
	cur, ok := activeKey(keys)
	if !ok {
		return "", nil, errors.New("lti: no active signing key (run Ensure)")
	}
	priv, err := k.private(cur)
	if err != nil {
		return "", nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return "", nil, err
	}
	return cur.KID, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
