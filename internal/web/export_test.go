package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/jobargs"
	"vigil/internal/mail"
	"vigil/internal/mail/mailtest"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/internal/testwait"
)

// smtpSender sends through a test SMTP server.
func smtpSender(t *testing.T, addr string) *mail.SMTP {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	var p int
	fmt.Sscan(port, &p)
	s, err := mail.NewSMTP(mail.SMTPConfig{Host: host, Port: p, Security: "none", From: "vigil@example.edu", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// raise posts the export menu's form and returns the new export's id.
func raise(t *testing.T, srv *testserver.Server, c *http.Client, form url.Values) (int, int64) {
	t.Helper()
	res, err := c.PostForm(srv.URL+"/exports", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var id int64
	fmt.Sscanf(res.Header.Get("Location"), "/exports?raised=%d", &id)
	return res.StatusCode, id
}

func waitExport(t *testing.T, srv *testserver.Server, id int64, done func(*proctor.Export) bool, what string) *proctor.Export {
	t.Helper()
	return testwait.For(t, fmt.Sprintf("export %d: %s", id, what), 60*time.Second, func() (*proctor.Export, bool) {
		e, err := srv.Store.GetExport(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return e, done(e)
	})
}

var linkPattern = regexp.MustCompile(`http://\S+/exports/\d+/download\?\S+`)

// verifyZIP checks every file of an export against its manifest.
func verifyZIP(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the download is not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	var m struct {
		Files []struct {
			Path   string
			Size   int64
			SHA256 string
		}
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil || len(m.Files) != len(files)-2 {
		t.Fatalf("manifest: %v, %d entries for %d files", err, len(m.Files), len(files))
	}
	for _, f := range m.Files {
		sum := sha256.Sum256(files[f.Path])
		if int64(len(files[f.Path])) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Fatalf("%s does not match the manifest", f.Path)
		}
	}
	return files
}

func auditActions(t *testing.T, srv *testserver.Server, subject string) map[string]int {
	t.Helper()
	entries, err := srv.Store.ListAudit(context.Background(), store.AuditFilter{Subject: subject})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range entries {
		out[e.Action]++
	}
	return out
}

// TestExportByEmail: an instructor raises an export from a session's menu;
// the ZIP is built, an email with a signed link arrives at a real SMTP
// server, the link downloads the ZIP, whose manifest checks out. Links for
// someone else, changed links and expired links are refused, and so are
// requests for sessions the instructor may not see or items that do not
// exist.
func TestExportByEmail(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	srv := testserver.Start(t, testserver.Options{Mail: smtpSender(t, smtp.Addr()), MailRetry: time.Second})
	f := srv.NewFixture(t, 2, nil)
	sess := analysedSession(t, srv, f)
	c, csrf := srv.SignIn(t, &f.Instructor)
	if _, page := get(t, c, fmt.Sprintf("%s/sessions/%d", srv.URL, sess.ID)); !strings.Contains(page, `id="export-menu"`) ||
		!strings.Contains(page, "Raise a Request") {
		t.Fatal("the session page has no export menu")
	}
	all := url.Values{"csrf": {csrf}, "scope": {"session"}, "session": {fmt.Sprint(sess.ID)}, "items": {"summary", "violations",
		"events", "snapshots", "video", "scans", "onboarding"}}
	status, id := raise(t, srv, c, all)
	if status != http.StatusSeeOther || id == 0 {
		t.Fatalf("raise: %d, export %d", status, id)
	}
	msgs := smtp.WaitMessages(t, 1, 60*time.Second)
	link := linkPattern.FindString(msgs[0].Text)
	if msgs[0].To[0] != f.Instructor.Email || !strings.Contains(msgs[0].Subject, "is ready") || link == "" {
		t.Fatalf("mail to %v %q:\n%s", msgs[0].To, msgs[0].Subject, msgs[0].Text)
	}
	res, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	e, _ := srv.Store.GetExport(context.Background(), id)
	sum := sha256.Sum256(data)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" || hex.EncodeToString(sum[:]) != e.SHA256 {
		t.Fatalf("download: %d %s, sha256 matches %v", res.StatusCode, res.Header.Get("Content-Type"), hex.EncodeToString(sum[:]) == e.SHA256)
	}
	files := verifyZIP(t, data)
	// The file and its README name the student.
	st := f.Students[0]
	wantName := fmt.Sprintf("vigil-export-%d-%s-%s-midterm.zip", id, strings.ToLower(st.FirstName), strings.ToLower(st.LastName))
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename=`+wantName {
		t.Errorf("Content-Disposition %q, want the file named %s", cd, wantName)
	}
	if readme := string(files["README.txt"]); !strings.Contains(readme, "Student: "+st.FullName()) {
		t.Errorf("README does not name the student:\n%s", readme)
	}
	var snaps, scans int
	for p := range files {
		snaps += b2i(strings.Contains(p, "/snapshots/"))
		scans += b2i(strings.Contains(p, "/scans/"))
	}
	if !strings.Contains(string(files["sessions.csv"]), f.Students[0].LastName) || snaps == 0 || scans != 2 ||
		!strings.Contains(string(files["violations.csv"]), "left_session") {
		t.Fatalf("ZIP: %d snapshots, %d scans\n%s", snaps, scans, files["sessions.csv"])
	}
	if _, page := get(t, c, srv.URL+"/exports"); !strings.Contains(page, "Ready") || !strings.Contains(page, "Email sent") ||
		!strings.Contains(page, fmt.Sprintf(`id="download-%d"`, id)) {
		t.Fatalf("Exports page:\n%s", page)
	}
	subject := fmt.Sprintf("export:%d", id)
	if got := auditActions(t, srv, subject); got[proctor.AuditExportRequested] != 1 || got[proctor.AuditExportReady] != 1 ||
		got[proctor.AuditExportDownloaded] != 1 {
		t.Fatalf("audit: %v", got)
	}

	t.Run("a link for another user", func(t *testing.T) {
		colleague := proctor.User{Email: "ta@example.edu", Name: "Tia Assistant", Role: proctor.RoleInstructor}
		srv.Store.CreateUser(context.Background(), &colleague, "")
		srv.Store.AddCourseMember(context.Background(), f.Course.ID, colleague.ID)
		cc, _ := srv.SignIn(t, &colleague)
		if status, page := get(t, cc, link); status != 403 || !strings.Contains(page, "made for another user") {
			t.Fatalf("colleague: %d\n%s", status, page)
		}
	})
	t.Run("a changed link", func(t *testing.T) {
		u, _ := url.Parse(link)
		q := u.Query()
		q.Set("e", fmt.Sprint(time.Now().Add(365*24*time.Hour).Unix()))
		u.RawQuery = q.Encode()
		if status, page := get(t, c, u.String()); status != 403 || !strings.Contains(page, "not valid") {
			t.Fatalf("changed expiry: %d\n%s", status, page)
		}
	})
	t.Run("bad requests create nothing", func(t *testing.T) {
		stranger := proctor.User{Email: "x@example.edu", Name: "Other Teacher", Role: proctor.RoleInstructor}
		srv.Store.CreateUser(context.Background(), &stranger, "")
		sc, scsrf := srv.SignIn(t, &stranger)
		form := url.Values{"csrf": {scsrf}, "scope": {"session"}, "session": {fmt.Sprint(sess.ID)}, "items": {"summary"}}
		if status, _ := raise(t, srv, sc, form); status != 404 {
			t.Errorf("a session of another course: %d, want 404", status)
		}
		if list, _ := srv.Store.ListExports(context.Background(), stranger.ID, 10); len(list) != 0 {
			t.Errorf("exports created for the stranger: %d", len(list))
		}
		for name, form := range map[string]url.Values{
			"unknown item": {"csrf": {csrf}, "scope": {"session"}, "session": {fmt.Sprint(sess.ID)}, "items": {"summary", "passwords"}},
			"no item":      {"csrf": {csrf}, "scope": {"session"}, "session": {fmt.Sprint(sess.ID)}},
			"foreign session in the list": {"csrf": {csrf}, "scope": {"students"}, "exam": {fmt.Sprint(f.Exam.ID)},
				"sessions": {fmt.Sprint(sess.ID), "999999"}, "items": {"summary"}},
			"no student chosen": {"csrf": {csrf}, "scope": {"students"}, "exam": {fmt.Sprint(f.Exam.ID)}, "items": {"summary"}},
			"unknown scope":     {"csrf": {csrf}, "scope": {"course"}, "exam": {fmt.Sprint(f.Exam.ID)}, "items": {"summary"}},
			"no csrf":           {"scope": {"session"}, "session": {fmt.Sprint(sess.ID)}, "items": {"summary"}},
		} {
			if status, _ := raise(t, srv, c, form); status != 400 && status != 403 {
				t.Errorf("%s: %d", name, status)
			}
		}
		if list, _ := srv.Store.ListExports(context.Background(), f.Instructor.ID, 10); len(list) != 1 {
			t.Errorf("bad requests created exports: %d in all", len(list))
		}
	})
	t.Run("an expired link", func(t *testing.T) {
		srv.Advance(8 * 24 * time.Hour)
		c, _ := srv.SignIn(t, &f.Instructor) // the dashboard session expired too
		if status, page := get(t, c, link); status != 410 || !strings.Contains(page, "expired") {
			t.Fatalf("after 8 days: %d\n%s", status, page)
		}
		must(t, srv.Store.InTx(context.Background(), func(tx store.Tx) error { return tx.Enqueue(context.Background(), jobargs.ExpireExports{}) }))
		e := waitExport(t, srv, id, func(e *proctor.Export) bool { return e.State == proctor.ExportExpired }, "expiry")
		if _, err := srv.Blobs.Stat(context.Background(), e.BlobKey); err == nil {
			t.Fatal("the expired export's file is still stored")
		}
		if got := auditActions(t, srv, subject); got[proctor.AuditExportRefused] < 3 || got[proctor.AuditExportExpired] != 1 {
			t.Fatalf("audit: %v", got)
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestExportMailWaitsForTheMailServer: with the SMTP server down, the
// export is ready and downloadable from the Exports page, which says the
// email waits; once the server is up, the retry delivers it. A refused
// recipient is not retried and is shown as failed.
func TestExportMailWaitsForTheMailServer(t *testing.T) {
	down := mailtest.Start(t, mailtest.Options{})
	addr := down.Addr()
	down.Close()
	srv := testserver.Start(t, testserver.Options{Mail: smtpSender(t, addr), MailRetry: time.Second})
	f := srv.NewFixture(t, 1, nil)
	analysedSession(t, srv, f)
	c, csrf := srv.SignIn(t, &f.Instructor)
	_, id := raise(t, srv, c, url.Values{"csrf": {csrf}, "scope": {"exam"}, "exam": {fmt.Sprint(f.Exam.ID)}, "items": {"summary", "violations"}})
	waitExport(t, srv, id, func(e *proctor.Export) bool { return e.State == proctor.ExportReady && e.MailError != "" }, "a failed send")
	_, page := get(t, c, srv.URL+"/exports")
	if !strings.Contains(page, "Email waiting to be sent") || !strings.Contains(page, "trying again") ||
		!strings.Contains(page, fmt.Sprintf(`id="download-%d"`, id)) {
		t.Fatalf("Exports page while the mail server is down:\n%s", page)
	}
	up := mailtest.Start(t, mailtest.Options{Addr: addr})
	msgs := up.WaitMessages(t, 1, 60*time.Second)
	if !linkPattern.MatchString(msgs[0].Text) {
		t.Fatalf("mail after the retry:\n%s", msgs[0].Text)
	}
	waitExport(t, srv, id, func(e *proctor.Export) bool { return e.Mail == proctor.MailSent }, "the mail state")

	t.Run("a refused recipient", func(t *testing.T) {
		up.Close()
		strict := mailtest.Start(t, mailtest.Options{Addr: addr, RejectRecipients: []string{f.Instructor.Email}})
		_, id := raise(t, srv, c, url.Values{"csrf": {csrf}, "scope": {"exam"}, "exam": {fmt.Sprint(f.Exam.ID)}, "items": {"summary"}})
		e := waitExport(t, srv, id, func(e *proctor.Export) bool { return e.Mail == proctor.MailFailed }, "a refused mail")
		if !strings.Contains(e.MailError, "550") || len(strict.Messages()) != 0 {
			t.Fatalf("refused mail: %q, %d delivered", e.MailError, len(strict.Messages()))
		}
		if _, page := get(t, c, srv.URL+"/exports"); !strings.Contains(page, "Email could not be sent") {
			t.Fatalf("Exports page after a refusal:\n%s", page)
		}
	})
}

// TestExportMenuInABrowser: in headless Chromium, the instructor ticks the
// video in a session's Export menu, raises the request, and watches the
// Exports page until the download link appears; with no SMTP server the
// mail waits in the outbox.
func TestExportMenuInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sess := analysedSession(t, srv, f)
	ctx := browsertest.New(t)
	signInInBrowser(t, srv, ctx, &f.Instructor)
	browsertest.Step(t, ctx, "open the session", chromedp.Navigate(fmt.Sprintf("%s/sessions/%d", srv.URL, sess.ID)))
	browsertest.Step(t, ctx, "open the menu, tick the video",
		chromedp.Click(chromedp.CSS("#export-menu summary")), chromedp.WaitVisible(chromedp.CSS(`#export-form input[value="video"]`)),
		chromedp.Click(chromedp.CSS(`#export-form input[value="video"]`)))
	browsertest.Navigates(t, ctx, "raise the request", chromedp.Click(chromedp.CSS("#raise-request")))
	browsertest.Wait(t, ctx, "the Exports page shows the request", `location.pathname === '/exports' && !!document.querySelector('#exports tr[data-id]')`, 15*time.Second)
	browsertest.Wait(t, ctx, "the download link appears", `!!document.querySelector('a[id^="download-"]')`, 60*time.Second)
	href := browsertest.Eval[string](t, ctx, `document.querySelector('a[id^="download-"]').getAttribute('href')`)
	text := browsertest.Eval[string](t, ctx, `document.body.innerText`)
	if !strings.Contains(href, "/download?") || !strings.Contains(text, "outbox") {
		t.Fatalf("link %q, page:\n%s", href, text)
	}
	list, _ := srv.Store.ListExports(context.Background(), f.Instructor.ID, 10)
	if len(list) != 1 || !slices.Contains(list[0].Items, proctor.ItemVideo) {
		t.Fatalf("export items: %+v", list)
	}
	outbox, _ := srv.Store.ListMail(context.Background(), 10)
	if len(outbox) != 1 || outbox[0].State != proctor.MailKept || !strings.Contains(outbox[0].Body, href) {
		t.Fatalf("outbox: %+v", outbox)
	}
	teacher, _ := srv.SignIn(t, &f.Instructor)
	if status, _ := get(t, teacher, srv.URL+"/admin/outbox"); status != 404 {
		t.Fatalf("an instructor reads the outbox: %d", status)
	}
	admin := proctor.User{Email: "root@example.edu", Name: "Root", Role: proctor.RoleAdmin}
	must(t, srv.Store.CreateUser(context.Background(), &admin, ""))
	ac, _ := srv.SignIn(t, &admin)
	status, page := get(t, ac, srv.URL+"/admin/outbox")
	if status != 200 || !strings.Contains(page, outbox[0].Subject) || !strings.Contains(page, "No SMTP server is configured") {
		t.Fatalf("admin outbox: %d\n%s", status, page)
	}
}
