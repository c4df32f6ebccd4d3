package agent

import (
	"slices"
	"time"

	"vigil/internal/agent/desktop"
	"vigil/internal/proctor"
)

// observer turns looks at the computer into events, sending only changes
// and only what the exam's rules read: listed apps starting and stopping,
// the app in front (with its title only when the exam does not allow it),
// the number of displays, a virtual machine once.
type observer struct {
	reportApps, allowedInFront []string
	running                    map[string]string // AppKey → the name seen
	front                      desktop.Window    // as last reported
	frontSent                  bool
	screens                    int
	vmSent                     bool
}

func newObserver(cfg *Config) *observer {
	o := &observer{running: map[string]string{}}
	o.configure(cfg)
	return o
}

// configure takes the exam's lists (they may change during the exam).
func (o *observer) configure(cfg *Config) {
	o.reportApps, o.allowedInFront = cfg.ReportApps, cfg.AllowedInFront
}

// processes reports listed apps that started or stopped since the last look.
func (o *observer) processes(at time.Time, names []string) []Event {
	now := map[string]string{}
	for _, n := range names {
		if proctor.AppListed(o.reportApps, n) {
			now[proctor.AppKey(n)] = n
		}
	}
	var out []Event
	for _, k := range sortedKeys(now) {
		if _, ok := o.running[k]; !ok {
			out = append(out, Event{Kind: proctor.EventApp, At: at, Name: now[k], State: "running"})
		}
	}
	for _, k := range sortedKeys(o.running) {
		if _, ok := now[k]; !ok {
			out = append(out, Event{Kind: proctor.EventApp, At: at, Name: o.running[k], State: "stopped"})
		}
	}
	o.running = now
	return out
}

// foreground reports the app in front when it changed. A window's title is
// sent only for an app the exam does not allow, as the reviewer's evidence.
func (o *observer) foreground(at time.Time, w desktop.Window) []Event {
	if w.App == "" {
		w.App = "unknown"
	}
	if proctor.AppListed(o.allowedInFront, w.App) {
		w.Title = ""
	}
	if o.frontSent && w == o.front {
		return nil
	}
	o.front, o.frontSent = w, true
	return []Event{{Kind: proctor.EventForeground, At: at, Name: w.App, Title: w.Title}}
}

func (o *observer) displays(at time.Time, n int) []Event {
	if n <= 0 || n == o.screens {
		return nil
	}
	o.screens = n
	return []Event{{Kind: proctor.EventScreens, At: at, Count: n}}
}

func (o *observer) virtualMachine(at time.Time, sign string) []Event {
	if sign == "" || o.vmSent {
		return nil
	}
	o.vmSent = true
	return []Event{{Kind: proctor.EventVirtualMachine, At: at, Name: sign}}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
