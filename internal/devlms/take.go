package devlms

import (
	"crypto/subtle"
	"net/http"
)

// The student's Classic Quiz page, outside LTI: it asks for the access code
// when the quiz has one, which is how a proctoring tool that sets the code
// keeps students from taking the quiz unproctored.

// takeQuiz loads the quiz a cookie user may take, or answers the problem
// itself and returns ok false.
func (p *Platform) takeQuiz(w http.ResponseWriter, r *http.Request) (Course, Quiz, bool) {
	user := p.cookieUser(r)
	if user == nil {
		p.renderProblem(w, http.StatusUnauthorized, "Choose a user first", "Pick whom to act as on the home page.")
		return Course{}, Quiz{}, false
	}
	courseID, quizID := r.PathValue("course_id"), r.PathValue("quiz_id")
	p.mu.Lock()
	defer p.mu.Unlock()
	course, quiz := p.state.course(courseID), p.state.quiz(courseID, quizID)
	teacher := p.state.isTeacher(courseID, user.ID)
	enrolled := teacher || p.state.roles(courseID, user.ID) != nil
	if course == nil || quiz == nil || !enrolled || (!quiz.Published && !teacher) {
		p.renderProblem(w, http.StatusNotFound, "Quiz not found", "This quiz does not exist or is not available to you.")
		return Course{}, Quiz{}, false
	}
	return *course, *quiz, true
}

// handleTakeQuiz shows the quiz, or the access code form when it has a code.
func (p *Platform) handleTakeQuiz(w http.ResponseWriter, r *http.Request) {
	course, quiz, ok := p.takeQuiz(w, r)
	if !ok {
		return
	}
	mode := "progress"
	if quiz.secret() != "" {
		mode = "code"
	}
	p.renderTake(w, http.StatusOK, course, quiz, mode, "")
}

// handleAccessCode checks the access code the student typed.
func (p *Platform) handleAccessCode(w http.ResponseWriter, r *http.Request) {
	course, quiz, ok := p.takeQuiz(w, r)
	if !ok {
		return
	}
	if !accessCodeMatches(quiz, r.PostFormValue("access_code")) {
		p.renderTake(w, http.StatusForbidden, course, quiz, "code", "That "+secretName(quiz)+" is not correct.")
		return
	}
	p.renderTake(w, http.StatusOK, course, quiz, "progress", "")
}

func secretName(q Quiz) string {
	if q.Password != "" {
		return "password"
	}
	return "access code"
}

// handleSubmitQuiz ends an unproctored quiz; the code is checked again so
// that the form cannot skip it.
func (p *Platform) handleSubmitQuiz(w http.ResponseWriter, r *http.Request) {
	course, quiz, ok := p.takeQuiz(w, r)
	if !ok {
		return
	}
	if !accessCodeMatches(quiz, r.PostFormValue("access_code")) {
		p.renderTake(w, http.StatusForbidden, course, quiz, "code", "That "+secretName(quiz)+" is not correct.")
		return
	}
	p.renderTake(w, http.StatusOK, course, quiz, "submitted", "")
}

func accessCodeMatches(q Quiz, typed string) bool {
	return q.secret() == "" || subtle.ConstantTimeCompare([]byte(q.secret()), []byte(typed)) == 1
}

func (p *Platform) renderTake(w http.ResponseWriter, status int, c Course, q Quiz, mode, problem string) {
	required := "Access code required"
	if q.Password != "" {
		required = "Password required"
	}
	title := map[string]string{"code": required, "progress": "Quiz in progress", "submitted": "Quiz submitted"}[mode]
	p.renderPage(w, status, "take", map[string]any{
		"Title": title + " · " + q.Title, "Heading": title, "Course": c, "Quiz": q, "Mode": mode, "Problem": problem,
		"Secret": q.secret(), "SecretName": secretName(q),
	})
}
