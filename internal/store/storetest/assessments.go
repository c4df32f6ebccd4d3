package storetest

import (
	"errors"
	"sync"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// testAssessments: an LMS assessment's names attach to one exam per
// course; attaching one again to its exam is nothing, to another exam a
// conflict that leaves it where it was.
func testAssessments(t *testing.T, st store.Store, f fixture, otherCourse int64) {
	link := proctor.AssessmentKey{Kind: proctor.AssessmentResourceLink, ID: "rl-1"}
	quiz := proctor.AssessmentKey{Kind: proctor.AssessmentCanvasQuiz, ID: "rl-1"} // the same id, another kind of name
	_, err := st.ExamForAssessment(ctx(t), f.course.ID, link)
	wantErr(t, err, store.ErrNotFound)
	must(t, st.AttachAssessment(ctx(t), f.course.ID, link, f.exam.ID))
	must(t, st.AttachAssessment(ctx(t), f.course.ID, link, f.exam.ID))
	second := proctor.Exam{CourseID: f.course.ID, Title: "Second", Settings: proctor.DefaultSettings(), CreatedAt: t0}
	must(t, st.CreateExam(ctx(t), &second))
	wantErr(t, st.AttachAssessment(ctx(t), f.course.ID, link, second.ID), store.ErrConflict)
	must(t, st.AttachAssessment(ctx(t), f.course.ID, quiz, second.ID))
	if e, err := st.ExamForAssessment(ctx(t), f.course.ID, link); err != nil || e.ID != f.exam.ID || e.Title != "Midterm" {
		t.Fatalf("ExamForAssessment(%s) = %+v (%v), want the first exam", link, e, err)
	}
	if e, err := st.ExamForAssessment(ctx(t), f.course.ID, quiz); err != nil || e.ID != second.ID {
		t.Fatalf("ExamForAssessment(%s) = %+v (%v), want the second exam", quiz, e, err)
	}
	_, err = st.ExamForAssessment(ctx(t), otherCourse, link)
	wantErr(t, err, store.ErrNotFound) // names are per course
	got, err := st.ListAssessments(ctx(t), f.course.ID)
	must(t, err)
	want := []proctor.AssessmentLink{{AssessmentKey: quiz, ExamID: second.ID}, {AssessmentKey: link, ExamID: f.exam.ID}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("ListAssessments = %+v, want %+v", got, want)
	}
	if other, _ := st.ListAssessments(ctx(t), otherCourse); len(other) != 0 {
		t.Fatalf("another course lists %+v", other)
	}
	// Merges are made only by migration 0011 (its tests in sqlstore).
	_, err = st.ExamMergedInto(ctx(t), f.exam.ID)
	wantErr(t, err, store.ErrNotFound)
	if ids, err := st.TakeMergedExams(ctx(t)); err != nil || len(ids) != 0 {
		t.Fatalf("TakeMergedExams = %v (%v)", ids, err)
	}
}

// testAssessmentRace: launches that race to make an assessment's exam —
// each looks for it, makes it when missing and attaches the name, in one
// transaction — end with one exam, which all of them got.
func testAssessmentRace(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	key := proctor.AssessmentKey{Kind: proctor.AssessmentResourceLink, ID: "quiz-9"}
	const launches = 8
	got := make([]int64, launches)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range launches {
		wg.Go(func() {
			<-start
			err := st.InTx(ctx(t), func(tx store.Tx) error {
				e, err := tx.ExamForAssessment(ctx(t), f.course.ID, key)
				if errors.Is(err, store.ErrNotFound) {
					e = &proctor.Exam{CourseID: f.course.ID, Title: "Quiz 9", Settings: proctor.DefaultSettings(), CreatedAt: t0}
					if err = tx.CreateExam(ctx(t), e); err == nil {
						err = tx.AttachAssessment(ctx(t), f.course.ID, key, e.ID)
					}
				}
				if err == nil {
					got[i] = e.ID
				}
				return err
			})
			if err != nil {
				t.Errorf("launch %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	exams, err := st.ListExams(ctx(t), f.course.ID)
	must(t, err)
	if len(exams) != 2 { // the fixture's and the quiz's
		t.Fatalf("%d exams after %d racing launches, want 2", len(exams), launches)
	}
	for i, id := range got {
		if id != got[0] || id == f.exam.ID {
			t.Fatalf("launch %d got exam %d, launch 0 exam %d", i, id, got[0])
		}
	}
}
