// Package signer signs and checks the parts of a link with a server
// secret (HMAC-SHA256), so that a link made for one thing, one person and
// one lifetime cannot be changed into another. The secret is made once,
// at random, and kept by the store under a name (one per kind of link).
package signer

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// SecretStore keeps named server secrets, making one with gen the first
// time it is asked for.
type SecretStore interface {
	Secret(ctx context.Context, name string, gen func() []byte) ([]byte, error)
}

// Signer signs with one secret.
type Signer struct{ key []byte }

// Load returns a signer with the secret of that name, made the first time.
func Load(ctx context.Context, st SecretStore, name string) (*Signer, error) {
	key, err := st.Secret(ctx, name, func() []byte {
		b := make([]byte, 32)
		rand.Read(b)
		return b
	})
	if err != nil {
		return nil, fmt.Errorf("signer: secret %s: %w", name, err)
	}
	return &Signer{key: key}, nil
}

// Sign returns the signature of the parts, written one after the other
// with ":" between them, in URL-safe base64.
func (s *Signer) Sign(parts ...any) string {
	m := hmac.New(sha256.New, s.key)
	strs := make([]string, len(parts))
	for i, p := range parts {
		strs[i] = fmt.Sprint(p)
	}
	m.Write([]byte(strings.Join(strs, ":")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Valid says whether sig is the signature of the parts (in constant time).
func (s *Signer) Valid(sig string, parts ...any) bool {
	return hmac.Equal([]byte(s.Sign(parts...)), []byte(sig))
}
