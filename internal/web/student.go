package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/proctor"
)

// studentPage serves the capture client. The session link's token stays in
// the address (the client reads it there) and never in the logs; the page
// itself holds no secret.
func (s *Server) studentPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, "student", page{Title: "Proctored exam"})
}

// sessionLinkTTL is how long a link from the dashboard may start sessions.
const sessionLinkTTL = 7 * 24 * time.Hour

// issueSessionLink gives an instructor a student's session link for an
// exam, for a student who cannot come through the LMS or who is given a
// new attempt. The link is shown once, on a page that is not cached; only
// its hash is kept.
func (s *Server) issueSessionLink(w http.ResponseWriter, r *http.Request, v *viewer) {
	examID, err := pathID(r, "id")
	var studentID int64
	if err == nil {
		if studentID, err = strconv.ParseInt(r.PostFormValue("student"), 10, 64); err != nil {
			err = proctor.E(proctor.CodeInvalid, "choose a student")
		}
	}
	var exam *proctor.Exam
	if err == nil {
		exam, err = s.Review.AuthorizeExamChange(r.Context(), v.actor(r), examID)
	}
	var link *ingest.IssuedLink
	if err == nil {
		link, err = s.Ingest.IssueLink(r.Context(), ingest.LinkRequest{ExamID: examID, StudentID: studentID,
			TTL: sessionLinkTTL, UserID: v.User.ID, Actor: v.User.Email, Remote: remoteIP(r)})
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, "link", page{Title: "Session link", User: v.User, CSRF: v.CSRF, Data: linkView{
		Exam: exam, Student: link.Student, URL: strings.TrimRight(s.BaseURL, "/") + "/s/" + link.Token, Until: link.ExpiresAt}})
}

type linkView struct {
	Exam    *proctor.Exam
	Student *proctor.Student
	URL     string
	Until   time.Time
}
