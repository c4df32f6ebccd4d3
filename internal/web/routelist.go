package web

import "net/http"

// router is what routes registers on: the real mux, or a list of the
// patterns (for tests that must cover every route).
type router interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
	Handle(pattern string, handler http.Handler)
}

type patternList []string

func (p *patternList) HandleFunc(pattern string, _ func(http.ResponseWriter, *http.Request)) {
	*p = append(*p, pattern)
}

func (p *patternList) Handle(pattern string, _ http.Handler) { *p = append(*p, pattern) }

// RoutePatterns lists every route Handler serves, as registered
// ("GET /sessions/{id}"), so that a test can hold an expectation for each
// and notice a new route without one.
func (s *Server) RoutePatterns() []string {
	var p patternList
	s.routes(&p)
	return p
}
