package web

import (
	"vigil/internal/proctor"
)

// routes lists every route of the server in one place.
func (s *Server) routes(mux router) {
	// Capture client API (docs/API.md): session tokens, JSON errors.
	mux.HandleFunc("POST /api/v1/sessions", s.apiStart)
	mux.HandleFunc("GET /api/v1/sessions/{id}", s.api(s.apiStatus))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/frames/{seq}", s.api(s.apiPutFrame))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/chunks/{stream}/{seq}", s.api(s.apiPutChunk))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/events/{batch}", s.api(s.apiPutEvents))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/audio/{seq}", s.api(s.apiPutAudio))
	mux.HandleFunc("POST /api/v1/sessions/{id}/uploads", s.api(s.apiPostUploads))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/photos/{purpose}/{kind}/{attempt}", s.api(s.apiPutPhoto))
	mux.HandleFunc("POST /api/v1/sessions/{id}/finish", s.api(s.apiFinish))
	mux.HandleFunc("POST /api/v1/sessions/{id}/speedtest", s.api(s.apiSpeedTest))
	mux.HandleFunc("POST /api/v1/sessions/{id}/pairing", s.api(s.apiPairingCode))
	mux.HandleFunc("GET /api/v1/sessions/{id}/companions", s.api(s.apiCompanions))
	mux.HandleFunc("GET /api/v1/sessions/{id}/companion", s.apiAs(companionsOnly, s.apiCompanionConfig))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/sources/{source}/events/{batch}", s.apiAs(anySource, s.apiPutSourceEvents))
	mux.HandleFunc("POST /api/v1/pair", s.apiPair)
	mux.HandleFunc("/api/", s.apiNotFound)

	// The student's side: a session link opens the capture client.
	mux.HandleFunc("GET /s/{token}", s.studentPage)
	mux.HandleFunc("GET /api/v1/sessions/{id}/about", s.api(s.apiAbout))
	mux.HandleFunc("POST /api/v1/sessions/{id}/consent", s.api(s.apiConsent))
	mux.HandleFunc("GET /api/v1/sessions/{id}/receipt", s.api(s.apiReceipt))
	mux.HandleFunc("GET /api/v1/sessions/{id}/review", s.api(s.apiReview))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/explanations", s.api(s.apiExplain))
	mux.HandleFunc("GET /api/v1/sessions/{id}/evidence/{violation}/frames/{seq}", s.api(s.apiEvidenceFrame))
	mux.HandleFunc("GET /api/v1/sessions/{id}/evidence/{violation}/audio", s.api(s.apiEvidenceAudio))
	mux.HandleFunc("GET /api/v1/sessions/{id}/evidence/{violation}/photos/{photo}", s.api(s.apiEvidencePhoto))
	mux.HandleFunc("GET /api/v1/sessions/{id}/evidence/{violation}/screen", s.api(s.apiEvidenceScreen))
	mux.HandleFunc("GET /evidence/screen/{id}/{violation}", s.studentScreen) // a signed link, no cookie or token
	mux.HandleFunc("GET /api/v1/sessions/{id}/quiz_password", s.apiAs([]string{proctor.SourceBrowser}, s.apiQuizPassword))
	mux.HandleFunc("GET /api/v1/sessions/{id}/access_code", s.apiAs([]string{proctor.SourceBrowser, proctor.SourceExtension}, s.apiAccessCode))

	// LTI 1.3 (docs/LTI.md).
	if s.LTI != nil {
		s.ltiRoutes(mux)
	}

	// Sign-in.
	mux.HandleFunc("GET /signin", s.signInForm)
	mux.HandleFunc("POST /signin", s.signIn)
	mux.HandleFunc("GET /signin/link/{token}", s.signInLinkForm)
	mux.HandleFunc("POST /signin/link/{token}", s.signInLink)
	mux.HandleFunc("POST /signout", s.user(s.signOut))

	// Review dashboard.
	mux.HandleFunc("GET /{$}", s.user(s.coursesPage))
	mux.HandleFunc("GET /courses/{id}", s.user(s.coursePage))
	mux.HandleFunc("GET /exams/{id}/sessions", s.user(s.studentListPage))
	mux.HandleFunc("GET /exams/{id}/sessions.csv", s.user(s.studentListCSV))
	mux.HandleFunc("GET /exams/{id}/charts", s.user(s.chartsPage))
	mux.HandleFunc("GET /exams/{id}/live", s.user(s.livePage))
	mux.HandleFunc("GET /exams/{id}/live/events", s.user(s.liveEvents))
	mux.HandleFunc("GET /exams/{id}/settings", s.user(s.settingsPage))
	mux.HandleFunc("POST /exams/{id}/settings", s.user(s.saveSettings))
	mux.HandleFunc("POST /exams/{id}/quiz-password", s.user(s.quizPassword))
	mux.HandleFunc("POST /exams/{id}/accommodations", s.user(s.saveAccommodation))
	mux.HandleFunc("POST /exams/{id}/links", s.user(s.issueSessionLink))
	mux.HandleFunc("GET /sessions/{id}", s.user(s.sessionPage))
	mux.HandleFunc("GET /sessions/{id}/timeline.json", s.user(s.timelineJSON))
	mux.HandleFunc("POST /violations/{id}/decision", s.user(s.decideViolation))
	mux.HandleFunc("POST /sessions/{id}/decisions", s.user(s.decideMany))
	mux.HandleFunc("POST /sessions/{id}/notes", s.user(s.addNote))
	mux.HandleFunc("POST /sessions/{id}/reviewed", s.user(s.markReviewed))
	mux.HandleFunc("POST /sessions/{id}/release", s.user(s.releaseReview))
	mux.HandleFunc("POST /courses/{id}/student-review", s.user(s.saveStudentReview))

	// Evidence exports (docs/OPERATIONS.md).
	mux.HandleFunc("POST /exports", s.user(s.raiseExport))
	mux.HandleFunc("GET /exports", s.user(s.exportsPage))
	mux.HandleFunc("GET /exports.json", s.user(s.exportsJSON))
	mux.HandleFunc("GET /exports/{id}/download", s.user(s.downloadExport))

	// Media, each read authorised against the session's course.
	mux.HandleFunc("GET /media/sessions/{id}/frames/{seq}", s.user(s.frameImage))
	mux.HandleFunc("GET /media/photos/{id}", s.user(s.photoImage))
	mux.HandleFunc("GET /media/sessions/{id}/video/{stream}", s.user(s.videoFile))
	mux.HandleFunc("GET /media/sessions/{id}/violations/{violation}/audio", s.user(s.violationAudio))
	mux.HandleFunc("GET /media/sessions/{id}/violations/{violation}/waveform", s.user(s.violationWaveform))

	// Administration (administrators only; the LMS forms are in ltiRoutes).
	mux.HandleFunc("GET /admin", s.admin(s.adminPage))
	mux.HandleFunc("POST /admin/retention", s.admin(s.saveInstitutionRetention))
	mux.HandleFunc("POST /admin/retention/courses/{id}", s.admin(s.saveCourseRetention))
	mux.HandleFunc("GET /admin/audit", s.admin(s.auditPage))
	mux.HandleFunc("GET /admin/audit.csv", s.admin(s.auditCSV))

	mux.HandleFunc("GET /static/", s.static)
	mux.HandleFunc("/", s.notFoundPage)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", ReadyHandler(s.Schema, s.Blobs, s.storage.ready))
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.HandlerWithToken(s.MetricsToken))
	}
}

// ltiRoutes are the LMS's way in: login, launch, keys, configuration, and
// the pages launches lead to.
func (s *Server) ltiRoutes(mux router) {
	mux.HandleFunc("GET /lti/login", s.ltiLogin)
	mux.HandleFunc("POST /lti/login", s.ltiLogin)
	mux.HandleFunc("POST /lti/launch", s.ltiLaunch)
	mux.HandleFunc("POST /lti/verify", s.ltiVerify)
	mux.HandleFunc("POST /lti/confirm", s.ltiConfirm)
	mux.HandleFunc("GET /lti/jwks", s.ltiJWKS)
	mux.HandleFunc("GET /lti/canvas.json", s.canvasConfig)
	mux.HandleFunc("GET /lti/register/{token}", s.ltiRegisterForm)
	mux.HandleFunc("POST /lti/register/{token}", s.ltiRegister)
	mux.HandleFunc("GET /lti/cookie-check", s.ltiCookieCheck)
	mux.HandleFunc("GET /lti/handoff/{token}", s.ltiHandoffForm)
	mux.HandleFunc("POST /lti/handoff/{token}", s.ltiHandoff)
	mux.HandleFunc("GET /lti/dashboard", s.ltiTarget)
	mux.HandleFunc("GET /lti/exam", s.ltiTarget)
	mux.HandleFunc("GET /lti/deep-link", s.user(s.deepLinkForm))
	mux.HandleFunc("POST /lti/deep-link", s.user(s.deepLink))
	mux.HandleFunc("GET /lti/proctoring/{id}/status", s.proctoringStatus)
	mux.HandleFunc("GET /lti/proctoring/{id}/start", s.proctoringStart)
	mux.HandleFunc("POST /courses/{id}/request", s.user(s.requestCourse))
	mux.HandleFunc("POST /courses/{id}/quizzes/{quiz}/proctor", s.user(s.proctorQuiz))
	mux.HandleFunc("GET /canvas/connect", s.user(s.canvasConnect))
	mux.HandleFunc("GET /canvas/callback", s.user(s.canvasCallback))
	mux.HandleFunc("POST /sessions/{id}/lms-control", s.user(s.lmsControl))
	mux.HandleFunc("POST /admin/platforms", s.admin(s.savePlatform))
	mux.HandleFunc("POST /admin/platforms/{id}/join", s.admin(s.joinPlatform))
	mux.HandleFunc("POST /admin/registration-links", s.admin(s.newRegistrationLink))
	mux.HandleFunc("POST /admin/requests/{id}", s.admin(s.decideRequest))
	mux.HandleFunc("POST /admin/keys/rotate", s.admin(s.rotateKeys))
	mux.HandleFunc("GET /admin/outbox", s.admin(s.adminOutbox))
}
