package live_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"vigil/internal/live"
	"vigil/internal/store/sqlstore"
	"vigil/internal/testneeds"
	"vigil/internal/testserver"
)

func TestMain(m *testing.M) { testneeds.Main(m) }

// TestRelayBetweenProcesses: two serve processes on one PostgreSQL
// database, each with its broker: an upload stored by one reaches the
// other's live page, once, and its own without waiting for the database.
func TestRelayBetweenProcesses(t *testing.T) {
	url := testneeds.PostgresURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	channel := "vigil_live_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	relays := make([]*live.Relay, 2)
	for i, name := range []string{"node-a", "node-b"} {
		st, err := sqlstore.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		relays[i] = live.NewRelay(live.NewBroker(), st, name, testserver.Logger())
		relays[i].Channel = channel
		go relays[i].Run(ctx)
	}
	subA, subB := relays[0].Broker.Subscribe(5), relays[1].Broker.Subscribe(5)
	defer subA.Close()
	defer subB.Close()
	// Until B listens, what A sends is lost: send until B hears one.
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var seq int64
	for heard := false; !heard; {
		select {
		case <-tick.C:
			seq++
			relays[0].Publish(live.Event{ExamID: 5, SessionID: 9, Kind: live.KindFrame, Seq: seq})
			if e := <-subA.C; e.Seq != seq || e.Origin != "node-a" {
				t.Fatalf("node A's own page got %+v", e)
			}
		case e := <-subB.C:
			if e.SessionID != 9 || e.Kind != live.KindFrame || e.Origin != "node-a" {
				t.Fatalf("node B got %+v", e)
			}
			heard = true
		case <-ctx.Done():
			t.Fatal("node B never heard node A")
		}
	}
	// B's own events reach A, and nobody hears an event twice.
	relays[1].Publish(live.Event{ExamID: 5, SessionID: 10, Kind: live.KindState, State: "submitted"})
	if e := <-subB.C; e.SessionID != 10 {
		t.Fatalf("node B's own page got %+v", e)
	}
	for {
		select {
		case e := <-subA.C:
			if e.SessionID == 10 {
				select {
				case dup := <-subB.C:
					if dup.SessionID == 10 {
						t.Fatalf("node B heard its own event back: %+v", dup)
					}
				case <-time.After(500 * time.Millisecond):
				}
				return
			}
		case <-ctx.Done():
			t.Fatal("node A never heard node B")
		}
	}
}
