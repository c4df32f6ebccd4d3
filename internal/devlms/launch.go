package devlms

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Launch kinds of LaunchSpec.Kind.
const (
	LaunchResource      = "resource"      // LtiResourceLinkRequest
	LaunchDeepLink      = "deeplink"      // LtiDeepLinkingRequest
	LaunchProctoring    = "proctoring"    // LtiStartProctoring
	LaunchEndAssessment = "endassessment" // LtiEndAssessment
)

// launchTTL is how long a launch URL stays usable.
const launchTTL = 5 * time.Minute

// LaunchSpec describes one launch of a tool by a user in a course.
type LaunchSpec struct {
	Kind string // LaunchResource (default), LaunchDeepLink, LaunchProctoring or LaunchEndAssessment
	// ClientID is the tool; "" means the only registered tool.
	ClientID, CourseID, UserID string
	// ResourceLinkID: for resource launches "" means the course navigation
	// link, and a quiz id the quiz's own link; for proctoring and end
	// assessment it is the quiz id; for deep linking "" means a module and
	// a quiz id the quiz's proctoring settings (the returned link becomes
	// the quiz's).
	ResourceLinkID, ResourceLinkTitle string
	TargetLinkURI                     string // "" = the tool's (its DeepLinkURL for deep linking)
	Custom                            map[string]string
	Initiation                        string // "GET" (default): 302 to the login URL; "POST": an auto-submitting form
	Frame                             string // "window" (default) or "iframe": inside a Canvas-like course page
	// StorageTarget adds lti_storage_target=_parent to an iframe launch;
	// the hosting page then answers the LTI postMessage storage protocol.
	StorageTarget bool
	// OmitClientID leaves client_id out of the login initiation (it is
	// optional in LTI; the deployment then names the registration).
	OmitClientID bool
	// AttemptNumber of proctoring and end assessment launches; 0 means the
	// next attempt (proctoring) or the latest one (end assessment).
	AttemptNumber int
}

// pendingLaunch is a launch waiting for the tool's authorization request;
// its id is the lti_message_hint.
type pendingLaunch struct {
	id      string
	spec    LaunchSpec // completed: tool, titles and target filled in
	tool    Tool
	expires time.Time
}

// StartLaunchURL stores a single-use launch and returns the platform URL
// that starts it in a browser.
func (p *Platform) StartLaunchURL(s LaunchSpec) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.baseURL == "" {
		return "", errors.New("devlms: call SetBaseURL before starting launches")
	}
	pl, err := p.completeLaunch(s)
	if err != nil {
		return "", fmt.Errorf("devlms: StartLaunchURL: %w", err)
	}
	now := p.now()
	for id, old := range p.state.launches {
		if now.After(old.expires) {
			delete(p.state.launches, id)
		}
	}
	pl.id = randomID(16)
	pl.expires = now.Add(launchTTL)
	p.state.launches[pl.id] = pl
	return p.baseURL + "/launch/" + pl.id, nil
}

// completeLaunch checks a spec against the directory and fills in its
// defaults. The caller holds p.mu.
func (p *Platform) completeLaunch(s LaunchSpec) (*pendingLaunch, error) {
	d := &p.state.directory
	s.Kind = orDefault(s.Kind, LaunchResource)
	s.Initiation = orDefault(s.Initiation, http.MethodGet)
	s.Frame = orDefault(s.Frame, "window")
	switch {
	case s.Kind != LaunchResource && s.Kind != LaunchDeepLink && s.Kind != LaunchProctoring && s.Kind != LaunchEndAssessment:
		return nil, fmt.Errorf("unknown Kind %q", s.Kind)
	case s.Initiation != http.MethodGet && s.Initiation != http.MethodPost:
		return nil, fmt.Errorf("the Initiation %q is neither GET nor POST", s.Initiation)
	case s.Frame != "window" && s.Frame != "iframe":
		return nil, fmt.Errorf("the Frame %q is neither window nor iframe", s.Frame)
	case s.StorageTarget && s.Frame != "iframe":
		return nil, errors.New("StorageTarget needs Frame iframe: only a hosting page can answer the storage messages")
	case s.AttemptNumber < 0:
		return nil, errors.New("AttemptNumber must not be negative")
	}
	tool, err := d.launchTool(s.ClientID)
	if err != nil {
		return nil, err
	}
	s.ClientID = tool.ClientID
	if d.course(s.CourseID) == nil {
		return nil, fmt.Errorf("no course %q", s.CourseID)
	}
	user := d.user(s.UserID)
	if user == nil {
		return nil, fmt.Errorf("no user %q", s.UserID)
	}
	if d.roles(s.CourseID, s.UserID) == nil && !user.Admin {
		return nil, fmt.Errorf("user %s is not enrolled in course %s", s.UserID, s.CourseID)
	}
	s.Custom = cloneMap(s.Custom)
	switch s.Kind {
	case LaunchResource:
		p.completeResourceLaunch(&s, tool)
	case LaunchDeepLink:
		if s.ResourceLinkID != "" && d.quiz(s.CourseID, s.ResourceLinkID) == nil {
			return nil, fmt.Errorf("deep linking from a quiz needs ResourceLinkID to be a quiz of course %s; %q is not", s.CourseID, s.ResourceLinkID)
		}
		s.ResourceLinkTitle = ""
		s.TargetLinkURI = orDefault(s.TargetLinkURI, orDefault(tool.DeepLinkURL, tool.TargetLinkURI))
	case LaunchProctoring, LaunchEndAssessment:
		quiz := d.quiz(s.CourseID, s.ResourceLinkID)
		if quiz == nil {
			return nil, fmt.Errorf("%s launches need ResourceLinkID to be a quiz of course %s; %q is not", s.Kind, s.CourseID, s.ResourceLinkID)
		}
		s.ResourceLinkTitle = orDefault(s.ResourceLinkTitle, quiz.Title)
		s.TargetLinkURI = orDefault(s.TargetLinkURI, tool.TargetLinkURI)
		p.addLinkCustom(&s, tool)
		if s.Kind == LaunchEndAssessment && p.findAttempt(s, s.AttemptNumber) == nil {
			return nil, fmt.Errorf("no proctoring attempt %d of user %s on quiz %s to end", s.AttemptNumber, s.UserID, s.ResourceLinkID)
		}
	}
	return &pendingLaunch{spec: s, tool: *tool}, nil
}

// completeResourceLaunch fills a resource launch from the deep-linked
// resource link it names, or makes it the course navigation link.
func (p *Platform) completeResourceLaunch(s *LaunchSpec, tool *Tool) {
	if s.ResourceLinkID == "" {
		// Like Canvas's course navigation placement: one link per course.
		s.ResourceLinkID = "course-nav-" + s.CourseID
		s.ResourceLinkTitle = orDefault(s.ResourceLinkTitle, tool.Name)
	}
	if item := p.linkItem(*s, tool); item != nil {
		s.ResourceLinkTitle = orDefault(s.ResourceLinkTitle, item.Title)
		s.TargetLinkURI = orDefault(s.TargetLinkURI, item.URL)
	}
	if quiz := p.state.quiz(s.CourseID, s.ResourceLinkID); quiz != nil {
		s.ResourceLinkTitle = orDefault(s.ResourceLinkTitle, quiz.Title)
	}
	p.addLinkCustom(s, tool)
	s.TargetLinkURI = orDefault(s.TargetLinkURI, tool.TargetLinkURI)
}

// linkItem is the content item that made the launch's resource link (a
// quiz's link is the latest item placed from its proctoring settings), or
// nil. The caller holds p.mu.
func (p *Platform) linkItem(s LaunchSpec, tool *Tool) *DeepLinkItem {
	var found *DeepLinkItem
	for i, item := range p.state.deepLinks {
		if item.ResourceLinkID == s.ResourceLinkID && item.CourseID == s.CourseID && item.ClientID == tool.ClientID {
			found = &p.state.deepLinks[i]
		}
	}
	return found
}

// addLinkCustom adds the custom parameters of the launch's resource link,
// where the launch does not set them itself. The caller holds p.mu.
func (p *Platform) addLinkCustom(s *LaunchSpec, tool *Tool) {
	item := p.linkItem(*s, tool)
	if item == nil {
		return
	}
	for k, v := range item.Custom {
		if _, set := s.Custom[k]; !set {
			s.Custom[k] = v
		}
	}
}

// launchTool finds the tool of a launch: the named one, or the only one.
func (d *directory) launchTool(clientID string) (*Tool, error) {
	if clientID != "" {
		if t := d.tool(clientID); t != nil {
			return t, nil
		}
		return nil, fmt.Errorf("no registered tool with client id %q", clientID)
	}
	if len(d.tools) != 1 {
		return nil, fmt.Errorf("ClientID is empty and %d tools are registered: name one", len(d.tools))
	}
	return d.tools[0], nil
}

// livePendingLaunch returns a launch that has not expired nor been used.
func (p *Platform) livePendingLaunch(id string) (*pendingLaunch, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, ok := p.state.launches[id]
	if !ok || p.now().After(pl.expires) {
		return nil, false
	}
	return pl, true
}

// handleLaunch opens a launch URL: a window launch goes straight to the
// tool's login; an iframe launch shows the Canvas-like page hosting it.
func (p *Platform) handleLaunch(w http.ResponseWriter, r *http.Request) {
	pl, ok := p.livePendingLaunch(r.PathValue("id"))
	if !ok {
		p.renderProblem(w, http.StatusNotFound, "Launch not found", "This launch link is unknown, already used or expired (they last five minutes). Start the launch again from the course page.")
		return
	}
	if pl.spec.Frame == "window" {
		p.initiateLogin(w, r, pl)
		return
	}
	p.renderHostFrame(w, pl)
}

// handleInitiate is the src of the hosting page's iframe.
func (p *Platform) handleInitiate(w http.ResponseWriter, r *http.Request) {
	pl, ok := p.livePendingLaunch(r.PathValue("id"))
	if !ok || pl.spec.Frame != "iframe" {
		p.renderProblem(w, http.StatusNotFound, "Launch not found", "This launch link is unknown, already used or expired.")
		return
	}
	p.initiateLogin(w, r, pl)
}

// initiateLogin starts the OIDC third-party initiated login at the tool.
func (p *Platform) initiateLogin(w http.ResponseWriter, r *http.Request, pl *pendingLaunch) {
	params := url.Values{
		"iss":               {p.Issuer()},
		"login_hint":        {pl.spec.UserID},
		"lti_message_hint":  {pl.id},
		"target_link_uri":   {pl.spec.TargetLinkURI},
		"client_id":         {pl.tool.ClientID},
		"lti_deployment_id": {pl.tool.DeploymentID},
	}
	if pl.spec.StorageTarget {
		params.Set("lti_storage_target", "_parent")
	}
	if pl.spec.OmitClientID {
		params.Del("client_id")
	}
	if pl.spec.Initiation == http.MethodPost {
		p.renderAutoPost(w, pl.tool.LoginURL, params, "Continuing to "+pl.tool.Name)
		return
	}
	target, err := url.Parse(pl.tool.LoginURL)
	if err != nil {
		p.renderProblem(w, http.StatusInternalServerError, "Bad login URL", err.Error())
		return
	}
	query := target.Query()
	for k, v := range params {
		query[k] = v
	}
	target.RawQuery = query.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
