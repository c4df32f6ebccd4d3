package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
)

// TestAuditLogPage: the administrators' audit log filters by course,
// user, action and dates, pages back newest first, refuses a filter it
// cannot read with the reason, and exports the filtered entries as CSV —
// an export that is itself logged.
func TestAuditLogPage(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	ctx := context.Background()
	f := srv.NewFixture(t, 1, nil)
	other := newCourse(t, srv, "OTHER-9", &f.Instructor)
	admin := proctor.User{Email: "root@example.edu", Name: "Root Admin", Role: proctor.RoleAdmin}
	must(t, srv.Store.CreateUser(ctx, &admin, ""))

	// 250 views of the fixture's course by the instructor, one a day
	// back from 2026-03-31 12:00 local time, and a few others.
	last := time.Date(2026, 3, 31, 12, 0, 0, 0, time.Local)
	for i := range 250 {
		must(t, srv.Store.AppendAudit(ctx, &proctor.AuditEntry{At: last.AddDate(0, 0, -i), UserID: f.Instructor.ID, Actor: f.Instructor.Email,
			Action: proctor.AuditSessionView, CourseID: f.Course.ID, Subject: fmt.Sprintf("session:%d", i), Remote: "192.0.2.7"}))
	}
	must(t, srv.Store.AppendAudit(ctx, &proctor.AuditEntry{At: last, UserID: admin.ID, Actor: admin.Email, Action: proctor.AuditRetentionSettings,
		CourseID: other.ID, Subject: fmt.Sprintf("course:%d", other.ID), Detail: "=HYPERLINK(\"http://evil.example\")", Remote: "198.51.100.4"}))
	must(t, srv.Store.AppendAudit(ctx, &proctor.AuditEntry{At: last.Add(time.Hour), Actor: proctor.SystemActor, Action: proctor.AuditRetentionPurged,
		CourseID: other.ID, Subject: "session:77", Detail: "media deleted"}))

	ac, _ := srv.SignIn(t, &admin)
	base := srv.URL + "/admin/audit"
	body := pageHas(t, ac, base, "Audit log", `id="audit-entries"`, "Tess Teacher &lt;teacher@example.edu&gt;", "192.0.2.7",
		"2026-03-31 13:00:00", "retention.purged", "system", `id="audit-older"`, `<option value="teacher@example.edu">Tess Teacher</option>`)
	if n := strings.Count(body, "<tr>") - 1; n != 100 {
		t.Fatalf("first page: %d rows, want 100", n)
	}
	table := body[strings.Index(body, `id="audit-entries"`):]
	if i, j := strings.Index(table, "retention.purged"), strings.Index(table, "retention.settings"); i < 0 || i > j {
		t.Fatal("the newest entry is not first")
	}

	// Every entry once, newest first, through the pages.
	seen, pages := 0, 0
	for u := base + "?course=" + fmt.Sprint(f.Course.ID); u != ""; pages++ {
		body := pageHas(t, ac, u)
		seen += strings.Count(body, "<td><code>session.view</code></td>")
		u = ""
		if m := regexp.MustCompile(`href="(/admin/audit\?[^"]*before=\d+)" id="audit-older"`).FindStringSubmatch(body); m != nil {
			u = srv.URL + strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if seen != 250 || pages != 3 {
		t.Fatalf("paging the course's entries: %d entries on %d pages, want 250 on 3", seen, pages)
	}

	filters := []struct {
		query string
		rows  int
		want  string
	}{
		{"course=" + fmt.Sprint(other.ID), 2, "OTHER-9"},
		{"user=" + url.QueryEscape(admin.Email), 1, "Root Admin"},
		{"user=system", 1, "media deleted"},
		{"action=session.view&from=2026-03-01&to=2026-03-31", 31, "session:0"},
		{"action=session.view&from=2026-03-31&to=2026-03-31", 1, "session:0"},
		{"action=retention.settings&course=" + fmt.Sprint(f.Course.ID), 0, "No entries match these filters."},
	}
	for _, fl := range filters {
		body := pageHas(t, ac, base+"?"+fl.query, fl.want)
		if n := strings.Count(body, "<tr>") - 1; fl.rows > 0 && n != fl.rows {
			t.Errorf("?%s: %d rows, want %d", fl.query, n, fl.rows)
		}
	}
	for q, want := range map[string]string{
		"from=2026-13-01":               "From must be a date like 2026-11-20 (got &#34;2026-13-01&#34;)",
		"from=2026-03-05&to=2026-03-01": "The From date is after the To date.",
		"course=abc":                    "Course must be one of the list",
		"before=x&to=yesterday":         "To must be a date like",
	} {
		status, body := get(t, ac, base+"?"+q)
		if status != http.StatusBadRequest || !strings.Contains(body, want) || strings.Contains(body, `id="audit-entries"`) {
			t.Errorf("?%s: %d, want 400 with %q", q, status, want)
		}
	}

	checkAuditCSV(t, srv, ac, admin, other)
}

func checkAuditCSV(t *testing.T, srv *testserver.Server, ac *http.Client, admin proctor.User, other *course) {
	t.Helper()
	ctx := context.Background()
	res, err := ac.Get(srv.URL + "/admin/audit.csv?course=" + fmt.Sprint(other.ID))
	must(t, err)
	raw := readBody(t, res)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="vigil-audit-`) {
		t.Fatalf("CSV: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
	must(t, err)
	// The header, the export's own entry (newest), the purge, the setting.
	if len(rows) != 4 || strings.Join(rows[0], ",") != "id,time_utc,user_id,who,action,course_id,course,subject,detail,remote" {
		t.Fatalf("CSV rows = %q", rows)
	}
	exp, purged, setting := rows[1], rows[2], rows[3]
	if exp[4] != proctor.AuditLogExported || exp[3] != "Root Admin <root@example.edu>" || exp[8] != fmt.Sprintf("filter: course=%d", other.ID) || exp[9] != "127.0.0.1" {
		t.Fatalf("export row = %q", exp)
	}
	if purged[3] != "system" || purged[4] != proctor.AuditRetentionPurged || purged[6] != "OTHER-9" || purged[1] != "2026-03-31T"+fmt.Sprintf("%02d", time.Date(2026, 3, 31, 13, 0, 0, 0, time.Local).UTC().Hour())+":00:00Z" {
		t.Fatalf("purge row = %q", purged)
	}
	if setting[8] != `'=HYPERLINK("http://evil.example")` || setting[9] != "198.51.100.4" || setting[2] != fmt.Sprint(admin.ID) {
		t.Fatalf("setting row (a formula must stay text) = %q", setting)
	}
	es, err := srv.Store.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditLogExported})
	must(t, err)
	if len(es) != 1 || es[0].UserID != admin.ID || es[0].Remote != "127.0.0.1" || es[0].CourseID != other.ID {
		t.Fatalf("the export's entry: %+v", es)
	}

	// All of it, in batches: 250 + 2 + 2 exports.
	res, err = ac.Get(srv.URL + "/admin/audit.csv")
	must(t, err)
	if rows, err := csv.NewReader(strings.NewReader(readBody(t, res))).ReadAll(); err != nil || len(rows) != 1+254 {
		t.Fatalf("whole export: %d rows (%v)", len(rows), err)
	}
	// Nothing matches: the header alone. A bad filter: the reason.
	res, err = ac.Get(srv.URL + "/admin/audit.csv?action=nothing.here")
	must(t, err)
	if body := readBody(t, res); res.StatusCode != 200 || strings.Count(body, "\n") != 1 {
		t.Fatalf("empty export: %d %q", res.StatusCode, body)
	}
	res, err = ac.Get(srv.URL + "/admin/audit.csv?to=31/03/2026")
	must(t, err)
	if body := readBody(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "To must be a date like") {
		t.Fatalf("export with a bad filter: %d %.300s", res.StatusCode, body)
	}
}

// TestAuditCoverage: each action a person takes on the dashboard leaves an
// entry saying who (user id and email), when, what and from where.
func TestAuditCoverage(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	ctx := context.Background()
	f := srv.NewFixture(t, 1, nil)
	admin := proctor.User{Email: "root@example.edu", Name: "Root Admin", Role: proctor.RoleAdmin}
	must(t, srv.Store.CreateUser(ctx, &admin, ""))
	sess := &proctor.Session{ExamID: f.Exam.ID, StudentID: f.Students[0].ID, State: proctor.StateInProgress, CreatedAt: srv.Now(), ClientStartedAt: srv.Now()}
	must(t, srv.Store.CreateSession(ctx, sess))
	must(t, srv.Store.ReplaceViolations(ctx, sess.ID, []proctor.Violation{{Type: proctor.Keystrokes, Start: srv.Now(), End: srv.Now(),
		Confidence: 1, Applied: true, Rule: "test", Reason: "Ctrl+C"}}))
	vs, _ := srv.Store.ListViolations(ctx, sess.ID)
	closed := proctor.Course{Code: "REQ-1", Title: "Not yet enabled"}
	must(t, srv.Store.CreateCourse(ctx, &closed))
	must(t, srv.Store.AddCourseMember(ctx, closed.ID, f.Instructor.ID))

	ic, icsrf := srv.SignIn(t, &f.Instructor)
	ac, acsrf := srv.SignIn(t, &admin)
	student := fmt.Sprint(f.Students[0].ID)
	steps := []struct {
		who    *http.Client
		method string
		path   string
		form   url.Values
		action string
	}{
		{ic, "GET", fmt.Sprintf("/sessions/%d", sess.ID), nil, proctor.AuditSessionView},
		{ic, "POST", fmt.Sprintf("/violations/%d/decision", vs[0].ID), url.Values{"csrf": {icsrf}, "decision": {"excused"}, "note": {"allowed"}}, proctor.AuditViolationDecide},
		{ic, "POST", fmt.Sprintf("/sessions/%d/notes", sess.ID), url.Values{"csrf": {icsrf}, "note": {"checked"}}, proctor.AuditSessionNote},
		{ic, "POST", fmt.Sprintf("/sessions/%d/reviewed", sess.ID), url.Values{"csrf": {icsrf}, "reviewed": {"true"}}, proctor.AuditSessionReviewed},
		{ic, "POST", fmt.Sprintf("/exams/%d/settings", f.Exam.ID), formOf(f.Exam.Settings, icsrf), proctor.AuditExamSettings},
		{ic, "POST", fmt.Sprintf("/exams/%d/accommodations", f.Exam.ID), url.Values{"csrf": {icsrf}, "student": {student}, "off": {"keystrokes"}}, proctor.AuditAccommodation},
		{ic, "POST", fmt.Sprintf("/exams/%d/links", f.Exam.ID), url.Values{"csrf": {icsrf}, "student": {student}}, proctor.AuditSessionLink},
		{ic, "POST", fmt.Sprintf("/courses/%d/request", closed.ID), url.Values{"csrf": {icsrf}, "note": {"for the final"}}, proctor.AuditCourseRequested},
		{ac, "POST", "/admin/requests/1", url.Values{"csrf": {acsrf}, "decision": {"approve"}}, proctor.AuditCourseDecided},
		{ac, "POST", "/admin/retention", url.Values{"csrf": {acsrf}, "media_days": {"100"}, "onboarding_days": {"200"}}, proctor.AuditRetentionSettings},
		{ac, "GET", "/admin/audit.csv", nil, proctor.AuditLogExported},
	}
	for _, s := range steps {
		var res *http.Response
		var err error
		if s.method == "GET" {
			res, err = s.who.Get(srv.URL + s.path)
		} else {
			res, err = s.who.PostForm(srv.URL+s.path, s.form)
		}
		must(t, err)
		readBody(t, res)
		if res.StatusCode >= 400 {
			t.Fatalf("%s %s: %d", s.method, s.path, res.StatusCode)
		}
		es, err := srv.Store.ListAudit(ctx, store.AuditFilter{Action: s.action})
		must(t, err)
		user := f.Instructor
		if s.who == ac {
			user = admin
		}
		if len(es) == 0 {
			t.Errorf("%s %s: no %s entry", s.method, s.path, s.action)
			continue
		}
		e := es[0]
		if e.UserID != user.ID || e.Actor != user.Email || e.Remote != "127.0.0.1" || e.At.IsZero() || e.Subject == "" {
			t.Errorf("%s entry: %+v", s.action, e)
		}
	}
	if c, _ := srv.Store.GetCourse(ctx, closed.ID); !c.Enabled {
		t.Fatal("the approved course is not enabled")
	}
}
