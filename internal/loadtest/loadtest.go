// Package loadtest plays many simulated students against a Vigil server at
// the rates of the real capture client, from real media: a webcam still
// every second, a few seconds of microphone audio, event batches, and
// 10-second webcam and screen video chunks of realistic size. It measures
// upload latency and errors while the number of students ramps up, then
// checks the store for every acknowledged item (none may be lost).
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"vigil/internal/analysis/voice"
	"vigil/internal/ingestclient"
	"vigil/media"
)

// Rates and sizes of the capture client (docs/STUDENT.md, BENCHMARKS.md).
const (
	frameEvery      = time.Second
	audioEvery      = 5 * time.Second // 5-second μ-law chunks
	eventsEvery     = 5 * time.Second
	videoEvery      = 10 * time.Second
	webcamChunkSize = 46_000 // 37 kbit/s measured for the webcam recording
	screenChunkSize = 59_000 // 47 kbit/s for the screen
)

// Options say how hard to push.
type Options struct {
	Target   string        // the server, e.g. http://127.0.0.1:8080 (or several, comma-separated)
	Links    []string      // one session link per student
	Ramp     time.Duration // students start evenly over this time
	Hold     time.Duration // then all keep uploading this long
	Progress func(Snapshot)
	HTTP     *http.Client
}

// Snapshot is the state of a run, for progress lines and the report.
type Snapshot struct {
	Elapsed          time.Duration
	Active, Students int
	Requests         int64
	Bytes            int64
	Errors           map[string]int64 // by code (HTTP status and error code, or "network")
	Latency          Percentiles      // of uploads in the last interval (progress) or the whole run (report)
}

// Percentiles of upload latency.
type Percentiles struct{ P50, P95, P99, Max time.Duration }

// Report is a finished run.
type Report struct {
	Snapshot
	Sessions []SessionCount // what each student had acknowledged
	Duration time.Duration
	// Failed counts students who stopped on a refusal, by reason.
	Failed map[string]int
}

// SessionCount is what the server acknowledged for one session.
type SessionCount struct {
	SessionID                              int64
	Frames, Audio, Batches, Webcam, Screen int64
}

// media is what every student sends (shared, read-only).
type mediaSet struct {
	frames [][]byte
	audio  []byte // 5 s of μ-law at 8 kHz, real speech
	webcam []byte // chunk 0 (with the WebM header); later chunks reuse the bytes after it
	screen []byte
}

func loadMedia() (*mediaSet, error) {
	m := &mediaSet{}
	for _, name := range []string{"webcam320/biden_headshoulders.jpg", "webcam320/derived_biden_dark.jpg"} {
		b, err := media.FS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m.frames = append(m.frames, b)
	}
	wav, err := media.FS.ReadFile("audio/speech_jfk_16k.wav")
	if err != nil {
		return nil, err
	}
	samples, rate, err := voice.DecodeWAV(wav)
	if err != nil {
		return nil, err
	}
	pcm := voice.Resample(samples, rate, 8000)
	m.audio = voice.EncodeMuLaw(pcm[:min(len(pcm), 5*8000)])
	m.webcam, m.screen = webm(webcamChunkSize), webm(screenChunkSize)
	return m, nil
}

// webm is a chunk of the given size that starts with a WebM (EBML) header
// and continues with bytes that do not compress (as encoded video).
func webm(size int) []byte {
	b := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	copy(b, []byte{0x1A, 0x45, 0xDF, 0xA3})
	return b
}

// Run plays the students and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	m, err := loadMedia()
	if err != nil {
		return nil, err
	}
	targets := strings.Split(o.Target, ",")
	st := &stats{errors: map[string]int64{}}
	start := time.Now()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	students := make([]*student, len(o.Links))
	var wg sync.WaitGroup
	for i, link := range o.Links {
		s := &student{link: link, api: newAPI(targets[i%len(targets)], o.HTTP, st), media: m, stats: st, rng: rand.New(rand.NewPCG(uint64(i), 7))}
		students[i] = s
		delay := time.Duration(0)
		if len(o.Links) > 1 {
			delay = o.Ramp * time.Duration(i) / time.Duration(len(o.Links))
		}
		wg.Go(func() { s.run(ctx, start.Add(delay), start.Add(o.Ramp+o.Hold)) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			rep := &Report{Snapshot: st.snapshot(time.Since(start), students, true), Duration: time.Since(start)}
			rep.Failed = map[string]int{}
			for _, s := range students {
				if s.count.SessionID != 0 {
					rep.Sessions = append(rep.Sessions, s.count)
				}
				if s.err != nil {
					rep.Failed[s.err.Error()]++
				}
			}
			return rep, nil
		case <-tick.C:
			if o.Progress != nil {
				o.Progress(st.snapshot(time.Since(start), students, false))
			}
		case <-ctx.Done():
			<-done
			return nil, ctx.Err()
		}
	}
}

// stats gathers every upload's latency and result.
type stats struct {
	mu       sync.Mutex
	all      []time.Duration
	recent   []time.Duration
	errors   map[string]int64
	requests atomic.Int64
	bytes    atomic.Int64
	active   atomic.Int64
}

func (s *stats) record(d time.Duration, n int, code string) {
	s.requests.Add(1)
	s.bytes.Add(int64(n))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, d)
	s.recent = append(s.recent, d)
	if code != "" {
		s.errors[code]++
	}
}

func (s *stats) snapshot(elapsed time.Duration, students []*student, whole bool) Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	sample := s.recent
	if whole {
		sample = s.all
	}
	snap := Snapshot{Elapsed: elapsed, Active: int(s.active.Load()), Students: len(students), Requests: s.requests.Load(),
		Bytes: s.bytes.Load(), Errors: map[string]int64{}, Latency: percentiles(sample)}
	for k, v := range s.errors {
		snap.Errors[k] = v
	}
	s.recent = s.recent[:0]
	return snap
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	sorted := slices.Clone(d)
	slices.Sort(sorted)
	at := func(q float64) time.Duration { return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))] }
	return Percentiles{P50: at(.50), P95: at(.95), P99: at(.99), Max: sorted[len(sorted)-1]}
}

// errRefused is an answer a retry will not change.
var errRefused = errors.New("refused")

// backoff is the real capture client's: 100 ms doubling to 2 s.
var backoff = ingestclient.Backoff{First: 100 * time.Millisecond, Max: 2 * time.Second}

// newAPI is a student's client of the ingest API: it retries network
// errors, 5xx and 429 as the real client does, until the run ends, and
// records every attempt, retries included, in st.
func newAPI(base string, hc *http.Client, st *stats) *ingestclient.Client {
	return &ingestclient.Client{Base: base, HTTP: hc, Retries: -1, Backoff: backoff,
		Observe: func(a ingestclient.Attempt) { st.record(a.Took, len(a.Request.Body), errorCode(a.Err)) }}
}

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

// send makes one upload; a refusal a retry cannot change stops the student.
func (s *student) send(ctx context.Context, method, path, ctype string, headers map[string]string, body []byte, out any) error {
	req := ingestclient.Request{Method: method, Path: path, Token: s.token, ContentType: ctype, Header: headers, Body: body}
	err := s.api.Do(ctx, req, out)
	if e, ok := errors.AsType[*ingestclient.Error](err); ok {
		return fmt.Errorf("%w: %s %s: %s", errRefused, method, path, errorCode(e))
	}
	return err
}
