package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	a, ha := NewToken()
	b, hb := NewToken()
	if a == b || ha == hb || len(a) < 40 {
		t.Fatalf("tokens not random or too short: %q %q", a, b)
	}
	if HashToken(a) != ha || strings.Contains(ha, a) {
		t.Fatal("hash does not match or leaks the token")
	}
}

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") || strings.Contains(h, "horse") {
		t.Fatalf("unexpected hash %q", h)
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	for _, wrong := range []string{"correct horse batterz", "", "correct horse battery "} {
		if err := CheckPassword(h, wrong); !errors.Is(err, ErrBadPassword) {
			t.Fatalf("wrong password %q: %v", wrong, err)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$bcrypt$x$y$z$w"} {
		if err := CheckPassword(bad, "correct horse battery"); !errors.Is(err, ErrBadPassword) {
			t.Fatalf("malformed hash %q accepted: %v", bad, err)
		}
	}
	if _, err := HashPassword("short"); err == nil {
		t.Fatal("short password accepted")
	}
}
