package devlms

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// homeCourse is the selected course as the home page shows it to a user.
type homeCourse struct {
	Course   Course
	Roles    []string // short role names of the user in the course
	Teacher  bool
	Learner  bool
	Tools    []Tool
	Quizzes  []Quiz
	Links    []DeepLinkItem
	Attempts []ProctoringAttempt
	Enrolled bool
}

// handleHome is the dev LMS's front page: whom to act as, the courses, and
// the selected course with every launch it offers.
func (p *Platform) handleHome(w http.ResponseWriter, r *http.Request) {
	user := p.cookieUser(r)
	courseID := r.URL.Query().Get("course")
	p.mu.Lock()
	users := make([]User, 0, len(p.state.users))
	for _, u := range p.state.users {
		users = append(users, *u)
	}
	courses := make([]Course, 0, len(p.state.courses))
	for _, c := range p.state.courses {
		courses = append(courses, *c)
	}
	if courseID == "" && len(courses) == 1 {
		courseID = courses[0].ID
	}
	var selected *homeCourse
	if user != nil && p.state.course(courseID) != nil {
		selected = p.homeCourse(courseID, user)
	}
	p.mu.Unlock()
	p.renderPage(w, http.StatusOK, "home", map[string]any{
		"Title": "Vigil dev LMS", "Users": users, "Courses": courses, "User": user,
		"CourseID": courseID, "Selected": selected,
	})
}

// homeCourse gathers what a user sees of a course. The caller holds p.mu.
func (p *Platform) homeCourse(courseID string, user *User) *homeCourse {
	d := &p.state.directory
	roles := d.roles(courseID, user.ID)
	hc := &homeCourse{
		Course:   *d.course(courseID),
		Teacher:  d.isTeacher(courseID, user.ID),
		Learner:  slices.Contains(roles, RoleLearner),
		Enrolled: roles != nil || user.Admin,
	}
	for _, r := range launchRoles(roles, user.Admin) {
		hc.Roles = append(hc.Roles, r[strings.LastIndexAny(r, "#/")+1:])
	}
	for _, t := range d.tools {
		hc.Tools = append(hc.Tools, *t)
	}
	for _, q := range d.quizzes[courseID] {
		if hc.Teacher || q.Published {
			hc.Quizzes = append(hc.Quizzes, *q)
		}
	}
	for _, item := range p.state.deepLinks {
		if item.CourseID == courseID {
			hc.Links = append(hc.Links, item)
		}
	}
	for _, a := range p.state.attempts {
		if a.CourseID == courseID && (a.UserID == user.ID || hc.Teacher) {
			hc.Attempts = append(hc.Attempts, *a)
		}
	}
	return hc
}

// handleActAs sets the devlms_user cookie: the dev LMS has no passwords.
func (p *Platform) handleActAs(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.renderProblem(w, http.StatusBadRequest, "Bad form", err.Error())
		return
	}
	p.mu.Lock()
	known := p.state.user(r.PostForm.Get("user")) != nil
	p.mu.Unlock()
	if !known {
		p.renderProblem(w, http.StatusBadRequest, "Unknown user", "There is no user "+r.PostForm.Get("user")+".")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: userCookie, Value: r.PostForm.Get("user"), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, homeURL(r.PostForm.Get("course")), http.StatusSeeOther)
}

// handleUILaunch turns a launch button of the home page into a launch.
func (p *Platform) handleUILaunch(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.renderProblem(w, http.StatusBadRequest, "Bad form", err.Error())
		return
	}
	user := p.cookieUser(r)
	if user == nil {
		p.renderProblem(w, http.StatusUnauthorized, "Choose a user first", "Pick whom to act as on the home page.")
		return
	}
	f := r.PostForm
	spec := LaunchSpec{
		Kind: f.Get("kind"), ClientID: f.Get("tool"), CourseID: f.Get("course"), UserID: user.ID,
		ResourceLinkID: f.Get("resource_link"), Frame: f.Get("frame"), Initiation: http.MethodPost,
	}
	if spec.Frame == "iframe" {
		// Like Canvas: in a frame, third-party cookies may be blocked, so the
		// platform offers its postMessage storage.
		spec.StorageTarget = true
	}
	launch, err := p.StartLaunchURL(spec)
	if err != nil {
		p.renderProblem(w, http.StatusBadRequest, "Cannot launch", err.Error())
		return
	}
	http.Redirect(w, r, launch, http.StatusSeeOther)
}

// renderHostFrame shows the Canvas-like course page whose iframe performs
// the login initiation; static/ltistorage.js answers the tool's storage
// messages when the launch asked for it.
func (p *Platform) renderHostFrame(w http.ResponseWriter, pl *pendingLaunch) {
	p.mu.Lock()
	course := p.state.course(pl.spec.CourseID)
	var c Course
	if course != nil {
		c = *course
	}
	p.mu.Unlock()
	p.renderPage(w, http.StatusOK, "hostframe", map[string]any{
		"Title":    pl.tool.Name + " · " + c.Title,
		"Course":   c,
		"ToolName": pl.tool.Name,
		"Src":      "/launch/" + pl.id + "/initiate",
		"Storage":  pl.spec.StorageTarget,
	})
}

func homeURL(courseID string) string {
	if courseID == "" {
		return "/"
	}
	return "/?" + url.Values{"course": {courseID}}.Encode()
}
