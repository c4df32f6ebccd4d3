package web

import "net/http"

// routes lists every route of the server in one place.
func (s *Server) routes(mux *http.ServeMux) {
	// Capture client API (docs/API.md): session tokens, JSON errors.
	mux.HandleFunc("POST /api/v1/sessions", s.apiStart)
	mux.HandleFunc("GET /api/v1/sessions/{id}", s.api(s.apiStatus))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/frames/{seq}", s.api(s.apiPutFrame))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/chunks/{stream}/{seq}", s.api(s.apiPutChunk))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/events/{batch}", s.api(s.apiPutEvents))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/audio/{seq}", s.api(s.apiPutAudio))
	mux.HandleFunc("PUT /api/v1/sessions/{id}/photos/{purpose}/{kind}/{attempt}", s.api(s.apiPutPhoto))
	mux.HandleFunc("POST /api/v1/sessions/{id}/finish", s.api(s.apiFinish))
	mux.HandleFunc("POST /api/v1/sessions/{id}/speedtest", s.api(s.apiSpeedTest))
	mux.HandleFunc("/api/", s.apiNotFound)

	// The student's side: a session link opens the capture client.
	mux.HandleFunc("GET /s/{token}", s.studentPage)

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
	mux.HandleFunc("GET /exams/{id}/settings", s.user(s.settingsPage))
	mux.HandleFunc("POST /exams/{id}/settings", s.user(s.saveSettings))
	mux.HandleFunc("POST /exams/{id}/accommodations", s.user(s.saveAccommodation))
	mux.HandleFunc("POST /exams/{id}/links", s.user(s.issueSessionLink))
	mux.HandleFunc("GET /sessions/{id}", s.user(s.sessionPage))
	mux.HandleFunc("GET /sessions/{id}/timeline.json", s.user(s.timelineJSON))
	mux.HandleFunc("POST /violations/{id}/decision", s.user(s.decideViolation))
	mux.HandleFunc("POST /sessions/{id}/notes", s.user(s.addNote))
	mux.HandleFunc("POST /sessions/{id}/reviewed", s.user(s.markReviewed))

	// Media, each read authorised against the session's course.
	mux.HandleFunc("GET /media/sessions/{id}/frames/{seq}", s.user(s.frameImage))
	mux.HandleFunc("GET /media/photos/{id}", s.user(s.photoImage))
	mux.HandleFunc("GET /media/sessions/{id}/video/{stream}", s.user(s.videoFile))

	mux.HandleFunc("GET /static/", s.static)
	mux.HandleFunc("GET /healthz", s.healthz)
}
