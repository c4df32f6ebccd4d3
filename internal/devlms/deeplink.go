package devlms

import (
	"fmt"
	"net/http"
	"time"
)

// DeepLinkItem is a content item a tool returned through Deep Linking,
// stored as a resource link of the course.
type DeepLinkItem struct {
	// ResourceLinkID is assigned by the platform when the item arrives: a
	// new UUID-like id, or for an item placed from a quiz's proctoring
	// settings the quiz id (the item becomes the quiz's own link).
	ResourceLinkID string
	QuizID         string // the quiz it was placed from; "" from a module
	ClientID       string
	CourseID       string
	UserID         string // the instructor who made the deep linking request
	Type           string // always "ltiResourceLink"
	Title          string
	URL            string // the launch URL; "" means the tool's target link URI
	Custom         map[string]string
	CreatedAt      time.Time
}

// DeepLinks returns copies of every content item received, oldest first.
func (p *Platform) DeepLinks() []DeepLinkItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]DeepLinkItem, 0, len(p.state.deepLinks))
	for _, item := range p.state.deepLinks {
		item.Custom = cloneMap(item.Custom)
		out = append(out, item)
	}
	return out
}

// handleDeepLinkReturn receives the tool's LtiDeepLinkingResponse, records
// its resource links in the course and lists them.
func (p *Platform) handleDeepLinkReturn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.renderProblem(w, http.StatusBadRequest, "Deep linking response refused", err.Error())
		return
	}
	items, c, err := p.acceptDeepLinkResponse(r)
	if err != nil {
		p.renderProblem(w, http.StatusBadRequest, "Deep linking response refused", err.Error())
		return
	}
	courseID := ""
	if len(items) > 0 {
		courseID = items[0].CourseID
	}
	p.renderPage(w, http.StatusOK, "deeplinks", map[string]any{
		"Title":    "Content added",
		"Items":    items,
		"CourseID": courseID,
		"Msg":      c.str(claimDL + "msg"),
		"ErrorMsg": c.str(claimDL + "errormsg"),
	})
}

// acceptDeepLinkResponse verifies the response, checks that it answers a
// live request of this platform, and records its content items.
func (p *Platform) acceptDeepLinkResponse(r *http.Request) ([]DeepLinkItem, claims, error) {
	compact := r.PostForm.Get("JWT")
	if compact == "" {
		return nil, nil, fmt.Errorf("the form has no JWT field")
	}
	tool, c, err := p.verifyToolJWT(r.Context(), compact)
	if err != nil {
		return nil, nil, err
	}
	if err := p.checkToolMessage(tool, c, msgDeepLinkResponse); err != nil {
		return nil, nil, err
	}
	items, err := contentItems(c[claimDL+"content_items"])
	if err != nil {
		return nil, nil, err
	}
	data := c.str(claimDL + "data")
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	req, ok := p.state.deepLinkReqs[data]
	if !ok || now.After(req.expires) || req.clientID != tool.ClientID {
		return nil, nil, fmt.Errorf("data %q does not echo a live deep linking request sent to this tool", data)
	}
	delete(p.state.deepLinkReqs, data)
	for i := range items {
		items[i].ResourceLinkID = newResourceLinkID()
		if req.quizID != "" {
			items[i].ResourceLinkID, items[i].QuizID = req.quizID, req.quizID
		}
		items[i].ClientID, items[i].CourseID, items[i].UserID = tool.ClientID, req.courseID, req.userID
		items[i].CreatedAt = now
		p.state.deepLinks = append(p.state.deepLinks, items[i])
	}
	return items, c, nil
}

// contentItems reads the content_items claim: at most one (the request set
// accept_multiple false) ltiResourceLink with string custom parameters.
func contentItems(v any) ([]DeepLinkItem, error) {
	if v == nil {
		return nil, nil // the tool may return nothing, e.g. when cancelled
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("content_items is not an array")
	}
	if len(list) > 1 {
		return nil, fmt.Errorf("content_items has %d items but accept_multiple was false", len(list))
	}
	var items []DeepLinkItem
	for i, raw := range list {
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("content item %d is not an object", i+1)
		}
		c := claims(obj)
		if c.str("type") != "ltiResourceLink" {
			return nil, fmt.Errorf("content item %d has type %q; only ltiResourceLink is accepted", i+1, c.str("type"))
		}
		item := DeepLinkItem{Type: "ltiResourceLink", Title: c.str("title"), URL: c.str("url"), Custom: map[string]string{}}
		if item.URL != "" {
			if err := checkAbsoluteURL(item.URL); err != nil {
				return nil, fmt.Errorf("content item %d url: %w", i+1, err)
			}
		}
		if custom, present := obj["custom"]; present {
			fields, ok := custom.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("content item %d custom is not an object", i+1)
			}
			for k, v := range fields {
				s, ok := v.(string)
				if !ok {
					return nil, fmt.Errorf("content item %d custom %q is not a string", i+1, k)
				}
				item.Custom[k] = s
			}
		}
		items = append(items, item)
	}
	return items, nil
}

// newResourceLinkID makes a resource link id shaped like Canvas's UUIDs.
func newResourceLinkID() string {
	h := randomID(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
