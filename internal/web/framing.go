package web

import (
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"vigil/internal/proctor"
)

// ancestorCache holds the frame-ancestors list: 'self' and the origins of
// the registered LMSs (issuer, authorisation endpoint, Canvas address),
// read again at most every ancestorsTTL so a platform registered from
// the command line is framed within a minute.
type ancestorCache struct {
	mu      sync.Mutex
	value   string
	fetched time.Time
}

const ancestorsTTL = time.Minute

func (s *Server) frameAncestors(r *http.Request) string {
	c := &s.ancestors
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value != "" && s.Now().Sub(c.fetched) < ancestorsTTL {
		return c.value
	}
	set := map[string]bool{}
	if ps, err := s.platforms(r); err == nil {
		for _, p := range ps {
			for _, raw := range []string{p.Issuer, p.AuthURL, p.CanvasURL} {
				if o := origin(raw); o != "" && o != "://" {
					set[o] = true
				}
			}
		}
	} else {
		s.Log.Error("list platforms for frame-ancestors", "err", err)
	}
	origins := []string{"'self'"}
	for o := range set {
		origins = append(origins, o)
	}
	sort.Strings(origins[1:])
	c.value, c.fetched = strings.Join(origins, " "), s.Now()
	return c.value
}

// platforms are the registered LMSs (none on a server without an LMS side).
func (s *Server) platforms(r *http.Request) ([]proctor.Platform, error) {
	if s.LTI == nil {
		return nil, nil
	}
	return s.LTI.LMS.Platforms(r.Context())
}

// forgetAncestors makes the next request read the platforms again.
func (s *Server) forgetAncestors() {
	s.ancestors.mu.Lock()
	s.ancestors.value = ""
	s.ancestors.mu.Unlock()
}

// isLoopback reports whether a base URL names this computer.
func isLoopback(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
