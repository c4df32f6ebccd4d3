package storetest

import (
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// testMembership: a member's role can be lowered and taken away; an
// administrator of an LMS reaches that LMS's courses and no other.
func testMembership(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	wantRole(t, st, f.course.ID, f.teacher.ID, proctor.CourseInstructor) // AddCourseMember makes instructors
	ta := proctor.User{Email: "ta@example.edu", Name: "Tom Assistant", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx(t), &ta, ""))
	wantRole(t, st, f.course.ID, ta.ID, "")
	must(t, st.SetCourseMember(ctx(t), f.course.ID, ta.ID, proctor.CourseReviewer))
	wantRole(t, st, f.course.ID, ta.ID, proctor.CourseReviewer)
	must(t, st.SetCourseMember(ctx(t), f.course.ID, f.teacher.ID, proctor.CourseReviewer))
	wantRole(t, st, f.course.ID, f.teacher.ID, proctor.CourseReviewer)
	if ok, err := st.IsCourseMember(ctx(t), f.course.ID, ta.ID); err != nil || !ok {
		t.Fatalf("a reviewer is a member: %v %v", ok, err)
	}

	p := newPlatform(t, st, "https://lms.example.edu", "1")
	must(t, st.LinkLTIUser(ctx(t), p.ID, "ta-sub", ta.ID))
	must(t, st.SaveLTIContext(ctx(t), &proctor.LTIContext{CourseID: f.course.ID, PlatformID: p.ID, ContextID: "c1"}))
	members, err := st.ListCourseMembers(ctx(t), f.course.ID)
	must(t, err)
	want := []store.CourseMember{{UserID: f.teacher.ID, Role: proctor.CourseReviewer}, {UserID: ta.ID, Role: proctor.CourseReviewer, LTISub: "ta-sub"}}
	if len(members) != 2 || members[0] != want[0] || members[1] != want[1] {
		t.Fatalf("ListCourseMembers = %+v, want %+v", members, want)
	}

	must(t, st.RemoveCourseMember(ctx(t), f.course.ID, ta.ID))
	must(t, st.RemoveCourseMember(ctx(t), f.course.ID, ta.ID)) // twice is fine
	wantRole(t, st, f.course.ID, ta.ID, "")
	if mine, _ := st.ListCoursesForUser(ctx(t), ta.ID); len(mine) != 0 {
		t.Fatalf("a removed member still lists %+v", mine)
	}

	testPlatformAdmin(t, st, f, p)
}

func testPlatformAdmin(t *testing.T, st store.Store, f fixture, p *proctor.Platform) {
	other := proctor.Course{Code: "CHEM-1", Title: "Chemistry"}
	must(t, st.CreateCourse(ctx(t), &other)) // a local course, on no LMS
	boss := proctor.User{Email: "boss@example.edu", Name: "LMS Admin", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx(t), &boss, ""))
	must(t, st.SetPlatformAdmin(ctx(t), p.ID, boss.ID, true))
	must(t, st.SetPlatformAdmin(ctx(t), p.ID, boss.ID, true)) // twice is fine
	wantRole(t, st, f.course.ID, boss.ID, proctor.CourseInstructor)
	wantRole(t, st, other.ID, boss.ID, "")
	mine, err := st.ListCoursesForUser(ctx(t), boss.ID)
	must(t, err)
	if len(mine) != 1 || mine[0].ID != f.course.ID {
		t.Fatalf("an LMS administrator sees %+v, want only that LMS's course", mine)
	}
	must(t, st.SetPlatformAdmin(ctx(t), p.ID, boss.ID, false))
	wantRole(t, st, f.course.ID, boss.ID, "")
}

func wantRole(t *testing.T, st store.Store, courseID, userID int64, want proctor.CourseRole) {
	t.Helper()
	got, err := st.CourseRole(ctx(t), courseID, userID)
	must(t, err)
	if got != want {
		t.Fatalf("CourseRole(course %d, user %d) = %q, want %q", courseID, userID, got, want)
	}
}
