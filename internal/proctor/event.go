package proctor

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// EventKind is a kind of browser or agent event (docs/API.md).
type EventKind string

// Event kinds the capture client and companions send.
const (
	EventFocusLost       EventKind = "focus_lost"
	EventFocusGained     EventKind = "focus_gained"
	EventHidden          EventKind = "visibility_hidden"
	EventVisible         EventKind = "visibility_visible"
	EventFullscreenExit  EventKind = "fullscreen_exit"
	EventFullscreenEnter EventKind = "fullscreen_enter"
	EventKey             EventKind = "key"
	EventPaste           EventKind = "paste"
	EventScreenShare     EventKind = "screen_share"
	EventScreenShareEnd  EventKind = "screen_share_ended"
	EventScreens         EventKind = "screens"
	EventApp             EventKind = "app"
	EventNavigate        EventKind = "navigate"
	// EventForeground (desktop agent): the app in front changed; Name is
	// its process or app name, Title the window's title when it is not an
	// app the exam allows (evidence for the reviewer).
	EventForeground EventKind = "foreground"
	// EventVirtualMachine (desktop agent): the computer shows signs of
	// being a virtual machine; Name says which (a DMI vendor, the
	// hypervisor flag).
	EventVirtualMachine EventKind = "virtual_machine"
	// EventDevice reports a capture device's state: Name camera,
	// microphone or screen; State granted, denied, lost or error. It is
	// shown to the reviewer and decides nothing by itself.
	EventDevice EventKind = "device"
)

var eventKinds = map[EventKind]bool{
	EventFocusLost: true, EventFocusGained: true, EventHidden: true, EventVisible: true,
	EventFullscreenExit: true, EventFullscreenEnter: true, EventKey: true, EventPaste: true,
	EventScreenShare: true, EventScreenShareEnd: true, EventScreens: true, EventApp: true,
	EventNavigate: true, EventDevice: true, EventForeground: true, EventVirtualMachine: true,
}

// Capture sources: the proctoring window itself and its two companions.
const (
	SourceBrowser   = "browser"
	SourceAgent     = "agent"
	SourceExtension = "extension"
)

// SourceLabel names a source as a student reads it.
func SourceLabel(source string) string {
	switch source {
	case SourceAgent:
		return "desktop agent"
	case SourceExtension:
		return "browser extension"
	}
	return "proctoring window"
}

// CompanionSource reports whether s names a companion (agent, extension).
func CompanionSource(s string) bool { return s == SourceAgent || s == SourceExtension }

// companionKinds are the kinds each companion may send; the proctoring
// window may send any kind (the simulated clients send agent events too).
var companionKinds = map[string][]EventKind{
	SourceAgent:     {EventApp, EventForeground, EventScreens, EventVirtualMachine},
	SourceExtension: {EventNavigate, EventKey, EventPaste},
}

// SourceMaySend reports whether a batch of source may hold kind k.
func SourceMaySend(source string, k EventKind) bool {
	kinds, ok := companionKinds[source]
	return !ok || slices.Contains(kinds, k)
}

// Valid reports whether k is a known kind.
func (k EventKind) Valid() bool { return eventKinds[k] }

// Event is one thing that happened in the browser or on the computer.
type Event struct {
	ID         int64
	SessionID  int64
	Batch      int64 // the upload batch it arrived in
	Kind       EventKind
	At         time.Time // capture time, client clock
	Combo      string    // key: normalised combination such as "Ctrl+C"
	Surface    string    // screen_share: monitor, window or browser
	Count      int       // screens: how many
	Name       string    // app, foreground: process or app name; device: camera, microphone or screen; virtual_machine: the sign
	Title      string    // foreground: the window's title (only for apps the exam does not allow)
	AppState   string    // app: running or stopped; device: granted, denied, lost or error
	URL        string    // navigate
	Source     string    // browser, extension or agent
	ReceivedAt time.Time // server clock
}

// EventInput is an event as a client sends it (docs/API.md).
type EventInput struct {
	Kind    EventKind `json:"kind"`
	At      time.Time `json:"at"`
	Combo   string    `json:"combo,omitempty"`
	Surface string    `json:"surface,omitempty"`
	Count   int       `json:"count,omitempty"`
	Name    string    `json:"name,omitempty"`
	Title   string    `json:"title,omitempty"`
	State   string    `json:"state,omitempty"`
	URL     string    `json:"url,omitempty"`
	Source  string    `json:"source,omitempty"`
}

// maxEventText bounds free-text fields so one event cannot be huge.
const maxEventText = 512

// Validate checks one event and returns a user-safe error naming the field.
func (in *EventInput) Validate() *Error {
	if !in.Kind.Valid() {
		return E(CodeInvalid, "unknown event kind %q", in.Kind)
	}
	if in.At.IsZero() {
		return E(CodeInvalid, "event %q has no \"at\" time", in.Kind)
	}
	for name, v := range map[string]string{"combo": in.Combo, "surface": in.Surface, "name": in.Name, "title": in.Title, "state": in.State, "url": in.URL, "source": in.Source} {
		if len(v) > maxEventText {
			return E(CodeInvalid, "event field %q is longer than %d bytes", name, maxEventText)
		}
		// PostgreSQL refuses both in text; no real key, app or URL has them.
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return E(CodeInvalid, "event field %q is not valid UTF-8 text", name)
		}
	}
	return in.validateKind()
}

func (in *EventInput) validateKind() *Error {
	switch in.Kind {
	case EventKey:
		if NormalizeCombo(in.Combo) == "" {
			return E(CodeInvalid, "a key event needs a \"combo\" such as \"Ctrl+C\"")
		}
	case EventScreenShare:
		if in.Surface != "monitor" && in.Surface != "window" && in.Surface != "browser" {
			return E(CodeInvalid, "screen_share \"surface\" must be monitor, window or browser")
		}
	case EventScreens:
		if in.Count < 0 || in.Count > 64 {
			return E(CodeInvalid, "screens \"count\" must be between 0 and 64")
		}
	case EventApp:
		if in.Name == "" || (in.State != "running" && in.State != "stopped") {
			return E(CodeInvalid, "an app event needs a \"name\" and \"state\" running or stopped")
		}
	case EventNavigate:
		if in.URL == "" {
			return E(CodeInvalid, "a navigate event needs a \"url\"")
		}
	case EventForeground, EventVirtualMachine:
		if strings.TrimSpace(in.Name) == "" {
			return E(CodeInvalid, "a %s event needs a \"name\"", in.Kind)
		}
	case EventDevice:
		if !slices.Contains([]string{"camera", "microphone", "screen"}, in.Name) ||
			!slices.Contains([]string{"granted", "denied", "lost", "error"}, in.State) {
			return E(CodeInvalid, "a device event needs \"name\" camera, microphone or screen, and \"state\" granted, denied, lost or error")
		}
	}
	if in.Source != "" && in.Source != "browser" && in.Source != "extension" && in.Source != "agent" {
		return E(CodeInvalid, "event \"source\" must be browser, extension or agent")
	}
	return nil
}

// Event turns a validated input into an Event.
func (in *EventInput) Event() Event {
	src := in.Source
	if src == "" {
		src = "browser"
	}
	return Event{
		Kind: in.Kind, At: in.At, Combo: NormalizeCombo(in.Combo), Surface: in.Surface,
		Count: in.Count, Name: strings.TrimSpace(in.Name), Title: in.Title, AppState: in.State, URL: in.URL, Source: src,
	}
}

// modifierOrder fixes how modifiers are written, so "c+ctrl" and "Ctrl+C"
// compare equal.
var modifierOrder = []string{"Ctrl", "Alt", "Shift", "Meta"}

var modifierAliases = map[string]string{
	"ctrl": "Ctrl", "control": "Ctrl", "alt": "Alt", "option": "Alt", "shift": "Shift",
	"meta": "Meta", "cmd": "Meta", "command": "Meta", "win": "Meta", "super": "Meta",
}

// NormalizeCombo writes a key combination canonically: modifiers in a fixed
// order, then the key, single letters upper-case ("ctrl+shift+i" → "Ctrl+Shift+I").
// It returns "" for an empty or modifier-only combination.
func NormalizeCombo(combo string) string {
	mods := map[string]bool{}
	key := ""
	for _, part := range strings.Split(combo, "+") {
		p := strings.TrimSpace(part)
		if p == "" {
			continue
		}
		if m, ok := modifierAliases[strings.ToLower(p)]; ok {
			mods[m] = true
			continue
		}
		key = canonicalKey(p)
	}
	if key == "" {
		return ""
	}
	var b strings.Builder
	for _, m := range modifierOrder {
		if mods[m] {
			b.WriteString(m + "+")
		}
	}
	return b.String() + key
}

func canonicalKey(k string) string {
	if len(k) == 1 {
		return strings.ToUpper(k)
	}
	switch strings.ToLower(k) {
	case "printscreen", "prtsc", "print_screen", "prtscn":
		return "PrintScreen"
	}
	return k
}
