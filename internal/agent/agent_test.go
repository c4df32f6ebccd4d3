package agent

import (
	"testing"
	"time"

	"vigil/internal/agent/desktop"
)

func TestParseLink(t *testing.T) {
	server, code, err := ParseLink("vigil-agent://pair?server=https%3A%2F%2Fvigil.example.edu%2F&code=K7QX2M9P")
	if err != nil || server != "https://vigil.example.edu" || code != "K7QX2M9P" {
		t.Fatalf("ParseLink = %q %q %v", server, code, err)
	}
	for _, bad := range []string{"https://vigil.example.edu/pair?code=X", "vigil-agent://pair?code=X", "vigil-agent://pair?server=ftp://x&code=Y"} {
		if _, _, err := ParseLink(bad); err == nil {
			t.Errorf("ParseLink(%q) accepted", bad)
		}
	}
}

// TestObserverSendsOnlyChangesAndListedNames: unlisted apps never leave
// the computer; titles only for apps the exam does not allow.
func TestObserverSendsOnlyChangesAndListedNames(t *testing.T) {
	o := newObserver(&Config{ReportApps: []string{"zoom", "nvda"}, AllowedInFront: []string{"chromium", "nvda"}})
	now := time.Now()
	got := o.processes(now, []string{"bash", "Zoom.exe", "secret-diary", "nvda"})
	if len(got) != 2 || got[0].Name != "nvda" || got[1].Name != "Zoom.exe" || got[1].State != "running" {
		t.Fatalf("first look %+v", got)
	}
	if got := o.processes(now, []string{"Zoom.exe", "nvda", "other"}); len(got) != 0 {
		t.Fatalf("nothing changed, yet %+v", got)
	}
	if got := o.processes(now, []string{"nvda"}); len(got) != 1 || got[0].State != "stopped" || got[0].Name != "Zoom.exe" {
		t.Fatalf("zoom closed: %+v", got)
	}
	got = o.foreground(now, desktop.Window{App: "chromium", Title: "My bank - Chromium"})
	if len(got) != 1 || got[0].Title != "" {
		t.Fatalf("a browser in front is reported without its title: %+v", got)
	}
	if got := o.foreground(now, desktop.Window{App: "chromium", Title: "Quiz - Chromium"}); len(got) != 0 {
		t.Fatalf("a browser's title change is nobody's business: %+v", got)
	}
	if got := o.foreground(now, desktop.Window{App: "gedit", Title: "answers.txt"}); len(got) != 1 || got[0].Title != "answers.txt" {
		t.Fatalf("another app in front: %+v", got)
	}
	if got := o.displays(now, 2); len(got) != 1 || got[0].Count != 2 {
		t.Fatalf("displays %+v", got)
	}
	if got := o.virtualMachine(now, "QEMU"); len(got) != 1 {
		t.Fatal("VM not reported")
	}
	if got := o.virtualMachine(now, "QEMU"); len(got) != 0 {
		t.Fatal("VM reported twice")
	}
}

func TestQueueKeepsOrderAndBacksOff(t *testing.T) {
	q := &queue{next: 4}
	q.add(nil) // a heartbeat
	q.add([]Event{{Kind: "app"}})
	q.add(nil) // something waits already: no second heartbeat
	if len(q.pending) != 2 || q.pending[0].seq != 4 || q.pending[1].seq != 5 || q.next != 6 {
		t.Fatalf("queue %+v", q)
	}
	now := time.Now()
	q.failed(now)
	q.failed(now)
	if q.wait != 2*time.Second || !q.notBefore.Equal(now.Add(2*time.Second)) {
		t.Fatalf("backoff %v", q.wait)
	}
	for range 10 {
		q.failed(now)
	}
	if q.wait != 30*time.Second {
		t.Fatalf("backoff grows past 30 s: %v", q.wait)
	}
	q.renumber(9)
	if q.pending[0].seq != 9 || q.next != 11 {
		t.Fatalf("renumbered %+v", q)
	}
	q.sent()
	if len(q.pending) != 1 || q.wait != 0 {
		t.Fatalf("after a success %+v", q)
	}
}
