package lti

import "strings"

// Role URIs (LTI Core 1.3, appendix A). Platforms may also send the short
// names of LTI 1.1 ("Instructor"); both are understood.
const (
	roleMembership  = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
	roleInstitution = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
	roleSystem      = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
	RoleInstructor  = roleMembership + "Instructor"
	RoleLearner     = roleMembership + "Learner"
	RoleTA          = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
	RoleAdmin       = roleInstitution + "Administrator"
)

// short is a role's last name: "Instructor" of ".../membership#Instructor",
// "TeachingAssistant" of ".../membership/Instructor#TeachingAssistant".
func short(role string) (scope, name string) {
	switch {
	case strings.HasPrefix(role, roleMembership):
		return "membership", role[len(roleMembership):]
	case strings.HasPrefix(role, roleInstitution):
		return "institution", role[len(roleInstitution):]
	case strings.HasPrefix(role, roleSystem):
		return "system", role[len(roleSystem):]
	case strings.HasPrefix(role, "http://purl.imsglobal.org/vocab/lis/v2/membership/"):
		if i := strings.LastIndexByte(role, '#'); i >= 0 {
			return "membership", role[i+1:]
		}
	case !strings.Contains(role, "/"):
		return "membership", role
	}
	return "", ""
}

// IsTeacher: instructor, teaching assistant or content developer of the
// course.
func (l *Launch) IsTeacher() bool {
	return l.hasRole(func(scope, name string) bool {
		return scope == "membership" && (name == "Instructor" || name == "TeachingAssistant" || name == "ContentDeveloper")
	})
}

// IsAssistant: a teaching assistant or a content developer rather than
// the course's instructor. A TA's launch carries the Instructor role too,
// with the TeachingAssistant sub-role, so the sub-role decides.
func (l *Launch) IsAssistant() bool {
	ta := l.hasRole(func(scope, name string) bool { return scope == "membership" && name == "TeachingAssistant" })
	dev := l.hasRole(func(scope, name string) bool { return scope == "membership" && name == "ContentDeveloper" })
	instructor := l.hasRole(func(scope, name string) bool { return scope == "membership" && name == "Instructor" })
	return ta || (dev && !instructor)
}

// IsLearner: a learner (student) of the course.
func (l *Launch) IsLearner() bool {
	return l.hasRole(func(scope, name string) bool { return scope == "membership" && name == "Learner" })
}

// IsAdmin: an administrator of the institution or of the LMS itself.
func (l *Launch) IsAdmin() bool {
	return l.hasRole(func(scope, name string) bool {
		return (scope == "institution" || scope == "system") && (name == "Administrator" || name == "SysAdmin")
	})
}

func (l *Launch) hasRole(match func(scope, name string) bool) bool {
	for _, r := range l.Roles {
		if scope, name := short(r); match(scope, name) {
			return true
		}
	}
	return false
}
