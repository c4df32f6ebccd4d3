package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testwait"
)

func groupStore(t *testing.T) *Store {
	t.Helper()
	st, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "vigil.db"))
	must(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(t.Context())
	must(t, err)
	return st
}

func testFrame(sid, seq int64) *proctor.Frame {
	return &proctor.Frame{SessionID: sid, Seq: seq, CapturedAt: time.UnixMilli(1000 * seq), BlobKey: "k", SHA256: "h", Size: 1,
		Width: 1, Height: 1, ReceivedAt: time.UnixMilli(1)}
}

// TestGroupCommit: transactions run at once by many callers commit
// together, yet each keeps its own outcome: one that fails leaves nothing
// behind and fails alone, one that panics panics in its caller, and every
// other commits.
func TestGroupCommit(t *testing.T) {
	st := groupStore(t)
	sess := newSession(t, st)
	boom := errors.New("boom")
	const n = 200
	errs := make([]error, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			errs[i] = st.InTx(t.Context(), func(tx store.Tx) error {
				if err := tx.InsertFrame(t.Context(), testFrame(sess.ID, int64(i))); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return boom
				case 7:
					panic("seven")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		_, err := st.GetFrame(t.Context(), sess.ID, int64(i))
		switch i % 10 {
		case 3:
			if !errors.Is(errs[i], boom) || !errors.Is(err, store.ErrNotFound) {
				t.Errorf("transaction %d failed with %v, its frame: %v", i, errs[i], err)
			}
		case 7:
			if panics[i] != "seven" || !errors.Is(err, store.ErrNotFound) {
				t.Errorf("transaction %d: panic %v in the caller, its frame: %v", i, panics[i], err)
			}
		default:
			if errs[i] != nil || panics[i] != nil || err != nil {
				t.Errorf("transaction %d: %v, panic %v, its frame: %v", i, errs[i], panics[i], err)
			}
		}
	}
}

// TestGroupCommitBroken: when a transaction's failure took SQLite's whole
// transaction with it (as a full disk can), no transaction of its batch
// is reported done, and none is stored.
func TestGroupCommitBroken(t *testing.T) {
	st := groupStore(t)
	sess := newSession(t, st)
	// Hold the group's loop in a transaction while three more queue, so
	// that they run as one batch.
	started, release := make(chan struct{}), make(chan struct{})
	go st.group.run(t.Context(), func(*conn) error { close(started); <-release; return nil })
	<-started
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			errs[i] = st.group.run(t.Context(), func(c *conn) error {
				if err := (&tx{c}).InsertFrame(t.Context(), testFrame(sess.ID, int64(i))); err != nil {
					return err
				}
				if i == 1 {
					_, err := c.tx.Exec(`ROLLBACK`) // the transaction is gone under the batch
					return errors.Join(errors.New("lost the transaction"), err)
				}
				return nil
			})
		})
	}
	waitQueued(t, st.group, 3)
	close(release)
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Errorf("transaction %d reported done in a batch whose transaction was lost", i)
		}
	}
	if n, _ := st.CountFrames(t.Context(), sess.ID); n != 0 {
		t.Fatalf("%d frames stored from a lost batch", n)
	}
	// The store goes on.
	must(t, st.InTx(t.Context(), func(tx store.Tx) error { return tx.InsertFrame(t.Context(), testFrame(sess.ID, 9)) }))
}

// waitQueued waits until n transactions wait in the group's queue.
func waitQueued(t *testing.T, g *group, n int) {
	t.Helper()
	testwait.Until(t, fmt.Sprintf("%d transactions queued", n), 10*time.Second, func() bool { return len(g.reqs) >= n })
}

// TestGroupCommitGivenUp: a transaction whose caller gave up before it
// began does not run.
func TestGroupCommitGivenUp(t *testing.T) {
	st := groupStore(t)
	sess := newSession(t, st)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := st.InTx(ctx, func(tx store.Tx) error { return tx.InsertFrame(t.Context(), testFrame(sess.ID, 0)) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("InTx with an ended context: %v", err)
	}
	if n, _ := st.CountFrames(t.Context(), sess.ID); n != 0 {
		t.Fatal("a transaction given up before it began ran")
	}
}

// TestStatementsStayPrepared: on SQLite a query runs prepared from its
// second use on, in transactions (prepared between them) and outside.
func TestStatementsStayPrepared(t *testing.T) {
	st := groupStore(t)
	sess := newSession(t, st)
	for i := range 3 {
		must(t, st.InTx(t.Context(), func(tx store.Tx) error { return tx.InsertFrame(t.Context(), testFrame(sess.ID, int64(i))) }))
		_, err := st.GetFrame(t.Context(), sess.ID, int64(i))
		must(t, err)
	}
	has := func(c *stmts, prefix string) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for q := range c.prepared {
			if strings.HasPrefix(strings.TrimSpace(q), prefix) {
				return true
			}
		}
		return false
	}
	if !has(st.writeStmts, "INSERT INTO frames") || !has(st.readStmts, "SELECT") {
		t.Fatalf("the frame insert (in a transaction) or the frame read (outside) is not kept prepared")
	}
	if n, _ := st.CountFrames(t.Context(), sess.ID); n != 3 {
		t.Fatalf("%d frames stored through prepared statements, want 3", n)
	}
}
