package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/ingest"
	"vigil/internal/mail/mailtest"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/media"
)

// mailedStudent adds a student with an e-mail address to the fixture's
// course (the fixture's have none), and returns them.
func mailedStudent(t *testing.T, srv *testserver.Server, f *testserver.Fixture) proctor.Student {
	t.Helper()
	st := proctor.Student{CourseID: f.Course.ID, FirstName: "Noor", LastName: "Haddad", Email: "noor@students.example.edu"}
	must(t, srv.Store.CreateStudent(context.Background(), &st))
	return st
}

// flaggedSession plays a finished exam through the capture API for a
// student: an identity scan of someone else (Biden, where the onboarding
// photo is Obama), Zoom running from 2 to 6 s with the screen recorded
// throughout (a real 30-second WebM), a second person in view from 8 to
// 14 s (two_people.jpg), speech from 16 s, a copy at 26 s. It returns the
// analysed session and the link it was taken with.
func flaggedSession(t *testing.T, srv *testserver.Server, f *testserver.Fixture, st proctor.Student) (*proctor.Session, string) {
	t.Helper()
	sc := &scenario.Scenario{Name: "flagged", Duration: 30, FPS: 1,
		Video: []scenario.VideoSpan{{From: 0, To: 8, Frames: "webcam320/obama_480p.jpg"}, {From: 8, To: 14, Frames: "webcam320/two_people.jpg"},
			{From: 14, To: 30, Frames: "webcam320/obama_480p.jpg"}},
		Audio: []scenario.AudioSpan{{From: 16, To: 24, File: "audio/speech_jfk_16k.wav"}},
		Events: []scenario.Event{{At: 2, Kind: proctor.EventApp, Name: "zoom", State: "running"}, {At: 6, Kind: proctor.EventApp, Name: "zoom", State: "stopped"},
			{At: 26, Kind: proctor.EventKey, Combo: "Ctrl+C"}},
		Photos: []scenario.Photo{{Purpose: proctor.PurposeOnboarding, Kind: proctor.PhotoFace, File: "webcam320/obama_480p.jpg"},
			{Purpose: proctor.PurposeVerification, Kind: proctor.PhotoFace, File: "webcam320/biden_headshoulders.jpg"}},
		Screen: "video/eyes_left_right_30s.webm"}
	link, err := ingest.IssueLink(context.Background(), srv.Store, ingest.LinkRequest{ExamID: f.Exam.ID, StudentID: st.ID, TTL: time.Hour, Actor: "test"})
	must(t, err)
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	res, err := c.Play(context.Background(), link, sc, time.Now().UTC().Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sess := srv.WaitAnalysed(t, res.Session.ID)
	vs, err := srv.Store.ListViolations(context.Background(), sess.ID)
	must(t, err)
	applied := map[proctor.ViolationType]bool{}
	for _, v := range vs {
		applied[v.Type] = applied[v.Type] || v.Applied
	}
	for _, want := range []proctor.ViolationType{proctor.MultiplePeople, proctor.BackgroundAudio, proctor.Keystrokes, proctor.BlacklistedApps, proctor.DifferentPerson} {
		if !applied[want] {
			t.Fatalf("the played exam has no applied %s violation (%d violations)", want, len(vs))
		}
	}
	return sess, link
}

var studentLinkPattern = regexp.MustCompile(`https?://\S+/s/[A-Za-z0-9_-]+`)

// TestStudentReviewReleasedAndExplained: before release the student's page
// shows the finished exam and its receipt, and no flag and no Pass/Fail.
// The instructor switches student review on for the course and releases
// the session; the student is mailed a link (a real SMTP server), opens
// it, sees each flag with its evidence — the second person's face hidden,
// the sound playable — and explains two flags in one go. One digest mail
// reaches the instructor, and the explanations appear beside the evidence
// on the session page and on the Student List. Every step is audited.
func TestStudentReviewReleasedAndExplained(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	srv := testserver.Start(t, testserver.Options{Mail: smtpSender(t, smtp.Addr()), MailRetry: time.Second})
	f := srv.NewFixture(t, 1, nil)
	st := mailedStudent(t, srv, f)
	sess, early := flaggedSession(t, srv, f, st)
	ctx := browsertest.New(t)

	// Before release, the exam's link: the receipt, nothing of the review.
	browsertest.Step(t, ctx, "open the exam link before release", chromedp.Navigate(studentURL(srv, early)))
	stepIs(t, ctx, "done", 20*time.Second)
	browsertest.Wait(t, ctx, "the receipt", `document.body.dataset.receipt === 'shown'`, 15*time.Second)
	if text := browsertest.Eval[string](t, ctx, `document.body.innerText`); !browsertest.Eval[bool](t, ctx, `document.getElementById('review').hidden`) ||
		strings.Contains(text, "Pass") || strings.Contains(text, "Fail") || strings.Contains(text, "Multiple People") {
		t.Fatalf("before release the student's page shows:\n%s", text)
	}
	if raw := studentAPI(t, srv, sess.ID, early, "GET", "review", nil); raw.status != 200 || strings.Contains(raw.body, "status") || strings.Contains(raw.body, "multiple_people") {
		t.Fatalf("the review API before release: %d %s", raw.status, raw.body)
	}

	hc, csrf := srv.SignIn(t, &f.Instructor)
	if status, _ := postForm(t, hc, fmt.Sprintf("%s/sessions/%d/release", srv.URL, sess.ID), url.Values{"csrf": {csrf}, "until": {daysAhead(7)}}); status != http.StatusConflict {
		t.Fatalf("release with student review off: %d, want 409", status)
	}
	if status, _ := postForm(t, hc, fmt.Sprintf("%s/courses/%d/student-review", srv.URL, f.Course.ID), url.Values{"csrf": {csrf}, "enabled": {"on"}}); status != http.StatusSeeOther {
		t.Fatalf("switching student review on: %d", status)
	}
	if status, _ := postForm(t, hc, fmt.Sprintf("%s/sessions/%d/release", srv.URL, sess.ID), url.Values{"csrf": {csrf}, "until": {daysAhead(7)}}); status != http.StatusSeeOther {
		t.Fatalf("release: %d", status)
	}
	if _, page := get(t, hc, fmt.Sprintf("%s/sessions/%d", srv.URL, sess.ID)); !strings.Contains(page, "Released to the student on") {
		t.Fatalf("the session page does not say it was released:\n%s", page)
	}
	msgs := smtp.WaitMessages(t, 1, 60*time.Second)
	link := studentLinkPattern.FindString(msgs[0].Text)
	if msgs[0].To[0] != st.Email || !strings.Contains(msgs[0].Subject, "review released") || link == "" || !strings.Contains(msgs[0].Text, "accepted until") {
		t.Fatalf("mail to %v %q:\n%s", msgs[0].To, msgs[0].Subject, msgs[0].Text)
	}

	// The student opens the mailed link.
	browsertest.Step(t, ctx, "open the mailed link", chromedp.Navigate(link))
	browsertest.Wait(t, ctx, "the review is shown", `document.body.dataset.review === 'shown'`, 30*time.Second)
	browsertest.Wait(t, ctx, "its pictures and sound are loaded", `[...document.querySelectorAll('#review-flags img')].length > 0 &&
		[...document.querySelectorAll('#review-flags img')].every((i) => i.complete && i.naturalWidth > 0) && !!document.querySelector('#review-flags audio[src^="blob:"]')`, 30*time.Second)
	shown := browsertest.Eval[string](t, ctx, `document.getElementById('review').innerText`)
	for _, want := range []string{"Multiple People", "Background Audio", "Keystrokes", "Status so far:", "Faces of other people are hidden", "Pressed Ctrl+C"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the review lacks %q:\n%s", want, shown)
		}
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#review-flags article[data-key^="different_person@"] .identity-photos img[src^="blob:"]').length`); n != 2 {
		t.Errorf("the Different Person flag shows %d photos, want the scan and the onboarding photo", n)
	}
	checkStudentPage(t, ctx, "done", "Done")
	openScreenMoment(t, ctx)
	checkOtherFacesHidden(t, srv, sess, link)

	explain := func(typ proctor.ViolationType, text string) {
		t.Helper()
		browsertest.Step(t, ctx, "explain "+string(typ), chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`#review-flags article[data-key^="%s@"] textarea`, typ)), text))
	}
	explain(proctor.MultiplePeople, "My little brother walked in.")
	explain(proctor.BackgroundAudio, "The fire alarm went off.")
	browsertest.Step(t, ctx, "send", chromedp.Click(chromedp.CSS("#send-explanations")))
	browsertest.Wait(t, ctx, "sent", `document.body.dataset.explained === '2'`, 15*time.Second)

	msgs = smtp.WaitMessages(t, 2, 60*time.Second)
	digest := msgs[1]
	if digest.To[0] != f.Instructor.Email || !strings.Contains(digest.Text, "My little brother walked in.") || !strings.Contains(digest.Text, "The fire alarm went off.") ||
		!strings.Contains(digest.Subject, "explained 2 flags") {
		t.Fatalf("digest to %v %q:\n%s", digest.To, digest.Subject, digest.Text)
	}
	_, page := get(t, hc, fmt.Sprintf("%s/sessions/%d?tab=violations", srv.URL, sess.ID))
	if strings.Count(page, `class="explanation"`) != 2 || !strings.Contains(page, "My little brother walked in.") || !strings.Contains(page, "2 explanations from the student") {
		t.Fatalf("the session page lacks the explanations:\n%s", page)
	}
	if _, list := get(t, hc, fmt.Sprintf("%s/exams/%d/sessions", srv.URL, f.Exam.ID)); !strings.Contains(list, "2 explained") {
		t.Fatal("the Student List does not show the explanations")
	}
	audit := map[string]int{}
	entries, err := srv.Store.ListAudit(context.Background(), store.AuditFilter{Subject: fmt.Sprintf("session:%d", sess.ID)})
	must(t, err)
	for _, e := range entries {
		audit[e.Action]++
	}
	if audit[proctor.AuditReviewReleased] != 1 || audit[proctor.AuditStudentReviewView] < 1 || audit[proctor.AuditStudentMediaView] < 3 || audit[proctor.AuditExplanation] != 1 {
		t.Fatalf("audit entries of the session: %v", audit)
	}
	if n := len(smtp.Messages()); n != 2 {
		t.Fatalf("%d mails, want the release and one digest", n)
	}
}

// openScreenMoment presses the Blacklisted Apps flag's "Show my screen at
// this moment" and waits for the recording's metadata through the link.
func openScreenMoment(t *testing.T, ctx context.Context) {
	t.Helper()
	flag := `#review-flags article[data-key^="blacklisted_apps@"]`
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#review-flags .evidence-screen button').length`); n != 1 {
		t.Fatalf("%d buttons to show the screen, want one (the Blacklisted Apps flag's)", n)
	}
	browsertest.Step(t, ctx, "show the screen at the flag's moment", chromedp.Click(chromedp.CSS(flag+" .evidence-screen button")))
	browsertest.Wait(t, ctx, "the screen recording's metadata", `(() => { const v = document.querySelector('`+flag+` video');
		return !!v && v.readyState >= 1 && v.duration > 0; })()`, 30*time.Second)
	src := browsertest.Eval[string](t, ctx, `document.querySelector('`+flag+` video').getAttribute('src')`)
	if !strings.HasPrefix(src, "/evidence/screen/") || !strings.HasSuffix(src, "#t=2.0") {
		t.Fatalf("the video plays %q, want the signed link at 2 s", src)
	}
	if bad := browsertest.Eval[[]string](t, ctx, unlabelled); len(bad) > 0 {
		t.Errorf("with the screen recording open: controls without an accessible name: %q", bad)
	}
	browsertest.AxeClean(t, ctx, "the student's review with the screen recording open")
}

// daysAhead is the date n days from now, as the release form takes it.
func daysAhead(n int) string { return time.Now().AddDate(0, 0, n).Format("2006-01-02") }

type apiAnswer struct {
	status int
	body   string
	data   []byte
}

// studentAPI calls a student endpoint of a session with a token from the
// given session link.
func studentAPI(t *testing.T, srv *testserver.Server, sessionID int64, link, method, path string, body []byte) apiAnswer {
	t.Helper()
	s := start(t, client{t, srv.URL}, link)
	return apiWith(t, srv, s.token, method, fmt.Sprintf("/api/v1/sessions/%d/%s", sessionID, path), body)
}

func apiWith(t *testing.T, srv *testserver.Server, token, method, path string, body []byte) apiAnswer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return apiAnswer{status: res.StatusCode, body: string(data), data: data}
}

// checkOtherFacesHidden: every evidence picture of the Multiple People flag
// shows the detector one face, where the stored frame showed two.
func checkOtherFacesHidden(t *testing.T, srv *testserver.Server, sess *proctor.Session, link string) {
	t.Helper()
	vs, err := srv.Store.ListViolations(context.Background(), sess.ID)
	must(t, err)
	token := start(t, client{t, srv.URL}, link[strings.LastIndex(link, "/")+1:]).token
	faces := testserver.Models(t).Faces()
	checked := 0
	for _, v := range vs {
		if v.Type != proctor.MultiplePeople {
			continue
		}
		for _, sn := range v.Snapshots() {
			if sn.Where != "during" {
				continue
			}
			res := apiWith(t, srv, token, "GET", fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/frames/%d", sess.ID, v.ID, sn.Seq), nil)
			if res.status != 200 {
				t.Fatalf("evidence picture %d: %d %s", sn.Seq, res.status, res.body)
			}
			img, err := jpeg.Decode(bytes.NewReader(res.data))
			must(t, err)
			found, err := faces.Detect(context.Background(), img)
			must(t, err)
			if len(found) != 1 {
				t.Errorf("evidence picture %d shows the detector %d faces, want only the student's", sn.Seq, len(found))
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no evidence picture of the second person to check")
	}
	t.Logf("%d pictures of two people shown to the student with one face hidden", checked)
}

// TestStudentOfAnotherCourseRefused: a student of another course, in their
// own proctoring window with their own session token, is refused every
// student endpoint of a released session of this course; their own link
// never opens it.
func TestStudentOfAnotherCourseRefused(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	st := mailedStudent(t, srv, f)
	sess, _ := flaggedSession(t, srv, f, st)
	teacher := review.Actor{User: &f.Instructor}
	must(t, srv.Student.SetCourse(context.Background(), teacher, f.Course.ID, true))
	if _, err := srv.Student.Release(context.Background(), teacher, sess.ID, srv.Now().Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	vs, err := srv.Store.ListViolations(context.Background(), sess.ID)
	must(t, err)

	other := proctor.Course{Code: "OTHER-1", Title: "Another course", Enabled: true}
	must(t, srv.Store.CreateCourse(context.Background(), &other))
	exam := proctor.Exam{CourseID: other.ID, Title: "Their quiz", Settings: proctor.DefaultSettings()}
	must(t, srv.Store.CreateExam(context.Background(), &exam))
	stranger := proctor.Student{CourseID: other.ID, FirstName: "Sam", LastName: "Elsewhere"}
	must(t, srv.Store.CreateStudent(context.Background(), &stranger))
	link, err := ingest.IssueLink(context.Background(), srv.Store, ingest.LinkRequest{ExamID: exam.ID, StudentID: stranger.ID, TTL: time.Hour, Actor: "test"})
	must(t, err)

	ctx := browsertest.New(t)
	browsertest.Step(t, ctx, "the other student opens their own link", chromedp.Navigate(studentURL(srv, link)))
	stepIs(t, ctx, "welcome", 15*time.Second)
	own := awaitEval[float64](t, ctx, `new Promise((resolve) => { const r = indexedDB.open('vigil-capture'); r.onsuccess = () => {
		const g = r.result.transaction('sessions').objectStore('sessions').getAll(); g.onsuccess = () => resolve(g.result[0].id); }; })`)
	if int64(own) == sess.ID {
		t.Fatal("the other course's link opened this course's session")
	}
	paths := []string{"review", "receipt", "about", fmt.Sprintf("evidence/%d/frames/%d", vs[0].ID, vs[0].Snapshots()[0].Seq),
		fmt.Sprintf("evidence/%d/audio", vs[0].ID), fmt.Sprintf("evidence/%d/screen", vs[0].ID)}
	for _, v := range vs {
		for _, id := range v.PhotoIDs {
			paths = append(paths, fmt.Sprintf("evidence/%d/photos/%d", v.ID, id))
		}
	}
	for _, p := range paths {
		status := awaitEval[float64](t, ctx, fmt.Sprintf(`new Promise((resolve) => { const r = indexedDB.open('vigil-capture'); r.onsuccess = () => {
			const g = r.result.transaction('sessions').objectStore('sessions').getAll();
			g.onsuccess = () => fetch('/api/v1/sessions/%d/%s', {headers: {Authorization: 'Bearer ' + g.result[0].token}}).then((res) => resolve(res.status)); }; })`, sess.ID, p))
		if status != 403 {
			t.Errorf("the other course's student asked for %s of this session: %v, want 403", p, status)
		}
	}
	put := awaitEval[float64](t, ctx, fmt.Sprintf(`new Promise((resolve) => { const r = indexedDB.open('vigil-capture'); r.onsuccess = () => {
		const g = r.result.transaction('sessions').objectStore('sessions').getAll();
		g.onsuccess = () => fetch('/api/v1/sessions/%d/explanations', {method: 'PUT', headers: {Authorization: 'Bearer ' + g.result[0].token, 'Content-Type': 'application/json'},
			body: JSON.stringify({explanations: [{key: %q, text: 'not mine'}]})}).then((res) => resolve(res.status)); }; })`, sess.ID, vs[0].Key()))
	if put != 403 {
		t.Errorf("the other course's student explained a flag of this session: %v, want 403", put)
	}
	if es, _ := srv.Store.ListExplanations(context.Background(), sess.ID); len(es) != 0 {
		t.Fatalf("explanations stored: %+v", es)
	}
}
