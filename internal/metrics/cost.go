package metrics

import (
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Upload kinds, as the cost metrics label them.
var uploadKinds = []string{"frame", "audio", "events", "webcam", "screen", "photo", "batch"}

// UploadKind names the capture upload a request is ("frame", "audio",
// "events", "webcam", "screen", "photo", or "batch": several in one
// request), or "" for any other request.
func UploadKind(r *http.Request) string {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/sessions/")
	if !ok {
		return ""
	}
	_, rest, _ = strings.Cut(rest, "/")
	if r.Method == http.MethodPost && rest == "uploads" {
		return "batch"
	}
	if r.Method != http.MethodPut {
		return ""
	}
	switch what, rest, _ := strings.Cut(rest, "/"); what {
	case "frames":
		return "frame"
	case "audio", "events":
		return what
	case "photos":
		return "photo"
	case "chunks":
		if s, _, _ := strings.Cut(rest, "/"); s == "webcam" || s == "screen" {
			return s
		}
	}
	return ""
}

// costEvery: one upload of each kind in costEvery is measured on its
// thread (see MeasureUpload). Locking a request to its thread makes every
// wait in it (a database round trip, the disk) hand the processor over and
// wake that very thread again, which on a busy machine costs; one in 64
// keeps that small and still measures dozens of uploads a second at load.
const costEvery = 64

type uploadCost struct {
	accepted *prometheus.CounterVec
	received *prometheus.CounterVec
	cpu      *prometheus.HistogramVec
	written  *prometheus.HistogramVec
	seen     map[string]*atomic.Uint64
}

func newUploadCost() *uploadCost {
	c := &uploadCost{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_ingest_accepted_total",
			Help: "Capture uploads accepted (answered 2xx, a retry of a stored item included), by kind."}, []string{"kind"}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_ingest_stored_bytes_total",
			Help: "Bytes of the accepted capture uploads (their bodies: the media stored), by kind."}, []string{"kind"}),
		cpu: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vigil_ingest_cpu_seconds",
			Help: "CPU time of the request's own thread, from the request's arrival to its answer, of one accepted upload in " +
				"64 of each kind (sampled). Work on other threads (the Go runtime's collector, an S3 client's connection) and " +
				"in other processes (PostgreSQL, the object store) is not in it.",
			Buckets: []float64{50e-6, 100e-6, 200e-6, 400e-6, 800e-6, .0016, .0032, .0064, .0128, .0256, .05, .1}}, []string{"kind"}),
		written: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vigil_ingest_written_bytes",
			Help: "Bytes the request's own thread wrote (to files: media and the SQLite database and its log; and to " +
				"sockets: PostgreSQL, the answer) for one accepted upload in 64 of each kind (sampled).",
			Buckets: prometheus.ExponentialBuckets(256, 2, 14)}, []string{"kind"}),
		seen: map[string]*atomic.Uint64{},
	}
	for _, k := range uploadKinds {
		c.seen[k] = &atomic.Uint64{}
		c.accepted.WithLabelValues(k)
		c.received.WithLabelValues(k)
	}
	return c
}

// MeasureUpload serves an upload of kind (see UploadKind) through serve,
// which returns the answer's status, and counts it. One in 64 of each
// kind runs locked to its OS thread so that the thread's CPU time and
// bytes written are the request's own, and records them when it was
// accepted.
func (m *Metrics) MeasureUpload(kind string, size int64, serve func() int) {
	if m == nil || kind == "" {
		serve()
		return
	}
	c := m.cost
	var status int
	if c.seen[kind].Add(1)%costEvery != 0 {
		status = serve()
	} else {
		// The two readings bracket serve alone: the written count is
		// read outside the CPU clock's readings, since reading it costs.
		runtime.LockOSThread()
		w0, ok1 := threadWritten()
		c0, ok2 := threadCPU()
		status = serve()
		c1, ok3 := threadCPU()
		w1, ok4 := threadWritten()
		runtime.UnlockOSThread()
		if ok1 && ok2 && ok3 && ok4 && status/100 == 2 {
			c.cpu.WithLabelValues(kind).Observe((c1 - c0).Seconds())
			c.written.WithLabelValues(kind).Observe(float64(w1 - w0))
		}
	}
	if status/100 == 2 {
		c.accepted.WithLabelValues(kind).Inc()
		c.received.WithLabelValues(kind).Add(float64(max(0, size)))
	}
}
