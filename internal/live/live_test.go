package live

import (
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/proctor"
)

// TestBrokerFansOutPerExam: each subscriber gets its exam's events in
// order and no other exam's; a closed subscription gets nothing more.
func TestBrokerFansOutPerExam(t *testing.T) {
	b := NewBroker()
	a1, a2, other := b.Subscribe(1), b.Subscribe(1), b.Subscribe(2)
	for i := range 3 {
		b.Publish(Event{ExamID: 1, SessionID: 10, Kind: KindFrame, Seq: int64(i)})
	}
	for _, s := range []*Sub{a1, a2} {
		for i := range 3 {
			if e := <-s.C; e.Seq != int64(i) || e.SessionID != 10 {
				t.Fatalf("event %d: %+v", i, e)
			}
		}
	}
	if len(other.C) != 0 {
		t.Fatal("another exam's subscriber got events")
	}
	a2.Close()
	a2.Close() // twice is harmless
	b.Publish(Event{ExamID: 1, Kind: KindUpload})
	if _, ok := <-a2.C; ok {
		t.Fatal("a closed subscription still receives")
	}
	if e := <-a1.C; e.Kind != KindUpload || b.Subscribers(1) != 1 {
		t.Fatalf("after closing one: %+v, %d subscribers", e, b.Subscribers(1))
	}
	a1.Close()
	other.Close()
	if b.Subscribers(1) != 0 || len(b.subs) != 0 {
		t.Fatal("subscriptions left behind")
	}
}

// TestBrokerCloseAll: closing the broker ends every stream, and later ones
// at once (a server shutting down is not held by open live pages).
func TestBrokerCloseAll(t *testing.T) {
	b := NewBroker()
	s1, s2 := b.Subscribe(1), b.Subscribe(2)
	b.CloseAll()
	for _, s := range []*Sub{s1, s2, b.Subscribe(1)} {
		if _, ok := <-s.C; ok {
			t.Fatal("a subscription outlived CloseAll")
		}
		s.Close()
	}
	b.Publish(Event{ExamID: 1})
}

// TestBrokerNeverBlocksPublisher: a subscriber that reads nothing costs
// the publisher nothing: past its buffer events are dropped and the
// subscriber is told it lagged.
func TestBrokerNeverBlocksPublisher(t *testing.T) {
	b := NewBroker()
	s := b.Subscribe(7)
	defer s.Close()
	done := make(chan struct{})
	go func() {
		for range subBuffer + 500 {
			b.Publish(Event{ExamID: 7, Kind: KindFrame})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a subscriber that does not read")
	}
	published, dropped := b.Stats()
	if published != subBuffer+500 || dropped != 500 || len(s.C) != subBuffer {
		t.Fatalf("published %d, dropped %d, buffered %d", published, dropped, len(s.C))
	}
	if !s.Lagged() || s.Lagged() {
		t.Fatal("Lagged should report the drop once")
	}
}

// TestBrokerConcurrent: publishers and subscribers coming and going at
// once (run with -race).
func TestBrokerConcurrent(t *testing.T) {
	b := NewBroker()
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				b.Publish(Event{ExamID: int64(i % 3), SessionID: int64(p)})
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for i := range 200 {
				s := b.Subscribe(int64(i % 3))
				select {
				case <-s.C:
				default:
				}
				s.Close()
			}
		})
	}
	wg.Wait()
	if published, _ := b.Stats(); published != 8000 {
		t.Fatalf("published %d", published)
	}
}

func TestEventFlag(t *testing.T) {
	for _, c := range []struct {
		e    proctor.Event
		want proctor.ViolationType
		text string
	}{
		{proctor.Event{Kind: proctor.EventHidden}, proctor.OnlineAid, "hidden"},
		{proctor.Event{Kind: proctor.EventNavigate, URL: "https://answers.example"}, proctor.OnlineAid, "answers.example"},
		{proctor.Event{Kind: proctor.EventKey, Combo: "Ctrl+C"}, proctor.Keystrokes, "Ctrl+C"},
		{proctor.Event{Kind: proctor.EventScreenShare, Surface: "window"}, proctor.BlacklistedApps, "window"},
		{proctor.Event{Kind: proctor.EventScreens, Count: 2}, proctor.BlacklistedApps, "2 screens"},
		{proctor.Event{Kind: proctor.EventDevice, Name: "camera", AppState: "lost"}, proctor.LeftSession, "camera was lost"},
		{proctor.Event{Kind: proctor.EventScreenShare, Surface: "monitor"}, "", ""},
		{proctor.Event{Kind: proctor.EventScreens, Count: 1}, "", ""},
		{proctor.Event{Kind: proctor.EventVisible}, "", ""},
		{proctor.Event{Kind: proctor.EventDevice, Name: "camera", AppState: "granted"}, "", ""},
	} {
		f, ok := EventFlag(&c.e)
		if ok != (c.want != "") || f.Type != c.want || (ok && (f.Label != c.want.Label() || !strings.Contains(f.Text, c.text))) {
			t.Errorf("%+v: %+v %v, want %s %q", c.e, f, ok, c.want, c.text)
		}
	}
}
