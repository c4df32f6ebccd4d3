package lms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"vigil/internal/lti"
	"vigil/internal/proctor"
)

// Every place a launch leads has a name in words for the logs.
func TestKindNames(t *testing.T) {
	seen := map[string]Kind{}
	for k := GoDashboard; k <= GoCourses; k++ {
		name := k.String()
		if strings.HasPrefix(name, "kind_") || name == "" {
			t.Errorf("kind %d has no name", int(k))
		}
		if other, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d are both %q", int(other), int(k), name)
		}
		seen[name] = k
	}
	if got := Kind(0).String(); got != "kind_0" {
		t.Errorf("the zero kind is %q, want kind_0", got)
	}
}

// TestLaunchesLeadTo: where a launch leads, by who launches, the message
// and its target: teachers to the dashboard, an exam (made the first time
// its link is opened), the deep linking picker or, in a course Vigil is not
// enabled for, the request to enable it; students to their exam's
// proctoring window or LTI Proctoring's checks once the exam is set up, and
// otherwise to a message saying why not.
func TestLaunchesLeadTo(t *testing.T) {
	s, p, _ := newServiceAt(t)
	ctx := context.Background()
	closed := &proctor.Platform{Name: "Moodle", Issuer: "https://moodle.example.edu", ClientID: "vigil", AuthURL: "https://moodle.example.edu/auth",
		TokenURL: "https://moodle.example.edu/token", JWKSURL: "https://moodle.example.edu/jwks", CreatedAt: t0}
	must(t, db(s).CreatePlatform(ctx, closed))
	const examURL = "https://vigil.example.edu/lti/exam"
	teacher, learner := []string{lti.RoleInstructor}, []string{lti.RoleLearner}
	for i, c := range []struct {
		name     string
		roles    []string
		message  string
		target   string
		custom   map[string]string
		disabled bool   // the course is not enabled (its LMS does not enable courses)
		first    string // what happened before: "teacher" opened the exam link, "start" the student started proctoring
		wantKind Kind
		wantExam bool
		wantSays string // a message's words
		refused  string
	}{
		{"a teacher's dashboard link", teacher, lti.MsgResourceLink, "https://vigil.example.edu/lti/launch", nil, false, "", GoDashboard, false, "", ""},
		{"a teacher's exam link makes the exam", teacher, lti.MsgResourceLink, examURL, nil, false, "", GoExam, true, "", ""},
		{"a teacher's exam link again", teacher, lti.MsgResourceLink, examURL, nil, false, "teacher", GoExam, true, "", ""},
		{"a placed dashboard link wins over an exam target", teacher, lti.MsgResourceLink, examURL, map[string]string{"vigil_target": "dashboard"},
			false, "", GoDashboard, false, "", ""},
		{"deep linking", teacher, lti.MsgDeepLinking, "", nil, false, "", GoDeepLink, false, "", ""},
		{"deep linking from a proctored Canvas quiz offers its exam", teacher, lti.MsgDeepLinking, "", map[string]string{"canvas_quiz_id": "501"},
			false, "teacher", GoDeepLink, true, "", ""},
		{"a teacher's proctoring start", teacher, lti.MsgStartProctoring, "", nil, false, "", GoDashboard, false, "", ""},
		{"a teacher in a course not enabled", teacher, lti.MsgResourceLink, examURL, nil, true, "", GoRequest, false, "", ""},
		{"a student's dashboard link", learner, lti.MsgResourceLink, "https://vigil.example.edu/lti/launch", nil, false, "",
			GoInfo, false, "Vigil's dashboard is for instructors", ""},
		{"a student's exam link before the teacher opened it", learner, lti.MsgResourceLink, examURL, nil, false, "",
			GoInfo, false, "your instructor must open it once", ""},
		{"a student's exam link", learner, lti.MsgResourceLink, examURL, nil, false, "teacher", GoStudentExam, true, "", ""},
		{"a student in a course not enabled", learner, lti.MsgResourceLink, examURL, nil, true, "teacher", GoInfo, false, "not turned on", ""},
		{"a student's deep linking", learner, lti.MsgDeepLinking, "", nil, false, "", 0, false, "", lti.CodeForbidden},
		{"a student's proctoring start makes the exam", learner, lti.MsgStartProctoring, "", nil, false, "", GoProctoring, true, "", ""},
		{"a student's assessment end without an attempt", learner, lti.MsgEndAssessment, "", nil, false, "", GoInfo, false, "no proctored attempt", ""},
		{"a student's assessment end", learner, lti.MsgEndAssessment, "", nil, false, "start", GoEndAssessment, true, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			plat := p
			if c.disabled {
				plat = closed
			}
			launch := func(sub string, roles []string, message, target string) (*Outcome, error) {
				l := launchIn(plat, sub, fmt.Sprintf("k-%d", i), roles...)
				l.MessageType, l.TargetLinkURI, l.Custom = message, target, c.custom
				l.ResourceLink.Title = "Midterm"
				if message == lti.MsgStartProctoring || message == lti.MsgEndAssessment {
					l.Proctoring = &lti.Proctoring{AttemptNumber: 1, StartAssessmentURL: "https://lms.example.edu/start"}
				}
				return s.Complete(ctx, l)
			}
			switch c.first {
			case "teacher":
				_, err := launch("teacher", teacher, lti.MsgResourceLink, examURL)
				must(t, err)
			case "start":
				_, err := launch("student", learner, lti.MsgStartProctoring, "")
				must(t, err)
			}
			sub := "teacher"
			if slices.Equal(c.roles, learner) {
				sub = "student"
			}
			out, err := launch(sub, c.roles, c.message, c.target)
			var refusal *lti.Refusal
			if errors.As(err, &refusal) != (c.refused != "") || (refusal != nil && refusal.Code != c.refused) || (err != nil && refusal == nil) {
				t.Fatalf("outcome %+v, err %v; want refusal %q", out, err, c.refused)
			}
			if err != nil {
				return
			}
			if out.Kind != c.wantKind || (out.Exam != nil) != c.wantExam || !strings.Contains(out.Message, c.wantSays) {
				t.Fatalf("leads to %v (exam %v, message %q); want %v, an exam: %v, saying %q", out.Kind, out.Exam != nil, out.Message, c.wantKind, c.wantExam, c.wantSays)
			}
			if out.Exam != nil {
				exams, err := db(s).ListExams(ctx, out.Exam.CourseID)
				must(t, err)
				if len(exams) != 1 || out.Exam.Title != "Midterm" {
					t.Errorf("the course has %d exams, the launch's titled %q; want one, titled after the link", len(exams), out.Exam.Title)
				}
			}
			if (out.StudentLink != "") != (out.Kind == GoStudentExam || out.Kind == GoProctoring) {
				t.Errorf("a session link given: %v, for %v", out.StudentLink != "", out.Kind)
			}
			if (out.SessionID != 0) != (out.Kind == GoProctoring || out.Kind == GoEndAssessment) {
				t.Errorf("session %d given for %v", out.SessionID, out.Kind)
			}
		})
	}
}
