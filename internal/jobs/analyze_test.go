package jobs_test

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/eval"
	"vigil/internal/proctor"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
	"vigil/media"
)

// shared is the project's shared folder beside the repository.
const shared = "../../../shared"

// upload plays a scenario recorded "just now" and returns the session id.
func upload(srv *testserver.Server, link string, sc *scenario.Scenario) (int64, time.Time, error) {
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS, Retries: 3}
	start := time.Now().UTC().Add(-time.Duration(sc.Duration+60) * time.Second).Truncate(time.Second)
	res, err := c.Play(context.Background(), link, sc, start)
	if err != nil {
		return 0, start, err
	}
	return res.Session.ID, start, nil
}

// TestSharedScenarios plays every shared scenario through the real ingest
// API and analysis (the code behind `vigil eval`) and requires, in each part
// of the split (eval.PartOf: tuning and judging), precision and recall of at
// least eval.Target for every type that appears, and the causes named.
func TestSharedScenarios(t *testing.T) {
	evaluate(t, filepath.Join(shared, "scenarios", "*.json"))
}

// TestOwnScenarios does the same with the repository's scenarios
// (testdata/scenarios): other compositions of the shared media — slow
// clients, 640x480 frames at 2 per second, people swapped, other voices,
// browsing — so the rules are not tuned to the shared six alone.
func TestOwnScenarios(t *testing.T) {
	evaluate(t, "../../testdata/scenarios/*.json")
}

// TestScenarioSplit: every scenario named in the judging part exists, and
// the judging part expects every violation type, so a renamed scenario
// cannot quietly move to the tuning part or leave a type unjudged.
func TestScenarioSplit(t *testing.T) {
	names := map[string]bool{}
	types := map[proctor.ViolationType]bool{}
	for _, pattern := range []string{filepath.Join(shared, "scenarios", "*.json"), "../../testdata/scenarios/*.json", faceScenarios} {
		for _, sc := range loadScenarios(t, pattern) {
			names[sc.Name] = true
			if eval.PartOf(sc.Name) == eval.Judging {
				for _, e := range sc.Expect {
					types[e.Type] = true
				}
			}
		}
	}
	for _, n := range eval.JudgingNames() {
		if !names[n] {
			t.Errorf("judging scenario %q not found", n)
		}
	}
	for _, ty := range proctor.ViolationTypes {
		if !types[ty] {
			t.Errorf("no judging scenario expects %s", ty)
		}
	}
}

// ownMedia is the repository's synthetic media (tones, beeps, music beds,
// fans; testdata/media/SOURCES.md), looked up after the shared media.
const ownMedia = "../../testdata/media"

// TestToneOnlyMicrophone: a session whose microphone only beeps, as
// Chromium's fake microphone does without a file, gets no Background Audio
// violation (it used to be taken for a voice).
func TestToneOnlyMicrophone(t *testing.T) {
	data, err := os.ReadFile("../../testdata/scenarios/19-tone-only-microphone.json")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	srv := testserver.Start(t, testserver.Options{})
	r := &eval.Runner{Store: srv.Store, Now: time.Now, Wait: time.Minute, Client: &simclient.Client{Base: srv.URL,
		HTTP: http.DefaultClient, Media: eval.Media{os.DirFS(filepath.Join(shared, "media")), os.DirFS(ownMedia)}, Retries: 3}}
	o, err := r.Play(context.Background(), sc, 0)
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := srv.Store.ListAudioSignals(context.Background(), o.SessionID)
	if err != nil || len(sigs) < 70 {
		t.Fatalf("%d audio windows analysed (err %v), want the whole 40 s", len(sigs), err)
	}
	for _, v := range o.Reported {
		if v.Type == proctor.BackgroundAudio {
			t.Errorf("Background Audio reported for a beeping fake microphone: %+v", v)
		}
	}
}

func loadScenarios(t *testing.T, pattern string) []*scenario.Scenario {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("no scenarios at %s (the shared folder must be beside the repository)", filepath.Clean(pattern))
	}
	var scenarios []*scenario.Scenario
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := scenario.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		scenarios = append(scenarios, sc)
	}
	return scenarios
}

func evaluate(t *testing.T, pattern string) {
	scenarios := loadScenarios(t, pattern)
	srv := testserver.Start(t, testserver.Options{})
	r := &eval.Runner{Store: srv.Store, Now: time.Now, Wait: time.Minute,
		Client: &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Retries: 3,
			Media: eval.Media{os.DirFS(filepath.Join(shared, "media")), os.DirFS(ownMedia)}}}
	_, outcomes, err := r.Run(context.Background(), scenarios)
	if err != nil {
		t.Fatal(err)
	}
	parts := map[eval.Part][]*eval.Outcome{}
	for _, o := range outcomes {
		parts[eval.PartOf(o.Name)] = append(parts[eval.PartOf(o.Name)], o)
		checkCauses(t, o.Expected, o.Reported)
	}
	for _, part := range []eval.Part{eval.Tuning, eval.Judging} {
		if len(parts[part]) == 0 {
			t.Errorf("no scenario of %s in the %s part", filepath.Clean(pattern), part)
			continue
		}
		var names []string
		for _, o := range parts[part] {
			names = append(names, o.Name)
		}
		rep := eval.Summarize(parts[part])
		t.Logf("%s part (%s):", part, strings.Join(names, ", "))
		for _, tr := range rep.Types {
			if tr.Expected > 0 || tr.FP > 0 {
				t.Logf("  %-18s expected %d TP %d FP %d FN %d precision %.2f recall %.2f", tr.Type, tr.Expected, tr.TP, tr.FP, tr.FN, tr.Precision, tr.Recall)
			}
		}
		if err := rep.Check(); err != nil {
			t.Errorf("%s part: %v", part, err)
		}
	}
}

// checkCauses: where a scenario names a cause ("too_dark"), the matching
// violation must carry it.
func checkCauses(t *testing.T, exp []scenario.Expected, rep []scenario.Reported) {
	t.Helper()
	for _, e := range exp {
		if e.Cause == "" {
			continue
		}
		found := false
		for _, r := range rep {
			found = found || (r.Type == e.Type && r.Cause == e.Cause)
		}
		if !found {
			t.Errorf("no %s with cause %s among %+v", e.Type, e.Cause, rep)
		}
	}
}

// TestCorruptFrameDoesNotStopAnalysis uploads a JPEG whose header is fine
// but whose data is cut off: it is accepted, recorded as unanalysable with
// the reason, and the session is still decided.
func TestCorruptFrameDoesNotStopAnalysis(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	good, err := fs.ReadFile(media.FS, "webcam320/obama_480p.jpg")
	if err != nil {
		t.Fatal(err)
	}
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	start := time.Now().UTC().Add(-time.Minute)
	sess, err := c.Start(context.Background(), srv.Link(t, f, 0), start)
	if err != nil {
		t.Fatal(err)
	}
	for seq, data := range [][]byte{good, good[:len(good)/2], good} {
		if err := c.PutFrame(context.Background(), sess, int64(seq), start.Add(time.Duration(seq)*time.Second), data); err != nil {
			t.Fatalf("frame %d: %v", seq, err)
		}
	}
	if err := c.Finish(context.Background(), sess, 3, 0); err != nil {
		t.Fatal(err)
	}
	srv.WaitAnalysed(t, sess.ID)
	sigs, err := srv.Store.ListFrameSignals(context.Background(), sess.ID)
	if err != nil || len(sigs) != 3 {
		t.Fatalf("%d signals (err %v), want 3", len(sigs), err)
	}
	if !sigs[0].OK || sigs[0].Faces != 1 || sigs[1].OK || sigs[1].Error == "" || !sigs[2].OK {
		t.Fatalf("signals = %+v", sigs)
	}
	problems, err := srv.Store.AnalysisProblems(context.Background(), sess.ID, 10)
	if err != nil || len(problems) != 1 || problems[0].Seq != 1 || !strings.Contains(problems[0].Reason, "JPEG") {
		t.Fatalf("problems recorded: %+v (err %v)", problems, err)
	}
}

// TestEveryFrameIsAnalysedWhileUploadsStream checks no frame slips between
// an analysis run and the next upload: after finish, every frame has its
// signal.
func TestEveryFrameIsAnalysedWhileUploadsStream(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 3, nil)
	sc := &scenario.Scenario{Name: "stream", Duration: 120, FPS: 1, Video: []scenario.VideoSpan{{From: 0, To: 120, Frames: "frames/eyes_center_10s/*.jpg"}}}
	type result struct {
		id  int64
		err error
	}
	done := make(chan result, 3)
	for i := range 3 {
		link := srv.Link(t, f, i)
		go func() {
			id, _, err := upload(srv, link, sc)
			done <- result{id, err}
		}()
	}
	for range 3 {
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		s := srv.WaitAnalysed(t, r.id)
		n, _ := srv.Store.CountFrames(context.Background(), s.ID)
		sigs, _ := srv.Store.ListFrameSignals(context.Background(), s.ID)
		pending, _ := srv.Store.CountPendingFrames(context.Background(), s.ID)
		if n != 120 || len(sigs) != 120 || pending != 0 {
			t.Fatalf("session %d: %d frames, %d signals, %d pending", s.ID, n, len(sigs), pending)
		}
		if s.Verdict != proctor.VerdictPass {
			t.Fatalf("a clean session was judged %q", s.Verdict)
		}
	}
}

// TestUnfinishedSessionsExpire: a session never finished within 72 hours is
// closed by the periodic job and analysed with what arrived.
func TestUnfinishedSessionsExpire(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 2, nil)
	ctx := context.Background()
	old := time.Now().UTC().Add(-80 * time.Hour)
	stale := &proctor.Session{ExamID: f.Exam.ID, StudentID: f.Students[0].ID, State: proctor.StateInProgress, CreatedAt: old, ClientStartedAt: old}
	fresh := &proctor.Session{ExamID: f.Exam.ID, StudentID: f.Students[1].ID, State: proctor.StateInProgress, CreatedAt: time.Now().UTC(), ClientStartedAt: time.Now().UTC()}
	for _, s := range []*proctor.Session{stale, fresh} {
		if err := srv.Store.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	srv.StartWorkers(t) // the expiry job runs at start, then every 10 minutes
	got := srv.WaitAnalysed(t, stale.ID)
	if got.FinishedAt.IsZero() || got.Verdict != proctor.VerdictPass {
		t.Fatalf("expired session: %+v", got)
	}
	if s, _ := srv.Store.GetSession(ctx, fresh.ID); s.State != proctor.StateInProgress {
		t.Fatalf("a fresh session became %s", s.State)
	}
}
