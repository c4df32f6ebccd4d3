package jobs

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// niceOfThisThread reads the calling thread's niceness. The raw system
// call answers 20 − nice.
func niceOfThisThread(t *testing.T) int {
	t.Helper()
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	return 20 - p
}

// TestAnalysisRunsBelowUploads: the analysis job's work runs on a thread
// at analysisNice, the caller's thread keeps its own, and fn's error and
// panics reach the caller (River records both as the job's outcome).
func TestAnalysisRunsBelowUploads(t *testing.T) {
	before := niceOfThisThread(t)
	if before >= analysisNice {
		t.Skipf("the test already runs at nice %d", before)
	}
	var inside int
	want := errors.New("analysis failed")
	err := onThreadOfItsOwn(true, func() error {
		inside = niceOfThisThread(t)
		return want
	})
	if !errors.Is(err, want) {
		t.Errorf("belowUploads returned %v, want fn's error", err)
	}
	if inside != analysisNice {
		t.Errorf("analysis ran at nice %d, want %d", inside, analysisNice)
	}
	if after := niceOfThisThread(t); after != before {
		t.Errorf("the caller's thread went from nice %d to %d", before, after)
	}
	defer func() {
		if r := recover(); r != "model crashed" {
			t.Errorf("recovered %v, want fn's panic", r)
		}
	}()
	_ = onThreadOfItsOwn(true, func() error { panic("model crashed") })
	t.Error("a panic in the analysis did not reach the caller")
}
