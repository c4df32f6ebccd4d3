package analysis_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/analysis/identity"
	"vigil/internal/analysis/voice"
	"vigil/internal/onnxrt"
	"vigil/internal/proctor"
)

var (
	idOnce   sync.Once
	idModels *analysis.Models
)

// identityModels are the detectors with the face-embedding model, on one
// core, shared by the tests of this file.
func identityModels(tb testing.TB) *analysis.Models {
	tb.Helper()
	idOnce.Do(func() {
		idModels = analysis.NewModels(1, analysis.ModelFiles{RuntimeLib: onnxrt.DefaultLibPath(), Voice: voice.DefaultModelPath(),
			Embedding: identity.Options{Path: identity.DefaultModelPath()}})
	})
	if err := idModels.Check(); err != nil {
		tb.Fatal(err)
	}
	return idModels
}

func media(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(sharedMedia, rel))
	if err != nil {
		tb.Fatalf("the shared media must be beside the repository: %v", err)
	}
	return b
}

func reference(tb testing.TB, id *analysis.Identity, rel string) analysis.Reference {
	tb.Helper()
	ref, err := id.NewReference(context.Background(), 42, media(tb, rel))
	if err != nil || !ref.Usable() {
		tb.Fatalf("reference from %s: %+v (err %v)", rel, ref, err)
	}
	return ref
}

// TestComparePhoto compares identity scans with an onboarding photo of
// Barack Obama: another photo of him is the same person; a photo of Joe
// Biden, or a picture with both of them (a photo ID held up beside the
// student shows two faces, and each must be the student), is not.
func TestComparePhoto(t *testing.T) {
	id := identityModels(t).Identity()
	ref := reference(t, id, "stills/obama_480p.jpg")
	ctx := context.Background()
	for _, c := range []struct {
		file string
		want proctor.IdentityMatch
	}{
		{"stills/obama_portrait.jpg", proctor.MatchSame},
		{"webcam320/obama_blueroom_headshoulders.jpg", proctor.MatchSame},
		{"stills/biden_headshoulders.jpg", proctor.MatchDifferent},
		{"stills/two_people.jpg", proctor.MatchDifferent},
		{"stills/desk_empty_320.jpg", proctor.MatchNoFace},
	} {
		m, sim, err := id.ComparePhoto(ctx, ref, media(t, c.file))
		if err != nil || m != c.want {
			t.Errorf("%s: %s (similarity %.2f, err %v), want %s", c.file, m, sim, err, c.want)
		}
		if (m == proctor.MatchSame) != (sim >= id.MatchThreshold()) && m.Compared() {
			t.Errorf("%s: %s at similarity %.2f and threshold %.2f", c.file, m, sim, id.MatchThreshold())
		}
	}
	if m, _, err := id.ComparePhoto(ctx, ref, []byte("not a JPEG")); err != nil || m != proctor.MatchUnreadable {
		t.Errorf("a broken file: %s (%v), want unreadable", m, err)
	}
	if m, _, err := id.ComparePhoto(ctx, analysis.Reference{PhotoID: 3}, media(t, "stills/obama_portrait.jpg")); err != nil || m != proctor.MatchNoReference {
		t.Errorf("nothing to compare with: %s (%v), want no_reference", m, err)
	}
	if r, err := id.NewReference(ctx, 3, media(t, "stills/desk_empty_320.jpg")); err != nil || r.Usable() || r.PhotoID != 3 {
		t.Errorf("an onboarding photo without a face: %+v (%v), want an unusable reference", r, err)
	}
}

// TestWebcamSampling plays a session at one frame per second: Barack
// Obama for 70 s, the empty desk for 10 s, then Joe Biden in his seat.
// His face is compared on the first frame and a minute later; Biden's the
// moment a face comes back, and twice more to confirm. Nothing else is
// compared, and the rules flag Biden's stretch as Different Person.
func TestWebcamSampling(t *testing.T) {
	m := identityModels(t)
	frames := m.Frames()
	frames.Stages = &analysis.Stages{}
	tr := &analysis.Tracker{}
	tr.SetReference(reference(t, frames.Identity, "stills/obama_480p.jpg"))
	var sigs []proctor.FrameSignal
	play := func(file string, n int) {
		data := media(t, file)
		for range n {
			f := &proctor.Frame{SessionID: 1, Seq: int64(len(sigs)), CapturedAt: at(len(sigs))}
			sig, err := frames.Analyze(context.Background(), tr, f, data)
			if err != nil || !sig.OK {
				t.Fatalf("frame %d: %v %s", f.Seq, err, sig.Error)
			}
			sigs = append(sigs, sig)
		}
	}
	play("webcam320/obama_480p.jpg", 70)
	play("webcam320/desk_empty_320.jpg", 10)
	play("webcam320/biden_headshoulders.jpg", 10)
	want := map[int64]proctor.IdentityMatch{0: proctor.MatchSame, 60: proctor.MatchSame,
		80: proctor.MatchDifferent, 81: proctor.MatchDifferent, 82: proctor.MatchDifferent}
	for _, s := range sigs {
		if s.Identity != want[s.Seq] {
			t.Errorf("frame %d: identity %q (similarity %.2f), want %q", s.Seq, s.Identity, s.Similarity, want[s.Seq])
		}
	}
	if frames.Stages.Identified != len(want) {
		t.Errorf("%d comparisons counted, want %d", frames.Stages.Identified, len(want))
	}
	// The tracker carries the reference and the sampling across job runs.
	data, err := tr.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := analysis.DecodeTracker(data)
	if err != nil || back.Identity.Ref.PhotoID != 42 || len(back.Identity.Ref.Embedding) != 512 || !back.Identity.LastCheck.Equal(at(82)) {
		t.Fatalf("tracker after a round trip: %+v (err %v)", back.Identity, err)
	}
	vs := analysis.Decide(analysis.Input{Settings: proctor.DefaultSettings(), Start: at(0), End: at(89), Frames: sigs, Reference: 42})
	var flagged []proctor.Violation
	for _, v := range vs {
		if v.Type == proctor.DifferentPerson {
			flagged = append(flagged, v)
		}
	}
	if len(flagged) != 1 || !flagged[0].Applied || !flagged[0].Start.Equal(at(80)) || !flagged[0].End.Equal(at(90)) {
		t.Fatalf("Different Person: %+v, want one applied from 80 s to the end", flagged)
	}
}

func at(sec int) time.Time { return time.Date(2026, 11, 20, 9, 0, sec, 0, time.UTC) }
