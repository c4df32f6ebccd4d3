-- Vigil schema, version 11: one LMS assessment, one exam (docs/LTI.md, "One
-- assessment, one exam"). An assessment reaches Vigil under several names
-- (the resource link id of its launches and LTI Proctoring messages, its
-- Canvas quiz id); lms_assessment_keys attaches each name, once per course,
-- to the one exam the assessment is. It replaces lti_resource_links, which
-- knew only resource links, so that "Proctor with Vigil" on a Canvas quiz
-- and the students' proctoring launches for it made two exams.
--
-- Exams made twice for one assessment are merged here: exams of a course
-- that share a name (a resource link id equal to a Canvas quiz id, or one
-- quiz on two exams), and any exam joined to them that way, become the
-- oldest of them. It receives the others' sessions (with their violations,
-- decisions, notes and media; a student's attempts are numbered after the
-- ones it had), session links, exports and names; the settings the
-- instructor changed last (updated_at after created_at) win, and for each
-- student the accommodation changed last. The audit log is append-only and
-- keeps every entry as written; each merge adds one (exam.merged), and
-- exam_merges remembers where an exam went (links placed by deep linking
-- name exams by id).

CREATE TABLE lms_assessment_keys (
    course_id  {{.Int}} NOT NULL REFERENCES courses (id),
    kind       TEXT NOT NULL CHECK (kind IN ('resource_link', 'canvas_quiz')),
    lms_id     TEXT NOT NULL,
    exam_id    {{.Int}} NOT NULL REFERENCES exams (id),
    created_at {{.Int}} NOT NULL,
    PRIMARY KEY (course_id, kind, lms_id)
){{.WithoutRowID}};
CREATE INDEX lms_assessment_keys_exam ON lms_assessment_keys (exam_id);

-- redecided: the exam's sessions were queued to be decided again under its
-- settings (vigil migrate does that after this migration).
CREATE TABLE exam_merges (
    from_exam_id {{.Int}} PRIMARY KEY,
    into_exam_id {{.Int}} NOT NULL REFERENCES exams (id),
    merged_at    {{.Int}} NOT NULL,
    redecided    {{.Bool}} NOT NULL DEFAULT {{.False}}
);

CREATE TEMP TABLE old_keys AS
    SELECT course_id, 'resource_link' AS kind, resource_link_id AS lms_id, exam_id FROM lti_resource_links
    UNION
    SELECT e.course_id, 'canvas_quiz', q.quiz_id, q.exam_id FROM lms_quizzes q JOIN exams e ON e.id = q.exam_id;

-- Each exam that shares a name with another, and the oldest exam of its
-- group (edges are symmetric, so an exam reaches itself).
CREATE TEMP TABLE merge_into AS
    WITH RECURSIVE
    edge (a, b) AS (
        SELECT k1.exam_id, k2.exam_id FROM old_keys k1
        JOIN old_keys k2 ON k2.course_id = k1.course_id AND k2.lms_id = k1.lms_id AND k2.exam_id != k1.exam_id),
    reach (a, b) AS (
        SELECT a, b FROM edge
        UNION
        SELECT reach.a, edge.b FROM reach JOIN edge ON edge.a = reach.b)
    SELECT a AS exam_id, min(b) AS into_id FROM reach GROUP BY a;

CREATE TEMP TABLE merge_now AS SELECT {{.NowMillis}} AS at;

UPDATE exams SET
    settings = (SELECT e.settings FROM merge_into m JOIN exams e ON e.id = m.exam_id
        WHERE m.into_id = exams.id AND e.updated_at > e.created_at ORDER BY e.updated_at DESC, e.id LIMIT 1),
    updated_at = (SELECT max(e.updated_at) FROM merge_into m JOIN exams e ON e.id = m.exam_id
        WHERE m.into_id = exams.id AND e.updated_at > e.created_at)
WHERE id IN (SELECT into_id FROM merge_into) AND EXISTS (SELECT 1 FROM merge_into m JOIN exams e ON e.id = m.exam_id
    WHERE m.into_id = exams.id AND e.updated_at > e.created_at);

CREATE TEMP TABLE moved_sessions AS
    SELECT s.id, m.into_id,
        coalesce((SELECT max(k.attempt) FROM sessions k WHERE k.exam_id = m.into_id AND k.student_id = s.student_id), 0)
        + row_number() OVER (PARTITION BY m.into_id, s.student_id ORDER BY s.created_at, s.id) AS attempt
    FROM sessions s JOIN merge_into m ON m.exam_id = s.exam_id WHERE m.exam_id != m.into_id;
UPDATE sessions SET
    exam_id = (SELECT into_id FROM moved_sessions ms WHERE ms.id = sessions.id),
    attempt = (SELECT attempt FROM moved_sessions ms WHERE ms.id = sessions.id)
WHERE id IN (SELECT id FROM moved_sessions);

UPDATE session_links SET exam_id = (SELECT into_id FROM merge_into m WHERE m.exam_id = session_links.exam_id)
WHERE exam_id IN (SELECT exam_id FROM merge_into WHERE exam_id != into_id);

UPDATE exports SET exam_id = (SELECT into_id FROM merge_into m WHERE m.exam_id = exports.exam_id)
WHERE exam_id IN (SELECT exam_id FROM merge_into WHERE exam_id != into_id);

-- One accommodation per student, and one quiz access code, per exam: the
-- one changed last.
CREATE TEMP TABLE acc_keep AS
    SELECT exam_id, student_id FROM (
        SELECT a.exam_id, a.student_id,
            row_number() OVER (PARTITION BY m.into_id, a.student_id ORDER BY a.updated_at DESC, a.exam_id) AS n
        FROM accommodations a JOIN merge_into m ON m.exam_id = a.exam_id) ranked
    WHERE n = 1;
DELETE FROM accommodations WHERE exam_id IN (SELECT exam_id FROM merge_into)
    AND NOT EXISTS (SELECT 1 FROM acc_keep k WHERE k.exam_id = accommodations.exam_id AND k.student_id = accommodations.student_id);
UPDATE accommodations SET exam_id = (SELECT into_id FROM merge_into m WHERE m.exam_id = accommodations.exam_id)
WHERE exam_id IN (SELECT exam_id FROM merge_into WHERE exam_id != into_id);

CREATE TEMP TABLE quiz_keep AS
    SELECT exam_id FROM (
        SELECT q.exam_id, row_number() OVER (PARTITION BY m.into_id ORDER BY q.updated_at DESC, q.exam_id) AS n
        FROM lms_quizzes q JOIN merge_into m ON m.exam_id = q.exam_id) ranked
    WHERE n = 1;
DELETE FROM lms_quizzes WHERE exam_id IN (SELECT exam_id FROM merge_into) AND exam_id NOT IN (SELECT exam_id FROM quiz_keep);
UPDATE lms_quizzes SET exam_id = (SELECT into_id FROM merge_into m WHERE m.exam_id = lms_quizzes.exam_id)
WHERE exam_id IN (SELECT exam_id FROM merge_into WHERE exam_id != into_id);

INSERT INTO lms_assessment_keys (course_id, kind, lms_id, exam_id, created_at)
    SELECT DISTINCT k.course_id, k.kind, k.lms_id, coalesce(m.into_id, k.exam_id), e.created_at
    FROM old_keys k JOIN exams e ON e.id = k.exam_id LEFT JOIN merge_into m ON m.exam_id = k.exam_id
    WHERE true
ON CONFLICT DO NOTHING;

INSERT INTO exam_merges (from_exam_id, into_exam_id, merged_at)
    SELECT m.exam_id, m.into_id, n.at FROM merge_into m, merge_now n WHERE m.exam_id != m.into_id;

INSERT INTO audit_log (at, actor, action, course_id, subject, detail)
    SELECT n.at, 'migration 0011', 'exam.merged', e.course_id, 'exam:' || m.into_id,
        'exam ' || m.exam_id || ' (' || e.title || ') merged into exam ' || m.into_id || ': one LMS assessment'
    FROM merge_into m JOIN exams e ON e.id = m.exam_id, merge_now n WHERE m.exam_id != m.into_id;

DROP TABLE lti_resource_links;
DELETE FROM exams WHERE id IN (SELECT exam_id FROM merge_into WHERE exam_id != into_id);

DROP TABLE old_keys;
DROP TABLE merge_into;
DROP TABLE merge_now;
DROP TABLE moved_sessions;
DROP TABLE acc_keep;
DROP TABLE quiz_keep;
