// Package storetest is the suite every store.Store implementation must pass.
// An implementation's own test calls Run with a function that returns a
// fresh, migrated, empty store for each subtest.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Factory returns a new empty store; it registers its own cleanup on t.
type Factory func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"CoursesAndMembers", testCourses},
		{"ExamsAndSettings", testExams},
		{"StudentsAndUsers", testStudentsAndUsers},
		{"SessionAttempts", testSessionAttempts},
		{"SessionStates", testSessionStates},
		{"SessionTokensAndLinks", testTokensAndLinks},
		{"ExpireSessions", testExpireSessions},
		{"Frames", testFrames},
		{"VideoChunks", testChunks},
		{"UploadSlots", testUploadSlots},
		{"EventBatches", testEvents},
		{"Photos", testPhotos},
		{"PhotoIdentity", testPhotoIdentity},
		{"FrameSignals", testSignals},
		{"ViolationsKeepDecisions", testViolations},
		{"StudentList", testStudentList},
		{"NotesAndReview", testNotes},
		{"AuditLog", testAudit},
		{"WebSessionsAndSignInLinks", testAccess},
		{"TransactionsAndJobs", testTx},
		{"UniqueJobs", testUniqueJobs},
		{"Audio", testAudio},
		{"AnalysisState", testAnalysisState},
		{"DetectionSignalFields", testSignalFields},
		{"Accommodations", testAccommodations},
		{"LTIPlatforms", testPlatforms},
		{"LTIToolKeys", testToolKeys},
		{"LTILoginsAndNonces", testLoginsAndNonces},
		{"LTIMappings", testLTIMappings},
		{"AssessmentRace", testAssessmentRace},
		{"CourseRequests", testCourseRequests},
		{"LTIProctoringAndCanvasTokens", testProctoringAndCanvas},
		{"Exports", testExports},
		{"MailAndSecrets", testMailAndSecrets},
		{"RetentionSettings", testRetentionSettings},
		{"PurgeSessionMedia", testPurgeSessionMedia},
		{"OnboardingExpiry", testOnboardingExpiry},
		{"AuditPaging", testAuditPaging},
		{"EventBatchesPerSource", testBatchesPerSource},
		{"PairingCodesAndCompanionTokens", testPairing},
		{"MembershipRolesAndPlatformAdmins", testMembership},
		{"LinksOpenTheirSession", testLinksOpenTheirSession},
		{"StudentReviewAndExplanations", testStudentReviewAndExplanations},
		{"ListUploads", testListUploads},
		{"NotifyAndListen", testNotify},
		{"JoinPlatforms", testJoinPlatforms},
		{"RegistrationLinks", testRegistrationLinks},
		{"QuizPasswords", testQuizPasswords},
		{"RecordingActivity", testRecordingActivity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func ctx(t *testing.T) context.Context { return t.Context() }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

// fixture is a course with an instructor, an exam and a student.
type fixture struct {
	course  proctor.Course
	exam    proctor.Exam
	student proctor.Student
	teacher proctor.User
}

func newFixture(t *testing.T, st store.Store) fixture {
	t.Helper()
	var f fixture
	f.course = proctor.Course{Code: "BIO-101", Title: "Biology", CreatedAt: t0, Enabled: true}
	must(t, st.CreateCourse(ctx(t), &f.course))
	f.teacher = proctor.User{Email: "ada@example.edu", Name: "Ada Teacher", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx(t), &f.teacher, "hash"))
	must(t, st.AddCourseMember(ctx(t), f.course.ID, f.teacher.ID))
	f.exam = proctor.Exam{CourseID: f.course.ID, Title: "Midterm", Settings: proctor.DefaultSettings(), CreatedAt: t0}
	must(t, st.CreateExam(ctx(t), &f.exam))
	f.student = proctor.Student{CourseID: f.course.ID, FirstName: "Grace", LastName: "Hopper", Email: "grace@example.edu"}
	must(t, st.CreateStudent(ctx(t), &f.student))
	return f
}

func (f fixture) session(t *testing.T, st store.Store) *proctor.Session {
	t.Helper()
	s := &proctor.Session{ExamID: f.exam.ID, StudentID: f.student.ID, CreatedAt: t0, ClientStartedAt: t0}
	must(t, st.CreateSession(ctx(t), s))
	return s
}
