package devlms

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// startProctoring launches LtiStartProctoring for a student on the first
// seeded quiz and returns its claims.
func startProctoring(t *testing.T, f *fixture, student string) claims {
	t.Helper()
	end := newBrowser(t).get(f.launch(LaunchSpec{Kind: LaunchProctoring, CourseID: f.seed.CourseID, UserID: student, ResourceLinkID: f.seed.QuizIDs[0]}))
	if !strings.Contains(end.body, "tool launched: LtiStartProctoring") {
		t.Fatalf("proctoring launch: %d %s", end.status, end.body)
	}
	return f.tool.lastLaunch()
}

// startAssessment is the tool's LtiStartAssessment message answering c.
func startAssessment(f *fixture, c claims) map[string]any {
	m := f.tool.message(msgStartAssessment)
	m[claimLTI+"resource_link"] = map[string]any{"id": c.obj(claimLTI + "resource_link").str("id")}
	m[claimAP+"attempt_number"] = c[claimAP+"attempt_number"]
	m[claimAP+"session_data"] = c.str(claimAP + "session_data")
	return m
}

func attemptState(t *testing.T, f *fixture, user string, number int) string {
	t.Helper()
	for _, a := range f.p.Attempts() {
		if a.UserID == user && a.AttemptNumber == number {
			return a.State
		}
	}
	return ""
}

// The whole LTI Proctoring round trip: LtiStartProctoring with its claims,
// LtiStartAssessment from the tool, the quiz page, submission, and
// LtiEndAssessment back to the tool with the same attempt.
func TestProctoringFlow(t *testing.T) {
	f := newFixture(t, Options{})
	student := f.seed.StudentIDs[0]
	c := startProctoring(t, f, student)
	quiz, _ := f.p.Quiz(f.seed.CourseID, f.seed.QuizIDs[0])
	want := map[string]any{
		claimLTI + "resource_link":        map[string]any{"id": quiz.ID, "title": quiz.Title},
		claimAP + "attempt_number":        float64(1),
		claimAP + "start_assessment_url":  f.p.Issuer() + "/proctoring/start_assessment",
		claimAP + "end_assessment_return": true,
		claimAP + "acs": map[string]any{"assessment_control_url": f.p.Issuer() + "/acs",
			"actions": []any{"flag", "terminate", "pause", "resume", "update"}},
	}
	for k, v := range want {
		if !reflect.DeepEqual(c[k], v) {
			t.Errorf("claim %s = %#v, want %#v", k, c[k], v)
		}
	}
	session := c.str(claimAP + "session_data")
	if len(session) < 16 || attemptState(t, f, student, 1) != AttemptProctoring {
		t.Fatalf("session_data %q, attempt state %q", session, attemptState(t, f, student, 1))
	}

	b := newBrowser(t)
	quizPage := b.post(c.str(claimAP+"start_assessment_url"), map[string][]string{"JWT": {f.tool.sign(startAssessment(f, c))}})
	if quizPage.status != http.StatusOK {
		t.Fatalf("start assessment: %d %s", quizPage.status, quizPage.body)
	}
	mustContain(t, "quiz page", quizPage.body, "Assessment started", quiz.Title, "Submit quiz")
	if s := attemptState(t, f, student, 1); s != AttemptStarted {
		t.Fatalf("after LtiStartAssessment the attempt is %q", s)
	}
	attempt := f.p.Attempts()[0]
	end := b.post(f.p.Issuer()+"/proctoring/attempts/"+attempt.ID+"/submit", nil)
	if !strings.Contains(end.body, "tool launched: LtiEndAssessment") {
		t.Fatalf("submit: %d %s", end.status, end.body)
	}
	e := f.tool.lastLaunch()
	if e.str("sub") != student || e[claimAP+"attempt_number"] != float64(1) || e.str(claimAP+"session_data") != session ||
		e.obj(claimLTI+"resource_link").str("id") != quiz.ID {
		t.Errorf("LtiEndAssessment claims: sub %v attempt %v session %v link %v", e["sub"], e[claimAP+"attempt_number"], e[claimAP+"session_data"], e[claimLTI+"resource_link"])
	}
	if s := attemptState(t, f, student, 1); s != AttemptSubmitted {
		t.Errorf("after submission the attempt is %q", s)
	}
	if again := b.post(f.p.Issuer()+"/proctoring/attempts/"+attempt.ID+"/submit", nil); again.status != http.StatusConflict {
		t.Errorf("second submission: %d, want 409", again.status)
	}
	if unknown := b.post(f.p.Issuer()+"/proctoring/attempts/nope/submit", nil); unknown.status != http.StatusNotFound {
		t.Errorf("unknown attempt: %d, want 404", unknown.status)
	}
	// The next proctoring launch is attempt 2.
	if n := startProctoring(t, f, student)[claimAP+"attempt_number"]; n != float64(2) {
		t.Errorf("next attempt_number %v, want 2", n)
	}
}

// LtiStartAssessment messages that do not match the attempt are refused
// with a 400 page naming the check, and the attempt does not start.
func TestStartAssessmentRefusals(t *testing.T) {
	f := newFixture(t, Options{})
	c := startProctoring(t, f, f.seed.StudentIDs[1])
	with := func(change func(map[string]any)) string {
		m := startAssessment(f, c)
		change(m)
		return f.tool.sign(m)
	}
	cases := []struct{ name, jwt, want string }{
		{"session_data", with(func(m map[string]any) { m[claimAP+"session_data"] = "forged" }), "session_data"},
		{"attempt_number", with(func(m map[string]any) { m[claimAP+"attempt_number"] = 7 }), "attempt_number"},
		{"fractional attempt", with(func(m map[string]any) { m[claimAP+"attempt_number"] = 1.5 }), "attempt_number"},
		{"resource link", with(func(m map[string]any) { m[claimLTI+"resource_link"] = map[string]any{"id": "other"} }), "resource_link"},
		{"message type", with(func(m map[string]any) { m[claimLTI+"message_type"] = msgEndAssessment }), "message_type"},
		{"aud", with(func(m map[string]any) { m["aud"] = "vigil-client" }), "aud"},
		{"iss", with(func(m map[string]any) { m["iss"] = "stranger" }), "iss"},
		{"expired", with(func(m map[string]any) { m["exp"] = f.clock.Now().Add(-time.Second).Unix() }), "expired"},
		{"deployment", with(func(m map[string]any) { m[claimLTI+"deployment_id"] = "x" }), "deployment_id"},
	}
	for _, tc := range cases {
		end := postJWT(t, f.p.Issuer()+"/proctoring/start_assessment", tc.jwt)
		if end.status != http.StatusBadRequest || !strings.Contains(end.body, tc.want) {
			t.Errorf("%s: %d, want 400 naming %q:\n%s", tc.name, end.status, tc.want, end.body)
		}
	}
	if s := attemptState(t, f, f.seed.StudentIDs[1], 1); s != AttemptProctoring {
		t.Errorf("after refusals the attempt is %q, want proctoring", s)
	}
	good := f.tool.sign(startAssessment(f, c))
	if end := postJWT(t, f.p.Issuer()+"/proctoring/start_assessment", good); end.status != http.StatusOK {
		t.Fatalf("valid LtiStartAssessment: %d %s", end.status, end.body)
	}
	if end := postJWT(t, f.p.Issuer()+"/proctoring/start_assessment", good); end.status != http.StatusBadRequest || !strings.Contains(end.body, "nonce") {
		t.Errorf("replayed LtiStartAssessment: %d", end.status)
	}
}

// A tool without ProctoringEnabled gets no acs claim and no ACS scope.
func TestProctoringWithoutACS(t *testing.T) {
	f := newFixture(t, Options{})
	reg := f.tool.reg
	reg.ProctoringEnabled = false
	if err := f.p.RegisterTool(reg); err != nil {
		t.Fatal(err)
	}
	c := startProctoring(t, f, f.seed.StudentIDs[0])
	if _, has := c[claimAP+"acs"]; has {
		t.Error("acs claim sent to a tool without ProctoringEnabled")
	}
	if status, body := f.tool.requestToken(f.tool.sign(f.tool.assertion()), ScopeACS); status != http.StatusBadRequest || body["error"] != "invalid_scope" {
		t.Errorf("ACS scope for a tool without proctoring: %d %v", status, body)
	}
}

func postACS(t *testing.T, f *fixture, token, contentType, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.p.Issuer()+"/acs", strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", contentType)
	resp, answer := doJSON(t, req)
	m, _ := answer.(map[string]any)
	return resp, m
}

// The Assessment Control Service applies each action to the attempt,
// answers its status in the ACS media type, records every request, and
// refuses bad tokens, bodies and attempts with 401/403/415/400/404.
func TestAssessmentControlService(t *testing.T) {
	f := newFixture(t, Options{})
	student := f.seed.StudentIDs[2]
	c := startProctoring(t, f, student)
	postJWT(t, f.p.Issuer()+"/proctoring/start_assessment", f.tool.sign(startAssessment(f, c)))
	token := f.tool.accessToken(ScopeACS)
	quiz := f.seed.QuizIDs[0]
	control := func(action, extra string) string {
		return `{"user":{"iss":"` + f.p.Issuer() + `","sub":"` + student + `"},"resource_link":{"id":"` + quiz +
			`"},"attempt_number":1,"action":"` + action + `","incident_time":"2026-05-01T10:00:00Z","incident_severity":0.4,` +
			`"reason_code":"FACE_MISSING","reason_msg":"No face for 30 s"` + extra + `}`
	}
	steps := []struct {
		action, extra, status, state string
	}{
		{"flag", "", "running", AttemptStarted},
		{"pause", "", "paused", AttemptPaused},
		{"resume", "", "running", AttemptStarted},
		{"update", `,"extra_time":10`, "running", AttemptStarted},
		{"terminate", "", "terminated", AttemptTerminated},
		{"resume", "", "terminated", AttemptTerminated},
	}
	for _, s := range steps {
		resp, answer := postACS(t, f, token, MediaTypeACS+"; charset=utf-8", control(s.action, s.extra))
		if resp.StatusCode != http.StatusOK || answer["status"] != s.status || resp.Header.Get("Content-Type") != MediaTypeACS {
			t.Fatalf("%s: %d %v %s, want status %s", s.action, resp.StatusCode, answer, resp.Header.Get("Content-Type"), s.status)
		}
		if got := attemptState(t, f, student, 1); got != s.state {
			t.Errorf("after %s the attempt is %q, want %q", s.action, got, s.state)
		}
	}
	if a := f.p.Attempts()[0]; a.ExtraTime != 10 {
		t.Errorf("extra time %d, want 10", a.ExtraTime)
	}
	recorded := f.p.ACSRequests()
	if len(recorded) != len(steps) {
		t.Fatalf("%d ACS requests recorded, want %d", len(recorded), len(steps))
	}
	first := recorded[0]
	if first.Action != "flag" || first.UserSub != student || first.ResourceLinkID != quiz || first.AttemptNumber != 1 ||
		first.IncidentSeverity != 0.4 || first.ReasonCode != "FACE_MISSING" || first.ReasonMsg != "No face for 30 s" ||
		!first.IncidentTime.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) || first.ClientID != "vigil-client" || first.Status != "running" {
		t.Errorf("recorded %+v", first)
	}

	nrpsOnly := f.tool.accessToken(ScopeNRPS)
	bad := []struct {
		name, token, contentType, body string
		status                         int
	}{
		{"no token", "", MediaTypeACS, control("flag", ""), http.StatusUnauthorized},
		{"NRPS token", nrpsOnly, MediaTypeACS, control("flag", ""), http.StatusForbidden},
		{"JSON media type", token, "application/json", control("flag", ""), http.StatusUnsupportedMediaType},
		{"not JSON", token, MediaTypeACS, "{", http.StatusBadRequest},
		{"unknown action", token, MediaTypeACS, control("explode", ""), http.StatusBadRequest},
		{"no incident_time", token, MediaTypeACS, strings.Replace(control("flag", ""), `"incident_time":"2026-05-01T10:00:00Z",`, "", 1), http.StatusBadRequest},
		{"severity above 1", token, MediaTypeACS, strings.Replace(control("flag", ""), "0.4", "3", 1), http.StatusBadRequest},
		{"unknown attempt", token, MediaTypeACS, strings.Replace(control("flag", ""), `"attempt_number":1`, `"attempt_number":9`, 1), http.StatusNotFound},
		{"another user's attempt", token, MediaTypeACS, strings.Replace(control("flag", ""), student, f.seed.StudentIDs[0], 1), http.StatusNotFound},
	}
	for _, tc := range bad {
		if resp, answer := postACS(t, f, tc.token, tc.contentType, tc.body); resp.StatusCode != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, resp.StatusCode, answer, tc.status)
		}
	}
}
