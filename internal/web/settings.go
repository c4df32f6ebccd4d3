package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"vigil/internal/proctor"
	"vigil/internal/review"
)

// settingsView is the settings page: the stored page plus the form's state
// (the submitted settings when they were refused, so nothing typed is lost).
type settingsView struct {
	*review.SettingsPage
	Settings proctor.Settings
	Error    string
	CSRF     string
	// Gate is the quiz password block (partials/exam_quiz_password.html).
	Gate quizGateView
}

// thresholdTypes are the types whose sensitivity the form shows, with the
// unit a person reads it in.
var thresholdTypes = map[proctor.ViolationType]string{
	proctor.FacialSuspicion:  "gaze shift from the student's usual pose (inter-ocular units)",
	proctor.BackgroundMotion: "share of the background moving (0–1)",
	proctor.BackgroundAudio:  "speech probability (0–1)",
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var p *review.SettingsPage
	if err == nil {
		p, err = s.Review.ExamSettings(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings", page{Title: "Settings: " + p.Exam.Title, User: v.User, CSRF: v.CSRF,
		Flash: r.URL.Query().Get("done"), Data: settingsView{SettingsPage: p, Settings: p.Exam.Settings, CSRF: v.CSRF,
			Gate: s.quizGate(r, v, p.Exam)}})
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var p *review.SettingsPage
	if err == nil {
		p, err = s.Review.ExamSettings(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	next, err := settingsFromForm(p.Exam.Settings, r.PostForm)
	if err == nil {
		err = s.Review.UpdateSettings(r.Context(), v.actor(r), id, next)
	}
	if e := appError(err); err != nil && e.Code == proctor.CodeInvalid {
		s.render(w, r, http.StatusBadRequest, "settings", page{Title: "Settings: " + p.Exam.Title, User: v.User, CSRF: v.CSRF,
			Data: settingsView{SettingsPage: p, Settings: next, Error: e.Message, CSRF: v.CSRF, Gate: s.quizGate(r, v, p.Exam)}})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := "Settings saved. Every finished session of this quiz is being decided again with them."
	http.Redirect(w, r, fmt.Sprintf("/exams/%d/settings?done=%s", id, url.QueryEscape(msg)), http.StatusSeeOther)
}

// settingsFromForm reads the form over the current settings.
func settingsFromForm(cur proctor.Settings, f url.Values) (proctor.Settings, error) {
	next := cur
	next.Policy.Weights = map[proctor.ViolationType]float64{}
	next.Policy.FailAtOnce = nil
	var errs []string
	num := func(name string, dst *float64) {
		if v := strings.TrimSpace(f.Get(name)); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%q is not a number", v))
				return
			}
			*dst = n
		}
	}
	for _, t := range proctor.ViolationTypes {
		rule := next.Rule(t)
		rule.Enabled = f.Get(string(t)+".enabled") == "on"
		num(string(t)+".min_seconds", &rule.MinSeconds)
		num(string(t)+".threshold", &rule.Threshold)
		weight := 1.0
		num(string(t)+".weight", &weight)
		if weight != 1 {
			next.Policy.Weights[t] = weight
		}
		if f.Get(string(t)+".fail_at_once") == "on" {
			next.Policy.FailAtOnce = append(next.Policy.FailAtOnce, t)
		}
	}
	num("head_turn_degrees", &next.HeadTurnDegrees)
	num("head_down_degrees", &next.HeadDownDegrees)
	num("dark_luma", &next.DarkLuma)
	num("frame_interval_seconds", &next.FrameIntervalSeconds)
	share := next.Policy.FailShare * 100
	num("fail_share_percent", &share)
	next.Policy.FailShare = share / 100
	num("point_seconds", &next.Policy.PointSeconds)
	next.BlacklistedKeys = lines(f.Get("blacklisted_keys"))
	next.BlacklistedApps = lines(f.Get("blacklisted_apps"))
	next.WhitelistedApps = lines(f.Get("whitelisted_apps"))
	next.WhitelistedURLs = lines(f.Get("whitelisted_urls"))
	next.AllowMultipleScreens = f.Get("allow_multiple_screens") == "on"
	next.AllowVirtualMachine = f.Get("allow_virtual_machine") == "on"
	next.UseDefaultApps = f.Get("use_default_apps") == "on"
	next.RequireAgent = f.Get("require_agent") == "on"
	next.RequireExtension = f.Get("require_extension") == "on"
	next.RequireScreenShare = f.Get("require_screen_share") == "on"
	next.QuizInWindow = f.Get("quiz_in_window") == "on"
	next.IdentityFace = f.Get("identity_face") == "on"
	next.IdentityID = f.Get("identity_id") == "on"
	next.IdentityRoom = f.Get("identity_room") == "on"
	if len(errs) > 0 {
		return next, proctor.E(proctor.CodeInvalid, "%s", strings.Join(errs, "; "))
	}
	return next, next.Validate()
}

// lines splits a textarea into its non-empty trimmed lines.
func lines(s string) []string {
	out := []string{}
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) saveAccommodation(w http.ResponseWriter, r *http.Request, v *viewer) {
	examID, err := pathID(r, "id")
	var studentID int64
	if err == nil {
		studentID, err = strconv.ParseInt(r.PostFormValue("student"), 10, 64)
	}
	if err != nil {
		s.pageError(w, r, proctor.E(proctor.CodeInvalid, "choose a student"))
		return
	}
	acc := &proctor.Accommodation{ExamID: examID, StudentID: studentID, AllowedApps: lines(r.PostFormValue("allowed_apps")),
		AllowedKeys: lines(r.PostFormValue("allowed_keys")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	for _, t := range r.PostForm["off"] {
		acc.Off = append(acc.Off, proctor.ViolationType(t))
	}
	if err := s.Review.SetAccommodation(r.Context(), v.actor(r), acc); err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := "Accommodation saved; the student's sessions of this quiz are being decided again."
	http.Redirect(w, r, fmt.Sprintf("/exams/%d/settings?done=%s#accommodations", examID, url.QueryEscape(msg)), http.StatusSeeOther)
}
