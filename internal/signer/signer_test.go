package signer

import (
	"context"
	"testing"
)

type oneSecret map[string][]byte

func (o oneSecret) Secret(_ context.Context, name string, gen func() []byte) ([]byte, error) {
	if _, ok := o[name]; !ok {
		o[name] = gen()
	}
	return o[name], nil
}

// TestSignAndCheck: a signature checks for the same parts under the same
// secret, and for nothing else.
func TestSignAndCheck(t *testing.T) {
	st := oneSecret{}
	a, err := Load(context.Background(), st, "a")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Load(context.Background(), st, "a")
	other, _ := Load(context.Background(), st, "b")
	sig := a.Sign("vigil-x", int64(1), int64(2))
	if len(st["a"]) != 32 || !again.Valid(sig, "vigil-x", int64(1), int64(2)) {
		t.Fatal("the same secret does not check its own signature")
	}
	for _, bad := range [][]any{{"vigil-x", 1, 3}, {"vigil-y", 1, 2}, {"vigil-x", 12}, {"vigil-x", 1}} {
		if a.Valid(sig, bad...) {
			t.Errorf("signature valid for %v", bad)
		}
	}
	if other.Valid(sig, "vigil-x", int64(1), int64(2)) || a.Valid(sig+"x", "vigil-x", 1, 2) {
		t.Fatal("another secret, or a changed signature, checks")
	}
}
