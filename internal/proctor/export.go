package proctor

import (
	"slices"
	"time"
)

// ExportItem is one kind of evidence an export can hold.
type ExportItem string

// The items of the export menu, in the order it lists them.
const (
	ItemSummary    ExportItem = "summary"    // sessions.csv: one row per session
	ItemViolations ExportItem = "violations" // violations.csv and violations.json
	ItemEvents     ExportItem = "events"     // events.json per session
	ItemSnapshots  ExportItem = "snapshots"  // the frames around each violation
	ItemVideo      ExportItem = "video"      // the webcam and screen recordings
	ItemScans      ExportItem = "scans"      // verification photos
	ItemOnboarding ExportItem = "onboarding" // the student's onboarding photos
)

// ExportItems lists every item, in menu order.
var ExportItems = []ExportItem{ItemSummary, ItemViolations, ItemEvents, ItemSnapshots, ItemVideo, ItemScans, ItemOnboarding}

// Valid reports whether i is a known item.
func (i ExportItem) Valid() bool { return slices.Contains(ExportItems, i) }

// Label is how the menu names the item.
func (i ExportItem) Label() string {
	switch i {
	case ItemSummary:
		return "Session summary (CSV)"
	case ItemViolations:
		return "Violations (CSV and JSON)"
	case ItemEvents:
		return "Event log (JSON)"
	case ItemSnapshots:
		return "Snapshots"
	case ItemVideo:
		return "Video"
	case ItemScans:
		return "Verification scans"
	case ItemOnboarding:
		return "Onboarding"
	}
	return string(i)
}

// ParseExportItems checks a requested item list: every item known, none
// twice, at least one. It returns them in menu order.
func ParseExportItems(raw []string) ([]ExportItem, error) {
	if len(raw) == 0 {
		return nil, E(CodeInvalid, "choose at least one item to export")
	}
	seen := map[ExportItem]bool{}
	for _, r := range raw {
		i := ExportItem(r)
		if !i.Valid() {
			return nil, E(CodeInvalid, "%q is not an export item", r)
		}
		if seen[i] {
			return nil, E(CodeInvalid, "%q is listed twice", r)
		}
		seen[i] = true
	}
	var out []ExportItem
	for _, i := range ExportItems {
		if seen[i] {
			out = append(out, i)
		}
	}
	return out, nil
}

// ExportState is where an export request stands.
type ExportState string

// Export states: queued → building → ready, or failed; a ready export's
// file is deleted when its link expires.
const (
	ExportQueued   ExportState = "queued"
	ExportBuilding ExportState = "building"
	ExportReady    ExportState = "ready"
	ExportFailed   ExportState = "failed"
	ExportExpired  ExportState = "expired"
)

// Label is the state as the Exports page says it.
func (s ExportState) Label() string {
	switch s {
	case ExportQueued:
		return "Waiting"
	case ExportBuilding:
		return "Building"
	case ExportReady:
		return "Ready"
	case ExportFailed:
		return "Failed"
	case ExportExpired:
		return "Expired"
	}
	return string(s)
}

// ExportScope says what an export covers.
type ExportScope string

// Scopes: one session, a whole exam, or chosen students of an exam.
const (
	ScopeSession  ExportScope = "session"
	ScopeExam     ExportScope = "exam"
	ScopeStudents ExportScope = "students"
)

// Export is a request for evidence, built as a ZIP by a job and
// downloaded by the user who asked for it.
type Export struct {
	ID         int64
	UserID     int64
	CourseID   int64
	ExamID     int64
	Scope      ExportScope
	SessionIDs []int64
	Items      []ExportItem
	State      ExportState
	// Progress while building: files written of the total, bytes written.
	FilesDone, FilesTotal int
	BytesDone             int64
	// The finished file: its blob, size and SHA-256.
	BlobKey string
	Size    int64
	SHA256  string
	// Error says why the export failed, for the requester.
	Error string
	// Mail is how the notice of a ready export fared; MailError why it
	// has not gone yet.
	Mail      MailState
	MailError string
	CreatedAt time.Time
	// FinishedAt is when it became ready or failed; ExpiresAt when its
	// link stops working and its file is deleted.
	FinishedAt time.Time
	ExpiresAt  time.Time
}

// Percent is how far the build is, for the progress bar.
func (e *Export) Percent() int {
	switch {
	case e.State == ExportReady || e.State == ExportExpired:
		return 100
	case e.FilesTotal == 0:
		return 0
	}
	return min(99, e.FilesDone*100/e.FilesTotal)
}

// MailState is how an email fared.
type MailState string

// Mail states. Without an SMTP server mail is kept in the outbox, which
// administrators read on the admin page.
const (
	MailNone   MailState = ""       // no mail (yet)
	MailQueued MailState = "queued" // waiting for the SMTP server (retried with backoff)
	MailSent   MailState = "sent"   // the SMTP server accepted it
	MailKept   MailState = "kept"   // no SMTP server configured: in the outbox
	MailFailed MailState = "failed" // refused for good, or out of retries
)

// Label says the state to the requester.
func (m MailState) Label() string {
	switch m {
	case MailQueued:
		return "Email waiting to be sent"
	case MailSent:
		return "Email sent"
	case MailKept:
		return "Email kept in Vigil's outbox (no mail server configured)"
	case MailFailed:
		return "Email could not be sent"
	}
	return ""
}

// Mail is a message in Vigil's outbox: every email Vigil sends is kept
// here first, then handed to the SMTP server when one is configured.
type Mail struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	State     MailState
	Attempts  int
	LastError string
	ExportID  int64
	CreatedAt time.Time
	SentAt    time.Time
}

// Audit actions of exports and mail.
const (
	AuditExportRequested  = "export.requested"
	AuditExportReady      = "export.ready"
	AuditExportFailed     = "export.failed"
	AuditExportDownloaded = "export.downloaded"
	AuditExportRefused    = "export.download_refused"
	AuditExportExpired    = "export.expired"
	AuditMailSent         = "mail.sent"
	AuditMailFailed       = "mail.failed"
)
