package auth

import (
	"errors"
	"testing"

	"golang.org/x/crypto/argon2"
)

// derivation is one argon2id call's cost parameters.
type derivation struct {
	time, memory uint32
	threads      uint8
}

// countDerivations swaps argon2id for a recorder of its calls.
func countDerivations(t *testing.T) *[]derivation {
	var calls []derivation
	deriveKey = func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		calls = append(calls, derivation{time, memory, threads})
		return argon2.IDKey(pw, salt, time, memory, threads, keyLen)
	}
	t.Cleanup(func() { deriveKey = argon2.IDKey })
	return &calls
}

// TestNoHashCostsTheSame: checking a password against no hash (an unknown
// email, an LMS-only account) or an unreadable one runs argon2id with the
// same cost as checking a real hash, and never matches.
func TestNoHashCostsTheSame(t *testing.T) {
	real, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	calls := countDerivations(t)
	if err := CheckPassword(real, "wrong password!"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	for _, encoded := range []string{"", "not-a-hash", "$argon2id$v=1$m=1,t=1,p=1$AA$AA", dummyHash} {
		if err := CheckPassword(encoded, "anything at all"); !errors.Is(err, ErrBadPassword) {
			t.Errorf("%q: %v, want ErrBadPassword", encoded, err)
		}
	}
	want := derivation{argonTime, argonMemory, argonThreads}
	if len(*calls) != 5 {
		t.Fatalf("%d argon2id runs for 5 checks", len(*calls))
	}
	for i, c := range *calls {
		if c != want {
			t.Errorf("check %d ran argon2id with %+v, want %+v", i, c, want)
		}
	}
}
