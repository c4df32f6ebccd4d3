package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// verdictReasons returns the text of every element marked data-verdict-reason.
func verdictReasons(page string) []string {
	re := regexp.MustCompile(`(?s)<p[^>]*data-verdict-reason[^>]*>(.*?)</p>`)
	tags := regexp.MustCompile(`<[^>]+>`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out = append(out, strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(m[1], ""))))
	}
	return out
}

// TestVerdictIsExplained: the session page and the Student List say why a
// session passed or failed — the applied violations with counts and time,
// the threshold — and the explanation follows an instructor's decision at
// once, naming who decided.
func TestVerdictIsExplained(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sess := analysedSession(t, srv, f)
	c, csrf := srv.SignIn(t, &f.Instructor)
	ctx := context.Background()
	vs, err := srv.Store.ListViolations(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	var left *proctor.Violation
	applied := 0
	for i := range vs {
		if vs[i].Applied {
			applied++
		}
		if vs[i].Type == proctor.LeftSession && vs[i].Applied {
			left = &vs[i]
		}
	}
	if left == nil {
		t.Fatalf("the session has no applied Left Session: %+v", vs)
	}

	reasonOf := func(path string) string {
		t.Helper()
		status, body := get(t, c, srv.URL+path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, status)
		}
		rs := verdictReasons(body)
		if len(rs) != 1 {
			t.Fatalf("GET %s: %d elements with data-verdict-reason, want 1: %q", path, len(rs), rs)
		}
		return rs[0]
	}
	sessionPath := fmt.Sprintf("/sessions/%d", sess.ID)
	before := strings.TrimPrefix(reasonOf(sessionPath), "Why: ")
	wantStart := sess.Verdict.Label() + " — " + fmt.Sprintf("%d applied violation", applied)
	if !strings.HasPrefix(before, wantStart) || !strings.Contains(before, "Left Session 1×") || !strings.Contains(before, "fail threshold of") && !strings.Contains(before, "fails a session at once") {
		t.Fatalf("session page reason %q: want it to start %q, name Left Session and the threshold", before, wantStart)
	}
	listPath := fmt.Sprintf("/exams/%d/sessions", f.Exam.ID)
	if got := reasonOf(listPath); got != before {
		t.Fatalf("Student List reason %q differs from the session page's %q", got, before)
	}

	res := post(t, c, fmt.Sprintf("%s/violations/%d/decision", srv.URL, left.ID), url.Values{"csrf": {csrf}, "decision": {"excused"}, "note": {"fire alarm"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decision: %d", res.StatusCode)
	}
	after := strings.TrimPrefix(reasonOf(sessionPath), "After review decisions: ")
	if !strings.Contains(after, "1 excused by Tess Teacher, not counted") || strings.Contains(after, "Left Session 1×") {
		t.Fatalf("after excusing the Left Session the reason is %q", after)
	}
	got, err := srv.Store.GetSession(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(after, got.ReviewedVerdict.Label()+" — ") {
		t.Fatalf("reason %q does not match the stored reviewed verdict %q", after, got.ReviewedVerdict)
	}
	if list := reasonOf(listPath); list != after {
		t.Fatalf("Student List reason %q, want the one after decisions %q", list, after)
	}
}
