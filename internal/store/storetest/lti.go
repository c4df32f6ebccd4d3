package storetest

import (
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func newPlatform(t *testing.T, st store.Store, issuer, clientID string) *proctor.Platform {
	t.Helper()
	p := &proctor.Platform{Name: "Canvas", Issuer: issuer, ClientID: clientID, AuthURL: issuer + "/auth",
		TokenURL: issuer + "/token", JWKSURL: issuer + "/jwks", Deployments: []string{"d1", "d2"}, CreatedAt: t0}
	must(t, st.CreatePlatform(ctx(t), p))
	return p
}

func testPlatforms(t *testing.T, st store.Store) {
	p := newPlatform(t, st, "https://canvas.example.edu", "100")
	wantErr(t, st.CreatePlatform(ctx(t), &proctor.Platform{Name: "Dup", Issuer: p.Issuer, ClientID: "100",
		AuthURL: "a", TokenURL: "t", JWKSURL: "j", CreatedAt: t0}), store.ErrConflict)
	got, err := st.FindPlatform(ctx(t), p.Issuer, "100")
	must(t, err)
	if got.ID != p.ID || len(got.Deployments) != 2 || !got.HasDeployment("d2") || got.HasDeployment("d3") || !got.CreatedAt.Equal(t0) {
		t.Fatalf("FindPlatform = %+v", got)
	}
	only, err := st.FindPlatform(ctx(t), p.Issuer, "")
	must(t, err)
	if only.ID != p.ID {
		t.Fatalf("FindPlatform by issuer alone = %+v", only)
	}
	newPlatform(t, st, p.Issuer, "200")
	_, err = st.FindPlatform(ctx(t), p.Issuer, "")
	wantErr(t, err, store.ErrNotFound) // two platforms share the issuer: the client id must say which
	_, err = st.FindPlatform(ctx(t), "https://other.example.edu", "100")
	wantErr(t, err, store.ErrNotFound)

	p.Deployments = []string{"d3"}
	p.CanvasURL, p.CanvasToken, p.AutoEnable = "https://canvas.example.edu", "secret", true
	must(t, st.UpdatePlatform(ctx(t), p))
	got, err = st.GetPlatform(ctx(t), p.ID)
	must(t, err)
	if len(got.Deployments) != 1 || !got.HasDeployment("d3") || got.CanvasToken != "secret" || !got.AutoEnable {
		t.Fatalf("after UpdatePlatform = %+v", got)
	}
	all, err := st.ListPlatforms(ctx(t))
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("ListPlatforms = %d", len(all))
	}
}

func testToolKeys(t *testing.T, st store.Store) {
	k1 := &proctor.ToolKey{KID: "k1", PrivatePEM: []byte("pem1"), CreatedAt: t0, ActivatedAt: t0}
	k2 := &proctor.ToolKey{KID: "k2", PrivatePEM: []byte("pem2"), CreatedAt: t0.Add(time.Hour)}
	must(t, st.AddToolKey(ctx(t), k1))
	must(t, st.AddToolKey(ctx(t), k2))
	wantErr(t, st.AddToolKey(ctx(t), k1), store.ErrConflict)
	k1.RetiredAt = t0.Add(2 * time.Hour)
	must(t, st.UpdateToolKey(ctx(t), k1))
	keys, err := st.ListToolKeys(ctx(t))
	must(t, err)
	if len(keys) != 2 || keys[0].KID != "k1" || !keys[0].RetiredAt.Equal(k1.RetiredAt) || string(keys[1].PrivatePEM) != "pem2" || !keys[1].ActivatedAt.IsZero() {
		t.Fatalf("ListToolKeys = %+v", keys)
	}
	must(t, st.DeleteToolKey(ctx(t), "k1"))
	wantErr(t, st.DeleteToolKey(ctx(t), "k1"), store.ErrNotFound)
}

func testLoginsAndNonces(t *testing.T, st store.Store) {
	p := newPlatform(t, st, "https://lms.example.edu", "1")
	l := &store.LTILogin{StateHash: "s1", Nonce: "n1", PlatformID: p.ID, TargetLinkURI: "https://vigil/lti", StorageTarget: "_parent", ExpiresAt: t0.Add(time.Minute)}
	must(t, st.SaveLogin(ctx(t), l))
	got, err := st.TakeLogin(ctx(t), "s1", t0)
	must(t, err)
	if got.Nonce != "n1" || got.PlatformID != p.ID || got.StorageTarget != "_parent" {
		t.Fatalf("TakeLogin = %+v", got)
	}
	_, err = st.TakeLogin(ctx(t), "s1", t0)
	wantErr(t, err, store.ErrNotFound) // single use
	must(t, st.SaveLogin(ctx(t), &store.LTILogin{StateHash: "s2", Nonce: "n2", PlatformID: p.ID, ExpiresAt: t0.Add(time.Minute)}))
	_, err = st.TakeLogin(ctx(t), "s2", t0.Add(2*time.Minute))
	wantErr(t, err, store.ErrNotFound) // expired

	// Outstanding logins: per platform, the expired ones deleted.
	other := newPlatform(t, st, "https://other.example.edu", "1")
	must(t, st.SaveLogin(ctx(t), &store.LTILogin{StateHash: "s3", Nonce: "n3", PlatformID: p.ID, ExpiresAt: t0.Add(time.Minute)}))
	must(t, st.SaveLogin(ctx(t), &store.LTILogin{StateHash: "s4", Nonce: "n4", PlatformID: p.ID, ExpiresAt: t0.Add(time.Hour)}))
	must(t, st.SaveLogin(ctx(t), &store.LTILogin{StateHash: "s5", Nonce: "n5", PlatformID: other.ID, ExpiresAt: t0.Add(time.Hour)}))
	if n, err := st.OutstandingLogins(ctx(t), p.ID, t0); err != nil || n != 2 {
		t.Fatalf("OutstandingLogins = %d (%v), want 2", n, err)
	}
	if n, err := st.OutstandingLogins(ctx(t), p.ID, t0.Add(2*time.Minute)); err != nil || n != 1 {
		t.Fatalf("OutstandingLogins after one expired = %d (%v), want 1", n, err)
	}
	_, err = st.TakeLogin(ctx(t), "s3", t0)
	wantErr(t, err, store.ErrNotFound) // deleted when counted after it expired

	must(t, st.UseNonce(ctx(t), p.ID, "n1", t0.Add(time.Hour), t0))
	wantErr(t, st.UseNonce(ctx(t), p.ID, "n1", t0.Add(time.Hour), t0.Add(time.Minute)), store.ErrConflict)
	// Once expired, an old nonce is forgotten (the token carrying it is long expired too).
	must(t, st.UseNonce(ctx(t), p.ID, "n1", t0.Add(3*time.Hour), t0.Add(2*time.Hour)))

	must(t, st.SavePending(ctx(t), &store.LTIPending{IDHash: "p1", StateHash: "s9", Launch: []byte(`{"a":1}`), ExpiresAt: t0.Add(time.Minute)}))
	pend, err := st.TakePending(ctx(t), "p1", t0)
	must(t, err)
	if pend.StateHash != "s9" || string(pend.Launch) != `{"a":1}` {
		t.Fatalf("TakePending = %+v", pend)
	}
	_, err = st.TakePending(ctx(t), "p1", t0)
	wantErr(t, err, store.ErrNotFound)
}

func testLTIMappings(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	p := newPlatform(t, st, "https://lms.example.edu", "1")
	_, err := st.LTIUser(ctx(t), p.ID, "sub-1")
	wantErr(t, err, store.ErrNotFound)
	must(t, st.LinkLTIUser(ctx(t), p.ID, "sub-1", f.teacher.ID))
	u, err := st.LTIUser(ctx(t), p.ID, "sub-1")
	must(t, err)
	if u.ID != f.teacher.ID {
		t.Fatalf("LTIUser = %+v", u)
	}
	u.Name, u.Role = "Ada T.", proctor.RoleAdmin
	must(t, st.UpdateUser(ctx(t), u))
	if got, _ := st.GetUser(ctx(t), u.ID); got.Name != "Ada T." || got.Role != proctor.RoleAdmin {
		t.Fatalf("UpdateUser: %+v", got)
	}

	x := &proctor.LTIContext{CourseID: f.course.ID, PlatformID: p.ID, ContextID: "ctx-1", LMSCourseID: "42"}
	must(t, st.SaveLTIContext(ctx(t), x))
	x.NRPSURL, x.RosterSyncedAt = "https://lms/nrps/42", t0
	must(t, st.SaveLTIContext(ctx(t), x))
	got, err := st.FindLTIContext(ctx(t), p.ID, "ctx-1")
	must(t, err)
	if got.CourseID != f.course.ID || got.NRPSURL != x.NRPSURL || !got.RosterSyncedAt.Equal(t0) || got.LMSCourseID != "42" {
		t.Fatalf("FindLTIContext = %+v", got)
	}
	if byCourse, err := st.GetLTIContext(ctx(t), f.course.ID); err != nil || byCourse.ContextID != "ctx-1" {
		t.Fatalf("GetLTIContext = %+v, %v", byCourse, err)
	}
	other := proctor.Course{Code: "X", Title: "X"}
	must(t, st.CreateCourse(ctx(t), &other))
	wantErr(t, st.SaveLTIContext(ctx(t), &proctor.LTIContext{CourseID: other.ID, PlatformID: p.ID, ContextID: "ctx-1"}), store.ErrConflict)

	s := &proctor.Student{CourseID: f.course.ID, FirstName: "Lin", LastName: "Yu", ExternalID: "sub-9"}
	must(t, st.CreateStudent(ctx(t), s))
	wantErr(t, st.CreateStudent(ctx(t), &proctor.Student{CourseID: f.course.ID, FirstName: "Dup", LastName: "Dup", ExternalID: "sub-9"}), store.ErrConflict)
	found, err := st.FindStudentByExternalID(ctx(t), f.course.ID, "sub-9")
	must(t, err)
	found.FirstName, found.Email = "Lina", "lina@example.edu"
	must(t, st.UpdateStudent(ctx(t), found))
	if again, _ := st.GetStudent(ctx(t), s.ID); again.FirstName != "Lina" || again.Email != "lina@example.edu" {
		t.Fatalf("UpdateStudent: %+v", again)
	}
	_, err = st.FindStudentByExternalID(ctx(t), f.course.ID, "")
	wantErr(t, err, store.ErrNotFound)

	testAssessments(t, st, f, other.ID)

	q := &proctor.LMSQuiz{ExamID: f.exam.ID, QuizID: "77", AccessCode: "k3y", UpdatedAt: t0}
	must(t, st.SaveLMSQuiz(ctx(t), q))
	q.AccessCode = "n3w"
	must(t, st.SaveLMSQuiz(ctx(t), q))
	gq, err := st.GetLMSQuiz(ctx(t), f.exam.ID)
	must(t, err)
	qs, err2 := st.ListLMSQuizzes(ctx(t), f.course.ID)
	must(t, err2)
	if gq.AccessCode != "n3w" || gq.QuizID != "77" || len(qs) != 1 {
		t.Fatalf("LMS quiz %+v, list %+v", gq, qs)
	}
}

func testCourseRequests(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	r := &proctor.CourseRequest{CourseID: f.course.ID, UserID: f.teacher.ID, Note: "for finals", CreatedAt: t0}
	must(t, st.CreateCourseRequest(ctx(t), r))
	pending, err := st.PendingCourseRequest(ctx(t), f.course.ID)
	must(t, err)
	if pending.ID != r.ID || pending.State != proctor.RequestPending || pending.Note != "for finals" {
		t.Fatalf("PendingCourseRequest = %+v", pending)
	}
	r.State, r.DecidedBy, r.DecidedAt, r.DecisionNote = proctor.RequestApproved, f.teacher.ID, t0.Add(time.Hour), "ok"
	must(t, st.DecideCourseRequest(ctx(t), r))
	wantErr(t, st.DecideCourseRequest(ctx(t), r), store.ErrNotFound) // decided once
	_, err = st.PendingCourseRequest(ctx(t), f.course.ID)
	wantErr(t, err, store.ErrNotFound)
	all, err := st.ListCourseRequests(ctx(t), "")
	must(t, err)
	approved, _ := st.ListCourseRequests(ctx(t), proctor.RequestApproved)
	denied, _ := st.ListCourseRequests(ctx(t), proctor.RequestDenied)
	if len(all) != 1 || len(approved) != 1 || len(denied) != 0 || !all[0].DecidedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("requests: all %+v, approved %d, denied %d", all, len(approved), len(denied))
	}
	got, err := st.GetCourseRequest(ctx(t), r.ID)
	must(t, err)
	if got.State != proctor.RequestApproved || got.DecisionNote != "ok" {
		t.Fatalf("GetCourseRequest = %+v", got)
	}
}

func testProctoringAndCanvas(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	p := newPlatform(t, st, "https://lms.example.edu", "1")
	l := &proctor.ProctoringLaunch{SessionID: s.ID, PlatformID: p.ID, DeploymentID: "d1", ResourceLinkID: "rl", UserSub: "u",
		AttemptNumber: 2, SessionData: "sd", StartAssessmentURL: "https://lms/start", ACSURL: "https://lms/acs",
		ACSActions: []string{"flag", "terminate"}, EndAssessmentReturn: true}
	must(t, st.SaveProctoringLaunch(ctx(t), l))
	l.StartedAt = t0
	must(t, st.SaveProctoringLaunch(ctx(t), l))
	got, err := st.GetProctoringLaunch(ctx(t), s.ID)
	must(t, err)
	if got.AttemptNumber != 2 || got.SessionData != "sd" || len(got.ACSActions) != 2 || !got.EndAssessmentReturn || !got.StartedAt.Equal(t0) {
		t.Fatalf("GetProctoringLaunch = %+v", got)
	}
	tok := &proctor.CanvasToken{PlatformID: p.ID, UserID: f.teacher.ID, AccessToken: "a", RefreshToken: "r", ExpiresAt: t0}
	must(t, st.SaveCanvasToken(ctx(t), tok))
	tok.AccessToken = "b"
	must(t, st.SaveCanvasToken(ctx(t), tok))
	gt, err := st.GetCanvasToken(ctx(t), p.ID, f.teacher.ID)
	must(t, err)
	if gt.AccessToken != "b" || gt.RefreshToken != "r" || !gt.ExpiresAt.Equal(t0) {
		t.Fatalf("GetCanvasToken = %+v", gt)
	}
	_, err = st.GetCanvasToken(ctx(t), p.ID, 999)
	wantErr(t, err, store.ErrNotFound)
}
