package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func testExports(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s1, s2 := f.session(t, st), f.session(t, st)
	e := &proctor.Export{UserID: f.teacher.ID, CourseID: f.course.ID, ExamID: f.exam.ID, Scope: proctor.ScopeExam,
		SessionIDs: []int64{s1.ID, s2.ID}, Items: []proctor.ExportItem{proctor.ItemSummary, proctor.ItemVideo}, CreatedAt: t0}
	must(t, st.CreateExport(ctx(t), e))
	got, err := st.GetExport(ctx(t), e.ID)
	must(t, err)
	if got.State != proctor.ExportQueued || !slices.Equal(got.SessionIDs, e.SessionIDs) || !slices.Equal(got.Items, e.Items) ||
		got.Scope != proctor.ScopeExam || !got.CreatedAt.Equal(t0) || got.ExamID != f.exam.ID {
		t.Fatalf("GetExport = %+v", got)
	}
	got.State, got.FilesDone, got.FilesTotal, got.BytesDone = proctor.ExportReady, 7, 7, 1<<20
	got.BlobKey, got.Size, got.SHA256 = "exports/1.zip", 1<<20, "abc"
	got.Mail, got.MailError = proctor.MailQueued, "connection refused"
	got.FinishedAt, got.ExpiresAt = t0.Add(time.Minute), t0.Add(7*24*time.Hour)
	must(t, st.UpdateExport(ctx(t), got))
	again, err := st.GetExport(ctx(t), e.ID)
	must(t, err)
	if again.State != proctor.ExportReady || again.FilesDone != 7 || again.BlobKey != "exports/1.zip" || again.Mail != proctor.MailQueued ||
		again.MailError != "connection refused" || !again.ExpiresAt.Equal(got.ExpiresAt) || again.Size != 1<<20 {
		t.Fatalf("after UpdateExport = %+v", again)
	}
	wantErr(t, st.UpdateExport(ctx(t), &proctor.Export{ID: e.ID + 100, State: proctor.ExportReady}), store.ErrNotFound)
	_, err = st.GetExport(ctx(t), e.ID+100)
	wantErr(t, err, store.ErrNotFound)

	other := &proctor.Export{UserID: f.teacher.ID, CourseID: f.course.ID, Scope: proctor.ScopeSession, SessionIDs: []int64{s1.ID},
		Items: []proctor.ExportItem{proctor.ItemEvents}, CreatedAt: t0.Add(time.Hour)}
	must(t, st.CreateExport(ctx(t), other))
	list, err := st.ListExports(ctx(t), f.teacher.ID, 10)
	must(t, err)
	if len(list) != 2 || list[0].ID != other.ID {
		t.Fatalf("ListExports: %+v", list)
	}
	if list, _ := st.ListExports(ctx(t), f.teacher.ID+1, 10); len(list) != 0 {
		t.Fatalf("another user's exports: %+v", list)
	}
	expired, err := st.ExpiredExports(ctx(t), t0.Add(8*24*time.Hour), 10)
	must(t, err)
	if len(expired) != 1 || expired[0].ID != e.ID {
		t.Fatalf("ExpiredExports: %+v", expired)
	}
	if expired, _ := st.ExpiredExports(ctx(t), t0.Add(24*time.Hour), 10); len(expired) != 0 {
		t.Fatalf("ExpiredExports before expiry: %+v", expired)
	}
}

func testMailAndSecrets(t *testing.T, st store.Store) {
	m := &proctor.Mail{To: "ada@example.edu", Subject: "Your export is ready", Body: "Link: …", State: proctor.MailQueued, ExportID: 3, CreatedAt: t0}
	must(t, st.CreateMail(ctx(t), m))
	m.State, m.Attempts, m.LastError, m.SentAt = proctor.MailSent, 2, "", t0.Add(time.Minute)
	must(t, st.UpdateMail(ctx(t), m))
	got, err := st.GetMail(ctx(t), m.ID)
	must(t, err)
	if got.To != m.To || got.Subject != m.Subject || got.Body != m.Body || got.State != proctor.MailSent || got.Attempts != 2 ||
		!got.SentAt.Equal(m.SentAt) || got.ExportID != 3 {
		t.Fatalf("GetMail = %+v", got)
	}
	must(t, st.CreateMail(ctx(t), &proctor.Mail{To: "b@example.edu", Subject: "s", Body: "b", State: proctor.MailKept, CreatedAt: t0}))
	list, err := st.ListMail(ctx(t), 10)
	must(t, err)
	if len(list) != 2 || list[0].To != "b@example.edu" {
		t.Fatalf("ListMail: %+v", list)
	}

	calls := 0
	gen := func() []byte { calls++; return []byte{byte(calls), 2, 3} }
	a, err := st.Secret(ctx(t), "export-links", gen)
	must(t, err)
	b, err := st.Secret(ctx(t), "export-links", gen)
	must(t, err)
	if !bytes.Equal(a, b) || calls != 1 {
		t.Fatalf("Secret is not stable: %v %v (%d calls)", a, b, calls)
	}
	c, err := st.Secret(ctx(t), "other", gen)
	must(t, err)
	if bytes.Equal(a, c) {
		t.Fatal("two secrets are the same")
	}
}
