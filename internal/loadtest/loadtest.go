// Package loadtest plays many simulated students against Vigil servers,
// open-loop, at the rates of the real capture client and from real media:
// identity photos at the start, a webcam still every second, 5 s of
// microphone audio every 5 s, an event batch every 5 s, and a 10-second
// webcam and screen chunk of a real WebM every 10 s.
//
// Open-loop: every item has a scheduled time, fixed when the run starts,
// and its latency is measured from that time to its acknowledgement. A
// slow server does not slow the schedule; what it delays shows up in the
// latency (no coordinated omission). Within one stream items go in order,
// as the API requires (a frame sent before its predecessor is refused as a
// gap): an item due while its predecessor is still unacknowledged waits in
// the stream's queue, as in the real client's offline queue, and that wait
// counts. Streams of one student, and students, never wait for each other.
//
// At the end every acknowledged item is checked against the store (see
// Verify): none may be missing, none stored with other content, none
// stored twice.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"vigil/internal/ingestclient"
)

// Kinds of request, as reported.
const (
	KindStart  = "start"
	KindPhoto  = "photo"
	KindFrame  = "frame"
	KindAudio  = "audio"
	KindEvents = "events"
	KindWebcam = "webcam"
	KindScreen = "screen"
	KindFinish = "finish"
	// kindBatch is the server's name for a request of several uploads.
	kindBatch = "batch"
)

// kinds in report order; uploadKinds are the capture streams.
var (
	kinds       = []string{KindStart, KindPhoto, KindFrame, KindAudio, KindEvents, KindWebcam, KindScreen, KindFinish}
	uploadKinds = []string{KindPhoto, KindFrame, KindAudio, KindEvents, KindWebcam, KindScreen}
)

// Rates of the capture client (docs/STUDENT.md).
const (
	frameEvery  = time.Second
	audioEvery  = 5 * time.Second // 5-second μ-law chunks
	eventsEvery = 5 * time.Second
	videoEvery  = 10 * time.Second
)

// Options say how hard to push.
type Options struct {
	// Targets are the servers; student i starts on Targets[i%len], and a
	// retry after a network failure moves on to the next one.
	Targets []string
	Links   []string      // one session link per student
	Ramp    time.Duration // students start evenly over this time
	Hold    time.Duration // then all keep uploading this long
	// Drain bounds the wait, after the schedule ends, for the items still
	// queued; a student whose queue did not empty is not finished.
	Drain    time.Duration
	Progress func(Snapshot)
	HTTP     *http.Client
	// Every is the progress interval (default 2 s).
	Every time.Duration
	// MetricsToken, when set, reads the targets' /metrics at the start,
	// around the hold and at the end, for the servers' cost (Report.Server).
	MetricsToken string
	// Batch, when set, sends each student's uploads together every Batch
	// (POST …/uploads), as the browser's capture client does: the frames,
	// audio, events and video due by then, in one request; their latency
	// runs from the batch's scheduled time. The photo still goes alone.
	Batch time.Duration
}

// Run plays the students and returns the report. It returns early, with an
// error, only when ctx ends.
func Run(ctx context.Context, o Options) (*Report, error) {
	if len(o.Targets) == 0 || len(o.Links) == 0 {
		return nil, errors.New("loadtest: no target or no students")
	}
	m, err := loadMedia()
	if err != nil {
		return nil, err
	}
	if o.Drain == 0 {
		o.Drain = time.Minute
	}
	if o.Every == 0 {
		o.Every = 2 * time.Second
	}
	st := newStats()
	start := time.Now()
	st.begin, st.holdFrom, st.holdTo = start, start.Add(o.Ramp), start.Add(o.Ramp+o.Hold)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	students := make([]*student, len(o.Links))
	var wg sync.WaitGroup
	for i, link := range o.Links {
		delay := time.Duration(0)
		if len(o.Links) > 1 {
			delay = o.Ramp * time.Duration(i) / time.Duration(len(o.Links))
		}
		s := &student{link: link, api: newAPI(o.Targets, i, o.HTTP, st), media: m, stats: st,
			rng: rand.New(rand.NewPCG(uint64(i), 7)), begin: start.Add(delay), end: st.holdTo, drain: st.holdTo.Add(o.Drain),
			batch: o.Batch}
		students[i] = s
		wg.Go(func() { s.run(runCtx) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	costs := st.watchServers(runCtx, o, done)
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	for {
		select {
		case <-done:
			rep := st.report(time.Now(), students)
			rep.Targets, rep.Server = o.Targets, <-costs
			if c := rep.Server; c != nil && (c.Accepted == 0 || o.Batch > 0) && rep.Uploads.Acked > 0 {
				// A server that does not count its uploads by kind, or
				// counts a batch as one: the acknowledged ones stand in.
				c.Accepted = float64(rep.Uploads.Acked)
				c.CPUMsPerUpload = c.CPUSeconds / c.Accepted * 1000
			}
			return rep, nil
		case <-tick.C:
			if o.Progress != nil {
				o.Progress(st.snapshot(time.Now(), students))
			}
		case <-ctx.Done():
			<-done
			return nil, ctx.Err()
		}
	}
}

// watchServers scrapes the targets' metrics at the start, the hold's start
// and end, and once done closes; it sends the cost (nil without a token or
// when a scrape failed).
func (s *stats) watchServers(ctx context.Context, o Options, done <-chan struct{}) <-chan *ServerCost {
	out := make(chan *ServerCost, 1)
	if o.MetricsToken == "" {
		out <- nil
		return out
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	read := func() map[string]float64 { return scrapeAll(ctx, hc, o.Targets, o.MetricsToken) }
	first := read()
	go func() {
		var holdFrom, holdTo map[string]float64
		for _, at := range []*map[string]float64{&holdFrom, &holdTo} {
			when := s.holdFrom
			if at == &holdTo {
				when = s.holdTo
			}
			select {
			case <-done:
			case <-time.After(time.Until(when)):
				*at = read()
			}
		}
		<-done
		out <- serverCost(first, holdFrom, holdTo, read(), s.holdTo.Sub(s.holdFrom))
	}()
	return out
}

// newAPI is a student's client of the ingest API: it retries network
// errors, 5xx and 429 as the real client does, until the run ends, and
// records every attempt, retries included.
func newAPI(targets []string, i int, hc *http.Client, st *stats) *ingestclient.Client {
	bases := make([]string, 0, len(targets))
	for j := range targets {
		bases = append(bases, targets[(i+j)%len(targets)])
	}
	return &ingestclient.Client{Base: bases[0], Others: bases[1:], HTTP: hc, Retries: -1, Backoff: ingestclient.DefaultBackoff,
		Observe: func(a ingestclient.Attempt) { st.attempt(a) }}
}

// errRefused is an answer a retry will not change.
var errRefused = errors.New("refused")

// errorCode names a failure for the report: "network", or the HTTP status
// and the API's error code.
func errorCode(e *ingestclient.Error) string {
	switch {
	case e == nil:
		return ""
	case e.Status == 0:
		return "network"
	}
	return fmt.Sprintf("%d %s", e.Status, e.Code)
}

// stats gathers every item's latency and every attempt's result.
type stats struct {
	begin, holdFrom, holdTo time.Time

	mu     sync.Mutex
	kinds  map[string]*kindStats
	errors map[string]int64

	attempts, retries atomic.Int64
	held, peakHeld    atomic.Int64 // sessions started and not yet ended
	started           atomic.Int64
	holdAcks          atomic.Int64 // uploads acknowledged inside the hold window
	holdBytes         atomic.Int64
}

type kindStats struct {
	latency []time.Duration // scheduled time → acknowledgement, one per item
	service []time.Duration // the successful attempt alone
	recent  []time.Duration // latency since the last progress line
	bytes   int64
	dups    int64 // acknowledgements that said "already stored" (a retry)
}

func newStats() *stats {
	s := &stats{kinds: map[string]*kindStats{}, errors: map[string]int64{}}
	for _, k := range kinds {
		s.kinds[k] = &kindStats{}
	}
	return s
}

func (s *stats) attempt(a ingestclient.Attempt) {
	s.attempts.Add(1)
	if a.Err == nil {
		return
	}
	if a.Wait > 0 {
		s.retries.Add(1)
	}
	s.mu.Lock()
	s.errors[errorCode(a.Err)]++
	s.mu.Unlock()
}

// acked records an acknowledged item of kind scheduled at due.
func (s *stats) acked(kind string, due time.Time, took time.Duration, size int, dup bool) {
	now := time.Now()
	lat := now.Sub(due)
	if now.After(s.holdFrom) && !now.After(s.holdTo) && kind != KindStart && kind != KindFinish {
		s.holdAcks.Add(1)
		s.holdBytes.Add(int64(size))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.kinds[kind]
	k.latency = append(k.latency, lat)
	k.service = append(k.service, took)
	k.recent = append(k.recent, lat)
	k.bytes += int64(size)
	if dup {
		k.dups++
	}
}

func (s *stats) sessionStarted() {
	s.started.Add(1)
	n := s.held.Add(1)
	for {
		p := s.peakHeld.Load()
		if n <= p || s.peakHeld.CompareAndSwap(p, n) {
			return
		}
	}
}

// Snapshot is the state of a run, for progress lines.
type Snapshot struct {
	Elapsed  time.Duration
	Students int
	Started  int64 // sessions started so far
	Held     int64 // sessions open now
	Acked    int64 // items acknowledged so far
	Backlog  int64 // items due and not yet acknowledged
	Errors   int64 // failed attempts so far (all retried or refused)
	// Recent is the latency of the items acknowledged since the last
	// snapshot, all upload kinds together.
	Recent Percentiles
}

func (s *stats) snapshot(now time.Time, students []*student) Snapshot {
	snap := Snapshot{Elapsed: now.Sub(s.begin), Students: len(students), Started: s.started.Load(), Held: s.held.Load()}
	for _, st := range students {
		snap.Backlog += st.backlog(now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var recent []time.Duration
	for _, k := range uploadKinds {
		ks := s.kinds[k]
		snap.Acked += int64(len(ks.latency))
		recent = append(recent, ks.recent...)
		ks.recent = ks.recent[:0]
	}
	for _, n := range s.errors {
		snap.Errors += n
	}
	snap.Recent = percentiles(recent)
	return snap
}

// Percentiles of a latency sample, with its size.
type Percentiles struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	sorted := slices.Clone(d)
	slices.Sort(sorted)
	at := func(q float64) time.Duration { return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))] }
	return Percentiles{N: len(sorted), P50: at(.50), P95: at(.95), P99: at(.99), Max: sorted[len(sorted)-1]}
}
