package export

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/signer"
)

// linkSecretName names the server secret that signs download links.
const linkSecretName = "export-links"

// Links signs and checks download links. A link names the export, the
// user it was made for and when it expires; the signature covers all
// three, so none can be changed.
type Links struct {
	BaseURL string
	key     *signer.Signer
}

// NewLinks loads (or makes, the first time) the signing key.
func NewLinks(ctx context.Context, st SecretStore, baseURL string) (*Links, error) {
	key, err := signer.Load(ctx, st, linkSecretName)
	if err != nil {
		return nil, fmt.Errorf("export: link key: %w", err)
	}
	return &Links{BaseURL: baseURL, key: key}, nil
}

func (l *Links) sign(exportID, userID, expires int64) string {
	return l.key.Sign("vigil-export", exportID, userID, expires)
}

// Path is the download link of an export, relative to the server.
func (l *Links) Path(e *proctor.Export) string {
	exp := e.ExpiresAt.Unix()
	return fmt.Sprintf("/exports/%d/download?%s", e.ID, url.Values{"u": {strconv.FormatInt(e.UserID, 10)},
		"e": {strconv.FormatInt(exp, 10)}, "s": {l.sign(e.ID, e.UserID, exp)}}.Encode())
}

// URL is the whole download link, for mail.
func (l *Links) URL(e *proctor.Export) string { return l.BaseURL + l.Path(e) }

// LinkProblem says why a link cannot be used, in words for the person
// who followed it; Code is for the audit log.
type LinkProblem struct {
	Code    string // tampered, expired, other_user, not_ready
	Status  int
	Message string
}

func (p *LinkProblem) Error() string { return "export link: " + p.Code + ": " + p.Message }

// Check verifies a link's parameters for export e, followed by userID at
// now. It checks the signature first, so a changed link is never told
// apart from a made-up one.
func (l *Links) Check(e *proctor.Export, q url.Values, userID int64, now time.Time) error {
	linkUser, err1 := strconv.ParseInt(q.Get("u"), 10, 64)
	exp, err2 := strconv.ParseInt(q.Get("e"), 10, 64)
	if err1 != nil || err2 != nil || !l.key.Valid(q.Get("s"), "vigil-export", e.ID, linkUser, exp) || linkUser != e.UserID {
		return &LinkProblem{"tampered", 403, "This download link is not valid: it is incomplete or was changed. " +
			"Open it from the email again, or from the Exports page."}
	}
	if linkUser != userID {
		return &LinkProblem{"other_user", 403, "This download link was made for another user. Only the person who " +
			"raised the request can download it; raise your own request from the session or the Student List."}
	}
	if !now.Before(time.Unix(exp, 0)) || e.State == proctor.ExportExpired {
		return &LinkProblem{"expired", 410, fmt.Sprintf("This download link expired on %s and the file was deleted. "+
			"Raise a new request to export again.", time.Unix(exp, 0).UTC().Format("2 Jan 2006 15:04 MST"))}
	}
	if e.State != proctor.ExportReady {
		return &LinkProblem{"not_ready", 409, "This export is not ready: see its state on the Exports page."}
	}
	return nil
}
