package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"vigil/internal/metrics"
)

// ServerCost is what the servers' /metrics said about the run: the whole
// processes' CPU per accepted upload, and each kind's own cost as the
// server measures it (docs/DEPLOY.md, the metrics).
type ServerCost struct {
	// CPUSeconds is the servers' process CPU over the run; HoldCores the
	// cores they used on average during the hold.
	CPUSeconds float64 `json:"cpu_seconds"`
	HoldCores  float64 `json:"hold_cores"`
	Accepted   float64 `json:"accepted"`
	// CPUMsPerUpload is the process CPU over the run per accepted upload
	// (everything the process did, analysis in process included).
	CPUMsPerUpload float64             `json:"cpu_ms_per_upload"`
	Kinds          map[string]KindCost `json:"kinds"`
	// AnalysedFrames and AnalysisCPUSeconds are what the analysis in the
	// loaded processes did over the run (the embedded default; a separate
	// `vigil work` is not read), FramesPerAnalysisCPUSecond their ratio.
	AnalysedFrames             float64 `json:"analysed_frames"`
	AnalysisCPUSeconds         float64 `json:"analysis_cpu_seconds"`
	FramesPerAnalysisCPUSecond float64 `json:"frames_per_analysis_cpu_second,omitempty"`
}

// KindCost is one upload kind's server-side cost.
type KindCost struct {
	Accepted float64 `json:"accepted"`
	// StoredBytes is the media bytes stored per accepted upload.
	StoredBytes float64 `json:"stored_bytes_per_upload"`
	// HandlerCPUMicros and WrittenBytes are the sampled uploads' mean CPU
	// time on the handling thread and bytes it wrote (files and sockets).
	HandlerCPUMicros float64 `json:"handler_cpu_us"`
	WrittenBytes     float64 `json:"handler_written_bytes"`
	Sampled          float64 `json:"sampled"`
}

// scrape reads the series of a Prometheus text exposition, keyed by the
// series as written (name and labels).
func scrape(ctx context.Context, hc *http.Client, target, token string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(target, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/metrics answered %s", target, res.Status)
	}
	return metrics.ParseText(res.Body)
}

// scrapeAll adds up the series of every target; nil when any fails.
func scrapeAll(ctx context.Context, hc *http.Client, targets []string, token string) map[string]float64 {
	sum := map[string]float64{}
	for _, t := range targets {
		m, err := scrape(ctx, hc, t, token)
		if err != nil {
			return nil
		}
		for k, v := range m {
			sum[k] += v
		}
	}
	return sum
}

// serverCost compares the scrapes at the run's start, the hold's start and
// end, and the run's end.
func serverCost(start, holdFrom, holdTo, end map[string]float64, hold time.Duration) *ServerCost {
	if start == nil || end == nil {
		return nil
	}
	d := func(a, b map[string]float64, k string) float64 { return b[k] - a[k] }
	c := &ServerCost{CPUSeconds: d(start, end, "process_cpu_seconds_total"), Kinds: map[string]KindCost{}}
	if holdFrom != nil && holdTo != nil && hold > 0 {
		c.HoldCores = d(holdFrom, holdTo, "process_cpu_seconds_total") / hold.Seconds()
	}
	for _, k := range append(slices.Clone(uploadKinds), kindBatch) {
		lbl := `{kind="` + k + `"}`
		kc := KindCost{Accepted: d(start, end, "vigil_ingest_accepted_total"+lbl)}
		if kc.Accepted > 0 {
			kc.StoredBytes = d(start, end, "vigil_ingest_stored_bytes_total"+lbl) / kc.Accepted
		}
		if n := d(start, end, "vigil_ingest_cpu_seconds_count"+lbl); n > 0 {
			kc.Sampled = n
			kc.HandlerCPUMicros = d(start, end, "vigil_ingest_cpu_seconds_sum"+lbl) / n * 1e6
			kc.WrittenBytes = d(start, end, "vigil_ingest_written_bytes_sum"+lbl) / n
		}
		c.Accepted += kc.Accepted
		c.Kinds[k] = kc
	}
	if c.Accepted > 0 {
		c.CPUMsPerUpload = c.CPUSeconds / c.Accepted * 1000
	}
	c.AnalysedFrames = d(start, end, "vigil_analysis_frames_total")
	c.AnalysisCPUSeconds = d(start, end, "vigil_analysis_cpu_seconds_total")
	if c.AnalysisCPUSeconds > 0 {
		c.FramesPerAnalysisCPUSecond = c.AnalysedFrames / c.AnalysisCPUSeconds
	}
	return c
}
