package ingest

import (
	"context"
	"testing"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/analysis/face"
	"vigil/internal/onnxrt"
	"vigil/internal/proctor"
)

// TestPhotosWaitForTheIdentityCheck: the upload answers with the photo
// check only; face and ID photos that passed it are stored "pending" with
// an analysis job enqueued in the same transaction, and the comparison
// with the onboarding photo happens there, never while the student waits.
// The onboarding face photo (what the others are compared with), room
// photos and failed photos are not compared; a face photo without a face
// says so at once.
func TestPhotosWaitForTheIdentityCheck(t *testing.T) {
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		t.Fatal(err)
	}
	faces, err := face.NewPool(1, face.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer faces.Close()
	w := newWorld(t, DefaultLimits())
	w.svc.faces = faces
	ctx := context.Background()
	jobs := func() int {
		t.Helper()
		n, err := w.st.RiverDriver().GetExecutor().JobCountByAllStates(ctx, &riverdriver.JobCountByAllStatesParams{})
		must(t, err)
		return n[rivertype.JobStateAvailable]
	}
	for _, c := range []struct {
		purpose proctor.PhotoPurpose
		kind    proctor.PhotoKind
		file    string
		want    proctor.IdentityMatch
		jobs    int
	}{
		{proctor.PurposeOnboarding, proctor.PhotoFace, "obama_480p.jpg", proctor.MatchNone, 0},
		{proctor.PurposeVerification, proctor.PhotoRoom, "desk_empty_320.jpg", proctor.MatchNone, 0},
		{proctor.PurposeVerification, proctor.PhotoFace, "two_people.jpg", proctor.MatchNone, 0}, // failed: two faces
		{proctor.PurposeVerification, proctor.PhotoID, "desk_empty_320.jpg", proctor.MatchNoFace, 0},
		{proctor.PurposeOnboarding, proctor.PhotoID, "obama_portrait.jpg", proctor.MatchPending, 1},
		{proctor.PurposeVerification, proctor.PhotoFace, "obama_480p.jpg", proctor.MatchPending, 1}, // one job per session
	} {
		attempt := 1
		if c.purpose == proctor.PurposeVerification && c.kind == proctor.PhotoFace && c.want == proctor.MatchPending {
			attempt = 2
		}
		ack, err := w.svc.PutPhoto(ctx, w.sess, PhotoInput{Purpose: c.purpose, Kind: c.kind, Attempt: attempt, CapturedAt: t0, Data: jpeg(t, c.file)})
		must(t, err)
		p, err := w.st.GetPhoto(ctx, w.sess.ID, c.purpose, c.kind, attempt)
		must(t, err)
		if p.Identity != c.want || p.Passed != ack.Passed {
			t.Errorf("%s %s %s: identity %q (passed %v), want %q", c.purpose, c.kind, c.file, p.Identity, p.Passed, c.want)
		}
		if n := jobs(); n != c.jobs {
			t.Errorf("after %s %s %s: %d analysis jobs waiting, want %d", c.purpose, c.kind, c.file, n, c.jobs)
		}
	}
}
