// Package auth makes and checks secrets: random tokens (stored only as their
// SHA-256) and password hashes (argon2id).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// NewToken returns a random 256-bit token for a URL or header, and the hash
// to store. The plain token is shown once and never kept.
func NewToken() (plain, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, HashToken(plain)
}

// HashToken is the stored form of a token. Tokens are random and long, so a
// fast hash is enough: there is nothing to brute-force.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// argon2id parameters (RFC 9106's second recommended set, lighter memory so a
// small server can sign in several people at once).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

// ErrBadPassword: the password does not match.
var ErrBadPassword = errors.New("auth: wrong password")

// MinPasswordLen is the shortest password accepted for a local account.
const MinPasswordLen = 10

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLen {
		return "", fmt.Errorf("auth: a password needs at least %d characters", MinPasswordLen)
	}
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// dummyHash stands in for an account that has no password hash (an
// unknown email, an account made by an LMS launch): checking against it
// costs what checking a real password costs, so a refusal's timing does
// not tell which email addresses have accounts. It matches no password.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// deriveKey is argon2id; a test counts its calls.
var deriveKey = argon2.IDKey

// CheckPassword compares password with an encoded hash in constant time.
// An empty or unreadable hash is checked as the dummy one, so it takes as
// long as a wrong password.
func CheckPassword(encoded, password string) error {
	if err := checkEncoded(encoded, password); !errors.Is(err, errUnreadableHash) {
		return err
	}
	checkEncoded(dummyHash, password)
	return ErrBadPassword
}

// errUnreadableHash: the encoded hash is not an argon2id hash Vigil reads.
var errUnreadableHash = errors.New("auth: unreadable password hash")

func checkEncoded(encoded, password string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errUnreadableHash // includes accounts without a password
	}
	var version int
	var memory uint32
	var time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errUnreadableHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return errUnreadableHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return errUnreadableHash
	}
	got := deriveKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrBadPassword
	}
	return nil
}
