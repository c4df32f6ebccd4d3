package demo_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/proctor"
	"vigil/internal/simclient"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/media"
)

// TestDemoCourse fills the demo through the real API and analysis and
// checks each student came out as their behaviour should.
func TestDemoCourse(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	client := &simclient.Client{Base: srv.URL, HTTP: &http.Client{Timeout: time.Minute}, Media: media.FS, Retries: 3}
	opts := demo.Options{Store: srv.Store, Client: client, Now: func() time.Time { return time.Now().UTC() }, Parallel: 4}
	ids, err := demo.Fill(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 20 {
		t.Fatalf("%d demo sessions, want 20", len(ids))
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := demo.WaitAnalysed(wctx, srv.Store, ids); err != nil {
		t.Fatal(err)
	}
	want := map[string]proctor.Verdict{ // midterm verdicts
		"Amara": proctor.VerdictPass, "Ben": proctor.VerdictFail, "Chen": proctor.VerdictFail, "Diego": proctor.VerdictPass,
		"Elif": proctor.VerdictFail, "Fatima": proctor.VerdictPass, "George": proctor.VerdictFail, "Hana": proctor.VerdictFail,
		"Isaac": proctor.VerdictPass, "Julia": proctor.VerdictPass, "Kofi": proctor.VerdictPass, "Lena": proctor.VerdictFail,
		"Maya": proctor.VerdictPass,
	}
	rows, err := srv.Store.ListExamSessions(ctx, 1)
	if err != nil || len(rows) != 13 {
		t.Fatalf("midterm rows %d (err %v)", len(rows), err)
	}
	for _, r := range rows {
		if r.Session.Verdict != want[r.Student.FirstName] {
			t.Errorf("%s: %s, want %s (counts %v)", r.Student.FirstName, r.Session.Verdict, want[r.Student.FirstName], r.Counts)
		}
		t.Logf("%-7s %s %v", r.Student.FirstName, r.Session.Verdict, r.Counts)
	}
	// The behaviours that show each detector do show it.
	for name, typ := range map[string]proctor.ViolationType{"Maya": proctor.FacialSuspicion, "Ben": proctor.BackgroundMotion,
		"Chen": proctor.MultiplePeople, "Elif": proctor.OnlineAid, "George": proctor.BlacklistedApps} {
		if counts := countsOf(rows, name); counts[typ] == 0 {
			t.Errorf("%s: no %s (counts %v)", name, typ, counts)
		}
	}
	quiz, _ := srv.Store.ListExamSessions(ctx, 2)
	if counts := countsOf(quiz, "Kofi"); counts[proctor.BackgroundAudio] != 2 {
		t.Errorf("Kofi's quiz: %d background audio violations, want 2 (counts %v)", counts[proctor.BackgroundAudio], counts)
	}
	for _, r := range rows {
		if r.Student.FirstName == "Amara" && len(r.Counts) != 0 {
			t.Errorf("Amara typed through a clean session and got %v", r.Counts)
		}
	}
	if _, err := demo.Fill(ctx, opts); err == nil {
		t.Fatal("filling the demo twice was allowed")
	}
}

func countsOf(rows []store.SessionRow, first string) map[proctor.ViolationType]int {
	for _, r := range rows {
		if r.Student.FirstName == first {
			return r.Counts
		}
	}
	return nil
}
