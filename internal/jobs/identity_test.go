package jobs_test

import (
	"context"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/scenario"
	"vigil/internal/testserver"
)

// TestIdentityChecksInTheAnalysis plays a session through the real API and
// jobs: Barack Obama onboards and scans his face, but the ID scan is Joe
// Biden's; during the exam Obama leaves and Biden sits down. The analysis
// job compares each scan with the onboarding photo and samples the webcam:
// the ID scan and Biden's stretch are Different Person, which fails the
// session at once under the default policy, and Obama's own photos and
// frames match.
func TestIdentityChecksInTheAnalysis(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sc := &scenario.Scenario{Name: "borrowed-id", Duration: 100, FPS: 1,
		Video: []scenario.VideoSpan{
			{From: 0, To: 60, Frames: "webcam320/obama_480p.jpg"},
			{From: 60, To: 70, Frames: "webcam320/desk_empty_320.jpg"},
			{From: 70, To: 100, Frames: "webcam320/biden_headshoulders.jpg"},
		},
		Photos: []scenario.Photo{
			{Purpose: proctor.PurposeOnboarding, Kind: proctor.PhotoFace, File: "webcam320/obama_480p.jpg"},
			{Purpose: proctor.PurposeOnboarding, Kind: proctor.PhotoID, File: "webcam320/obama_portrait.jpg"},
			{Purpose: proctor.PurposeVerification, Kind: proctor.PhotoFace, File: "webcam320/obama_blueroom_headshoulders.jpg"},
			{Purpose: proctor.PurposeVerification, Kind: proctor.PhotoID, File: "webcam320/biden_headshoulders.jpg"},
		}}
	sid, start, err := upload(srv, srv.Link(t, f, 0), sc)
	if err != nil {
		t.Fatal(err)
	}
	sess := srv.WaitAnalysed(t, sid)
	ctx := context.Background()
	onboarding, err := srv.Store.ListPhotos(ctx, sid, proctor.PurposeOnboarding)
	if err != nil {
		t.Fatal(err)
	}
	scans, err := srv.Store.ListPhotos(ctx, sid, proctor.PurposeVerification)
	if err != nil {
		t.Fatal(err)
	}
	ref := onboarding[0] // face before id
	for _, c := range []struct {
		p    proctor.Photo
		want proctor.IdentityMatch
	}{{ref, proctor.MatchNone}, {onboarding[1], proctor.MatchSame}, {scans[0], proctor.MatchSame}, {scans[1], proctor.MatchDifferent}} {
		if c.p.Identity != c.want || (c.want != proctor.MatchNone && c.p.ReferenceID != ref.ID) {
			t.Errorf("%s %s: %s (similarity %.2f, compared with photo %d), want %s against photo %d",
				c.p.Purpose, c.p.Kind, c.p.Identity, c.p.Similarity, c.p.ReferenceID, c.want, ref.ID)
		}
	}
	sigs, err := srv.Store.ListFrameSignals(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	compared := map[int64]proctor.IdentityMatch{}
	for _, s := range sigs {
		if s.Identity != proctor.MatchNone {
			compared[s.Seq] = s.Identity
		}
	}
	// The first frame; none at 60 s, when the seat is empty; the return
	// at 70 s and the two checks that confirm it.
	want := map[int64]proctor.IdentityMatch{0: proctor.MatchSame, 70: proctor.MatchDifferent,
		71: proctor.MatchDifferent, 72: proctor.MatchDifferent}
	if len(compared) != len(want) {
		t.Errorf("frames compared: %v, want %v", compared, want)
	}
	for seq, m := range want {
		if compared[seq] != m {
			t.Errorf("frame %d: %q, want %q", seq, compared[seq], m)
		}
	}
	vs, err := srv.Store.ListViolations(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	var got []scenario.Reported
	for _, r := range scenario.FromViolations(vs, start) {
		if r.Type == proctor.DifferentPerson {
			got = append(got, r)
		}
	}
	if len(got) != 2 || got[0].From != 0 || got[0].Cause != string(proctor.CauseScan) ||
		got[1].From != 70 || got[1].To != 100 || got[1].Cause != string(proctor.CauseWebcam) {
		t.Errorf("Different Person flags %+v, want the ID scan at 0 s and the webcam from 70 s to the end", got)
	}
	if sess.Verdict != proctor.VerdictFail {
		t.Errorf("verdict %s, want Fail: a different person fails at once by default", sess.Verdict)
	}
}
