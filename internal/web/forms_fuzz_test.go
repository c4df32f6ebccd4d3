package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// formTargets are the dashboard's form actions; {exam}, {course} and
// {session} are the fixture's.
var formTargets = []string{
	"/exams/{exam}/settings", "/exams/{exam}/accommodations", "/exams/{exam}/links",
	"/sessions/{session}/notes", "/sessions/{session}/reviewed", "/violations/1/decision",
	"/exports", "/courses/{course}/request", "/admin/retention", "/admin/retention/courses/{course}",
	"/admin/platforms", "/admin/requests/1", "/signin", "/sessions/{session}/decisions",
}

// formCSRF stands for the signed-in user's CSRF token in a fuzzed body,
// so that inputs get past the check into the form's own parsing.
const formCSRF = "CSRF_TOKEN"

// FuzzDashboardForms posts arbitrary url-encoded and multipart bodies to
// every dashboard form as a signed-in instructor or administrator. No body
// may cause a 5xx (a panic is one: the middleware turns it into a 500).
func FuzzDashboardForms(f *testing.F) {
	srv := testserver.Start(f, testserver.Options{NoWorker: true})
	fx := srv.NewFixture(f, 1, nil)
	admin := proctor.User{Email: "admin@example.edu", Name: "Ann Admin", Role: proctor.RoleAdmin}
	if err := srv.Store.CreateUser(context.Background(), &admin, ""); err != nil {
		f.Fatal(err)
	}
	sess, err := srv.Ingest.Start(context.Background(), srv.Link(f, fx, 0), srv.Now())
	if err != nil {
		f.Fatal(err)
	}
	instructor, instructorCSRF := srv.SignIn(f, &fx.Instructor)
	adminClient, adminCSRF := srv.SignIn(f, &admin)
	checkNoteSaved(f, srv, instructor, instructorCSRF, sess.Session.ID)
	paths := strings.NewReplacer("{exam}", fmt.Sprint(fx.Exam.ID), "{course}", fmt.Sprint(fx.Course.ID), "{session}", fmt.Sprint(sess.Session.ID))
	form := "application/x-www-form-urlencoded"
	multipart := "multipart/form-data; boundary=XyZ"
	for _, s := range []struct {
		target  uint8
		asAdmin bool
		ctype   string
		body    string
	}{
		{0, false, form, "csrf=CSRF_TOKEN&max_face_absent_seconds=10&face_absent_gap=2.5&sensitivity=high&webcam=on"},
		{0, false, form, "csrf=CSRF_TOKEN&max_face_absent_seconds=1e400&sensitivity=%ff"},
		{1, false, form, "csrf=CSRF_TOKEN&student=1&allowed_apps=calc%0Anotepad&off=gaze&off=noise&note=extra+time"},
		{1, false, form, "csrf=CSRF_TOKEN&student=-1"},
		{2, false, form, "csrf=CSRF_TOKEN&student=1&ttl_hours=24"},
		{3, false, form, "csrf=CSRF_TOKEN&note=looked+at+the+door&tab=video"},
		{4, false, form, "csrf=CSRF_TOKEN&reviewed=true&tab=%0d%0aLocation:x"},
		{5, false, form, "csrf=CSRF_TOKEN&decision=excused&note=ok"},
		{6, false, form, "csrf=CSRF_TOKEN&scope=session&session=SESSION&items=frames&items=video"},
		{6, false, form, "csrf=CSRF_TOKEN&scope=exam&exam=99999999999999999999&sessions=1&sessions=x"},
		{7, false, form, "csrf=CSRF_TOKEN&note=please"},
		{8, true, form, "csrf=CSRF_TOKEN&media_days=30&onboarding_days=365"},
		{9, true, form, "csrf=CSRF_TOKEN&media_days=-1&onboarding_days="},
		{10, true, form, "csrf=CSRF_TOKEN&name=LMS&issuer=https://lms.example.edu&client_id=c&auth_url=https://lms.example.edu/auth&token_url=https://lms.example.edu/token&jwks_url=https://lms.example.edu/jwks&deployments=1,2"},
		{11, true, form, "csrf=CSRF_TOKEN&decision=approve&note=fine"},
		{12, false, form, "email=teacher@example.edu&password=wrong-password&next=/courses/1"},
		{13, false, form, "csrf=CSRF_TOKEN&scope=filter&type=background_audio&shorter=3&decision=excused&note=radio&tab=violations"},
		{13, false, form, "csrf=CSRF_TOKEN&scope=selected&violation=1&violation=x&decision=confirmed"},
		{13, false, form, "csrf=CSRF_TOKEN&scope=filter&shorter=NaN&decision=excused"},
		{3, false, multipart, "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nCSRF_TOKEN\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ--\r\n"},
		{0, false, multipart, "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nCSRF_TOKEN\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nx\r\n--XyZ--\r\n"},
		{6, false, multipart, "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nCSRF_TOKEN\r\n--XyZ"},
	} {
		f.Add(s.target, s.asAdmin, s.ctype, []byte(strings.ReplaceAll(s.body, "SESSION", fmt.Sprint(sess.Session.ID))))
	}
	f.Fuzz(func(t *testing.T, target uint8, asAdmin bool, ctype string, body []byte) {
		c, csrf := instructor, instructorCSRF
		if asAdmin {
			c, csrf = adminClient, adminCSRF
		}
		path := paths.Replace(formTargets[int(target)%len(formTargets)])
		req, err := http.NewRequest("POST", srv.URL+path, bytes.NewReader(bytes.ReplaceAll(body, []byte(formCSRF), []byte(csrf))))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ctype)
		res, err := c.Do(req)
		if err != nil {
			return // a Content-Type net/http will not send
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("POST %s (%s) %q: HTTP %d", path, ctype, body, res.StatusCode)
		}
	})
}

// checkNoteSaved posts one good form, so a harness that never gets past
// sign-in or the CSRF check fails instead of fuzzing only the refusals.
func checkNoteSaved(tb testing.TB, srv *testserver.Server, c *http.Client, csrf string, sessionID int64) {
	tb.Helper()
	res, err := c.PostForm(fmt.Sprintf("%s/sessions/%d/notes", srv.URL, sessionID), url.Values{"csrf": {csrf}, "note": {"seen"}})
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		tb.Fatalf("a good note form: HTTP %d, want 303", res.StatusCode)
	}
}
