package devlms

import (
	"errors"
	"html"
	"net/url"
	"regexp"
	"strings"
)

var (
	tagPattern  = regexp.MustCompile(`(?is)<(form|input|/form)\b([^>]*)>`)
	attrPattern = regexp.MustCompile(`(?s)([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*"([^"]*)"`)
)

// ParseAutoPostForm reads an auto-submitting form page the platform (or a
// tool written the same way) emits, as a test's stand-in for a browser: the
// first form's action and its named input fields, HTML entities decoded.
func ParseAutoPostForm(page []byte) (action string, fields url.Values, err error) {
	inForm := false
	fields = url.Values{}
	for _, m := range tagPattern.FindAllSubmatch(page, -1) {
		tag := strings.ToLower(string(m[1]))
		attrs := parseAttrs(string(m[2]))
		switch {
		case tag == "form" && !inForm:
			action, inForm = attrs["action"], true
		case tag == "/form" && inForm:
			if action == "" {
				return "", nil, errors.New("devlms: the form has no action")
			}
			return action, fields, nil
		case tag == "input" && inForm && attrs["name"] != "":
			fields.Add(attrs["name"], attrs["value"])
		}
	}
	return "", nil, errors.New("devlms: no complete form in the page")
}

// parseAttrs reads double-quoted attributes, as html/template writes them.
func parseAttrs(s string) map[string]string {
	attrs := map[string]string{}
	for _, m := range attrPattern.FindAllStringSubmatch(s, -1) {
		attrs[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return attrs
}
