package demo_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
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
	if len(ids) != 23 {
		t.Fatalf("%d demo sessions, want 23", len(ids))
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
		"Maya": proctor.VerdictPass, "Nadia": proctor.VerdictFail,
	}
	rows, err := srv.Store.ListExamSessions(ctx, 1)
	if err != nil || len(rows) != 14 {
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
	if r := rowOf(quiz, "Fatima"); r == nil || r.Session.Verdict != proctor.VerdictPass || len(r.Counts) != 0 {
		t.Errorf("Fatima's quiz, a tone-only microphone: %+v, want a clean Pass", r)
	}
	for _, r := range rows {
		if r.Student.FirstName == "Amara" && len(r.Counts) != 0 {
			t.Errorf("Amara typed through a clean session and got %v", r.Counts)
		}
		// Only Nadia's sessions show someone else: every other student's
		// scans and webcam match their onboarding photo.
		if n := r.Counts[proctor.DifferentPerson]; (n > 0) != (r.Student.FirstName == "Nadia") {
			t.Errorf("%s: %d Different Person flags in the midterm", r.Student.FirstName, n)
		}
	}
	for _, r := range quiz {
		if n := r.Counts[proctor.DifferentPerson]; (n > 0) != (r.Student.FirstName == "Nadia") {
			t.Errorf("%s: %d Different Person flags in the quiz", r.Student.FirstName, n)
		}
	}
	checkSessionPages(t, srv, ids)
	checkDifferentPerson(t, srv, rowOf(rows, "Nadia"), rowOf(quiz, "Nadia"))
	if _, err := demo.Fill(ctx, opts); err == nil {
		t.Fatal("filling the demo twice was allowed")
	}
}

// checkSessionPages opens every demo session's page as the instructor:
// each states its verdict's reason and its recorded duration, every
// violation on it carries evidence marked with its type, and all eight
// types of docs/PRODUCT.md occur in the demo (Different Person has its own
// check, checkDifferentPerson).
func checkSessionPages(t *testing.T, srv *testserver.Server, ids []int64) {
	t.Helper()
	ctx := context.Background()
	teacher, err := demo.Instructor(ctx, srv.Store)
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := srv.SignIn(t, teacher)
	evidenced := map[proctor.ViolationType]bool{}
	for _, id := range ids {
		vs, err := srv.Store.ListViolations(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		page := pageOf(t, cl, fmt.Sprintf("%s/sessions/%d?tab=violations", srv.URL, id))
		if m := regexp.MustCompile(`(?s)data-verdict-reason[^>]*>(.*?)</p>`).FindStringSubmatch(page); m == nil ||
			!regexp.MustCompile(`(Pass|Fail|Pending)\b`).MatchString(m[1]) {
			t.Errorf("session %d: no verdict explanation (data-verdict-reason)", id)
		}
		if m := regexp.MustCompile(`data-duration-s="(\d+)"`).FindStringSubmatch(page); m == nil || m[1] == "0" {
			t.Errorf("session %d: no recorded duration (data-duration-s): %v", id, m)
		}
		perType := map[proctor.ViolationType]int{}
		for _, v := range vs {
			perType[v.Type]++
		}
		for typ, n := range perType {
			if got := strings.Count(page, `data-evidence="`+string(typ)+`"`); got < n {
				t.Errorf("session %d: %d %s violations, %d with evidence", id, n, typ, got)
			}
			evidenced[typ] = true
		}
	}
	for _, typ := range proctor.ViolationTypes {
		if typ != proctor.DifferentPerson && !evidenced[typ] {
			t.Errorf("no %s violation with evidence anywhere in the demo", typ)
		}
	}
}

// checkDifferentPerson: Nadia's midterm ID scan is someone else's. Its
// Verification Scans tab says "Different person" in plain words, with the
// similarity, beside her face scan's "Same person"; the flag on the Online
// Violations tab shows the scan and her onboarding photo; her automated
// verdict fails at once. In the quiz someone else takes her seat, and the
// webcam frames are the evidence.
func checkDifferentPerson(t *testing.T, srv *testserver.Server, midterm, quiz *store.SessionRow) {
	t.Helper()
	if midterm == nil || quiz == nil {
		t.Fatal("Nadia's sessions are missing")
	}
	teacher, err := demo.Instructor(context.Background(), srv.Store)
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := srv.SignIn(t, teacher)
	scans := pageOf(t, cl, fmt.Sprintf("%s/sessions/%d?tab=scans", srv.URL, midterm.Session.ID))
	for _, want := range []string{`data-identity="different"`, "Different person (similarity 0.", "Same person (similarity ",
		`<span class="badge fail">Different person</span>`} {
		if !strings.Contains(scans, want) {
			t.Errorf("Nadia's Verification Scans tab does not show %q", want)
		}
	}
	if strings.Contains(scans, "docs/") {
		t.Error("the Verification Scans tab cites a path in the docs")
	}
	viol := pageOf(t, cl, fmt.Sprintf("%s/sessions/%d?tab=violations", srv.URL, midterm.Session.ID))
	if m := regexp.MustCompile(`(?s)data-evidence="different_person">.*?</div>`).FindString(viol); strings.Count(m, `src="/media/photos/`) != 2 {
		t.Errorf("the scan's Different Person evidence shows %d photos, want the scan and the onboarding photo", strings.Count(m, `src="/media/photos/`))
	}
	if !strings.Contains(viol, "Different Person fails a session at once") {
		t.Error("Nadia's verdict does not say that Different Person failed it")
	}
	vs, err := srv.Store.ListViolations(context.Background(), quiz.Session.ID)
	if err != nil {
		t.Fatal(err)
	}
	var webcam *proctor.Violation
	for i := range vs {
		if vs[i].Type == proctor.DifferentPerson && vs[i].Applied && vs[i].Cause == proctor.CauseWebcam {
			webcam = &vs[i]
		}
	}
	if webcam == nil || len(webcam.FrameSeqs) < 3 || webcam.Start.Sub(quiz.Session.Origin()) < 55*time.Second {
		t.Fatalf("Nadia's quiz: Different Person at the webcam %+v, want one from about 60 s with its frames", webcam)
	}
	if quiz.Session.Verdict != proctor.VerdictFail {
		t.Errorf("Nadia's quiz: %s, want Fail", quiz.Session.Verdict)
	}
}

func pageOf(t *testing.T, cl *http.Client, url string) string {
	t.Helper()
	resp, err := cl.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(body)
}

func rowOf(rows []store.SessionRow, first string) *store.SessionRow {
	for i := range rows {
		if rows[i].Student.FirstName == first {
			return &rows[i]
		}
	}
	return nil
}

func countsOf(rows []store.SessionRow, first string) map[proctor.ViolationType]int {
	for _, r := range rows {
		if r.Student.FirstName == first {
			return r.Counts
		}
	}
	return nil
}
