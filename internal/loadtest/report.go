package loadtest

import (
	"math"
	"sort"
	"time"
)

// Report is a finished run, in the shape written as JSON.
type Report struct {
	StartedAt   time.Time `json:"started_at"`
	Targets     []string  `json:"targets"`
	Students    int       `json:"students"`
	RampSeconds float64   `json:"ramp_seconds"`
	HoldSeconds float64   `json:"hold_seconds"`
	Seconds     float64   `json:"seconds"` // the whole run, drain and finish included

	// Kinds holds each kind's latency from its scheduled time (ms) and its
	// volume; Uploads is all the capture uploads together (photos, frames,
	// audio, events, video chunks).
	Kinds   map[string]KindReport `json:"kinds"`
	Uploads KindReport            `json:"uploads"`

	// Hold is the steady state: uploads acknowledged between the end of
	// the ramp and the end of the schedule, per second.
	Hold struct {
		UploadsPerSecond float64 `json:"uploads_per_second"`
		BytesPerSecond   float64 `json:"bytes_per_second"`
	} `json:"hold"`

	Attempts int64            `json:"attempts"`
	Retries  int64            `json:"retries"`
	Errors   map[string]int64 `json:"errors"` // failed attempts by "status code" or "network"

	Sessions struct {
		Started  int64          `json:"started"`
		PeakHeld int64          `json:"peak_held"` // open at once
		Finished int            `json:"finished"`
		Stuck    int            `json:"stuck"`  // queue not empty at the drain deadline
		Failed   map[string]int `json:"failed"` // stopped by a refusal, by reason
	} `json:"sessions"`

	// Server is what the servers' /metrics said, when they could be read.
	Server *ServerCost `json:"server,omitempty"`
	// Check is the count of acknowledged items against the store.
	Check *Check `json:"check,omitempty"`

	acked   []SessionItems             // what each session had acknowledged, for Verify
	latency map[string][]time.Duration // every item's, by kind (for tests)
}

// KindReport is one kind's figures.
type KindReport struct {
	Acked      int     `json:"acked"`
	Duplicates int64   `json:"duplicates_acked"` // answers "already stored" (a retry of a stored item)
	Bytes      int64   `json:"bytes"`
	P50        float64 `json:"p50_ms"`
	P95        float64 `json:"p95_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	// ServiceP50/P99 are of the successful attempt alone, without the
	// wait in the queue or for earlier attempts.
	ServiceP50 float64 `json:"service_p50_ms"`
	ServiceP99 float64 `json:"service_p99_ms"`
}

// SessionItems is what one session had acknowledged: each stream's items'
// SHA-256 by sequence number (event batches: only their count is checked,
// the server hashes them in its own form).
type SessionItems struct {
	SessionID int64
	Frames    [][32]byte
	Audio     [][32]byte
	Webcam    [][32]byte
	Screen    [][32]byte
	Batches   int64
	Photos    [][32]byte // onboarding face attempts 1, 2, …
}

// Acked returns what each session had acknowledged.
func (r *Report) Acked() []SessionItems { return r.acked }

func msOf(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

func kindReport(k *kindStats) KindReport {
	lat, svc := percentiles(k.latency), percentiles(k.service)
	return KindReport{Acked: lat.N, Duplicates: k.dups, Bytes: k.bytes, P50: msOf(lat.P50), P95: msOf(lat.P95), P99: msOf(lat.P99),
		Max: msOf(lat.Max), ServiceP50: msOf(svc.P50), ServiceP99: msOf(svc.P99)}
}

func (s *stats) report(now time.Time, students []*student) *Report {
	r := &Report{StartedAt: s.begin.UTC(), Students: len(students), RampSeconds: s.holdFrom.Sub(s.begin).Seconds(),
		HoldSeconds: s.holdTo.Sub(s.holdFrom).Seconds(), Seconds: now.Sub(s.begin).Seconds(), Kinds: map[string]KindReport{},
		Errors: map[string]int64{}, Attempts: s.attempts.Load(), Retries: s.retries.Load(), latency: map[string][]time.Duration{}}
	s.mu.Lock()
	all := &kindStats{}
	for _, k := range kinds {
		ks := s.kinds[k]
		r.Kinds[k] = kindReport(ks)
		r.latency[k] = ks.latency
		if k != KindStart && k != KindFinish {
			all.latency = append(all.latency, ks.latency...)
			all.service = append(all.service, ks.service...)
			all.bytes += ks.bytes
			all.dups += ks.dups
		}
	}
	for k, v := range s.errors {
		r.Errors[k] = v
	}
	s.mu.Unlock()
	r.Uploads = kindReport(all)
	if hold := r.HoldSeconds; hold > 0 {
		r.Hold.UploadsPerSecond = float64(s.holdAcks.Load()) / hold
		r.Hold.BytesPerSecond = float64(s.holdBytes.Load()) / hold
	}
	r.Sessions.Started, r.Sessions.PeakHeld, r.Sessions.Failed = s.started.Load(), s.peakHeld.Load(), map[string]int{}
	for _, st := range students {
		st.mu.Lock()
		switch {
		case st.err != nil:
			r.Sessions.Failed[st.err.Error()]++
		case st.stuck:
			r.Sessions.Stuck++
		case st.done:
			r.Sessions.Finished++
		}
		if st.id != 0 {
			items := SessionItems{SessionID: st.id, Photos: st.photos}
			for _, sm := range st.streams {
				switch sm.kind {
				case KindFrame:
					items.Frames = sm.hashes
				case KindAudio:
					items.Audio = sm.hashes
				case KindEvents:
					items.Batches = int64(len(sm.hashes))
				case KindWebcam:
					items.Webcam = sm.hashes
				case KindScreen:
					items.Screen = sm.hashes
				}
			}
			r.acked = append(r.acked, items)
		}
		st.mu.Unlock()
	}
	sort.Slice(r.acked, func(i, j int) bool { return r.acked[i].SessionID < r.acked[j].SessionID })
	return r
}
