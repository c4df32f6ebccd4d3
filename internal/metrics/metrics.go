// Package metrics is what Vigil tells Prometheus: ingest latency and
// results, job queue depth, analysis lag and job failures. Each process
// has its own registry (no global state), served at /metrics.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river/rivertype"
)

// Metrics are one process's metrics.
type Metrics struct {
	reg           *prometheus.Registry
	ingest        *prometheus.HistogramVec
	uploads       *prometheus.CounterVec
	analysisLag   prometheus.Histogram
	jobFailures   *prometheus.CounterVec
	jobsCompleted *prometheus.CounterVec
	cost          *uploadCost
	analysis      *analysisCost
	storage       *storage
}

// New makes a registry with Go runtime and process metrics and Vigil's.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.ingest = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vigil_ingest_request_duration_seconds",
		Help:    "Time to answer a capture-client API request, by route.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .2, .3, .5, 1, 2.5, 5, 10}}, []string{"route"})
	m.uploads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_uploads_total",
		Help: "Capture-client API requests by route and result (HTTP status class and code)."}, []string{"route", "status"})
	m.analysisLag = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_analysis_lag_seconds",
		Help:    "Time from a session's finish to its verdict.",
		Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 120, 300, 900}})
	m.jobFailures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_job_failures_total",
		Help: "Background job attempts that failed, by job kind."}, []string{"kind"})
	m.jobsCompleted = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_jobs_completed_total",
		Help: "Background jobs completed, by job kind."}, []string{"kind"})
	m.cost, m.analysis, m.storage = newUploadCost(), newAnalysisCost(), newStorage()
	m.reg.MustRegister(m.ingest, m.uploads, m.analysisLag, m.jobFailures, m.jobsCompleted,
		m.cost.accepted, m.cost.received, m.cost.cpu, m.cost.written, m.analysis.cpu, m.analysis.frames,
		m.storage.full, m.storage.refusals)
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveIngest records one API request.
func (m *Metrics) ObserveIngest(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.ingest.WithLabelValues(route).Observe(d.Seconds())
	m.uploads.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// ObserveAnalysisLag records how long after its finish a session's verdict
// came.
func (m *Metrics) ObserveAnalysisLag(d time.Duration) {
	if m == nil {
		return
	}
	m.analysisLag.Observe(d.Seconds())
}

// ObserveJob records a job attempt's outcome.
func (m *Metrics) ObserveJob(kind string, failed bool) {
	if m == nil {
		return
	}
	if failed {
		m.jobFailures.WithLabelValues(kind).Inc()
	} else {
		m.jobsCompleted.WithLabelValues(kind).Inc()
	}
}

// WatchQueue adds a gauge of the job queue by state, counted at each
// scrape (from the database, so every process sees the shared queue).
func (m *Metrics) WatchQueue(count func(ctx context.Context) (map[rivertype.JobState]int, error)) {
	m.reg.MustRegister(&queueCollector{count: count})
}

var queueDesc = prometheus.NewDesc("vigil_jobs", "Background jobs in the queue, by state.", []string{"state"}, nil)

type queueCollector struct {
	count func(ctx context.Context) (map[rivertype.JobState]int, error)
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
		return
	}
	for _, st := range []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateScheduled,
		rivertype.JobStateRetryable, rivertype.JobStatePending, rivertype.JobStateDiscarded} {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}

// storage is whether uploads are refused for lack of space, and how many.
type storage struct {
	full     prometheus.Gauge
	refusals prometheus.Counter
}

func newStorage() *storage {
	return &storage{
		full: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_storage_full",
			Help: "1 while uploads are refused with 507 because a disk is full or below its free-space floor, else 0."}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_storage_full_refusals_total",
			Help: "Requests refused with 507 storage_full (the client keeps the upload and retries)."}),
	}
}

// StorageFull sets whether uploads are refused for lack of space.
func (m *Metrics) StorageFull(full bool) {
	if m == nil {
		return
	}
	v := 0.0
	if full {
		v = 1
	}
	m.storage.full.Set(v)
}

// StorageRefused counts a request refused because a disk is full.
func (m *Metrics) StorageRefused() {
	if m == nil {
		return
	}
	m.storage.refusals.Inc()
}

var diskFreeDesc = prometheus.NewDesc("vigil_disk_free_bytes", "Free space an unprivileged writer may use on the filesystem "+
	"of a folder Vigil writes (the database's, the media's), read at each scrape.", []string{"path"}, nil)

// WatchDiskFree adds a gauge of the free space of each of paths' filesystems.
func (m *Metrics) WatchDiskFree(paths []string, free func(path string) (uint64, error)) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&diskCollector{paths: paths, free: free})
}

type diskCollector struct {
	paths []string
	free  func(string) (uint64, error)
}

func (c *diskCollector) Describe(ch chan<- *prometheus.Desc) { ch <- diskFreeDesc }

func (c *diskCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.paths {
		if n, err := c.free(p); err == nil {
			ch <- prometheus.MustNewConstMetric(diskFreeDesc, prometheus.GaugeValue, float64(n), p)
		}
	}
}
