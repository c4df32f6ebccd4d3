package devlms

import "net/http"

// routes maps every endpoint; docs/DEVLMS.md lists them.
func (p *Platform) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, p.needsBaseURL(h)) }

	// LTI 1.3 core: launches, OIDC authorization, keys.
	handle("GET /launch/{id}", p.handleLaunch)
	handle("GET /launch/{id}/initiate", p.handleInitiate)
	handle("GET /auth", p.handleAuth)
	handle("POST /auth", p.handleAuth)
	handle("GET /jwks", p.handleJWKS)

	// LTI Dynamic Registration.
	handle("GET /openid-configuration", p.handleOpenIDConfiguration)
	handle("POST /register", p.handleRegister)
	handle("GET /admin/register", p.handleRegisterPage)

	// LTI Advantage services.
	handle("POST /token", p.handleToken)
	handle("GET /nrps/{course_id}", p.handleMemberships)
	handle("POST /deep_link_return", p.handleDeepLinkReturn)
	handle("POST /proctoring/start_assessment", p.handleStartAssessment)
	handle("POST /proctoring/attempts/{id}/submit", p.handleSubmitAttempt)
	handle("POST /acs", p.handleACS)

	// Canvas-like REST API and its OAuth2.
	handle("GET /login/oauth2/auth", p.handleOAuthAuthorize)
	handle("POST /login/oauth2/token", p.handleOAuthToken)
	handle("GET /api/v1/courses/{course_id}/quizzes", p.canvasAPI(p.handleListQuizzes))
	handle("GET /api/v1/courses/{course_id}/quizzes/{id}", p.canvasAPI(p.handleGetQuiz))
	handle("PUT /api/v1/courses/{course_id}/quizzes/{id}", p.canvasAPI(p.handleUpdateQuiz))
	handle("GET /api/quiz/v1/courses/{course_id}/quizzes", p.canvasAPI(p.handleListNewQuizzes))
	handle("PATCH /api/quiz/v1/courses/{course_id}/quizzes/{assignment_id}", p.canvasAPI(p.handleUpdateNewQuiz))

	// The UI.
	handle("GET /{$}", p.handleHome)
	handle("POST /act-as", p.handleActAs)
	handle("POST /ui/launch", p.handleUILaunch)
	handle("GET /courses/{course_id}/quizzes/{quiz_id}", p.handleTakeQuiz)
	handle("GET /courses/{course_id}/quizzes/{quiz_id}/take", p.handleTakeQuiz)
	handle("POST /courses/{course_id}/quizzes/{quiz_id}/take", p.handleAccessCode)
	handle("POST /courses/{course_id}/quizzes/{quiz_id}/submit", p.handleSubmitQuiz)
	mux.Handle("GET /static/", staticHandler())
	return mux
}

// needsBaseURL refuses requests until SetBaseURL was called: every URL the
// platform writes (issuer, endpoints, links) derives from it.
func (p *Platform) needsBaseURL(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.base() == "" {
			http.Error(w, "devlms: SetBaseURL has not been called", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}
