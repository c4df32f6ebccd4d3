package export

import (
	"fmt"
	"strings"

	"vigil/internal/proctor"
)

// FileName is the ZIP's name as a browser saves it: the export's number,
// then the student's name and the exam for one session, or the course, the
// exam and how many sessions for several ("vigil-export-12-ada-lovelace-
// midterm.zip"). Letters outside ASCII are kept (mime.FormatMediaType
// writes them as Content-Disposition's filename*).
func FileName(e *proctor.Export, course *proctor.Course, exam *proctor.Exam, student *proctor.Student) string {
	var names []string
	if len(e.SessionIDs) == 1 && student != nil {
		names = []string{student.FullName()}
	} else {
		names = []string{course.Code}
	}
	if exam != nil {
		names = append(names, exam.Title)
	}
	parts := []string{fmt.Sprintf("vigil-export-%d", e.ID)}
	for _, n := range names {
		if s := slug(n); strings.TrimSpace(n) != "" && s != "x" {
			parts = append(parts, s)
		}
	}
	if len(e.SessionIDs) != 1 || student == nil {
		parts = append(parts, fmt.Sprintf("%d-sessions", len(e.SessionIDs)))
	}
	return strings.Join(parts, "-") + ".zip"
}
