package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/internal/testwait"
)

// TestStudentRefusals: the camera and the microphone refused, a window
// shared instead of the screen, and a token that expires mid-exam. Each
// tells the student what happened and how to fix it, and each reaches the
// reviewer: as device and screen-share events, and as an audit entry for
// the refused token, all shown on the session page.
func TestStudentRefusals(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, func(s *proctor.Settings) { s.RequireScreenShare = true })
	ctx := askingBrowser(t, "keyboard_typing_10s_48k.wav")
	for _, p := range []string{"camera", "microphone"} {
		permission(t, ctx, srv.URL, p, browser.PermissionSettingDenied)
	}
	link := srv.Link(t, f, 0)
	browsertest.Step(t, ctx, "open the session link", chromedp.Navigate(studentURL(srv, link)))
	agree(t, ctx)
	browsertest.Step(t, ctx, "start the system check", chromedp.Click(chromedp.CSS("#start-check")))
	browsertest.Wait(t, ctx, "camera and microphone fail", `['camera','microphone'].every((k) => document.getElementById('check-' + k).dataset.ok === 'false')`, 20*time.Second)
	for _, d := range []string{"camera", "microphone"} {
		text := browsertest.Eval[string](t, ctx, fmt.Sprintf(`document.getElementById('check-%s').innerText`, d))
		if !strings.Contains(text, "permission to use your "+d+" was refused") || !strings.Contains(text, "set the "+d+" to Allow") {
			t.Errorf("%s refused, the student reads %q", d, text)
		}
	}
	if browsertest.Eval[bool](t, ctx, `!document.getElementById('check-continue').disabled`) {
		t.Fatal("Continue is enabled with the camera refused")
	}
	sessA := sessionOf(t, srv, f)
	eventually(t, "device events for the refusals", func() bool {
		return hasDevice(t, srv, sessA.ID, "camera", "denied") && hasDevice(t, srv, sessA.ID, "microphone", "denied")
	})

	for _, p := range []string{"camera", "microphone"} {
		permission(t, ctx, srv.URL, p, browser.PermissionSettingGranted)
	}
	browsertest.Step(t, ctx, "check again", chromedp.Click(chromedp.CSS("#check-again")))
	browsertest.Wait(t, ctx, "camera and microphone pass once allowed", `['camera','microphone'].every((k) => document.getElementById('check-' + k).dataset.ok === 'true')`, 20*time.Second)

	// The same session in a browser whose screen share offers a window.
	ctx = studentBrowser(t, "keyboard_typing_10s_48k.wav", "window")
	browsertest.Step(t, ctx, "open the session link again", chromedp.Navigate(studentURL(srv, link)))
	checksPassBut(t, ctx)
	// The client asks for the entire screen, and Chromium's fake picker
	// honours that preference; a student picks in a real dialog. Dropping
	// the preference lets the fake picker choose the window, as a student
	// might.
	browsertest.Step(t, ctx, "the student picks a window in the dialog", chromedp.Evaluate[chromedp.Void](`(() => {
		const md = navigator.mediaDevices, pick = md.getDisplayMedia.bind(md);
		md.getDisplayMedia = () => pick({ video: true, audio: false });
	})()`))
	browsertest.Step(t, ctx, "share (a window)", chromedp.Click(chromedp.CSS("#share-screen")))
	browsertest.Wait(t, ctx, "the window share is refused", `document.getElementById('check-screen').dataset.ok === 'false'`, 15*time.Second)
	if text := browsertest.Eval[string](t, ctx, `document.getElementById('check-screen').innerText`); !strings.Contains(text, "you shared a single window; this exam needs your entire screen") {
		t.Errorf("window shared, the student reads %q", text)
	}
	if browsertest.Eval[bool](t, ctx, `!document.getElementById('check-continue').disabled`) {
		t.Fatal("Continue is enabled with a window shared")
	}
	eventually(t, "the window share reaches the server", func() bool {
		shares := eventsOf(t, srv, sessA.ID, proctor.EventScreenShare)
		return len(shares) == 1 && shares[0].Surface == "window" && hasDevice(t, srv, sessA.ID, "screen", "error")
	})

	sessB := expireMidExam(t, srv, f, ctx)
	hc, _ := srv.SignIn(t, &f.Instructor)
	for id, want := range map[int64][]string{
		sessA.ID: {"Camera: permission refused", "Microphone: permission refused", "Camera: allowed", "Screen shared: a single window, not the entire screen", "No browser extension or desktop agent reported"},
		sessB.ID: {"Uploads refused: the session token had expired"},
	} {
		status, body := get(t, hc, fmt.Sprintf("%s/sessions/%d", srv.URL, id))
		for _, w := range want {
			if status != 200 || !strings.Contains(body, w) {
				t.Errorf("session %d page (%d) lacks %q", id, status, w)
			}
		}
	}
}

// checksPassBut starts the system check and waits for all but the screen
// share to pass.
func checksPassBut(t *testing.T, ctx context.Context) {
	t.Helper()
	agree(t, ctx)
	browsertest.Step(t, ctx, "start the system check", chromedp.Click(chromedp.CSS("#start-check")))
	browsertest.Wait(t, ctx, "camera, microphone and upload checks pass",
		`['browser','camera','microphone','upload'].every((k) => document.getElementById('check-' + k).dataset.ok === 'true')`, 30*time.Second)
}

// expireMidExam starts a second exam (no screen share) and moves the
// server's clock past the 72-hour resume window while it records: the
// token and the link are refused, and the student is told.
func expireMidExam(t *testing.T, srv *testserver.Server, f *testserver.Fixture, ctx context.Context) *proctor.Session {
	t.Helper()
	exam := proctor.Exam{CourseID: f.Course.ID, Title: "Quiz 2", Settings: proctor.DefaultSettings()}
	exam.Settings.IdentityFace, exam.Settings.IdentityID = false, false
	if err := srv.Store.CreateExam(context.Background(), &exam); err != nil {
		t.Fatal(err)
	}
	link, err := ingest.IssueLink(context.Background(), srv.Store, ingest.LinkRequest{ExamID: exam.ID, StudentID: f.Students[0].ID, TTL: time.Hour, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	startExam(t, ctx, studentURL(srv, link), false)
	rows, err := srv.Store.ListExamSessions(context.Background(), exam.ID)
	if err != nil || len(rows) != 1 {
		t.Fatalf("sessions of the second exam: %d (%v)", len(rows), err)
	}
	waitFrames(t, srv, rows[0].Session.ID, 2) // uploads run
	srv.Advance(proctor.ResumeWindow + 2*time.Hour)
	browsertest.Wait(t, ctx, "the student is told uploads stopped", `!document.getElementById('fatal').hidden`, 30*time.Second)
	text := browsertest.Eval[string](t, ctx, `document.getElementById('fatal').textContent`)
	if !strings.Contains(text, "no longer accepts uploads") || !strings.Contains(text, "Ask your instructor for a new exam link") {
		t.Errorf("token expired, the student reads %q", text)
	}
	sess := rows[0].Session
	audit, err := srv.Store.ListAudit(context.Background(), store.AuditFilter{Subject: fmt.Sprintf("session:%d", sess.ID), Action: proctor.AuditTokenRefused})
	if err != nil || len(audit) != 1 {
		t.Fatalf("audit entries for the refused token: %d (%v), want 1", len(audit), err)
	}
	return &sess
}

// eventually polls a server-side condition for up to 15 s.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	eventuallyWithin(t, what, 15*time.Second, ok)
}

// eventuallyWithin polls a server-side condition for up to timeout.
func eventuallyWithin(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	testwait.Until(t, what, timeout, ok)
}

// waitFrames waits until the server holds at least n frames of a session:
// the client has recorded and uploaded that long (a frame a second).
func waitFrames(t *testing.T, srv *testserver.Server, sessionID, n int64) {
	t.Helper()
	eventuallyWithin(t, fmt.Sprintf("%d frames on the server", n), time.Duration(n)*time.Second+60*time.Second, func() bool {
		got, err := srv.Store.CountFrames(context.Background(), sessionID)
		if err != nil {
			t.Fatal(err)
		}
		return got >= n
	})
}
