package devlms

import (
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeClock is the platform's clock in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a seeded platform on a real listener with one registered test
// tool.
type fixture struct {
	t     *testing.T
	p     *Platform
	srv   *httptest.Server
	clock *fakeClock
	seed  SeedData
	tool  *testTool
}

func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	clock := &fakeClock{now: time.Now().Truncate(time.Second)}
	o.Now = clock.Now
	p, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	p.SetBaseURL(srv.URL)
	f := &fixture{t: t, p: p, srv: srv, clock: clock, seed: Seed(p)}
	f.tool = newTestTool(t, f, "vigil-client", true)
	return f
}

// user returns a copy of a user of the platform.
func (f *fixture) user(id string) User {
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	return *f.p.state.user(id)
}

// launch starts a launch and fails the test when it cannot.
func (f *fixture) launch(s LaunchSpec) string {
	f.t.Helper()
	u, err := f.p.StartLaunchURL(s)
	if err != nil {
		f.t.Fatalf("StartLaunchURL(%+v): %v", s, err)
	}
	return u
}
