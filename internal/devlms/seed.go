package devlms

import (
	"strings"
	"time"
)

// SeedData names what Seed created.
type SeedData struct {
	CourseID     string
	InstructorID string
	TAID         string
	StudentIDs   []string // three students
	AdminID      string   // an account administrator, enrolled nowhere
	QuizIDs      []string // Midterm Exam (no access code), Final Exam (access code "final-bio")
}

// Seed fills a platform with the demo course "BIO-101 Biology": an
// instructor, a teaching assistant, three students, an administrator and
// two published Classic Quizzes. It registers no tool: that is the caller's
// part, since only it knows the tool's URLs.
func Seed(p *Platform) SeedData {
	course := p.AddCourse(Course{Label: "BIO-101", Title: "Biology"})
	person := func(given, family string, admin bool) string {
		return p.AddUser(User{
			GivenName: given, FamilyName: family, Admin: admin,
			Email: strings.ToLower(given+"."+family) + "@example.edu",
		}).ID
	}
	d := SeedData{
		CourseID:     course.ID,
		InstructorID: person("Ada", "Okafor", false),
		TAID:         person("Tomas", "Lindqvist", false),
		StudentIDs:   []string{person("Mei", "Chen", false), person("Samuel", "Mensah", false), person("Lucia", "Fernandez", false)},
		AdminID:      person("Priya", "Raman", true),
	}
	p.Enroll(course.ID, d.InstructorID, RoleInstructor)
	p.Enroll(course.ID, d.TAID, RoleInstructor, RoleTeachingAssistant)
	for _, s := range d.StudentIDs {
		p.Enroll(course.ID, s, RoleLearner)
	}
	now := p.now().UTC().Truncate(time.Hour)
	midterm := p.AddQuiz(course.ID, Quiz{Title: "Midterm Exam", Published: true, DueAt: now.Add(7 * 24 * time.Hour)})
	final := p.AddQuiz(course.ID, Quiz{Title: "Final Exam", Published: true, AccessCode: "final-bio", DueAt: now.Add(30 * 24 * time.Hour)})
	d.QuizIDs = []string{midterm.ID, final.ID}
	return d
}
