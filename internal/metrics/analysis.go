package metrics

import "github.com/prometheus/client_golang/prometheus"

// analysisCost is what the analysis costs: the CPU of its runs and the
// frames they analysed; their ratio is what sizes `vigil work`
// (docs/DEPLOY.md).
type analysisCost struct {
	cpu    prometheus.Counter
	frames prometheus.Counter
}

func newAnalysisCost() *analysisCost {
	return &analysisCost{
		cpu: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_analysis_cpu_seconds_total",
			Help: "CPU time of the analysis job runs, each locked to its thread (reading media, decoding, the face and voice " +
				"models, identity checks, the rules); their writes to the database, done by the store's writer, are not in it."}),
		frames: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_analysis_frames_total",
			Help: "Webcam frames analysed and stored."}),
	}
}

// AnalysisRun starts measuring an analysis run on the calling goroutine,
// which must stay locked to its OS thread until the returned function,
// which records the thread's CPU time since, is called.
func (m *Metrics) AnalysisRun() (done func()) {
	if m == nil {
		return func() {}
	}
	c0, ok := threadCPU()
	return func() {
		if c1, ok1 := threadCPU(); ok && ok1 && c1 > c0 {
			m.analysis.cpu.Add((c1 - c0).Seconds())
		}
	}
}

// FramesAnalysed counts n frames analysed and stored.
func (m *Metrics) FramesAnalysed(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.analysis.frames.Add(float64(n))
}
