package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// viewports are the sizes every dashboard page is checked (and, with
// VIGIL_SCREENSHOTS set, photographed) at: a common laptop and a phone.
var viewports = []struct {
	name string
	w, h int64
}{{"1366x768", 1366, 768}, {"390", 390, 844}}

// checkPage runs axe-core on the page at both sizes (no critical or
// serious finding allowed) and, when VIGIL_SCREENSHOTS names a folder,
// saves a screenshot of each as <name>-<size>.png there
// (scripts/screenshots writes docs/screenshots this way).
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, vp := range viewports {
		browsertest.Step(t, ctx, "resize to "+vp.name, chromedp.EmulateViewport(vp.w, vp.h))
		browsertest.AxeClean(t, ctx, name+" at "+vp.name)
		dir := os.Getenv("VIGIL_SCREENSHOTS")
		if dir == "" {
			continue
		}
		browsertest.Eval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		cancel()
		if err != nil {
			t.Fatalf("screenshot of %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+vp.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	browsertest.Step(t, ctx, "back to the laptop size", chromedp.EmulateViewport(viewports[0].w, viewports[0].h))
}

func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	browsertest.Navigates(t, ctx, "open "+url, chromedp.Navigate(url))
}

// TestStudentListInABrowser: in a real browser, the Student List's filter
// form, sort headers and pager work (without script), its times show in
// the viewer's zone with the zone named, and the page is accessible at
// both sizes.
func TestStudentListInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	cl := seedClass(t, srv, 120)
	ctx := browsertest.New(t)
	browsertest.Step(t, ctx, "live in Berlin", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/Berlin"})
		return err
	}))
	signInInBrowser(t, srv, ctx, &cl.f.Instructor)
	list := fmt.Sprintf("%s/exams/%d/sessions", srv.URL, cl.f.Exam.ID)
	open(t, ctx, list)
	rows := `document.querySelectorAll('table.students tbody tr').length`
	status := `document.getElementById('list-status').textContent`
	if n := browsertest.Eval[int](t, ctx, rows); n != 50 {
		t.Fatalf("%d rows on the first page, want 50", n)
	}
	// 9:00 UTC on 1 December is 10:00 in Berlin (CET).
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('time[data-local]').textContent`); !strings.Contains(got, "10:") ||
		!(strings.Contains(got, "CET") || strings.Contains(got, "GMT+1")) {
		t.Errorf("a start time shows as %q, want Berlin's time and zone", got)
	}
	if note := browsertest.Eval[string](t, ctx, `document.querySelector('[data-zone-note]').textContent`); !strings.Contains(note, "Europe/Berlin") {
		t.Errorf("zone note %q", note)
	}
	checkPage(t, ctx, "student-list")

	browsertest.Navigates(t, ctx, "next page", chromedp.Click(chromedp.CSS("#page-next")))
	if s := browsertest.Eval[string](t, ctx, status); !strings.Contains(s, "Showing 51–100 of 120") {
		t.Errorf("second page: %q", s)
	}
	browsertest.Step(t, ctx, "choose Fail and at least 4 flags",
		chromedp.SetValue(chromedp.CSS("#filter-status"), "fail"), chromedp.SetValue(chromedp.CSS("#filter-min"), "4"))
	browsertest.Navigates(t, ctx, "apply the filters", chromedp.Click(chromedp.CSS("#apply-filters")))
	if s := browsertest.Eval[string](t, ctx, status); !strings.Contains(s, "of 18 sessions matching the filters") {
		t.Errorf("filtered: %q", s)
	}
	if u := browsertest.Eval[string](t, ctx, `location.search`); !strings.Contains(u, "status=fail") || !strings.Contains(u, "min=4") {
		t.Errorf("the filters are not in the URL: %s", u)
	}
	browsertest.Navigates(t, ctx, "sort by first name", chromedp.Click(chromedp.CSS(`th a[href*="sort=first"]`)))
	if sort := browsertest.Eval[string](t, ctx, `document.querySelector('th[aria-sort="ascending"]').textContent`); sort != "First name" {
		t.Errorf("sorted column %q", sort)
	}
	names := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('a.student')].map(a => a.textContent)`)
	if len(names) != 18 || names[0] > names[1] || !strings.Contains(browsertest.Eval[string](t, ctx, `location.search`), "status=fail") {
		t.Errorf("sorted by first name within the filter: %v", names)
	}
	browsertest.Step(t, ctx, "search by email", chromedp.SetValue(chromedp.CSS("#filter-q"), "s004@uni"))
	browsertest.Navigates(t, ctx, "apply the search", chromedp.Click(chromedp.CSS("#apply-filters")))
	if n := browsertest.Eval[int](t, ctx, rows); n != 1 {
		t.Errorf("search by email shows %d rows", n)
	}
}

// TestLiveInABrowser: the live view of a running exam shows a flag within
// 2 s of the upload that carried it, and is accessible at both sizes.
func TestLiveInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 3, nil)
	api := client{t: t, base: srv.URL}
	var running []started
	for i := range 3 {
		s := start(t, api, srv.Link(t, f, i))
		if r := api.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/0", s.id), s.token, "image/jpeg", at(0), jpegFile(t, "webcam320/obama_480p.jpg")); r.status != 200 {
			t.Fatalf("frame: %d %s", r.status, r.raw)
		}
		running = append(running, s)
	}
	ctx := browsertest.New(t)
	signInInBrowser(t, srv, ctx, &f.Instructor)
	open(t, ctx, fmt.Sprintf("%s/exams/%d/live", srv.URL, f.Exam.ID))
	browsertest.Wait(t, ctx, "the stream connects", `document.getElementById('live-status').textContent.includes('Receiving')`, 10*time.Second)
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('.live-card img').length`); n != 3 {
		t.Fatalf("%d stills on the live page, want 3", n)
	}
	s := running[1]
	batch := fmt.Sprintf(`{"events":[{"kind":"visibility_hidden","at":%q}]}`, time.Now().UTC().Format(time.RFC3339Nano))
	if r := api.do("PUT", events0(s.id), s.token, "application/json", nil, []byte(batch)); r.status != 200 {
		t.Fatalf("events: %d %s", r.status, r.raw)
	}
	uploaded := time.Now()
	browsertest.Wait(t, ctx, "the flag shows on the student's card within 2 s of its upload",
		fmt.Sprintf(`(document.querySelector('#live-%d [data-flags]') || {textContent: ''}).textContent.includes('hidden')`, s.id), 2*time.Second)
	t.Logf("flag shown %v after its upload was acknowledged", time.Since(uploaded).Round(time.Millisecond))
	if feed := browsertest.Eval[string](t, ctx, `document.getElementById('live-feed').textContent`); !strings.Contains(feed, f.Students[1].FullName()) {
		t.Errorf("the feed does not name the student: %q", feed)
	}
	checkPage(t, ctx, "live")
}

// TestPagesInABrowser: the course list, a course, an exam's settings, the class charts, the
// administration pages, the sign-in page and an error page pass axe-core at
// both sizes.
func TestPagesInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	cl := seedClass(t, srv, 60)
	ctx0 := context.Background()
	other := proctor.Course{Code: "HIST-2", Title: "Modern History", Enabled: true}
	pending := proctor.Course{Code: "CHEM-1", Title: "Chemistry"}
	admin := proctor.User{Email: "admin@example.edu", Name: "Ada Admin", Role: proctor.RoleAdmin}
	for _, err := range []error{srv.Store.CreateCourse(ctx0, &other), srv.Store.CreateCourse(ctx0, &pending), srv.Store.CreateUser(ctx0, &admin, "")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Store.AddCourseMember(ctx0, other.ID, cl.f.Instructor.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.AddCourseMember(ctx0, pending.ID, cl.f.Instructor.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.CreateCourseRequest(ctx0, &proctor.CourseRequest{CourseID: pending.ID, UserID: cl.f.Instructor.ID,
		Note: "for the spring finals", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	open(t, ctx, srv.URL+"/signin")
	checkPage(t, ctx, "signin")
	signInInBrowser(t, srv, ctx, &cl.f.Instructor)
	for _, p := range []struct{ name, path string }{
		{"courses", "/?all=1"},
		{"settings", fmt.Sprintf("/exams/%d/settings", cl.f.Exam.ID)},
		{"course", fmt.Sprintf("/courses/%d", cl.f.Course.ID)},
		{"charts", fmt.Sprintf("/exams/%d/charts", cl.f.Exam.ID)},
		{"exports", "/exports"},
	} {
		open(t, ctx, srv.URL+p.path)
		checkPage(t, ctx, p.name)
	}
	browsertest.Step(t, ctx, "open an address with no page", chromedp.Navigate(srv.URL+"/no/such/page"))
	if h := browsertest.Eval[string](t, ctx, `document.querySelector('.top .who').textContent`); h != cl.f.Instructor.Name {
		t.Errorf("the error page's header names %q", h)
	}
	checkPage(t, ctx, "error")

	signInInBrowser(t, srv, ctx, &admin)
	for _, p := range []struct{ name, path string }{
		{"admin", "/admin"},
		{"audit", "/admin/audit"},
		{"outbox", "/admin/outbox"},
	} {
		open(t, ctx, srv.URL+p.path)
		checkPage(t, ctx, p.name)
	}
}
