package review

import (
	"testing"
	"time"
)

func TestCompanionNote(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	sec := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	if n, ok := companionNote("desktop agent", true, nil, sec(600)); !ok || !n.Trouble || !n.From.IsZero() {
		t.Fatalf("required, never connected: %+v %v", n, ok)
	}
	if _, ok := companionNote("browser extension", false, nil, sec(600)); ok {
		t.Fatal("an optional companion that never came is not worth a line")
	}
	// Every 5 s, a 60 s gap, then it stops 100 s before the end.
	var times []time.Time
	for s := 0; s <= 100; s += 5 {
		times = append(times, sec(s))
	}
	for s := 160; s <= 400; s += 5 {
		times = append(times, sec(s))
	}
	n, ok := companionNote("desktop agent", true, times, sec(500))
	if !ok || !n.Trouble || len(n.Gaps) != 2 || !n.Gaps[0].From.Equal(sec(100)) || !n.Gaps[0].To.Equal(sec(160)) ||
		!n.Gaps[1].From.Equal(sec(400)) || !n.Gaps[1].To.Equal(sec(500)) {
		t.Fatalf("gaps: %+v", n)
	}
	if n, _ := companionNote("desktop agent", false, times[:5], sec(25)); n.Trouble || len(n.Gaps) != 0 {
		t.Fatalf("steady reports: %+v", n)
	}
}
