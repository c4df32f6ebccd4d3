package storetest

import (
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func frame(sid, seq int64) *proctor.Frame {
	return &proctor.Frame{SessionID: sid, Seq: seq, CapturedAt: t0.Add(time.Duration(seq) * time.Second),
		BlobKey: "k", SHA256: "h", Size: 10, Width: 320, Height: 240, ReceivedAt: t0}
}

func testFrames(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	next, err := st.NextFrameSeq(ctx(t), s.ID)
	must(t, err)
	if next != 0 {
		t.Fatalf("NextFrameSeq of an empty session = %d", next)
	}
	for seq := range int64(5) {
		fr := frame(s.ID, seq)
		if seq >= 2 { // frames 2–4 share a pack
			fr.BlobKey, fr.Packed, fr.Offset = "pack", true, (seq-2)*10
		}
		must(t, st.InsertFrame(ctx(t), fr))
	}
	wantErr(t, st.InsertFrame(ctx(t), frame(s.ID, 3)), store.ErrConflict)
	next, err = st.NextFrameSeq(ctx(t), s.ID)
	must(t, err)
	n, err := st.CountFrames(ctx(t), s.ID)
	must(t, err)
	if next != 5 || n != 5 {
		t.Fatalf("next %d, count %d; want 5, 5", next, n)
	}
	got, err := st.GetFrame(ctx(t), s.ID, 2)
	must(t, err)
	if !got.CapturedAt.Equal(t0.Add(2*time.Second)) || got.Width != 320 || got.SHA256 != "h" || got.BlobKey != "pack" || !got.Packed || got.Offset != 0 {
		t.Fatalf("GetFrame = %+v", got)
	}
	page, err := st.ListFrames(ctx(t), s.ID, 3, 10)
	must(t, err)
	if len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 || page[1].Offset != 20 || !page[1].Packed {
		t.Fatalf("ListFrames from 3 = %+v", page)
	}
	if first, err := st.GetFrame(ctx(t), s.ID, 0); err != nil || first.Packed || first.Offset != 0 || first.BlobKey != "k" {
		t.Fatalf("an unpacked frame reads back as %+v, %v", first, err)
	}
	_, err = st.GetFrame(ctx(t), s.ID, 99)
	wantErr(t, err, store.ErrNotFound)
}

func testChunks(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	for seq := range int64(3) {
		must(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamWebcam, Seq: seq,
			StartedAt: t0.Add(time.Duration(seq) * 10 * time.Second), DurationMS: 10000, BlobKey: "v", SHA256: "x", Size: 100,
			OpensSegment: seq != 1}))
	}
	must(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamScreen, Seq: 0, StartedAt: t0, BlobKey: "pack", Packed: true, Offset: 123, SHA256: "y"}))
	if sc, err := st.GetChunk(ctx(t), s.ID, proctor.StreamScreen, 0); err != nil || !sc.Packed || sc.Offset != 123 || sc.BlobKey != "pack" {
		t.Fatalf("a packed chunk reads back as %+v, %v", sc, err)
	}
	wantErr(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamWebcam, Seq: 1, BlobKey: "v", SHA256: "z"}), store.ErrConflict)
	next, err := st.NextChunkSeq(ctx(t), s.ID, proctor.StreamWebcam)
	must(t, err)
	if next != 3 {
		t.Fatalf("NextChunkSeq = %d", next)
	}
	list, err := st.ListChunks(ctx(t), s.ID, proctor.StreamWebcam)
	must(t, err)
	if len(list) != 3 || list[2].Seq != 2 || list[2].DurationMS != 10000 || !list[2].OpensSegment || list[1].OpensSegment {
		t.Fatalf("ListChunks = %+v", list)
	}
	c, err := st.GetChunk(ctx(t), s.ID, proctor.StreamScreen, 0)
	must(t, err)
	if c.SHA256 != "y" {
		t.Fatalf("GetChunk = %+v", c)
	}
}

// testUploadSlots reads every kind's slot: empty, stored, past the end,
// and per stream or source where the kind has them.
func testUploadSlots(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	other := f.session(t, st)
	for seq := range int64(3) {
		must(t, st.InsertFrame(ctx(t), frame(s.ID, seq)))
	}
	must(t, st.InsertAudio(ctx(t), &proctor.AudioChunk{SessionID: s.ID, Seq: 0, StartedAt: t0, DurationMS: 5000,
		Format: "audio/basic", BlobKey: "a", SHA256: "a0", Size: 5}))
	must(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamScreen, Seq: 0, StartedAt: t0, BlobKey: "s", SHA256: "s0"}))
	must(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamScreen, Seq: 1, StartedAt: t0, BlobKey: "s", SHA256: "s1"}))
	must(t, st.InsertEventBatch(ctx(t), s.ID, "browser", 0, "b0", nil, t0))
	for _, c := range []struct {
		kind   store.UploadKind
		sid    int64
		stream string
		seq    int64
		want   store.UploadSlot
	}{
		{store.UploadFrame, s.ID, "", 1, store.UploadSlot{SHA256: "h", Next: 3}},
		{store.UploadFrame, s.ID, "", 3, store.UploadSlot{Next: 3}},
		{store.UploadFrame, other.ID, "", 0, store.UploadSlot{}},
		{store.UploadAudio, s.ID, "", 0, store.UploadSlot{SHA256: "a0", Next: 1}},
		{store.UploadAudio, s.ID, "", 7, store.UploadSlot{Next: 1}},
		{store.UploadVideo, s.ID, proctor.StreamScreen, 1, store.UploadSlot{SHA256: "s1", Next: 2}},
		{store.UploadVideo, s.ID, proctor.StreamWebcam, 0, store.UploadSlot{}},
		{store.UploadEventBatch, s.ID, "browser", 0, store.UploadSlot{SHA256: "b0", Next: 1}},
		{store.UploadEventBatch, s.ID, "agent", 0, store.UploadSlot{}},
	} {
		got, err := st.UploadSlot(ctx(t), c.kind, c.sid, c.stream, c.seq)
		if err != nil || got != c.want {
			t.Errorf("UploadSlot(%s, session %d, %q, %d) = %+v, %v; want %+v", c.kind, c.sid, c.stream, c.seq, got, err, c.want)
		}
	}
	if _, err := st.UploadSlot(ctx(t), "photo", s.ID, "", 0); err == nil {
		t.Error("UploadSlot of an unknown kind: no error")
	}
}

func testEvents(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	batch0 := []proctor.Event{
		{Kind: proctor.EventFocusLost, At: t0.Add(10 * time.Second), Source: "browser"},
		{Kind: proctor.EventKey, At: t0.Add(5 * time.Second), Combo: "Ctrl+C", Source: "browser"},
	}
	must(t, st.InsertEventBatch(ctx(t), s.ID, "browser", 0, "sha0", batch0, t0))
	if batch0[0].ID == 0 || batch0[0].SessionID != s.ID {
		t.Fatal("InsertEventBatch did not fill ids")
	}
	must(t, st.InsertEventBatch(ctx(t), s.ID, "browser", 1, "sha1", []proctor.Event{
		{Kind: proctor.EventApp, At: t0.Add(7 * time.Second), Name: "zoom", AppState: "running", Source: "agent"},
	}, t0))
	wantErr(t, st.InsertEventBatch(ctx(t), s.ID, "browser", 1, "other", nil, t0), store.ErrConflict)
	slot, err := st.UploadSlot(ctx(t), store.UploadEventBatch, s.ID, "browser", 1)
	must(t, err)
	next, err := st.NextEventBatch(ctx(t), s.ID, "browser")
	must(t, err)
	if slot.SHA256 != "sha1" || slot.Next != 2 || next != 2 {
		t.Fatalf("batch slot %+v, next %d", slot, next)
	}
	events, err := st.ListEvents(ctx(t), s.ID)
	must(t, err)
	if len(events) != 3 || events[0].Combo != "Ctrl+C" || events[1].Name != "zoom" || events[1].AppState != "running" || events[2].Kind != proctor.EventFocusLost {
		t.Fatalf("ListEvents (by time) = %+v", events)
	}
}

func testPhotos(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	p := &proctor.Photo{SessionID: s.ID, StudentID: f.student.ID, Purpose: proctor.PurposeVerification, Kind: proctor.PhotoFace,
		Attempt: 1, BlobKey: "p1", SHA256: "a", Size: 5, Passed: false, Reason: "too dark", MeanLuma: 9, CapturedAt: t0, ReceivedAt: t0}
	must(t, st.InsertPhoto(ctx(t), p))
	wantErr(t, st.InsertPhoto(ctx(t), &proctor.Photo{SessionID: s.ID, StudentID: f.student.ID, Purpose: proctor.PurposeVerification,
		Kind: proctor.PhotoFace, Attempt: 1, BlobKey: "p", SHA256: "b"}), store.ErrConflict)
	must(t, st.InsertPhoto(ctx(t), &proctor.Photo{SessionID: s.ID, StudentID: f.student.ID, Purpose: proctor.PurposeVerification,
		Kind: proctor.PhotoFace, Attempt: 2, BlobKey: "p2", SHA256: "c", Passed: true, Faces: 1, Reason: "one face"}))
	must(t, st.InsertPhoto(ctx(t), &proctor.Photo{SessionID: s.ID, StudentID: f.student.ID, Purpose: proctor.PurposeOnboarding,
		Kind: proctor.PhotoID, Attempt: 1, BlobKey: "p3", SHA256: "d", Passed: true}))
	got, err := st.GetPhoto(ctx(t), s.ID, proctor.PurposeVerification, proctor.PhotoFace, 1)
	must(t, err)
	if got.Passed || got.Reason != "too dark" || got.MeanLuma != 9 || got.ID != p.ID {
		t.Fatalf("GetPhoto = %+v", got)
	}
	scans, err := st.ListPhotos(ctx(t), s.ID, proctor.PurposeVerification)
	must(t, err)
	if len(scans) != 2 || scans[0].Attempt != 1 || scans[1].Attempt != 2 {
		t.Fatalf("ListPhotos = %+v", scans)
	}
	onboarding, err := st.ListStudentPhotos(ctx(t), f.student.ID, proctor.PurposeOnboarding)
	must(t, err)
	if len(onboarding) != 1 || onboarding[0].Kind != proctor.PhotoID {
		t.Fatalf("ListStudentPhotos = %+v", onboarding)
	}
	byID, err := st.GetPhotoByID(ctx(t), p.ID)
	must(t, err)
	if byID.BlobKey != "p1" || byID.Identity != proctor.MatchNone {
		t.Fatalf("GetPhotoByID = %+v", byID)
	}
}

// testPhotoIdentity: photos waiting for the identity comparison are
// listed and counted per session until their result is set.
func testPhotoIdentity(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s, other := f.session(t, st), f.session(t, st)
	photo := func(sid int64, purpose proctor.PhotoPurpose, kind proctor.PhotoKind, m proctor.IdentityMatch) *proctor.Photo {
		p := &proctor.Photo{SessionID: sid, StudentID: f.student.ID, Purpose: purpose, Kind: kind, Attempt: 1, BlobKey: "k",
			SHA256: string(kind), Passed: true, Faces: 1, CapturedAt: t0, ReceivedAt: t0, Identity: m}
		must(t, st.InsertPhoto(ctx(t), p))
		return p
	}
	ref := photo(s.ID, proctor.PurposeOnboarding, proctor.PhotoFace, proctor.MatchNone)
	id := photo(s.ID, proctor.PurposeVerification, proctor.PhotoID, proctor.MatchPending)
	face := photo(s.ID, proctor.PurposeVerification, proctor.PhotoFace, proctor.MatchPending)
	photo(other.ID, proctor.PurposeVerification, proctor.PhotoFace, proctor.MatchPending)
	pending, err := st.PendingIdentityPhotos(ctx(t), s.ID)
	must(t, err)
	n, err := st.CountPendingIdentity(ctx(t), s.ID)
	must(t, err)
	if len(pending) != 2 || pending[0].ID != id.ID || pending[1].ID != face.ID || n != 2 {
		t.Fatalf("pending %+v, count %d; want the two scans of the session", pending, n)
	}
	must(t, st.SetPhotoIdentity(ctx(t), id.ID, proctor.MatchDifferent, 0.125, ref.ID))
	must(t, st.SetPhotoIdentity(ctx(t), face.ID, proctor.MatchNoReference, 0, 0))
	got, err := st.GetPhotoByID(ctx(t), id.ID)
	must(t, err)
	if got.Identity != proctor.MatchDifferent || got.Similarity != 0.125 || got.ReferenceID != ref.ID {
		t.Fatalf("after SetPhotoIdentity: %+v", got)
	}
	if n, err := st.CountPendingIdentity(ctx(t), s.ID); err != nil || n != 0 {
		t.Fatalf("%d still pending (err %v)", n, err)
	}
	wantErr(t, st.SetPhotoIdentity(ctx(t), 1<<40, proctor.MatchSame, 0.9, ref.ID), store.ErrNotFound)
	if err := st.SetPhotoIdentity(ctx(t), id.ID, "maybe", 0.5, ref.ID); err == nil {
		t.Fatal("an unknown identity result was stored")
	}
}
