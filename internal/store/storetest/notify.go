package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"vigil/internal/store"
)

// testNotify: where the database carries messages between processes
// (PostgreSQL), a Notify reaches a listener on the same channel, and
// Listen ends with its context; where it does not (SQLite), Listen says
// so at once and Notify does nothing, without error.
func testNotify(t *testing.T, st store.Store) {
	b := make([]byte, 6)
	rand.Read(b)
	channel := "vigil_test_" + hex.EncodeToString(b) // channels are database-wide: one per test
	lctx, cancel := context.WithTimeout(ctx(t), 30*time.Second)
	defer cancel()
	got := make(chan string, 16)
	done := make(chan error, 1)
	go func() { done <- st.Listen(lctx, channel, func(p string) { got <- p }) }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if !errors.Is(err, store.ErrUnsupported) {
				t.Fatalf("Listen ended with %v", err)
			}
			must(t, st.Notify(ctx(t), channel, "hello"))
			return
		case p := <-got:
			if p != "hello" {
				t.Fatalf("payload %q", p)
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("Listen after its context ended: %v", err)
			}
			return
		case <-tick.C: // until the listener is listening
			must(t, st.Notify(ctx(t), channel, "hello"))
		case <-lctx.Done():
			t.Fatal("no notification within 30 s")
		}
	}
}
