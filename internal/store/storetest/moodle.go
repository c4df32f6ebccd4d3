package storetest

import (
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// testJoinPlatforms: a second registration of one LMS (Moodle gives each
// tool its own client id) joins the first; its courses, people and
// administrators become the first's, and its empty copy of a course both
// have is folded away.
func testJoinPlatforms(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	home := newPlatform(t, st, "https://moodle.example.edu", "exams")
	second := newPlatform(t, st, "https://moodle.example.edu", "dashboard")
	second.Deployments = []string{"7"}
	must(t, st.UpdatePlatform(ctx(t), second))
	byDep, err := st.FindPlatformByDeployment(ctx(t), home.Issuer, "7")
	must(t, err)
	if byDep.ID != second.ID {
		t.Fatalf("FindPlatformByDeployment = %d, want %d", byDep.ID, second.ID)
	}
	_, err = st.FindPlatformByDeployment(ctx(t), home.Issuer, "d1") // only home has d1
	must(t, err)
	_, err = st.FindPlatformByDeployment(ctx(t), home.Issuer, "none")
	wantErr(t, err, store.ErrNotFound)

	// home has the course with its exam; second made an empty copy of it,
	// and a course of its own.
	must(t, st.SaveLTIContext(ctx(t), &proctor.LTIContext{CourseID: f.course.ID, PlatformID: home.ID, ContextID: "c1"}))
	empty := proctor.Course{Code: "BIO-101 (2)", Title: "Biology", Enabled: true, CreatedAt: t0}
	must(t, st.CreateCourse(ctx(t), &empty))
	must(t, st.SaveLTIContext(ctx(t), &proctor.LTIContext{CourseID: empty.ID, PlatformID: second.ID, ContextID: "c1", NRPSURL: "https://m/nrps"}))
	own := proctor.Course{Code: "CHEM", Title: "Chemistry", Enabled: true, CreatedAt: t0}
	must(t, st.CreateCourse(ctx(t), &own))
	must(t, st.SaveLTIContext(ctx(t), &proctor.LTIContext{CourseID: own.ID, PlatformID: second.ID, ContextID: "c2", NRPSURL: "https://m/nrps2"}))
	other := proctor.User{Email: "b@example.edu", Name: "B", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx(t), &other, ""))
	must(t, st.LinkLTIUser(ctx(t), home.ID, "u1", f.teacher.ID))
	must(t, st.LinkLTIUser(ctx(t), second.ID, "u1", other.ID)) // the same person, made twice
	must(t, st.LinkLTIUser(ctx(t), second.ID, "u2", other.ID))
	must(t, st.SetPlatformAdmin(ctx(t), second.ID, other.ID, true))

	folded, err := st.JoinPlatform(ctx(t), second.ID, home.ID)
	must(t, err)
	if len(folded) != 1 || folded[0] != empty.ID {
		t.Fatalf("folded = %v, want [%d]", folded, empty.ID)
	}
	if c, _ := st.GetCourse(ctx(t), empty.ID); c.Enabled {
		t.Fatal("the folded course is still enabled")
	}
	if x, err := st.FindLTIContext(ctx(t), home.ID, "c1"); err != nil || x.CourseID != f.course.ID {
		t.Fatalf("c1 = %+v, %v", x, err)
	}
	x, err := st.FindLTIContext(ctx(t), home.ID, "c2")
	must(t, err)
	if x.CourseID != own.ID || x.NRPSPlatformID != second.ID || x.NRPSURL != "https://m/nrps2" {
		t.Fatalf("c2 moved = %+v", x)
	}
	if u, err := st.LTIUser(ctx(t), home.ID, "u1"); err != nil || u.ID != f.teacher.ID {
		t.Fatalf("u1 = %+v, %v (home's account wins)", u, err)
	}
	if u, err := st.LTIUser(ctx(t), home.ID, "u2"); err != nil || u.ID != other.ID {
		t.Fatalf("u2 = %+v, %v", u, err)
	}
	if _, err := st.LTIUser(ctx(t), second.ID, "u2"); err == nil {
		t.Fatal("second still has its own users")
	}
	got, err := st.GetPlatform(ctx(t), second.ID)
	must(t, err)
	if got.JoinedTo != home.ID || got.Home() != home.ID {
		t.Fatalf("joined = %+v", got)
	}

	// A course with exams on both sides cannot be folded: nothing changes.
	third := newPlatform(t, st, "https://moodle.example.edu", "third")
	busy := proctor.Course{Code: "BUSY", Title: "Busy", Enabled: true, CreatedAt: t0}
	must(t, st.CreateCourse(ctx(t), &busy))
	must(t, st.CreateExam(ctx(t), &proctor.Exam{CourseID: busy.ID, Title: "E", Settings: proctor.DefaultSettings(), CreatedAt: t0}))
	must(t, st.SaveLTIContext(ctx(t), &proctor.LTIContext{CourseID: busy.ID, PlatformID: third.ID, ContextID: "c1"}))
	must(t, st.LinkLTIUser(ctx(t), third.ID, "u3", other.ID))
	_, err = st.JoinPlatform(ctx(t), third.ID, home.ID)
	wantErr(t, err, store.ErrConflict)
	if _, err := st.LTIUser(ctx(t), third.ID, "u3"); err != nil {
		t.Fatalf("a refused join moved users: %v", err)
	}
	if p, _ := st.GetPlatform(ctx(t), third.ID); p.JoinedTo != 0 {
		t.Fatal("a refused join joined")
	}
}

func testRegistrationLinks(t *testing.T, st store.Store) {
	l := &proctor.RegistrationLink{TokenHash: "h1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), CreatedBy: "admin@example.edu"}
	must(t, st.CreateRegistrationLink(ctx(t), l))
	wantErr(t, st.CreateRegistrationLink(ctx(t), l), store.ErrConflict)
	got, err := st.GetRegistrationLink(ctx(t), "h1")
	must(t, err)
	if !got.ExpiresAt.Equal(l.ExpiresAt) || got.CreatedBy != l.CreatedBy || !got.UsedAt.IsZero() {
		t.Fatalf("GetRegistrationLink = %+v", got)
	}
	_, err = st.GetRegistrationLink(ctx(t), "nope")
	wantErr(t, err, store.ErrNotFound)
	must(t, st.UseRegistrationLink(ctx(t), "h1", 42, t0.Add(time.Minute)))
	wantErr(t, st.UseRegistrationLink(ctx(t), "h1", 43, t0.Add(2*time.Minute)), store.ErrConflict)
	got, _ = st.GetRegistrationLink(ctx(t), "h1")
	if got.PlatformID != 42 || !got.UsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("used link = %+v", got)
	}
}

func testQuizPasswords(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	_, err := st.GetQuizPassword(ctx(t), f.exam.ID)
	wantErr(t, err, store.ErrNotFound)
	must(t, st.SetQuizPassword(ctx(t), &proctor.QuizPassword{ExamID: f.exam.ID, Password: "one", CreatedAt: t0}))
	must(t, st.SetQuizPassword(ctx(t), &proctor.QuizPassword{ExamID: f.exam.ID, Password: "two", CreatedAt: t0.Add(time.Hour)}))
	got, err := st.GetQuizPassword(ctx(t), f.exam.ID)
	must(t, err)
	if got.Password != "two" || !got.CreatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("GetQuizPassword = %+v", got)
	}
	must(t, st.DeleteQuizPassword(ctx(t), f.exam.ID))
	_, err = st.GetQuizPassword(ctx(t), f.exam.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testRecordingActivity(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	a, err := st.RecordingActivity(ctx(t), s.ID)
	must(t, err)
	if !a.LastFrame.IsZero() || !a.LastWebcam.IsZero() || !a.LastScreen.IsZero() {
		t.Fatalf("nothing uploaded: %+v", a)
	}
	for seq := int64(0); seq < 3; seq++ {
		fr := frame(s.ID, seq)
		fr.ReceivedAt = t0.Add(time.Duration(seq) * time.Second)
		must(t, st.InsertFrame(ctx(t), fr))
	}
	must(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamWebcam, Seq: 0, StartedAt: t0,
		DurationMS: 10000, BlobKey: "v", SHA256: "x", Size: 1, ReceivedAt: t0.Add(10 * time.Second)}))
	a, err = st.RecordingActivity(ctx(t), s.ID)
	must(t, err)
	if !a.FirstFrame.Equal(t0) || !a.LastFrame.Equal(t0.Add(2*time.Second)) || !a.LastWebcam.Equal(t0.Add(10*time.Second)) || !a.LastScreen.IsZero() {
		t.Fatalf("RecordingActivity = %+v", a)
	}
}
