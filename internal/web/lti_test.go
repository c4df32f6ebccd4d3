package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/devlms"
	vlms "vigil/internal/lms"
	"vigil/internal/lti"
	"vigil/internal/mail/mailtest"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// TestInstructorLaunchOpensDashboard: an instructor opens Vigil from the
// course menu: the course and the instructor are made, the course waits
// for an administrator, the request is approved, and the next launch
// leads into the dashboard.
func TestInstructorLaunchOpensDashboard(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	srv := testserver.Start(t, testserver.Options{Mail: smtpSender(t, smtp.Addr()), MailRetry: time.Second})
	l := startLMS(t, srv, lmsOptions{})
	c := browserClient()
	status, page := l.launch(t, c, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	if status != 200 || !strings.Contains(page, `data-action="continue"`) {
		t.Fatalf("instructor launch: %d\n%s", status, page)
	}
	next, status, body := continueTo(t, c, srv.URL, page)
	if status != 200 || !strings.Contains(body, "Vigil is not enabled for this course yet") {
		t.Fatalf("%s: %d, want the enablement request\n%s", next, status, body)
	}
	csrf := formValue(t, body, "csrf")
	if st, _ := postForm(t, c, srv.URL+next+"/request", url.Values{"csrf": {csrf}, "note": {"finals week"}}); st != 200 {
		t.Fatalf("request: %d", st)
	}
	reqs, err := srv.Store.ListCourseRequests(context.Background(), "pending")
	if err != nil || len(reqs) != 1 || reqs[0].Note != "finals week" {
		t.Fatalf("pending requests %+v (%v)", reqs, err)
	}
	// The administrator approves on the admin page, after an LMS launch:
	// one named as Vigil's administrator (an LMS's own are not).
	srv.LTI.LMS.GlobalAdmins = []string{l.Reg.Issuer + "#" + l.Seed.AdminID}
	admin := browserClient()
	status, page = l.launch(t, admin, devlms.LaunchSpec{UserID: l.Seed.AdminID, CourseID: l.Seed.CourseID})
	if status != 200 {
		t.Fatalf("admin launch: %d\n%s", status, page)
	}
	next, status, body = continueTo(t, admin, srv.URL, page)
	if next != "/admin" || status != 200 || !strings.Contains(body, "finals week") {
		t.Fatalf("admin lands on %s (%d)", next, status)
	}
	st, _ := postForm(t, admin, fmt.Sprintf("%s/admin/requests/%d", srv.URL, reqs[0].ID),
		url.Values{"csrf": {formValue(t, body, "csrf")}, "decision": {"approve"}, "note": {"ok"}})
	if st != 200 {
		t.Fatalf("approve: %d", st)
	}
	_, page = l.launch(t, c, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	_, status, body = continueTo(t, c, srv.URL, page)
	if status != 200 || !strings.Contains(body, "Proctoring dashboard") || strings.Contains(body, "not enabled") {
		t.Fatalf("after approval the dashboard opens: %d\n%s", status, body)
	}
	// The instructor who asked is told by email, through the mail server.
	teacher, err := srv.Store.GetUser(context.Background(), reqs[0].UserID)
	if err != nil {
		t.Fatal(err)
	}
	msgs := smtp.WaitMessages(t, 1, 60*time.Second)
	if msgs[0].To[0] != teacher.Email || !strings.Contains(msgs[0].Subject, "Vigil is enabled for") ||
		!strings.Contains(msgs[0].Text, "approved") || !strings.Contains(msgs[0].Text, "ok") || !strings.Contains(msgs[0].Text, srv.URL+"/courses/") {
		t.Fatalf("approval mail to %v %q:\n%s", msgs[0].To, msgs[0].Subject, msgs[0].Text)
	}
	audit, _ := srv.Store.ListAudit(context.Background(), storeFilter("course.decided"))
	if len(audit) != 1 {
		t.Fatalf("course decision audit entries: %d", len(audit))
	}
}

// TestHostileLaunches: every way a launch can be wrong is refused with its
// reason, and none of them signs anybody in.
func TestHostileLaunches(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	learner := devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.StudentIDs[0]}
	resign := func(mut func(c map[string]any)) func(t *testing.T, f url.Values) {
		return func(t *testing.T, f url.Values) {
			c := claimsOf(t, f.Get("id_token"))
			mut(c)
			tok, err := l.Sign(c)
			if err != nil {
				t.Fatal(err)
			}
			f.Set("id_token", tok)
		}
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, f url.Values)
		want   string
	}{
		{"expired token", resign(func(c map[string]any) {
			c["exp"] = srv.Now().Add(-10 * time.Minute).Unix()
			c["iat"] = srv.Now().Add(-20 * time.Minute).Unix()
		}), lti.CodeExpired},
		{"issued in the future", resign(func(c map[string]any) { c["iat"] = srv.Now().Add(time.Hour).Unix() }), lti.CodeNotYetValid},
		{"wrong audience", resign(func(c map[string]any) { c["aud"] = "someone-else"; delete(c, "azp") }), lti.CodeWrongAudience},
		{"azp mismatch", resign(func(c map[string]any) { c["aud"] = []string{toolClientID, "other"}; c["azp"] = "other" }), lti.CodeWrongAZP},
		{"wrong issuer", resign(func(c map[string]any) { c["iss"] = "https://evil.example" }), lti.CodeWrongIssuer},
		{"another login's nonce", resign(func(c map[string]any) { c["nonce"] = "not-the-one" }), lti.CodeBadNonce},
		{"unknown deployment", resign(func(c map[string]any) { c[lti.ClaimDeploymentID] = "999" }), lti.CodeUnknownDeployment},
		{"wrong version", resign(func(c map[string]any) { c[lti.ClaimVersion] = "1.1.0" }), lti.CodeWrongVersion},
		{"missing roles", resign(func(c map[string]any) { delete(c, lti.ClaimRoles) }), lti.CodeMissingRoles},
		{"unsupported message", resign(func(c map[string]any) { c[lti.ClaimMessageType] = "LtiSubmissionReviewRequest" }), lti.CodeUnsupportedMessage},
		{"target elsewhere", resign(func(c map[string]any) { c[lti.ClaimTargetLinkURI] = "https://evil.example/lti" }), lti.CodeWrongTarget},
		{"unknown key", func(t *testing.T, f url.Values) {
			f.Set("id_token", signWithStranger(t, claimsOf(t, f.Get("id_token")), "stranger"))
		}, lti.CodeUnknownKey},
		{"tampered signature", func(t *testing.T, f url.Values) {
			parts := strings.Split(f.Get("id_token"), ".")
			c := claimsOf(t, f.Get("id_token"))
			c["sub"] = l.Seed.InstructorID // claim to be someone else, keep the signature
			forged := strings.Split(mustSign(t, l, c), ".")[1]
			f.Set("id_token", parts[0]+"."+forged+"."+parts[2])
		}, lti.CodeBadSignature},
		{"not a JWT", func(t *testing.T, f url.Values) { f.Set("id_token", "eyJhbGciOiJub25lIn0.e30.") }, lti.CodeBadToken},
		{"unknown state", func(t *testing.T, f url.Values) { f.Set("state", "made-up") }, lti.CodeUnknownState},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := browserClient()
			action, fields := l.launchForm(t, c, learner)
			tc.tamper(t, fields)
			status, page := postForm(t, c, action, fields)
			if status != 400 || refusalCode(page) != tc.want {
				t.Fatalf("%d, code %q; want 400 %q\n%s", status, refusalCode(page), tc.want, page)
			}
		})
	}

	t.Run("replayed launch", func(t *testing.T) {
		c := browserClient()
		action, fields := l.launchForm(t, c, learner)
		if status, page := postForm(t, c, action, fields); status != 200 || !strings.Contains(page, "dashboard is for instructors") {
			t.Fatalf("first post: %d\n%s", status, page)
		}
		if status, page := postForm(t, c, action, fields); status != 400 || refusalCode(page) != lti.CodeUnknownState {
			t.Fatalf("replay: %d %q", status, refusalCode(page))
		}
	})
	t.Run("another browser's launch", func(t *testing.T) {
		action, fields := l.launchForm(t, browserClient(), learner)
		status, page := postLaunch(t, browserClient(), action, fields)
		if status != 400 || refusalCode(page) != lti.CodeStateMismatch {
			t.Fatalf("a launch posted from another browser: %d %q", status, refusalCode(page))
		}
		if !strings.Contains(page, "new window") {
			t.Fatalf("the refusal of a link launch does not suggest a new window:\n%s", page)
		}
	})
	// Select content in a frame whose browser blocks Vigil's cookie: a new
	// window cannot help (Moodle always opens it in its dialog), so the
	// page says what does.
	t.Run("another browser's deep-linking launch", func(t *testing.T) {
		spec := devlms.LaunchSpec{Kind: devlms.LaunchDeepLink, CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID}
		action, fields := l.launchForm(t, browserClient(), spec)
		status, page := postLaunch(t, browserClient(), action, fields)
		if status != 400 || refusalCode(page) != lti.CodeStateMismatch {
			t.Fatalf("a deep-linking launch posted from another browser: %d %q", status, refusalCode(page))
		}
		if !strings.Contains(page, "inside its own page") || !strings.Contains(page, "institution") || strings.Contains(page, "new window") {
			t.Fatalf("the refusal does not say what helps a deep-linking launch:\n%s", page)
		}
	})
	t.Run("unregistered platform", func(t *testing.T) {
		status, page := get(t, browserClient(), srv.URL+"/lti/login?iss=https://evil.example&login_hint=1&target_link_uri="+url.QueryEscape(srv.URL+"/lti/dashboard"))
		if status != 400 || refusalCode(page) != lti.CodeUnknownPlatform {
			t.Fatalf("login from an unregistered issuer: %d %q", status, refusalCode(page))
		}
	})
	t.Run("learner opens the instructor dashboard", func(t *testing.T) {
		c := browserClient()
		status, page := l.launch(t, c, learner)
		if status != 200 || !strings.Contains(page, "dashboard is for instructors") {
			t.Fatalf("learner at the dashboard link: %d\n%s", status, page)
		}
		c.CheckRedirect = noRedirect
		if status, _ := get(t, c, srv.URL+"/"); status != 303 {
			t.Fatalf("the learner's browser reached the dashboard: %d", status)
		}
	})
	t.Run("key rotation survived", func(t *testing.T) {
		if status, _ := l.launch(t, browserClient(), learner); status != 200 {
			t.Fatalf("launch before rotation: %d", status)
		}
		if err := l.RotateKeys(); err != nil {
			t.Fatal(err)
		}
		srv.Advance(15 * time.Second) // past the minimum time between key fetches
		if status, page := l.launch(t, browserClient(), learner); status != 200 {
			t.Fatalf("launch signed with the platform's new key: %d %q", status, refusalCode(page))
		}
	})
	if n, _ := srv.Store.ListAudit(context.Background(), storeFilter("user.sign_in")); len(n) != 0 {
		t.Fatalf("%d sign-ins from refused launches", len(n))
	}
}

// TestRefusedRequestMailKept: without a mail server, the email telling an
// instructor their request was refused is kept in the outbox, with the
// administrator's note, in the decision's own transaction.
func TestRefusedRequestMailKept(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	ctx := context.Background()
	course := proctor.Course{Code: "BIO-2", Title: "Cells"}
	teacher := proctor.User{Email: "cell@example.edu", Name: "Cora Cell", Role: proctor.RoleInstructor}
	admin := proctor.User{Email: "root@example.edu", Name: "Ada Admin", Role: proctor.RoleAdmin}
	for _, err := range []error{srv.Store.CreateCourse(ctx, &course), srv.Store.CreateUser(ctx, &teacher, ""), srv.Store.CreateUser(ctx, &admin, "")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Store.AddCourseMember(ctx, course.ID, teacher.ID); err != nil {
		t.Fatal(err)
	}
	r, err := srv.LTI.LMS.RequestCourse(ctx, vlms.As(&teacher, "127.0.0.1"), course.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.LTI.LMS.DecideCourse(ctx, vlms.As(&admin, "127.0.0.1"), r.ID, false, "use the paper exam"); err != nil {
		t.Fatal(err)
	}
	mails, err := srv.Store.ListMail(ctx, 10)
	if err != nil || len(mails) != 1 {
		t.Fatalf("outbox %+v (%v)", mails, err)
	}
	m := mails[0]
	if m.To != teacher.Email || m.State != proctor.MailKept || !strings.Contains(m.Subject, "refused") ||
		!strings.Contains(m.Body, "use the paper exam") || !strings.Contains(m.Body, "Cora Cell") {
		t.Fatalf("refusal mail %+v", m)
	}
}
