package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
)

// class is an exam seeded straight into the store: n analysed sessions
// whose flags, verdicts and excuses vary with the student's number i.
type class struct {
	f   *testserver.Fixture
	ids []int64 // session ids by student number
}

// classFlags is student i's applied flags: i%5 of them, of rotating
// types, spread over a 60-minute recording; student i fails when i%5 >= 3.
func classFlags(i int) int { return i % 5 }

// seedClass stores the class; every fourth student with flags has their
// first flag excused by the instructor.
func seedClass(tb testing.TB, srv *testserver.Server, n int) *class {
	tb.Helper()
	f := srv.NewFixture(tb, 0, nil)
	c := &class{f: f}
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	err := srv.Store.InTx(ctx, func(tx store.Tx) error {
		for i := range n {
			st := &proctor.Student{CourseID: f.Course.ID, FirstName: fmt.Sprintf("Fn%03d", i), LastName: fmt.Sprintf("Ln%03d", (i*37)%n),
				Email: fmt.Sprintf("s%03d@uni.example", i)}
			if err := tx.CreateStudent(ctx, st); err != nil {
				return err
			}
			start := t0.Add(time.Duration(i) * time.Minute)
			s := &proctor.Session{ExamID: f.Exam.ID, StudentID: st.ID, State: proctor.StateAnalyzed, CreatedAt: start, ClientStartedAt: start}
			if err := tx.CreateSession(ctx, s); err != nil {
				return err
			}
			c.ids = append(c.ids, s.ID)
			if err := tx.TouchRecording(ctx, s.ID, start, start.Add(time.Hour+time.Duration(i)*time.Second)); err != nil {
				return err
			}
			if err := tx.ReplaceViolations(ctx, s.ID, violations(start, classFlags(i), time.Hour)); err != nil {
				return err
			}
			verdict := proctor.VerdictPass
			if classFlags(i) >= 3 {
				verdict = proctor.VerdictFail
			}
			if err := tx.SetVerdict(ctx, s.ID, verdict, proctor.VerdictNone, start.Add(2*time.Hour)); err != nil {
				return err
			}
			if i%4 == 1 && classFlags(i) > 0 {
				vs, err := tx.ListViolations(ctx, s.ID)
				if err != nil {
					return err
				}
				if err := tx.DecideViolation(ctx, vs[0].ID, proctor.DecisionExcused, "lamp", f.Instructor.ID, start.Add(3*time.Hour)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

var rowPattern = regexp.MustCompile(`<a href="/sessions/(\d+)" target="_blank" rel="noopener" class="student">`)

// listed returns the session ids a Student List page shows, in order.
func listed(body string) []string {
	var ids []string
	for _, m := range rowPattern.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestStudentListFiltersSortsPages: the Student List is filtered, sorted
// and paged on the server by its URL, counts leave excused flags out and
// show them apart, times carry their zone, durations are h:mm:ss, and the
// CSV holds every matching session.
func TestStudentListFiltersSortsPages(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	cl := seedClass(t, srv, 120)
	c, _ := srv.SignIn(t, &cl.f.Instructor)
	list := fmt.Sprintf("%s/exams/%d/sessions", srv.URL, cl.f.Exam.ID)
	page := func(query string) string {
		t.Helper()
		status, body := get(t, c, list+query)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", query, status)
		}
		return body
	}

	body := page("")
	if n := len(listed(body)); n != 50 {
		t.Fatalf("first page lists %d sessions, want 50", n)
	}
	for _, want := range []string{"Showing 1–50 of 120 sessions", "Page 1 of 3", `id="page-next"`, `rel="next"`,
		`<time datetime="2026-12-01T09:`, "UTC</time>", "Times are in UTC.", "1:00:", `<svg class="strip"`} {
		if !strings.Contains(body, want) {
			t.Errorf("first page lacks %q", want)
		}
	}
	if last := page("?page=3"); len(listed(last)) != 20 || !strings.Contains(last, "Showing 101–120 of 120") || strings.Contains(last, `id="page-next"`) {
		t.Errorf("page 3 lists %d sessions:\n%s", len(listed(last)), last)
	}
	if beyond := page("?page=99"); !strings.Contains(beyond, "Page 3 of 3") {
		t.Error("a page past the end is not the last page")
	}

	// Status: students with 3 or 4 flags fail: 48 of 120.
	if fail := page("?status=fail"); !strings.Contains(fail, "of 48 sessions matching the filters (120 in all)") {
		t.Errorf("status=fail: %s", between(fail, `id="list-status"`, "</p>"))
	}
	// Search by email and by name.
	if one := page("?q=S007%40UNI"); len(listed(one)) != 1 || listed(one)[0] != fmt.Sprint(cl.ids[7]) {
		t.Errorf("search by email lists %v, want session %d", listed(one), cl.ids[7])
	}
	if one := page("?q=fn011"); len(listed(one)) != 1 || listed(one)[0] != fmt.Sprint(cl.ids[11]) {
		t.Errorf("search by name lists %v", listed(one))
	}
	// At least 4 counted flags: i%5 == 4 and not excused (i%4 != 1): 24 − 6.
	if four := page("?min=4"); !strings.Contains(four, "of 18 sessions matching") {
		t.Errorf("min=4: %s", between(four, `id="list-status"`, "</p>"))
	}
	// A type and a count: violations() rotates types, so the 4th type only
	// comes with 4 flags; excusing the first flag keeps it.
	typ := proctor.ViolationTypes[3]
	if typed := page("?type=" + string(typ) + "&min=1"); !strings.Contains(typed, "of 24 sessions matching") {
		t.Errorf("type=%s: %s", typ, between(typed, `id="list-status"`, "</p>"))
	}

	// Sorted by flags, most first: the first row has 4 counted flags.
	top := page("?sort=flags&dir=desc")
	first := listed(top)[0]
	if !strings.Contains(top, `aria-sort="descending"><a href="?sort=flags">Flags</a>`) {
		t.Errorf("flags column not marked descending:\n%s", between(top, "<thead>", "</thead>"))
	}
	if cell := between(top, `href="/sessions/`+first+`"`, "</tr>"); !strings.Contains(cell, `data-flags>4<`) {
		t.Errorf("first row sorted by flags is not a 4-flag session:\n%s", cell)
	}
	// Student 1: one flag, excused: it counts 0, shown apart.
	row := between(page("?q=fn001"), `href="/sessions/`+fmt.Sprint(cl.ids[1])+`"`, "</tr>")
	if !strings.Contains(row, `data-flags>0 <span class="excused-n">+1 excused</span>`) || !strings.Contains(row, `class="mark excused"`) {
		t.Errorf("an excused flag is counted or not shown apart:\n%s", row)
	}
	checkStudentListCSV(t, c, list)
}

func checkStudentListCSV(t *testing.T, c *http.Client, list string) {
	t.Helper()
	res, err := c.Get(strings.Replace(list, "/sessions", "/sessions.csv", 1) + "?status=fail&sort=flags&dir=desc")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s %v", res.StatusCode, res.Header.Get("Content-Type"), err)
	}
	if len(recs) != 49 || recs[0][1] != "first_name" || recs[1][11] != "4" || recs[1][8] != "Fail" {
		t.Fatalf("CSV: %d records, header %v, first %v", len(recs), recs[0], recs[1])
	}
	if !strings.Contains(res.Header.Get("Content-Disposition"), "students") || !strings.HasSuffix(recs[1][5], "Z") ||
		!regexp.MustCompile(`^\d+:\d\d:\d\d$`).MatchString(recs[1][6]) {
		t.Errorf("CSV file name %q, started %q, recorded %q", res.Header.Get("Content-Disposition"), recs[1][5], recs[1][6])
	}
}

// between is the text of s from the first from to the next to after it.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}
