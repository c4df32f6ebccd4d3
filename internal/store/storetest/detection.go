package storetest

import (
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func testAudio(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	for seq := range int64(3) {
		must(t, st.InsertAudio(ctx(t), &proctor.AudioChunk{SessionID: s.ID, Seq: seq, StartedAt: t0.Add(time.Duration(seq) * 5 * time.Second),
			DurationMS: 5000, Format: "audio/basic", BlobKey: "a", Packed: seq == 2, Offset: seq * 7, SHA256: "x", Size: 40000, ReceivedAt: t0}))
	}
	wantErr(t, st.InsertAudio(ctx(t), &proctor.AudioChunk{SessionID: s.ID, Seq: 1, Format: "audio/basic"}), store.ErrConflict)
	next, err := st.NextAudioSeq(ctx(t), s.ID)
	must(t, err)
	got, err := st.GetAudio(ctx(t), s.ID, 2)
	must(t, err)
	if next != 3 || got.Format != "audio/basic" || got.DurationMS != 5000 || !got.StartedAt.Equal(t0.Add(10*time.Second)) || !got.Packed || got.Offset != 14 {
		t.Fatalf("next %d, chunk %+v", next, got)
	}
	pending, err := st.PendingAudio(ctx(t), s.ID, 2)
	must(t, err)
	if len(pending) != 2 || pending[0].Seq != 0 || pending[0].Packed || pending[1].Offset != 7 {
		t.Fatalf("PendingAudio = %+v", pending)
	}
	sigs := []proctor.AudioSignal{
		{Start: t0, DurMS: 500, Speech: 0.9, RMSdB: -20, MaxdB: -12, FloordB: -25},
		{Start: t0.Add(500 * time.Millisecond), DurMS: 500, Speech: 0.1, RMSdB: -50, FloordB: -60},
	}
	must(t, st.SaveAudioSignals(ctx(t), s.ID, 0, sigs, ""))
	must(t, st.SaveAudioSignals(ctx(t), s.ID, 0, sigs, "")) // again: replaces
	n, err := st.CountPendingAudio(ctx(t), s.ID)
	must(t, err)
	list, err := st.ListAudioSignals(ctx(t), s.ID)
	must(t, err)
	if n != 2 || len(list) != 2 || list[0].Speech != 0.9 || list[1].RMSdB != -50 || list[0].MaxdB != -12 || list[0].ChunkSeq != 0 {
		t.Fatalf("pending %d, signals %+v", n, list)
	}
	if err := st.SaveAudioSignals(ctx(t), s.ID, 9, sigs, ""); err == nil {
		t.Fatal("signals for a chunk that does not exist were accepted")
	}
	must(t, st.SaveAudioSignals(ctx(t), s.ID, 1, nil, "voice: bad audio: NaN samples"))
	must(t, st.InsertFrame(ctx(t), frame(s.ID, 0)))
	must(t, st.SaveFrameSignals(ctx(t), []proctor.FrameSignal{{SessionID: s.ID, Seq: 0, CapturedAt: t0, Error: "corrupt JPEG"}}))
	problems, err := st.AnalysisProblems(ctx(t), s.ID, 10)
	must(t, err)
	if len(problems) != 2 || problems[0].Kind != "frame" || problems[0].Reason != "corrupt JPEG" || problems[1].Kind != "audio" || problems[1].Seq != 1 {
		t.Fatalf("AnalysisProblems = %+v", problems)
	}
}

func testAnalysisState(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	data, err := st.AnalysisState(ctx(t), s.ID)
	must(t, err)
	if data != nil {
		t.Fatalf("state of a new session = %q", data)
	}
	must(t, st.SaveAnalysisState(ctx(t), s.ID, []byte("one")))
	must(t, st.SaveAnalysisState(ctx(t), s.ID, []byte{0, 1, 2, 255}))
	data, err = st.AnalysisState(ctx(t), s.ID)
	must(t, err)
	if string(data) != string([]byte{0, 1, 2, 255}) {
		t.Fatalf("state = %v", data)
	}
}

func testSignalFields(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	must(t, st.InsertFrame(ctx(t), frame(s.ID, 0)))
	must(t, st.SaveFrameSignals(ctx(t), []proctor.FrameSignal{{SessionID: s.ID, Seq: 0, CapturedAt: t0, OK: true, Faces: 1,
		Reused: true, Motion: 0.25, PoseOK: true, Yaw: -0.1, GazeX: 0.05, GazeY: -0.02,
		Identity: proctor.MatchDifferent, Similarity: 0.125}}))
	got, err := st.ListFrameSignals(ctx(t), s.ID)
	must(t, err)
	g := got[0]
	if !g.Reused || g.Motion != 0.25 || !g.PoseOK || g.Yaw != -0.1 || g.GazeX != 0.05 || g.GazeY != -0.02 ||
		g.Identity != proctor.MatchDifferent || g.Similarity != 0.125 {
		t.Fatalf("signal = %+v", g)
	}
}

func testAccommodations(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	a := &proctor.Accommodation{ExamID: f.exam.ID, StudentID: f.student.ID, Off: []proctor.ViolationType{proctor.FacialSuspicion, proctor.BackgroundAudio},
		AllowedApps: []string{"NVDA", "Dragon"}, AllowedKeys: []string{"Insert+Down", "Ctrl+V"}, Note: "approved by the disability office",
		UpdatedBy: f.teacher.ID, UpdatedAt: t0}
	must(t, st.SetAccommodation(ctx(t), a))
	a.Note = "renewed"
	must(t, st.SetAccommodation(ctx(t), a))
	got, err := st.GetAccommodation(ctx(t), f.exam.ID, f.student.ID)
	must(t, err)
	if len(got.Off) != 2 || got.Off[1] != proctor.BackgroundAudio || len(got.AllowedApps) != 2 || len(got.AllowedKeys) != 2 || got.AllowedKeys[0] != "Insert+Down" || got.Note != "renewed" || !got.UpdatedAt.Equal(t0) {
		t.Fatalf("accommodation = %+v", got)
	}
	list, err := st.ListAccommodations(ctx(t), f.exam.ID)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("%d accommodations", len(list))
	}
	// Allowed keys alone are an accommodation too.
	must(t, st.SetAccommodation(ctx(t), &proctor.Accommodation{ExamID: f.exam.ID, StudentID: f.student.ID, AllowedKeys: []string{"Ctrl+C"}}))
	if got, err := st.GetAccommodation(ctx(t), f.exam.ID, f.student.ID); err != nil || len(got.AllowedKeys) != 1 || len(got.Off) != 0 {
		t.Fatalf("accommodation of keys only = %+v (%v)", got, err)
	}
	must(t, st.SetAccommodation(ctx(t), &proctor.Accommodation{ExamID: f.exam.ID, StudentID: f.student.ID}))
	_, err = st.GetAccommodation(ctx(t), f.exam.ID, f.student.ID)
	wantErr(t, err, store.ErrNotFound)
}
