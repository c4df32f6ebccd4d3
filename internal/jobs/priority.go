package jobs

// analysisNice is the scheduling niceness the analysis runs at where the
// same process takes the uploads. There the uploads come first: a
// student's upload waiting behind face detection is what fills the
// capture client's queue, while the analysis can catch up when the exam is
// over (docs/BENCHMARKS.md, "uploads before analysis"). At 10 a busy
// upload thread gets about nine tenths of a contended core; an idle
// machine gives the analysis all of it.
const analysisNice = 10

// onThreadOfItsOwn runs fn on an OS thread of its own, at analysisNice when
// below is set, and waits for it. Being alone on the thread is what lets
// the thread's CPU clock measure fn (Metrics.AnalysisRun). The thread is
// not handed back to the Go runtime: an unprivileged process cannot raise
// a thread's priority again, so the goroutine ends locked to it and the
// runtime discards the thread. ONNX Runtime runs each model on the calling
// thread (one intra-op thread), so the models' work is on it too. A panic
// in fn is raised again in the caller, where River turns it into the job's
// error.
func onThreadOfItsOwn(below bool, fn func() error) error {
	type outcome struct {
		err      error
		panicked bool
		value    any
	}
	done := make(chan outcome, 1)
	go func() {
		lockThisThread(below)
		o := outcome{panicked: true}
		defer func() {
			if o.panicked {
				o.value = recover()
			}
			done <- o
		}()
		o.err = fn()
		o.panicked = false
	}()
	o := <-done
	if o.panicked {
		panic(o.value)
	}
	return o.err
}
