package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/internal/testwait"
)

// formOf is what a browser submits for the settings page as it is shown.
func formOf(s proctor.Settings, csrf string) url.Values {
	f := url.Values{"csrf": {csrf}}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, t := range proctor.ViolationTypes {
		r := s.Rule(t)
		if r.Enabled {
			f.Set(string(t)+".enabled", "on")
		}
		f.Set(string(t)+".min_seconds", num(r.MinSeconds))
		f.Set(string(t)+".weight", num(s.Policy.Weight(t)))
	}
	for _, t := range s.Policy.FailAtOnce {
		f.Set(string(t)+".fail_at_once", "on")
	}
	f.Set("fail_share_percent", num(s.Policy.FailShare*100))
	f.Set("point_seconds", num(s.Policy.PointSeconds))
	f.Set("head_turn_degrees", num(s.HeadTurnDegrees))
	f.Set("head_down_degrees", num(s.HeadDownDegrees))
	f.Set("dark_luma", num(s.DarkLuma))
	f.Set("frame_interval_seconds", num(s.FrameIntervalSeconds))
	f.Set("blacklisted_keys", strings.Join(s.BlacklistedKeys, "\n"))
	for name, on := range map[string]bool{"allow_multiple_screens": s.AllowMultipleScreens, "require_screen_share": s.RequireScreenShare,
		"quiz_in_window": s.QuizInWindow, "identity_face": s.IdentityFace, "identity_id": s.IdentityID, "identity_room": s.IdentityRoom,
		"use_default_apps": s.UseDefaultApps, "allow_virtual_machine": s.AllowVirtualMachine, "require_agent": s.RequireAgent,
		"require_extension": s.RequireExtension} {
		if on {
			f.Set(name, "on")
		}
	}
	return f
}

// waitFor polls the session's violations until ok accepts them.
func waitFor(t *testing.T, srv *testserver.Server, sid int64, what string, ok func([]proctor.Violation) bool) []proctor.Violation {
	t.Helper()
	return testwait.For(t, what, 30*time.Second, func() ([]proctor.Violation, bool) {
		vs, err := srv.Store.ListViolations(context.Background(), sid)
		if err != nil {
			t.Fatal(err)
		}
		return vs, ok(vs)
	})
}

func find(vs []proctor.Violation, t proctor.ViolationType) *proctor.Violation {
	for i := range vs {
		if vs[i].Type == t {
			return &vs[i]
		}
	}
	return nil
}

// TestSettingsChangeRedecidesFromStoredSignals switches Keystrokes off for
// the exam: the session is decided again, the key press stays on record but
// is no longer applied, and no frame is analysed again.
func TestSettingsChangeRedecidesFromStoredSignals(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sess := analysedSession(t, srv, f)
	ctx := context.Background()
	before, _ := srv.Store.ListFrameSignals(ctx, sess.ID)
	hc, csrf := srv.SignIn(t, &f.Instructor)
	settingsURL := fmt.Sprintf("%s/exams/%d/settings", srv.URL, f.Exam.ID)
	if status, body := get(t, hc, settingsURL); status != 200 || !strings.Contains(body, "Proctoring settings") || !strings.Contains(body, "Accommodations") ||
		!strings.Contains(body, `head turned more than 35° for more than 5 s`) || !strings.Contains(body, `name="head_down_degrees" min="5" max="90" step="1" value="25"`) {
		t.Fatalf("settings page: %d, or the head-pose thresholds are not shown in degrees", status)
	}

	s := f.Exam.Settings
	s.Keystrokes.Enabled = false
	s.Policy.FailShare = 0.5
	s.QuizInWindow, s.IdentityID, s.IdentityRoom = true, false, true
	s.HeadTurnDegrees = 40
	if res := post(t, hc, settingsURL, formOf(s, csrf)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d", res.StatusCode)
	}
	vs := waitFor(t, srv, sess.ID, "key press still applied after switching Keystrokes off", func(vs []proctor.Violation) bool {
		k := find(vs, proctor.Keystrokes)
		return k != nil && !k.Applied && strings.Contains(k.Reason, "switched off")
	})
	if l := find(vs, proctor.LeftSession); l == nil || !l.Applied {
		t.Fatalf("left session lost on re-decision: %+v", vs)
	}
	after, _ := srv.Store.ListFrameSignals(ctx, sess.ID)
	if len(after) != len(before) {
		t.Fatalf("signals changed on re-decision: %d → %d", len(before), len(after))
	}
	exam, _ := srv.Store.GetExam(ctx, f.Exam.ID)
	if x := exam.Settings; x.Keystrokes.Enabled || x.Policy.FailShare != 0.5 || !x.QuizInWindow || x.IdentityID || !x.IdentityRoom || !x.IdentityFace || x.HeadTurnDegrees != 40 || x.HeadDownDegrees != 25 {
		t.Fatalf("stored settings %+v", exam.Settings)
	}

	bad := formOf(s, csrf)
	bad.Set("fail_share_percent", "0")
	bad.Set("left_session.min_seconds", "7")
	res, _ := hc.PostForm(settingsURL, bad)
	body := readAll(res)
	if res.StatusCode != 400 || !strings.Contains(body, "fail_share must be above 0") || !strings.Contains(body, `value="7"`) {
		t.Fatalf("invalid settings: %d; the page should say why and keep what was typed", res.StatusCode)
	}
	audit, _ := srv.Store.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditExamSettings})
	if len(audit) != 1 {
		t.Fatalf("%d settings changes in the audit log, want 1", len(audit))
	}
}

func readAll(res *http.Response) string {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TestAccommodationRedecidesOneStudent switches Left Session off for one
// student and allows them an app.
func TestAccommodationRedecidesOneStudent(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sess := analysedSession(t, srv, f)
	hc, csrf := srv.SignIn(t, &f.Instructor)
	form := url.Values{"csrf": {csrf}, "student": {strconv.FormatInt(f.Students[0].ID, 10)},
		"off": {"left_session"}, "allowed_apps": {"NVDA\n"}, "note": {"approved by the accessibility office"}}
	if res := post(t, hc, fmt.Sprintf("%s/exams/%d/accommodations", srv.URL, f.Exam.ID), form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save accommodation: %d", res.StatusCode)
	}
	waitFor(t, srv, sess.ID, "left session still applied", func(vs []proctor.Violation) bool {
		l := find(vs, proctor.LeftSession)
		return l != nil && !l.Applied
	})
	_, body := get(t, hc, fmt.Sprintf("%s/exams/%d/settings", srv.URL, f.Exam.ID))
	if !strings.Contains(body, "approved by the accessibility office") || !strings.Contains(body, "NVDA") {
		t.Fatal("the settings page does not list the accommodation")
	}
	other := url.Values{"csrf": {csrf}, "student": {"999999"}, "off": {"left_session"}}
	if res := post(t, hc, fmt.Sprintf("%s/exams/%d/accommodations", srv.URL, f.Exam.ID), other); res.StatusCode != 404 {
		t.Fatalf("accommodation for a student not in the course: %d, want 404", res.StatusCode)
	}
}
