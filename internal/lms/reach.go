package lms

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"vigil/internal/lti"
)

// Why an LMS may fail to reach Vigil. After a deep linking return the LMS
// fetches Vigil's key set to check the signed response; Moodle's HTTP
// security blocks, by default, requests to private and loopback addresses
// and to ports other than 80 and 443, and then shows a bare error. Vigil
// cannot see that failure, so its return page says beforehand what would
// probably cause it.

// ReachHints lists what, in Vigil's public address, an LMS (product as its
// OpenID configuration names it, "" when unknown) would probably refuse
// to call. None: nothing known.
func ReachHints(base, product string) []string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return []string{fmt.Sprintf("Vigil's address (--base-url %q) is not a URL the LMS can call.", base)}
	}
	moodle := product == "" || strings.EqualFold(product, "moodle")
	var hints []string
	host, port := u.Hostname(), u.Port()
	if ip := net.ParseIP(host); ip != nil && (ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast()) || host == "localhost" {
		h := fmt.Sprintf("Vigil's address %s is a private or loopback address, which the LMS's server may not reach or may refuse to call.", u.Host)
		if moodle {
			h += " Moodle blocks such addresses by default: Site administration → General → Security → HTTP security → " +
				"“cURL blocked hosts list” must not list " + host + " (nor a range holding it)."
		}
		hints = append(hints, h)
	}
	if port != "" && port != "80" && port != "443" {
		h := fmt.Sprintf("Vigil listens on port %s.", port)
		if moodle {
			h += " Moodle calls only ports 80 and 443 by default: add " + port +
				" to Site administration → General → Security → HTTP security → “cURL allowed ports list”."
		} else {
			h += " Some LMSs call only ports 80 and 443."
		}
		hints = append(hints, h)
	}
	if u.Scheme != "https" {
		hints = append(hints, "Vigil's address is plain http: most LMSs (Canvas always) call tools only over https.")
	}
	return hints
}

// DeepLinkHints are ReachHints for the LMS a deep linking request came from.
func (s *Service) DeepLinkHints(ctx context.Context, l *lti.Launch) []string {
	product := ""
	if p, err := s.Store.GetPlatform(ctx, l.PlatformID); err == nil {
		product = p.Product
	}
	return ReachHints(s.Base, product)
}
