package ingest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"vigil/internal/proctor"
)

// batchRefusals are the codes an event batch may be refused with.
var batchRefusals = map[proctor.Code]bool{
	proctor.CodeMalformedJSON: true, proctor.CodeTooLarge: true, proctor.CodeInvalid: true,
}

// FuzzEventBatch feeds arbitrary bodies to the event batch parser, as the
// proctoring window and each companion would send them. A refusal must
// carry one of the batch codes; an accepted batch must hold only valid
// events of the sender's own kinds, and must re-encode (PutEvents hashes
// the re-encoded batch to recognise retries) to the same events.
func FuzzEventBatch(f *testing.F) {
	at := "2026-03-01T09:00:00.123Z"
	for _, seed := range []string{
		`{"events": []}`,
		`{"events": [{"kind": "focus_lost", "at": "` + at + `"}, {"kind": "focus_gained", "at": "` + at + `"}]}`,
		`{"events": [{"kind": "key", "at": "` + at + `", "combo": "ctrl+shift+i"}]}`,
		`{"events": [{"kind": "screen_share", "at": "` + at + `", "surface": "monitor"}, {"kind": "screens", "at": "` + at + `", "count": 2}]}`,
		`{"events": [{"kind": "app", "at": "` + at + `", "name": "Discord", "state": "running"}]}`,
		`{"events": [{"kind": "foreground", "at": "` + at + `", "name": "code", "title": "notes.txt - VS Code", "source": "agent"}]}`,
		`{"events": [{"kind": "navigate", "at": "` + at + `", "url": "https://chat.example.com/"}]}`,
		`{"events": [{"kind": "device", "at": "` + at + `", "name": "camera", "state": "lost"}]}`,
		`{"events": [{"kind": "virtual_machine", "at": "2026-03-01T10:00:00+01:00", "name": "VirtualBox"}]}`,
		`{"events": [{"kind": "paste", "at": "` + at + `"}], "extra": 1}`,
		`{"events": null}`,
		`{"events": [{"kind": "key", "at": "` + at + `", "combo": "\u0000"}]}`,
		`{"events": []} {}`,
		`[]`,
	} {
		for _, source := range []string{proctor.SourceBrowser, proctor.SourceAgent, proctor.SourceExtension} {
			f.Add([]byte(seed), source)
		}
	}
	s := &Service{limits: DefaultLimits()}
	f.Fuzz(func(t *testing.T, body []byte, source string) {
		in, err := s.parseBatch(body, source)
		if err != nil {
			checkBatchRefusal(t, err)
			return
		}
		for i := range in.Events {
			checkAcceptedEvent(t, &in.Events[i], source)
		}
		checkBatchRoundTrip(t, in)
	})
}

func checkBatchRefusal(t *testing.T, err error) {
	t.Helper()
	var pe *proctor.Error
	if !errors.As(err, &pe) || !batchRefusals[pe.Code] || pe.Message == "" {
		t.Fatalf("refusal without a batch code and message: %#v", err)
	}
}

func checkAcceptedEvent(t *testing.T, e *proctor.EventInput, source string) {
	t.Helper()
	if err := e.Validate(); err != nil {
		t.Fatalf("accepted an invalid event %+v: %v", e, err)
	}
	if proctor.CompanionSource(source) && (e.Source != source || !proctor.SourceMaySend(source, e.Kind)) {
		t.Fatalf("a %s batch stored event %+v", source, e)
	}
	if c := proctor.NormalizeCombo(e.Combo); proctor.NormalizeCombo(c) != c {
		t.Fatalf("combo %q normalises to %q, which normalises again to %q", e.Combo, c, proctor.NormalizeCombo(c))
	}
}

// checkBatchRoundTrip re-encodes the batch as PutEvents does and reads it
// back: the same events, at the same instants.
func checkBatchRoundTrip(t *testing.T, in *eventBatch) {
	t.Helper()
	canon, err := json.Marshal(in.Events)
	if err != nil {
		t.Fatalf("an accepted batch does not re-encode: %v", err)
	}
	var again []proctor.EventInput
	if err := json.Unmarshal(canon, &again); err != nil || len(again) != len(in.Events) {
		t.Fatalf("re-encoded batch %s does not read back: %v", canon, err)
	}
	for i := range again {
		a, b := in.Events[i], again[i]
		if !a.At.Equal(b.At) {
			t.Fatalf("event %d: time %s came back as %s", i, a.At, b.At)
		}
		a.At, b.At = time.Time{}, time.Time{}
		if a != b {
			t.Fatalf("event %d: %+v came back as %+v", i, a, b)
		}
	}
}
