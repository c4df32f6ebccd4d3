package web_test

import (
	"fmt"
	"net/url"
	"time"
)

// matrixRows is the expected status table, route by route, in the order
// the checks run (finishing a session comes last: it closes uploads).
func matrixRows() []row {
	form := url.Values{}
	events := []byte(`{"events":[]}`)
	batchType, batch := multipartOf(part{"events/0", "application/json", time.Time{}, events})
	return []row{
		// The capture API.
		{"GET /api/v1/sessions/{id}", apiCall("GET", "/api/v1/sessions/%d", "", nil), capture},
		{"PUT /api/v1/sessions/{id}/frames/{seq}", apiCall("PUT", "/api/v1/sessions/%d/frames/1", "image/jpeg", frameJPEG()), capture},
		{"PUT /api/v1/sessions/{id}/chunks/{stream}/{seq}", func(c *courseWorld) call {
			return call{method: "PUT", path: chunk(c.session.id, "webcam", 1), body: webm(), ctype: "video/webm", header: chunkHeaders()}
		}, capture},
		{"PUT /api/v1/sessions/{id}/events/{batch}", apiCall("PUT", "/api/v1/sessions/%d/events/0", "application/json", events), capture},
		{"POST /api/v1/sessions/{id}/uploads", apiCall("POST", "/api/v1/sessions/%d/uploads", batchType, batch), capture},
		{"PUT /api/v1/sessions/{id}/audio/{seq}", apiCall("PUT", "/api/v1/sessions/%d/audio/0", "application/octet-stream", []byte{1, 2}),
			capture.with(map[int][2]int{student: {415, 403}, studentElsewhere: {403, 415}})}, // checked, then refused as not audio
		{"PUT /api/v1/sessions/{id}/photos/{purpose}/{kind}/{attempt}", apiCall("PUT", "/api/v1/sessions/%d/photos/verification/face/2", "image/jpeg", frameJPEG()), capture},
		{"POST /api/v1/sessions/{id}/speedtest", apiCall("POST", "/api/v1/sessions/%d/speedtest", "application/octet-stream", []byte("x")), capture},
		{"POST /api/v1/sessions/{id}/pairing", apiCall("POST", "/api/v1/sessions/%d/pairing", "application/json", []byte(`{"kind":"agent"}`)),
			capture.with(map[int][2]int{student: {201, 403}, studentElsewhere: {403, 201}})},
		{"GET /api/v1/sessions/{id}/companions", apiCall("GET", "/api/v1/sessions/%d/companions", "", nil), capture},
		// A companion's own endpoints: the proctoring window's token is refused.
		{"GET /api/v1/sessions/{id}/companion", apiCall("GET", "/api/v1/sessions/%d/companion", "", nil),
			capture.with(map[int][2]int{student: {403, 403}, studentElsewhere: {403, 403}})},
		{"PUT /api/v1/sessions/{id}/sources/{source}/events/{batch}", apiCall("PUT", "/api/v1/sessions/%d/sources/agent/events/0", "application/json", events),
			capture.with(map[int][2]int{student: {403, 403}, studentElsewhere: {403, 403}})},
		{"GET /api/v1/sessions/{id}/access_code", apiCall("GET", "/api/v1/sessions/%d/access_code", "", nil), // no LMS quiz: none
			capture.with(map[int][2]int{student: {404, 403}, studentElsewhere: {403, 404}})},
		{"GET /api/v1/sessions/{id}/quiz_password", apiCall("GET", "/api/v1/sessions/%d/quiz_password", "", nil), // no password: none
			capture.with(map[int][2]int{student: {404, 403}, studentElsewhere: {403, 404}})},
		{"POST /api/v1/sessions", func(*courseWorld) call {
			return call{method: "POST", path: "/api/v1/sessions", body: []byte(`{"link":"no-such-link"}`), ctype: "application/json"}
		}, same(401)},
		{"POST /api/v1/pair", func(*courseWorld) call {
			return call{method: "POST", path: "/api/v1/pair", body: []byte(`{"code":"000000","kind":"agent"}`), ctype: "application/json"}
		}, same(401)},
		{"/api/", get0("/api/v2/nothing"), open404},
		{"/", get0("/no/such/page"), open404},
		{"GET /s/{token}", get0("/s/no-such-link"), open200}, // the page holds nothing; the link is checked by the API
		// The student's own side: only the session's own token; evidence and
		// explanations only once an instructor has released the review.
		{"GET /api/v1/sessions/{id}/about", apiCall("GET", "/api/v1/sessions/%d/about", "", nil), capture},
		{"POST /api/v1/sessions/{id}/consent", apiCall("POST", "/api/v1/sessions/%d/consent", "", nil), capture},
		{"GET /api/v1/sessions/{id}/receipt", apiCall("GET", "/api/v1/sessions/%d/receipt", "", nil), capture},
		{"GET /api/v1/sessions/{id}/review", apiCall("GET", "/api/v1/sessions/%d/review", "", nil), capture}, // "not released"
		{"PUT /api/v1/sessions/{id}/explanations", apiCall("PUT", "/api/v1/sessions/%d/explanations", "application/json", []byte(`{"explanations":[]}`)),
			capture.with(map[int][2]int{student: {404, 403}, studentElsewhere: {403, 404}})},
		{"GET /api/v1/sessions/{id}/evidence/{violation}/frames/{seq}", func(c *courseWorld) call {
			return call{method: "GET", path: fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/frames/0", c.session.id, c.violation)}
		}, capture.with(map[int][2]int{student: {404, 403}, studentElsewhere: {403, 404}})},
		{"GET /api/v1/sessions/{id}/evidence/{violation}/audio", func(c *courseWorld) call {
			return call{method: "GET", path: fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/audio", c.session.id, c.audioViolation)}
		}, capture.with(map[int][2]int{student: {404, 403}, studentElsewhere: {403, 404}})},
		{"GET /api/v1/sessions/{id}/evidence/{violation}/photos/{photo}", func(c *courseWorld) call {
			return call{method: "GET", path: fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/photos/%d", c.session.id, c.violation, c.photo)}
		}, capture.with(map[int][2]int{student: {404, 403}, studentElsewhere: {403, 404}})},
		{"GET /api/v1/sessions/{id}/evidence/{violation}/screen", func(c *courseWorld) call {
			return call{method: "GET", path: fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/screen", c.session.id, c.violation)}
		}, capture.with(map[int][2]int{student: {404, 403}, studentElsewhere: {403, 404}})},
		// A student's signed link to their screen recording: without a
		// signature it is refused to everyone.
		{"GET /evidence/screen/{id}/{violation}", func(c *courseWorld) call {
			return call{method: "GET", path: fmt.Sprintf("/evidence/screen/%d/%d?e=9999999999&s=x", c.session.id, c.violation)}
		}, same(403)},

		// LTI: the LMS's ways in; with nothing valid, refused alike for all.
		{"GET /lti/login", get0("/lti/login"), same(400)},
		{"POST /lti/login", post0("/lti/login", form), same(400)},
		{"POST /lti/launch", post0("/lti/launch", form), same(400)},
		{"POST /lti/verify", post0("/lti/verify", form), same(400)},
		{"POST /lti/confirm", post0("/lti/confirm", form), same(400)},
		{"GET /lti/jwks", get0("/lti/jwks"), open200},
		{"GET /lti/canvas.json", get0("/lti/canvas.json"), open200},
		// Dynamic Registration: without the LMS's parameters a page that says
		// where to paste the address; with them, an unknown link is refused.
		{"GET /lti/register/{token}", get0("/lti/register/nothing"), open200},
		{"GET /lti/register/{token}", get0("/lti/register/nothing?openid_configuration=https%3A%2F%2Flms.invalid%2Foidc"), same(400)},
		{"POST /lti/register/{token}", post0("/lti/register/nothing", form), same(400)},
		{"GET /lti/cookie-check", get0("/lti/cookie-check"), anyUser.with(map[int][2]int{anon: {401, 401}, student: {401, 401},
			studentElsewhere: {401, 401}, assistant: {204, 204}, instructor: {204, 204}, instructorElsewhere: {204, 204},
			lmsAdminElsewhere: {204, 204}, globalAdmin: {204, 204}})}, // did the session cookie come back?
		// The hand-off is refused unless Vigil's own page opened it (login CSRF).
		{"GET /lti/handoff/{token}", get0("/lti/handoff/nothing"), same(403)},
		{"POST /lti/handoff/{token}", post0("/lti/handoff/nothing", form), same(403)},
		{"GET /lti/dashboard", get0("/lti/dashboard"), open200},
		{"GET /lti/exam", get0("/lti/exam"), open200},
		{"GET /lti/proctoring/{id}/status", getf("/lti/proctoring/%d/status?k=x", sessionID), open404},
		{"GET /lti/proctoring/{id}/start", getf("/lti/proctoring/%d/start?k=x", sessionID), open404},
		{"GET /lti/deep-link", getf("/lti/deep-link?course=%d", courseID), dashRead.with(map[int][2]int{assistant: {403, 404}})},
		{"POST /lti/deep-link", func(c *courseWorld) call {
			return call{method: "POST", path: "/lti/deep-link", form: url.Values{"course": {fmt.Sprint(c.course.ID)}, "k": {"x"}}}
		}, dashChange.with(map[int][2]int{instructor: {401, 404}, instructorElsewhere: {404, 401}, globalAdmin: {401, 401}})},
		{"POST /courses/{id}/request", postf("/courses/%d/request", courseID, form),
			dashChange.with(map[int][2]int{instructor: {409, 404}, instructorElsewhere: {404, 409}, globalAdmin: {404, 404}})},
		{"POST /courses/{id}/quizzes/{quiz}/proctor", postf("/courses/%d/quizzes/1/proctor", courseID, form),
			dashChange.with(map[int][2]int{instructor: {400, 404}, instructorElsewhere: {404, 400}, globalAdmin: {400, 400}})},
		{"GET /canvas/connect", getf("/canvas/connect?course=%d", courseID),
			dashRead.with(map[int][2]int{assistant: {403, 404}, instructor: {400, 404}, instructorElsewhere: {404, 400}, globalAdmin: {400, 400}})},
		{"GET /canvas/callback", get0("/canvas/callback"), anyUser.with(map[int][2]int{assistant: {403, 403}, instructor: {403, 403},
			instructorElsewhere: {403, 403}, lmsAdminElsewhere: {403, 403}, globalAdmin: {403, 403}})},
		{"POST /sessions/{id}/lms-control", postf("/sessions/%d/lms-control", sessionID, url.Values{"action": {"flag"}}),
			dashChange.with(map[int][2]int{instructor: {400, 404}, instructorElsewhere: {404, 400}, globalAdmin: {400, 400}})}, // not an LMS attempt
		{"POST /admin/platforms", post0("/admin/platforms", form), adminPost.with(map[int][2]int{globalAdmin: {400, 400}})},
		{"POST /admin/platforms/{id}/join", post0("/admin/platforms/999999/join", url.Values{"into": {"999998"}}),
			adminPost.with(map[int][2]int{globalAdmin: {400, 400}})},
		{"POST /admin/registration-links", post0("/admin/registration-links", form), adminPost.with(map[int][2]int{globalAdmin: {200, 200}})},
		{"POST /admin/requests/{id}", func(c *courseWorld) call {
			return call{method: "POST", path: fmt.Sprintf("/admin/requests/%d", c.request), form: url.Values{"decision": {"deny"}}}
		}, adminPost},
		{"POST /admin/keys/rotate", post0("/admin/keys/rotate", form), adminPost},
		{"GET /admin/outbox", get0("/admin/outbox"), adminGet},

		// Signing in and out.
		{"GET /signin", get0("/signin"), open200},
		{"POST /signin", post0("/signin", form), same(401)},
		{"GET /signin/link/{token}", get0("/signin/link/nothing"), open200},
		{"POST /signin/link/{token}", post0("/signin/link/nothing", form), open200},
		{"POST /signout", post0("/signout", form), anyUser.with(map[int][2]int{anon: {401, 401}, student: {401, 401},
			studentElsewhere: {401, 401}, assistant: {303, 303}, instructor: {303, 303}, instructorElsewhere: {303, 303},
			lmsAdminElsewhere: {303, 303}, globalAdmin: {303, 303}})},

		// The review dashboard.
		{"GET /{$}", get0("/?all=1"), anyUser},
		{"GET /courses/{id}", getf("/courses/%d", courseID), dashRead},
		{"GET /exams/{id}/sessions", getf("/exams/%d/sessions", examID), dashRead},
		{"GET /exams/{id}/sessions.csv", getf("/exams/%d/sessions.csv", examID), dashRead},
		{"GET /exams/{id}/charts", getf("/exams/%d/charts", examID), dashRead},
		{"GET /exams/{id}/live", getf("/exams/%d/live", examID), dashRead},
		// The stream itself is held open only for Accept: text/event-stream
		// (TestLiveStream); asked otherwise, an authorised viewer gets 400.
		{"GET /exams/{id}/live/events", getf("/exams/%d/live/events", examID),
			dashRead.with(map[int][2]int{assistant: {400, 404}, instructor: {400, 404}, instructorElsewhere: {404, 400}, globalAdmin: {400, 400}})},
		{"GET /exams/{id}/settings", getf("/exams/%d/settings", examID), dashRead},
		{"POST /exams/{id}/settings", postf("/exams/%d/settings", examID, url.Values{"proctoring": {"on"}}), dashChange},
		{"POST /exams/{id}/quiz-password", postf("/exams/%d/quiz-password", examID, url.Values{"action": {"make"}}), dashChange},
		{"POST /exams/{id}/accommodations", func(c *courseWorld) call {
			return call{method: "POST", path: fmt.Sprintf("/exams/%d/accommodations", c.exam.ID), form: url.Values{"student": {fmt.Sprint(c.student.ID)}}}
		}, dashChange},
		{"POST /exams/{id}/links", func(c *courseWorld) call {
			return call{method: "POST", path: fmt.Sprintf("/exams/%d/links", c.exam.ID), form: url.Values{"student": {fmt.Sprint(c.student.ID)}}}
		}, dashChange.with(map[int][2]int{instructor: {200, 404}, instructorElsewhere: {404, 200}, globalAdmin: {200, 200}})},
		{"GET /sessions/{id}", getf("/sessions/%d", sessionID), dashRead},
		{"GET /sessions/{id}/timeline.json", getf("/sessions/%d/timeline.json", sessionID), jsonRead},
		{"POST /violations/{id}/decision", func(c *courseWorld) call {
			return call{method: "POST", path: fmt.Sprintf("/violations/%d/decision", c.violation), form: url.Values{"decision": {"excused"}}}
		}, dashChange},
		{"POST /sessions/{id}/decisions", func(c *courseWorld) call {
			return call{method: "POST", path: fmt.Sprintf("/sessions/%d/decisions", c.session.id),
				form: url.Values{"scope": {"selected"}, "violation": {fmt.Sprint(c.violation)}, "decision": {"excused"}}}
		}, dashChange},
		{"POST /sessions/{id}/notes", postf("/sessions/%d/notes", sessionID, url.Values{"note": {"seen"}}), dashChange},
		{"POST /sessions/{id}/reviewed", postf("/sessions/%d/reviewed", sessionID, url.Values{"reviewed": {"true"}}), dashChange},
		// Releasing to the student: refused while the course's student review is off (409).
		{"POST /sessions/{id}/release", postf("/sessions/%d/release", sessionID, url.Values{"until": {"2099-01-01"}}),
			dashChange.with(map[int][2]int{instructor: {409, 404}, instructorElsewhere: {404, 409}, globalAdmin: {409, 409}})},
		{"POST /courses/{id}/student-review", postf("/courses/%d/student-review", courseID, url.Values{}), dashChange},

		// Evidence exports.
		{"POST /exports", func(c *courseWorld) call {
			return call{method: "POST", path: "/exports", form: url.Values{"scope": {"session"}, "session": {fmt.Sprint(c.session.id)}, "items": {"summary"}}}
		}, dashChange},
		{"GET /exports", get0("/exports"), anyUser},
		{"GET /exports.json", get0("/exports.json"), anyUser.with(map[int][2]int{anon: {401, 401}, student: {401, 401}, studentElsewhere: {401, 401}})},
		{"GET /exports/{id}/download", func(c *courseWorld) call {
			return call{method: "GET", path: fmt.Sprintf("/exports/%d/download", c.export)}
		}, dashRead.with(map[int][2]int{assistant: {403, 404}, instructor: {403, 404}, instructorElsewhere: {404, 403}, globalAdmin: {403, 403}})},

		// Media.
		{"GET /media/sessions/{id}/frames/{seq}", getf("/media/sessions/%d/frames/0", sessionID), jsonRead},
		{"GET /media/photos/{id}", func(c *courseWorld) call { return call{method: "GET", path: fmt.Sprintf("/media/photos/%d", c.photo)} }, jsonRead},
		{"GET /media/sessions/{id}/video/{stream}", getf("/media/sessions/%d/video/webcam.webm", sessionID), jsonRead},
		{"GET /media/sessions/{id}/violations/{violation}/audio", func(c *courseWorld) call {
			return call{method: "GET", path: fmt.Sprintf("/media/sessions/%d/violations/%d/audio", c.session.id, c.audioViolation)}
		}, jsonRead},
		{"GET /media/sessions/{id}/violations/{violation}/waveform", func(c *courseWorld) call {
			return call{method: "GET", path: fmt.Sprintf("/media/sessions/%d/violations/%d/waveform", c.session.id, c.audioViolation)}
		}, jsonRead},

		// Administration.
		{"GET /admin", get0("/admin"), adminGet},
		{"POST /admin/retention", post0("/admin/retention", url.Values{"media_days": {"365"}, "onboarding_days": {"365"}}), adminPost},
		{"POST /admin/retention/courses/{id}", postf("/admin/retention/courses/%d", courseID, url.Values{"media_days": {"365"}, "onboarding_days": {"365"}}), adminPost},
		{"GET /admin/audit", get0("/admin/audit"), adminGet},
		{"GET /admin/audit.csv", get0("/admin/audit.csv"), adminGet},

		{"GET /static/", get0("/static/nothing.js"), open404},
		{"GET /healthz", get0("/healthz"), open200},
		{"GET /readyz", get0("/readyz"), open200},

		// Last: finishing closes the session to uploads.
		{"POST /api/v1/sessions/{id}/finish", apiCall("POST", "/api/v1/sessions/%d/finish", "application/json", []byte(`{}`)), capture},
	}
}
