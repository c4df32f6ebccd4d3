package canvas

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Token is an instructor's OAuth2 token for a Canvas instance.
type Token struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// AuthorizeURL is where an instructor authorises Vigil on Canvas (OAuth2
// authorisation code flow with a developer key).
func AuthorizeURL(base, clientID, redirectURI, state string) string {
	q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {redirectURI}, "state": {state}}
	return strings.TrimRight(base, "/") + "/login/oauth2/auth?" + q.Encode()
}

// Exchange trades an authorisation code, or (with refresh set) a refresh
// token, for an access token.
func Exchange(ctx context.Context, client *http.Client, base, clientID, secret, redirectURI, codeOrRefresh string, refresh bool) (*Token, time.Time, error) {
	form := url.Values{"client_id": {clientID}, "client_secret": {secret}, "redirect_uri": {redirectURI}}
	if refresh {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", codeOrRefresh)
	} else {
		form.Set("grant_type", "authorization_code")
		form.Set("code", codeOrRefresh)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/login/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return nil, time.Time{}, &Error{Message: "Canvas could not be reached: " + err.Error()}
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, maxBody))
	var t Token
	if err := json.Unmarshal(data, &t); err != nil || res.StatusCode != http.StatusOK || t.AccessToken == "" {
		return nil, time.Time{}, &Error{Status: res.StatusCode, Message: fmt.Sprintf("Canvas refused the authorisation: %s %s", t.Error, t.Description)}
	}
	return &t, start.Add(time.Duration(max(t.ExpiresIn, 60)) * time.Second), nil
}
