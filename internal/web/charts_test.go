package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// TestClassCharts: the chart page of a seeded class shows the spread of
// each type (sessions by number of flags, excused ones left out), where in
// exam time the flags cluster, and an earlier exam beside this one, each
// with its numbers.
func TestClassCharts(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	earlier := proctor.Exam{Title: "Quiz 1", Settings: proctor.DefaultSettings(), OpensAt: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	cl := seedClass(t, srv, 40)
	earlier.CourseID = cl.f.Course.ID
	if err := srv.Store.CreateExam(context.Background(), &earlier); err != nil {
		t.Fatal(err)
	}
	c, _ := srv.SignIn(t, &cl.f.Instructor)
	status, body := get(t, c, fmt.Sprintf("%s/exams/%d/charts", srv.URL, cl.f.Exam.ID))
	if status != 200 {
		t.Fatalf("charts: %d\n%s", status, body)
	}
	// 40 students, i%5 flags of rotating types: type 0 goes to every
	// student with flags (32), less the 8 whose first flag is excused
	// (i%4 == 1 and i%5 > 0): 24 sessions with exactly one, 16 with none.
	first := proctor.ViolationTypes[0]
	want := []string{
		fmt.Sprintf("<strong>%s</strong>: 24 flags in 24 sessions", first.Label()),
		fmt.Sprintf(`<tr><th scope="row">%s</th><td class="num-r">16</td><td class="num-r">24</td><td class="num-r">0</td>`, first.Label()),
		"Most at once:", "of 40 sessions had",
		`<th scope="row">Quiz 1</th><td class="num-r">0</td>`,
		`<th scope="row">Midterm (this exam)</th><td class="num-r">40</td><td class="num-r">16 (40%)</td>`,
		`role="img"`, `<svg class="chart heat"`,
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the chart page lacks %q", w)
		}
	}
	if strings.Contains(body, "style=") {
		t.Error("inline style on the chart page (the Content-Security-Policy forbids it)")
	}
}
