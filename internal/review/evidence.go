package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Evidence is what a violation's evidence shows besides its webcam
// snapshots: the events it was decided from in words, and whether a sound
// clip or a screen recording covers it.
type Evidence struct {
	Notes []EvidenceNote
	// AudioClip: the violation is Background Audio and audio of its span
	// is on record, so the page offers the clip and its waveform.
	AudioClip bool
	// ScreenURL opens the screen recording at the violation's moment
	// (empty when the screen was not recorded then).
	ScreenURL string
	// Photos are the identity photos of a Different Person: the flagged
	// scan and the onboarding photo it was compared with (those still
	// kept under the retention policy).
	Photos []proctor.Photo
}

// EvidenceNote is one event behind a violation, at its capture time.
type EvidenceNote struct {
	At   time.Time
	Text string
}

// Has says whether there is anything to show beyond snapshots.
func (e Evidence) Has() bool {
	return len(e.Notes) > 0 || e.AudioClip || e.ScreenURL != "" || len(e.Photos) > 0
}

// evidence gathers each violation's evidence, by violation id.
func (s *Service) evidence(ctx context.Context, sess *proctor.Session, vs []proctor.Violation) (map[int64]Evidence, error) {
	out := make(map[int64]Evidence, len(vs))
	if len(vs) == 0 {
		return out, nil
	}
	events, err := s.store.ListEvents(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*proctor.Event, len(events))
	for i := range events {
		byID[events[i].ID] = &events[i]
	}
	screen, err := s.store.ListChunks(ctx, sess.ID, proctor.StreamScreen)
	if err != nil {
		return nil, err
	}
	signals, err := s.store.ListAudioSignals(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		var ev Evidence
		for _, id := range v.EventIDs {
			if e, ok := byID[id]; ok {
				ev.Notes = append(ev.Notes, EvidenceNote{At: e.At, Text: eventText(e)})
			}
		}
		ev.AudioClip = v.Type == proctor.BackgroundAudio && audioCovers(signals, v.Start, v.End)
		if screenShown(v.Type) {
			ev.ScreenURL = screenAt(sess.ID, screen, v.Start)
		}
		if ev.Photos, err = s.photos(ctx, v.PhotoIDs); err != nil {
			return nil, err
		}
		out[v.ID] = ev
	}
	return out, nil
}

// photos reads identity photos by id, leaving out those deleted since.
func (s *Service) photos(ctx context.Context, ids []int64) ([]proctor.Photo, error) {
	var out []proctor.Photo
	for _, id := range ids {
		p, err := s.store.GetPhotoByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

// screenShown says whether a violation type's evidence includes the
// screen recording at its moment (what was on the screen matters).
func screenShown(t proctor.ViolationType) bool {
	return t == proctor.OnlineAid || t == proctor.BlacklistedApps
}

// screenAt links the screen recording's segment that holds t, at t.
func screenAt(sessionID int64, chunks []proctor.VideoChunk, t time.Time) string {
	n, _, off, ok := screenSegment(chunks, t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("/media/sessions/%d/video/screen.webm?segment=%d#t=%.1f", sessionID, n, off.Seconds())
}

// screenSegment finds the segment of the screen recording that holds t:
// its number, its chunks, and how far into it t is.
func screenSegment(chunks []proctor.VideoChunk, t time.Time) (int, []proctor.VideoChunk, time.Duration, bool) {
	for n, seg := range proctor.Segments(chunks) {
		first, last := seg[0], seg[len(seg)-1]
		end := last.StartedAt.Add(time.Duration(last.DurationMS) * time.Millisecond)
		if !t.Before(first.StartedAt) && !t.After(end) {
			return n, seg, t.Sub(first.StartedAt), true
		}
	}
	return 0, nil, 0, false
}

// audioCovers says whether analysed audio overlaps [start, end].
func audioCovers(sigs []proctor.AudioSignal, start, end time.Time) bool {
	for _, a := range sigs {
		aEnd := a.Start.Add(time.Duration(a.DurMS) * time.Millisecond)
		if !a.Start.After(end) && !aEnd.Before(start) {
			return true
		}
	}
	return false
}

// eventText says what one event records, in words.
func eventText(e *proctor.Event) string {
	from := sourceText(e.Source)
	switch e.Kind {
	case proctor.EventKey:
		return fmt.Sprintf("Pressed %s%s", e.Combo, from)
	case proctor.EventPaste:
		return "Pasted text" + from
	case proctor.EventNavigate:
		return fmt.Sprintf("Went to %s%s", e.URL, from)
	case proctor.EventForeground:
		if e.Title != "" {
			return fmt.Sprintf("Brought %s to the front, window “%s”%s", e.Name, e.Title, from)
		}
		return fmt.Sprintf("Brought %s to the front%s", e.Name, from)
	case proctor.EventApp:
		text := fmt.Sprintf("App %s %s", e.Name, cmp.Or(e.AppState, "running"))
		if e.Title != "" {
			text += fmt.Sprintf(", window “%s”", e.Title)
		}
		return text + from
	case proctor.EventFocusLost, proctor.EventHidden, proctor.EventFullscreenExit:
		return "Left the exam window (" + string(e.Kind) + ")" + from
	case proctor.EventFocusGained, proctor.EventVisible, proctor.EventFullscreenEnter:
		return "Came back to the exam window (" + string(e.Kind) + ")" + from
	case proctor.EventScreenShare:
		return "Shared a " + e.Surface + from
	case proctor.EventScreenShareEnd:
		return "Stopped sharing the screen" + from
	case proctor.EventScreens:
		return fmt.Sprintf("%d displays connected%s", e.Count, from)
	case proctor.EventVirtualMachine:
		return "Running in a virtual machine (" + e.Name + ")" + from
	}
	return string(e.Kind) + from
}

func sourceText(source string) string {
	switch source {
	case proctor.SourceBrowser:
		return " (seen by the proctoring window)"
	case proctor.SourceExtension:
		return " (seen by the browser extension)"
	case proctor.SourceAgent:
		return " (seen by the desktop agent)"
	}
	return ""
}
