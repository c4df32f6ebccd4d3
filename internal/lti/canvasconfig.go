package lti

import (
	"net/url"
	"strings"
)

// CanvasConfig is the developer key configuration Canvas imports ("Enter
// URL" in Developer Keys → LTI Key): the dashboard in the course menu for
// instructors, and deep linking from modules and assignments to place a
// proctored exam. No grade services are asked for.
func CanvasConfig(base, title string) map[string]any {
	base = strings.TrimRight(base, "/")
	host := base
	if u, err := url.Parse(base); err == nil {
		host = u.Host
	}
	dashboard, deepLink := base+"/lti/dashboard", base+"/lti/deep-link"
	return map[string]any{
		"title":               title,
		"description":         "Vigil: open-source online exam proctoring. Instructors review proctored sessions; students are recorded only inside proctored exams.",
		"oidc_initiation_url": base + "/lti/login",
		"target_link_uri":     dashboard,
		"public_jwk_url":      base + "/lti/jwks",
		"scopes":              []string{ScopeNRPS},
		"extensions": []map[string]any{{
			"platform":      "canvas.instructure.com",
			"privacy_level": "public",
			"domain":        host,
			"settings": map[string]any{"placements": []map[string]any{
				{"placement": "course_navigation", "message_type": MsgResourceLink, "target_link_uri": dashboard,
					"text": title, "default": "enabled", "visibility": "admins"},
				{"placement": "link_selection", "message_type": MsgDeepLinking, "target_link_uri": deepLink,
					"text": title + " proctored exam"},
				{"placement": "assignment_selection", "message_type": MsgDeepLinking, "target_link_uri": deepLink,
					"text": title + " proctored exam"},
			}},
		}},
		"custom_fields": map[string]string{"canvas_course_id": "$Canvas.course.id", "canvas_user_id": "$Canvas.user.id"},
	}
}
