package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/media"
)

// sessionWithMedia starts a session of the fixture's first student and
// uploads a frame and a verification photo.
func sessionWithMedia(t *testing.T, srv *testserver.Server, f *testserver.Fixture) (started, int64) {
	t.Helper()
	s := start(t, client{t, srv.URL}, srv.Link(t, f, 0))
	uploadFrame(t, srv, s)
	face, err := media.FS.ReadFile("webcam320/biden_headshoulders.jpg")
	if err != nil {
		t.Fatal(err)
	}
	r := client{t, srv.URL}.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/photos/verification/face/1", s.id), s.token, "image/jpeg", at(0), face)
	if r.status != 200 && r.status != 201 {
		t.Fatalf("photo: %d %s", r.status, r.raw)
	}
	photos, err := srv.Store.ListPhotos(context.Background(), s.id, proctor.PurposeVerification)
	if err != nil || len(photos) != 1 {
		t.Fatalf("photos %+v (%v)", photos, err)
	}
	return s, photos[0].ID
}

func mediaViews(t *testing.T, srv *testserver.Server, u *proctor.User) []proctor.AuditEntry {
	t.Helper()
	entries, err := srv.Store.ListAudit(context.Background(), store.AuditFilter{Action: proctor.AuditMediaView, UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// TestMediaReadsAreAudited: every read of a photo and of a timeline is an
// audit entry with who, what and from where; frame reads are one entry
// per person, session and minute, carrying the count of the minute before.
func TestMediaReadsAreAudited(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	s, photo := sessionWithMedia(t, srv, f)
	c, _ := srv.SignIn(t, &f.Instructor)
	frame := fmt.Sprintf("%s/media/sessions/%d/frames/0", srv.URL, s.id)
	for range 10 {
		wantStatus(t, c, frame, 200)
	}
	wantStatus(t, c, fmt.Sprintf("%s/media/photos/%d", srv.URL, photo), 200)
	wantStatus(t, c, fmt.Sprintf("%s/sessions/%d/timeline.json", srv.URL, s.id), 200)
	got := mediaViews(t, srv, &f.Instructor) // newest first
	if len(got) != 3 || !strings.Contains(got[0].Detail, "timeline") || !strings.Contains(got[1].Detail, "photo") ||
		!strings.Contains(got[2].Detail, "frames from #0") {
		t.Fatalf("media audit entries after 10 frames, a photo and a timeline: %+v", got)
	}
	for _, e := range got {
		if e.Subject != fmt.Sprintf("session:%d", s.id) || e.CourseID != f.Course.ID || e.Remote != "127.0.0.1" || e.UserID != f.Instructor.ID {
			t.Fatalf("entry %+v lacks who, what or where", e)
		}
	}
	srv.Advance(frameWindow)
	wantStatus(t, c, frame, 200)
	if got = mediaViews(t, srv, &f.Instructor); len(got) != 4 || !strings.Contains(got[0].Detail, "10 frame reads") {
		t.Fatalf("the next minute's first frame read: %+v", got)
	}
	checkAuditNames(t, srv, f)
}

// frameWindow is the frame audit window (a minute) and a moment more.
const frameWindow = time.Minute + time.Second

// checkAuditNames: the audit page names the student and the exam of a
// session, not only its id.
func checkAuditNames(t *testing.T, srv *testserver.Server, f *testserver.Fixture) {
	t.Helper()
	admin := proctor.User{Email: "root@example.edu", Name: "Root", Role: proctor.RoleAdmin}
	if err := srv.Store.CreateUser(context.Background(), &admin, ""); err != nil {
		t.Fatal(err)
	}
	ac, _ := srv.SignIn(t, &admin)
	_, page := get(t, ac, srv.URL+"/admin/audit?action=media.view")
	want := f.Students[0].FullName() + ", Midterm (attempt 1)"
	if !strings.Contains(page, want) || !strings.Contains(page, "Tess Teacher") {
		t.Fatalf("the audit page does not name the session (%q) or the reader:\n%s", want, page)
	}
}

// TestMediaReadsAreBudgeted: a person reading frames faster than a person
// scrubs is refused with 429 and Retry-After; another person is not.
func TestMediaReadsAreBudgeted(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	s, _ := sessionWithMedia(t, srv, f)
	c, _ := srv.SignIn(t, &f.Instructor)
	frame := fmt.Sprintf("%s/media/sessions/%d/frames/0", srv.URL, s.id)
	served := 0
	var res *http.Response
	for served < 1000 {
		var err error
		if res, err = c.Get(frame); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			break
		}
		served++
	}
	if res.StatusCode != http.StatusTooManyRequests || served < 600 || served > 700 {
		t.Fatalf("scraping frames: %d served, then %d; want about 600 (a minute's budget), then 429", served, res.StatusCode)
	}
	if wait, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || wait < 1 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	if n := len(mediaViews(t, srv, &f.Instructor)); n != 1 {
		t.Fatalf("%d audit entries for a minute of frame reads of one session, want 1", n)
	}
	other := proctor.User{Email: "co@example.edu", Name: "Co Teacher", Role: proctor.RoleInstructor}
	if err := srv.Store.CreateUser(context.Background(), &other, ""); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.AddCourseMember(context.Background(), f.Course.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	oc, _ := srv.SignIn(t, &other)
	wantStatus(t, oc, frame, 200)
	srv.Advance(frameWindow) // a minute later the budget is back
	wantStatus(t, c, frame, 200)
}
