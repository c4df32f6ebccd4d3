package export_test

import (
	"context"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/export"
	"vigil/internal/proctor"
)

// BenchmarkExport1GB builds an export of one session holding 1 GiB of
// video (1,024 chunks of 1 MiB) plus frames, photos and events, and
// reports its peak heap. The baseline is the least work that makes the
// same file from the same blobs: the chunks read and written back to the
// bucket as one object, with no ZIP and no hashing.
func BenchmarkExport1GB(b *testing.B) {
	w := newWorld(b)
	s := w.session(b, 600, 1024, 1<<20)
	ctx := context.Background()
	chunks, err := w.st.ListChunks(ctx, s.ID, proctor.StreamWebcam)
	must(b, err)

	b.Run("baseline-copy", func(b *testing.B) {
		for b.Loop() {
			peak := watchHeap(func() {
				pr, pw := io.Pipe()
				go func() {
					for _, c := range chunks {
						obj, err := w.blobs.Open(ctx, c.BlobKey)
						if err != nil {
							pw.CloseWithError(err)
							return
						}
						io.Copy(pw, obj)
						obj.Close()
					}
					pw.Close()
				}()
				n, err := w.blobs.Put(ctx, "bench/copy", pr)
				must(b, err)
				b.SetBytes(n)
			})
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		}
	})

	b.Run("export", func(b *testing.B) {
		for b.Loop() {
			e := w.export(b, proctor.ExportItems, s)
			var res *export.Result
			peak := watchHeap(func() {
				var err error
				res, err = (&export.Builder{Store: w.st, Blobs: w.blobs}).Build(ctx, e, func(export.Progress) {})
				must(b, err)
			})
			b.SetBytes(res.Size)
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(res.Files), "files")
		}
	})
}

// watchHeap runs f and returns the highest heap in use seen while it ran
// (sampled every 5 ms), above the heap in use before it started.
func watchHeap(f func()) uint64 {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	f()
	close(done)
	if p := peak.Load(); p > before.HeapInuse {
		return p - before.HeapInuse
	}
	return 0
}
