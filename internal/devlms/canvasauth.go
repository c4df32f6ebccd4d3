package devlms

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Lifetimes of the Canvas-like OAuth2 flow.
const (
	apiTokenTTL  = time.Hour
	oauthCodeTTL = 10 * time.Minute
)

// userCookie names the cookie holding the user the browser acts as.
const userCookie = "devlms_user"

// canvasAuth holds the REST API's credentials.
type canvasAuth struct {
	tokens  map[string]apiToken     // access token → owner
	codes   map[string]oauthCode    // authorization code → grant
	refresh map[string]refreshGrant // refresh token → grant
}

type apiToken struct {
	userID  string
	expires time.Time // zero: never, like a manually generated Canvas token
}

type oauthCode struct {
	clientID, redirectURI, userID string
	expires                       time.Time
}

type refreshGrant struct {
	clientID, userID string
}

func newCanvasAuth() canvasAuth {
	return canvasAuth{tokens: map[string]apiToken{}, codes: map[string]oauthCode{}, refresh: map[string]refreshGrant{}}
}

// IssueAPIToken returns a bearer token for the Canvas-like REST API acting
// as the user, like a token generated on a Canvas profile page; it does not
// expire. A token for an unknown user is refused by the API.
func (p *Platform) IssueAPIToken(userID string) string {
	tok := "1~" + randomID(24)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state.canvas.tokens[tok] = apiToken{userID: userID}
	return tok
}

// handleOAuthAuthorize is Canvas's /login/oauth2/auth. There is no consent
// screen: the dev platform approves at once for the user of the
// devlms_user cookie.
func (p *Platform) handleOAuthAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	key, known := p.state.devKeys[q.Get("client_id")]
	p.mu.Unlock()
	switch {
	case !known:
		writeJSON(w, http.StatusUnauthorized, "application/json", map[string]string{"error": "invalid_client", "error_description": "unknown client"})
		return
	case q.Get("response_type") != "code":
		writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "unsupported_response_type", "error_description": "response_type must be code"})
		return
	case !slices.Contains(key.RedirectURIs, q.Get("redirect_uri")):
		writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "invalid_request", "error_description": "redirect_uri does not match client settings"})
		return
	}
	user := p.cookieUser(r)
	if user == nil {
		p.renderProblem(w, http.StatusUnauthorized, "Choose a user first", "The dev LMS approves API access for the user you act as. Pick one on the home page, then start the authorization again.")
		return
	}
	code := randomID(16)
	p.mu.Lock()
	p.state.canvas.codes[code] = oauthCode{clientID: key.ClientID, redirectURI: q.Get("redirect_uri"), userID: user.ID, expires: p.now().Add(oauthCodeTTL)}
	p.mu.Unlock()
	target, _ := url.Parse(q.Get("redirect_uri")) // registered, hence parsed before
	query := target.Query()
	query.Set("code", code)
	if state := q.Get("state"); state != "" {
		query.Set("state", state)
	}
	target.RawQuery = query.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// handleOAuthToken is Canvas's /login/oauth2/token for the
// authorization_code and refresh_token grants.
func (p *Platform) handleOAuthToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	f := r.PostForm
	p.mu.Lock()
	defer p.mu.Unlock()
	key, known := p.state.devKeys[f.Get("client_id")]
	if !known || key.Secret != f.Get("client_secret") {
		writeJSON(w, http.StatusUnauthorized, "application/json", map[string]string{"error": "invalid_client", "error_description": "unknown client"})
		return
	}
	var userID, refresh string
	switch f.Get("grant_type") {
	case "authorization_code":
		code, ok := p.state.canvas.codes[f.Get("code")]
		delete(p.state.canvas.codes, f.Get("code"))
		if !ok || p.now().After(code.expires) || code.clientID != key.ClientID || code.redirectURI != f.Get("redirect_uri") {
			writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "invalid_grant", "error_description": "authorization_code not found"})
			return
		}
		userID = code.userID
		refresh = "1~" + randomID(24)
		p.state.canvas.refresh[refresh] = refreshGrant{clientID: key.ClientID, userID: userID}
	case "refresh_token":
		grant, ok := p.state.canvas.refresh[f.Get("refresh_token")]
		if !ok || grant.clientID != key.ClientID {
			writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "invalid_grant", "error_description": "refresh_token not found"})
			return
		}
		userID = grant.userID
	default:
		writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "unsupported_grant_type", "error_description": "grant_type must be authorization_code or refresh_token"})
		return
	}
	access := "1~" + randomID(24)
	p.state.canvas.tokens[access] = apiToken{userID: userID, expires: p.now().Add(apiTokenTTL)}
	name := ""
	if u := p.state.user(userID); u != nil {
		name = u.Name()
	}
	answer := map[string]any{
		"access_token": access,
		"token_type":   "Bearer",
		"user":         map[string]any{"id": canvasID(userID), "name": name},
		"expires_in":   int(apiTokenTTL.Seconds()),
	}
	// Like Canvas, a refresh answers no new refresh token: the old one stays valid.
	if refresh != "" {
		answer["refresh_token"] = refresh
	}
	writeJSON(w, http.StatusOK, "application/json", answer)
}

// apiUser returns the user of a REST API request's bearer token, the token,
// and whether the token was given at all.
func (p *Platform) apiUser(r *http.Request) (user *User, token string, given bool) {
	token, given = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	if !given || token == "" {
		return nil, "", false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.state.canvas.tokens[token]
	if !ok || (!t.expires.IsZero() && p.now().After(t.expires)) {
		return nil, token, true
	}
	if u := p.state.user(t.userID); u != nil {
		copied := *u
		return &copied, token, true
	}
	return nil, token, true
}

// cookieUser is the user the browser acts as, from the devlms_user cookie.
func (p *Platform) cookieUser(r *http.Request) *User {
	c, err := r.Cookie(userCookie)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if u := p.state.user(c.Value); u != nil {
		copied := *u
		return &copied
	}
	return nil
}

// canvasID renders an id as Canvas's JSON does: a number when numeric.
func canvasID(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return n
	}
	return id
}
