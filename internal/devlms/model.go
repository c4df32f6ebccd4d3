package devlms

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// LTI role URIs (LIS vocabulary) used in enrolments and in the roles claim.
const (
	RoleInstructor        = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
	RoleTeachingAssistant = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
	RoleContentDeveloper  = "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"
	RoleLearner           = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
	// RoleInstitutionAdministrator is added to every launch of an admin user.
	RoleInstitutionAdministrator = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
)

// Course is a course offering; ID is numeric like Canvas's.
type Course struct {
	ID, Label, Title string
}

// User is a person on the platform. Admin users are account administrators:
// they may launch in any course and count as teachers everywhere.
type User struct {
	ID, GivenName, FamilyName, Email string
	Admin                            bool
}

// Name is the full name, as the name claim and NRPS show it.
func (u User) Name() string {
	switch {
	case u.GivenName == "":
		return u.FamilyName
	case u.FamilyName == "":
		return u.GivenName
	}
	return u.GivenName + " " + u.FamilyName
}

// Quiz is a Canvas Classic Quiz. Its ID is also the resource link id of its
// proctoring launches.
type Quiz struct {
	ID, Title  string
	AccessCode string
	// Password is a Moodle-style "Require password", which an instructor
	// types into the quiz's settings (SetQuizPassword); the quiz asks for it
	// like an access code.
	Password  string
	Published bool
	DueAt     time.Time // zero: no due date
	// New makes it a New Quiz: the New Quizzes API lists it (its id is its
	// assignment's) and sets its student access code; the Classic Quizzes
	// API does not see it.
	New bool
}

// Tool is a registered LTI 1.3 tool and its deployment. The same
// deployment serves every course.
type Tool struct {
	ClientID, DeploymentID, Name, LoginURL string
	RedirectURIs                           []string
	TargetLinkURI, JWKSURL, DeepLinkURL    string
	Custom                                 map[string]string
	// ProctoringEnabled sends the Assessment Control Service claim with
	// proctoring launches and lets the tool have the ACS scope.
	ProctoringEnabled bool
}

// DeveloperKey is a Canvas-like developer key for the REST API's OAuth2.
type DeveloperKey struct {
	ClientID, Secret string
	RedirectURIs     []string
}

// directory holds people, courses, quizzes and registrations.
type directory struct {
	courses  []*Course
	users    []*User
	members  map[string][]membership // course id → members, in enrolment order
	quizzes  map[string][]*Quiz      // course id → quizzes, in creation order
	tools    []*Tool
	devKeys  map[string]DeveloperKey
	counters map[string]int // kind → last numeric id handed out
}

type membership struct {
	userID string
	roles  []string
}

func newDirectory() directory {
	return directory{
		members: map[string][]membership{},
		quizzes: map[string][]*Quiz{},
		devKeys: map[string]DeveloperKey{},
		// Each kind starts in its own range, so a tool that mixes up a
		// user id and a course id fails loudly instead of by luck.
		counters: map[string]int{"course": 100, "user": 1000, "quiz": 500, "client": 0, "deployment": 10},
	}
}

// nextID returns the next numeric id of a kind that taken does not refuse.
func (d *directory) nextID(kind string, taken func(string) bool) string {
	for {
		d.counters[kind]++
		id := strconv.Itoa(d.counters[kind])
		if !taken(id) {
			return id
		}
	}
}

func (d *directory) course(id string) *Course {
	for _, c := range d.courses {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (d *directory) user(id string) *User {
	for _, u := range d.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func (d *directory) quiz(courseID, quizID string) *Quiz {
	for _, q := range d.quizzes[courseID] {
		if q.ID == quizID {
			return q
		}
	}
	return nil
}

func (d *directory) tool(clientID string) *Tool {
	for _, t := range d.tools {
		if t.ClientID == clientID {
			return t
		}
	}
	return nil
}

// roles returns a user's roles in a course; nil when not enrolled.
func (d *directory) roles(courseID, userID string) []string {
	for _, m := range d.members[courseID] {
		if m.userID == userID {
			return m.roles
		}
	}
	return nil
}

// isTeacher says whether a user may manage a course's quizzes: instructors
// (TAs carry the Instructor role too), content developers and admins.
func (d *directory) isTeacher(courseID, userID string) bool {
	if u := d.user(userID); u != nil && u.Admin {
		return true
	}
	roles := d.roles(courseID, userID)
	return slices.Contains(roles, RoleInstructor) || slices.Contains(roles, RoleContentDeveloper)
}

// AddCourse adds a course, numbering it when c.ID is empty, and returns a
// copy of what was stored.
func (p *Platform) AddCourse(c Course) *Course {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := &p.state.directory
	if c.ID == "" {
		c.ID = d.nextID("course", func(id string) bool { return d.course(id) != nil })
	}
	if old := d.course(c.ID); old != nil {
		*old = c
	} else {
		stored := c
		d.courses = append(d.courses, &stored)
	}
	return &c
}

// AddUser adds a user, numbering it when u.ID is empty, and returns a copy
// of what was stored.
func (p *Platform) AddUser(u User) *User {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := &p.state.directory
	if u.ID == "" {
		u.ID = d.nextID("user", func(id string) bool { return d.user(id) != nil })
	}
	if old := d.user(u.ID); old != nil {
		*old = u
	} else {
		stored := u
		d.users = append(d.users, &stored)
	}
	return &u
}

// Enroll gives a user roles (LTI role URIs) in a course, replacing any
// earlier enrolment; no roles means Learner. It panics on an unknown course
// or user, since that is a mistake in the calling code.
func (p *Platform) Enroll(courseID, userID string, roles ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := &p.state.directory
	if d.course(courseID) == nil || d.user(userID) == nil {
		panic(fmt.Sprintf("devlms: Enroll: no course %q or no user %q", courseID, userID))
	}
	if len(roles) == 0 {
		roles = []string{RoleLearner}
	}
	roles = slices.Clone(roles)
	for i, m := range d.members[courseID] {
		if m.userID == userID {
			d.members[courseID][i].roles = roles
			return
		}
	}
	d.members[courseID] = append(d.members[courseID], membership{userID: userID, roles: roles})
}

// AddQuiz adds a Classic Quiz to a course, numbering it when q.ID is empty,
// and returns a copy of what was stored. It panics on an unknown course.
func (p *Platform) AddQuiz(courseID string, q Quiz) *Quiz {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := &p.state.directory
	if d.course(courseID) == nil {
		panic(fmt.Sprintf("devlms: AddQuiz: no course %q", courseID))
	}
	if q.ID == "" {
		q.ID = d.nextID("quiz", func(id string) bool { return d.quiz(courseID, id) != nil })
	}
	if old := d.quiz(courseID, q.ID); old != nil {
		*old = q
	} else {
		stored := q
		d.quizzes[courseID] = append(d.quizzes[courseID], &stored)
	}
	return &q
}

// Quiz returns a copy of a quiz as it is now, access code included.
func (p *Platform) Quiz(courseID, quizID string) (Quiz, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.state.quiz(courseID, quizID)
	if q == nil {
		return Quiz{}, false
	}
	return *q, true
}

// SetQuizPassword sets (or, with "", clears) a quiz's password, as an
// instructor pasting a proctoring tool's quiz password into Moodle's
// "Require password" does. It panics on an unknown quiz.
func (p *Platform) SetQuizPassword(courseID, quizID, password string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.state.quiz(courseID, quizID)
	if q == nil {
		panic(fmt.Sprintf("devlms: SetQuizPassword: no quiz %q in course %q", quizID, courseID))
	}
	q.Password = password
}

// secret is what the quiz asks for before it starts: its password, or its
// access code; "" when it asks for nothing.
func (q Quiz) secret() string {
	if q.Password != "" {
		return q.Password
	}
	return q.AccessCode
}

// RegisterTool registers (or replaces) an LTI 1.3 tool and deploys it in
// every course. DeploymentID defaults to "1" and Name to "Vigil".
func (p *Platform) RegisterTool(t Tool) error {
	if t.ClientID == "" {
		return fmt.Errorf("devlms: RegisterTool: ClientID is required")
	}
	if len(t.RedirectURIs) == 0 {
		return fmt.Errorf("devlms: RegisterTool %s: at least one redirect URI is required", t.ClientID)
	}
	urls := append([]string{t.LoginURL, t.TargetLinkURI, t.JWKSURL}, t.RedirectURIs...)
	if t.DeepLinkURL != "" {
		urls = append(urls, t.DeepLinkURL)
	}
	for _, u := range urls {
		if err := checkAbsoluteURL(u); err != nil {
			return fmt.Errorf("devlms: RegisterTool %s: %w", t.ClientID, err)
		}
	}
	if t.DeploymentID == "" {
		t.DeploymentID = "1"
	}
	if t.Name == "" {
		t.Name = "Vigil"
	}
	t.RedirectURIs = slices.Clone(t.RedirectURIs)
	t.Custom = cloneMap(t.Custom)
	p.mu.Lock()
	defer p.mu.Unlock()
	d := &p.state.directory
	if old := d.tool(t.ClientID); old != nil {
		*old = t
	} else {
		d.tools = append(d.tools, &t)
	}
	return nil
}

// AddDeveloperKey registers (or replaces) a Canvas-like developer key for
// the REST API's OAuth2 flow.
func (p *Platform) AddDeveloperKey(k DeveloperKey) {
	k.RedirectURIs = slices.Clone(k.RedirectURIs)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state.devKeys[k.ClientID] = k
}

func checkAbsoluteURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
