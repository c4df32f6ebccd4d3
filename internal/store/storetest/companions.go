package storetest

import (
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// testBatchesPerSource: each source numbers its batches from 0, a number
// clashes only within its source, and events keep their own source.
func testBatchesPerSource(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	must(t, st.InsertEventBatch(ctx(t), s.ID, "browser", 0, "b0", []proctor.Event{
		{Kind: proctor.EventKey, At: t0.Add(time.Second), Combo: "Ctrl+C", Source: "browser"}}, t0))
	must(t, st.InsertEventBatch(ctx(t), s.ID, "agent", 0, "a0", []proctor.Event{
		{Kind: proctor.EventForeground, At: t0.Add(2 * time.Second), Name: "xterm", Title: "notes.txt", Source: "agent"}}, t0.Add(time.Second)))
	must(t, st.InsertEventBatch(ctx(t), s.ID, "agent", 1, "a1", nil, t0.Add(6*time.Second)))
	wantErr(t, st.InsertEventBatch(ctx(t), s.ID, "agent", 1, "other", nil, t0), store.ErrConflict)
	for source, want := range map[string]int64{"browser": 1, "agent": 2, "extension": 0} {
		next, err := st.NextEventBatch(ctx(t), s.ID, source)
		if must(t, err); next != want {
			t.Errorf("NextEventBatch(%s) = %d, want %d", source, next, want)
		}
	}
	if slot, err := st.UploadSlot(ctx(t), store.UploadEventBatch, s.ID, "agent", 0); err != nil || slot.SHA256 != "a0" || slot.Next != 2 {
		t.Fatalf("agent batch 0 slot %+v (%v)", slot, err)
	}
	if slot, err := st.UploadSlot(ctx(t), store.UploadEventBatch, s.ID, "extension", 0); err != nil || slot != (store.UploadSlot{}) {
		t.Fatalf("extension batch 0 slot %+v (%v), want nothing stored, next 0", slot, err)
	}
	times, err := st.ListEventBatchTimes(ctx(t), s.ID, "agent")
	must(t, err)
	if len(times) != 2 || !times[0].Equal(t0.Add(time.Second)) || !times[1].Equal(t0.Add(6*time.Second)) {
		t.Fatalf("agent batch times %v", times)
	}
	events, err := st.ListEvents(ctx(t), s.ID)
	must(t, err)
	if len(events) != 2 || events[1].Source != "agent" || events[1].Title != "notes.txt" || events[1].Batch != 0 {
		t.Fatalf("events %+v", events)
	}
}

// testPairing: codes are found by hash, used once; companion tokens are
// listed per source.
func testPairing(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	c := &store.PairingCode{Hash: "codehash", SessionID: s.ID, Source: "agent", CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	must(t, st.CreatePairingCode(ctx(t), c))
	got, err := st.GetPairingCode(ctx(t), "codehash")
	must(t, err)
	if got.SessionID != s.ID || got.Source != "agent" || !got.ExpiresAt.Equal(c.ExpiresAt) || !got.UsedAt.IsZero() {
		t.Fatalf("GetPairingCode = %+v", got)
	}
	_, err = st.GetPairingCode(ctx(t), "nope")
	wantErr(t, err, store.ErrNotFound)
	must(t, st.UsePairingCode(ctx(t), "codehash", t0.Add(time.Minute)))
	wantErr(t, st.UsePairingCode(ctx(t), "codehash", t0.Add(2*time.Minute)), store.ErrConflict)
	if got, _ = st.GetPairingCode(ctx(t), "codehash"); !got.UsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("used at %v", got.UsedAt)
	}

	must(t, st.AddSessionToken(ctx(t), &store.SessionToken{Hash: "b", SessionID: s.ID, Source: "browser", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	must(t, st.AddSessionToken(ctx(t), &store.SessionToken{Hash: "a2", SessionID: s.ID, Source: "agent", CreatedAt: t0.Add(2 * time.Minute), ExpiresAt: t0.Add(time.Hour)}))
	must(t, st.AddSessionToken(ctx(t), &store.SessionToken{Hash: "a1", SessionID: s.ID, Source: "agent", CreatedAt: t0.Add(time.Minute), ExpiresAt: t0.Add(time.Hour)}))
	toks, err := st.ListSessionTokens(ctx(t), s.ID, "agent")
	must(t, err)
	if len(toks) != 2 || toks[0].Hash != "a1" || toks[1].Hash != "a2" {
		t.Fatalf("agent tokens %+v", toks)
	}
	if tok, sess, err := st.GetSessionToken(ctx(t), "a1"); err != nil || tok.Source != "agent" || sess.ID != s.ID {
		t.Fatalf("agent token %+v (%v)", tok, err)
	}
}
