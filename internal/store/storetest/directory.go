package storetest

import (
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func testCourses(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	got, err := st.GetCourse(ctx(t), f.course.ID)
	must(t, err)
	if got.Code != "BIO-101" || got.Title != "Biology" || !got.CreatedAt.Equal(t0) || !got.Enabled {
		t.Fatalf("GetCourse = %+v", got)
	}
	byCode, err := st.GetCourseByCode(ctx(t), "BIO-101")
	must(t, err)
	if byCode.ID != f.course.ID {
		t.Fatalf("GetCourseByCode id %d, want %d", byCode.ID, f.course.ID)
	}
	_, err = st.GetCourse(ctx(t), 9999)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, st.CreateCourse(ctx(t), &proctor.Course{Code: "BIO-101", Title: "Again"}), store.ErrConflict)

	other := proctor.Course{Code: "CHEM-1", Title: "Chemistry"} // not enabled
	must(t, st.CreateCourse(ctx(t), &other))
	if got, _ := st.GetCourse(ctx(t), other.ID); got.Enabled {
		t.Fatal("a course created without Enabled is enabled")
	}
	other.Title, other.Enabled = "General Chemistry", true
	must(t, st.UpdateCourse(ctx(t), &other))
	if got, _ := st.GetCourse(ctx(t), other.ID); !got.Enabled || got.Title != "General Chemistry" {
		t.Fatalf("UpdateCourse: %+v", got)
	}
	admin := proctor.User{Email: "root@example.edu", Name: "Root", Role: proctor.RoleAdmin}
	must(t, st.CreateUser(ctx(t), &admin, ""))

	mine, err := st.ListCoursesForUser(ctx(t), f.teacher.ID)
	must(t, err)
	if len(mine) != 1 || mine[0].ID != f.course.ID {
		t.Fatalf("instructor sees %+v, want only BIO-101", mine)
	}
	all, err := st.ListCoursesForUser(ctx(t), admin.ID)
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("admin sees %d courses, want 2", len(all))
	}
	member, err := st.IsCourseMember(ctx(t), other.ID, f.teacher.ID)
	must(t, err)
	if member {
		t.Fatal("instructor is a member of a course never added to")
	}
	must(t, st.AddCourseMember(ctx(t), f.course.ID, f.teacher.ID)) // twice is fine
}

func testExams(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	got, err := st.GetExam(ctx(t), f.exam.ID)
	must(t, err)
	if got.Title != "Midterm" || got.Settings.LeftSession.MinSeconds != 5 || !got.Settings.Proctoring {
		t.Fatalf("GetExam = %+v", got)
	}
	s := got.Settings
	s.LeftSession.MinSeconds = 12
	s.BlacklistedApps = []string{"zoom"}
	must(t, st.UpdateExamSettings(ctx(t), f.exam.ID, s, t0.Add(time.Hour)))
	got, err = st.GetExam(ctx(t), f.exam.ID)
	must(t, err)
	if got.Settings.LeftSession.MinSeconds != 12 || len(got.Settings.BlacklistedApps) != 1 || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("settings not updated: %+v", got)
	}
	wantErr(t, st.UpdateExamSettings(ctx(t), 9999, s, t0), store.ErrNotFound)

	second := proctor.Exam{CourseID: f.course.ID, Title: "Final", Settings: proctor.DefaultSettings(), OpensAt: t0.Add(48 * time.Hour)}
	must(t, st.CreateExam(ctx(t), &second))
	sess := f.session(t, st)
	must(t, st.SetSessionState(ctx(t), sess.ID, proctor.StateCreated, proctor.StateSubmitted, t0))
	must(t, st.SetVerdict(ctx(t), sess.ID, proctor.VerdictFail, proctor.VerdictFail, t0))
	list, err := st.ListExams(ctx(t), f.course.ID)
	must(t, err)
	if len(list) != 2 || list[0].Title != "Midterm" || list[1].Title != "Final" {
		t.Fatalf("ListExams = %+v", list)
	}
	if list[0].Sessions != 1 || list[0].Finished != 1 || list[0].Failed != 1 || list[1].Sessions != 0 {
		t.Fatalf("exam counts = %+v", list[0])
	}
}

func testStudentsAndUsers(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	got, err := st.GetStudent(ctx(t), f.student.ID)
	must(t, err)
	if got.FullName() != "Grace Hopper" || got.CourseID != f.course.ID {
		t.Fatalf("GetStudent = %+v", got)
	}
	found, err := st.FindStudentByEmail(ctx(t), f.course.ID, "GRACE@example.edu")
	must(t, err)
	if found.ID != f.student.ID {
		t.Fatal("FindStudentByEmail is not case-insensitive")
	}
	_, err = st.FindStudentByEmail(ctx(t), f.course.ID, "")
	wantErr(t, err, store.ErrNotFound)

	aaron := proctor.Student{CourseID: f.course.ID, FirstName: "Aaron", LastName: "hopper"}
	must(t, st.CreateStudent(ctx(t), &aaron))
	all, err := st.ListStudents(ctx(t), f.course.ID)
	must(t, err)
	if len(all) != 2 || all[0].FirstName != "Aaron" || all[1].FirstName != "Grace" {
		t.Fatalf("ListStudents (by last, then first name, any case) = %+v", all)
	}

	u, hash, err := st.GetUserByEmail(ctx(t), "ADA@example.edu")
	must(t, err)
	if u.ID != f.teacher.ID || hash != "hash" || u.Role != proctor.RoleInstructor {
		t.Fatalf("GetUserByEmail = %+v %q", u, hash)
	}
	wantErr(t, st.CreateUser(ctx(t), &proctor.User{Email: "ada@EXAMPLE.edu", Name: "x", Role: proctor.RoleAdmin}, ""), store.ErrConflict)
	_, err = st.GetUser(ctx(t), 9999)
	wantErr(t, err, store.ErrNotFound)
}
