package devlms

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// handleAuth is the OIDC authorization endpoint: the tool's answer to the
// login initiation. On success it form-posts the id_token to redirect_uri.
func (p *Platform) handleAuth(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.renderProblem(w, http.StatusBadRequest, "Bad authorization request", err.Error())
		return
	}
	q := r.Form
	pl, problem := p.checkAuthRequest(q)
	if problem != "" {
		p.renderProblem(w, http.StatusBadRequest, "Launch refused", problem)
		return
	}
	token, err := p.launchIDToken(pl, q.Get("nonce"))
	if err != nil {
		p.renderProblem(w, http.StatusBadRequest, "Launch refused", err.Error())
		return
	}
	fields := url.Values{"id_token": {token}}
	if state := q.Get("state"); state != "" {
		fields.Set("state", state)
	}
	p.renderAutoPost(w, q.Get("redirect_uri"), fields, "Launching "+pl.tool.Name)
}

// checkAuthRequest validates the authorization request and consumes the
// pending launch it names. It returns a sentence naming the first problem.
// redirect_uri is checked before anything else can be posted to it.
func (p *Platform) checkAuthRequest(q url.Values) (*pendingLaunch, string) {
	clientID := q.Get("client_id")
	p.mu.Lock()
	defer p.mu.Unlock()
	tool := p.state.tool(clientID)
	if tool == nil {
		return nil, fmt.Sprintf("client_id %q is not a registered tool.", clientID)
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(tool.RedirectURIs, redirect) {
		return nil, fmt.Sprintf("redirect_uri %q is not one of the redirect URIs registered for client %s.", redirect, clientID)
	}
	if !slices.Contains(strings.Fields(q.Get("scope")), "openid") {
		return nil, fmt.Sprintf("scope must be openid; it is %q.", q.Get("scope"))
	}
	for _, param := range [][2]string{{"response_type", "id_token"}, {"response_mode", "form_post"}, {"prompt", "none"}} {
		if got := q.Get(param[0]); got != param[1] {
			return nil, fmt.Sprintf("%s must be %s; it is %q.", param[0], param[1], got)
		}
	}
	if q.Get("nonce") == "" {
		return nil, "nonce is missing."
	}
	hint := q.Get("lti_message_hint")
	pl, ok := p.state.launches[hint]
	if !ok || p.now().After(pl.expires) {
		return nil, fmt.Sprintf("lti_message_hint %q is not a live launch: it is unknown, already used or expired.", hint)
	}
	if pl.tool.ClientID != clientID {
		return nil, fmt.Sprintf("lti_message_hint belongs to a launch of client %s, not %s.", pl.tool.ClientID, clientID)
	}
	if got := q.Get("login_hint"); got != pl.spec.UserID {
		return nil, fmt.Sprintf("login_hint %q is not the user of this launch.", got)
	}
	delete(p.state.launches, hint)
	pl.tool = *tool // the registration as it is now
	return pl, ""
}
