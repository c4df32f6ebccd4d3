package review

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// CaptureNote is something the reviewer should know about how a session
// was captured: a device refused or lost, the screen share, uploads that
// the server refused. It decides nothing by itself.
type CaptureNote struct {
	At   time.Time
	Text string
	// Trouble marks a note that explains missing or partial evidence.
	Trouble bool
}

// maxCaptureNotes bounds the list on the session page.
const maxCaptureNotes = 50

var deviceStates = map[string]string{
	"granted": "allowed", "denied": "permission refused by the student or the browser",
	"lost": "stopped during the session", "error": "could not be started",
}

// captureNotes lists a session's capture notes in time order.
func (s *Service) captureNotes(ctx context.Context, sess *proctor.Session) ([]CaptureNote, error) {
	events, err := s.store.ListEvents(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	var notes []CaptureNote
	for _, e := range events {
		if n, ok := captureNote(&e); ok {
			notes = append(notes, n)
		}
	}
	refused, err := s.store.ListAudit(ctx, store.AuditFilter{Subject: fmt.Sprintf("session:%d", sess.ID), Action: proctor.AuditTokenRefused, Limit: 10})
	if err != nil {
		return nil, err
	}
	for _, a := range refused {
		notes = append(notes, CaptureNote{At: a.At, Text: "Uploads refused: the session token had expired, so the client stopped sending", Trouble: true})
	}
	slices.SortStableFunc(notes, func(a, b CaptureNote) int { return a.At.Compare(b.At) })
	if len(notes) > maxCaptureNotes {
		notes = notes[:maxCaptureNotes]
	}
	return notes, nil
}

func captureNote(e *proctor.Event) (CaptureNote, bool) {
	switch e.Kind {
	case proctor.EventDevice:
		name := strings.ToUpper(e.Name[:1]) + e.Name[1:]
		return CaptureNote{At: e.At, Text: name + ": " + deviceStates[e.AppState], Trouble: e.AppState != "granted"}, true
	case proctor.EventScreenShare:
		if e.Surface == "monitor" {
			return CaptureNote{At: e.At, Text: "Screen shared: the entire screen"}, true
		}
		what := map[string]string{"window": "a single window", "browser": "a browser tab"}[e.Surface]
		return CaptureNote{At: e.At, Text: "Screen shared: " + what + ", not the entire screen", Trouble: true}, true
	case proctor.EventScreenShareEnd:
		return CaptureNote{At: e.At, Text: "Screen sharing stopped", Trouble: true}, true
	}
	return CaptureNote{}, false
}

// SourceGaps says which signal sources a session lacked, in words for the
// reviewer: without the extension or the agent, where the student was
// (another tab, another app) is not known.
func SourceGaps(sources []string) string {
	ext, agent := slices.Contains(sources, "extension"), slices.Contains(sources, "agent")
	switch {
	case ext && agent:
		return ""
	case ext:
		return "No desktop agent reported: other applications in use are not known."
	case agent:
		return "No browser extension reported: the tabs and sites visited are not known."
	}
	return "No browser extension or desktop agent reported: the tabs, sites and applications the student used are not known, so Online Aid and Blacklisted Apps could only come from the proctoring window itself."
}
