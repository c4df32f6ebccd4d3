<?php
// Makes what scripts/moodle-check walks through in a fresh Moodle: a course
// (shortname VIGIL101), a teacher and a student enrolled in it, and a quiz
// with one true/false question. Run with Moodle's own PHP CLI:
//   php scripts/moodle-check-setup.php /path/to/moodle
// Prints KEY=VALUE lines (course id, the quiz's course-module id).
define('CLI_SCRIPT', true);
$moodle = $argv[1] ?? '';
if ($moodle === '' || !file_exists("$moodle/config.php")) {
    fwrite(STDERR, "usage: php moodle-check-setup.php MOODLE_DIR (the directory holding config.php)\n");
    exit(2);
}
require("$moodle/config.php");
require_once($CFG->dirroot . '/lib/testing/generator/lib.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/mod/quiz/locallib.php');
require_once($CFG->dirroot . '/question/engine/bank.php');
\core\cron::setup_user(get_admin());

$gen = new testing_data_generator();
$course = $DB->get_record('course', ['shortname' => 'VIGIL101']);
if (!$course) {
    $course = $gen->create_course(['fullname' => 'Vigil 101', 'shortname' => 'VIGIL101']);
}
// Every walk starts from no Vigil in Moodle (Vigil's data is fresh each
// run): its earlier activities and tool registrations go.
require_once($CFG->dirroot . '/mod/lti/locallib.php');
foreach ($DB->get_records_sql("SELECT cm.id FROM {course_modules} cm JOIN {modules} m ON m.id = cm.module
    WHERE m.name = 'lti' AND cm.course = ?", [$course->id]) as $old) {
    course_delete_module($old->id);
}
foreach ($DB->get_records_select('lti_types', $DB->sql_like('baseurl', '?'), ['%/lti/exam']) as $type) {
    lti_delete_type($type->id);
}
$users = [];
foreach (['teacher' => ['Terry', 'Teacher', 'editingteacher'], 'student' => ['Sam', 'Student', 'student']] as $name => [$first, $last, $role]) {
    $u = $DB->get_record('user', ['username' => $name]);
    if (!$u) {
        $u = $gen->create_user(['username' => $name, 'password' => 'Moodle-1234', 'firstname' => $first,
            'lastname' => $last, 'email' => "$name@example.edu"]);
    }
    $gen->enrol_user($u->id, $course->id, $role);
    $users[$name] = $u;
}
$cm = $DB->get_record_sql("SELECT cm.* FROM {course_modules} cm JOIN {modules} m ON m.id = cm.module
    JOIN {quiz} q ON q.id = cm.instance WHERE m.name = 'quiz' AND cm.course = ? AND q.name = ?", [$course->id, 'Midterm']);
if (!$cm) {
    $quiz = $gen->create_module('quiz', ['course' => $course->id, 'name' => 'Midterm', 'questionsperpage' => 0]);
    $qgen = $gen->get_plugin_generator('core_question');
    $cat = $qgen->create_question_category();
    // The question type's own save, as the question editor does (the
    // question generator needs PHPUnit).
    $form = (object) ['category' => $cat->id . ',' . $cat->contextid, 'name' => 'Honest',
        'questiontext' => ['text' => 'I take this quiz in the proctoring window.', 'format' => FORMAT_HTML],
        'generalfeedback' => ['text' => '', 'format' => FORMAT_HTML], 'defaultmark' => 1, 'penalty' => 1,
        'correctanswer' => 1, 'showstandardinstruction' => 0,
        'feedbacktrue' => ['text' => '', 'format' => FORMAT_HTML], 'feedbackfalse' => ['text' => '', 'format' => FORMAT_HTML],
        'status' => \core_question\local\bank\question_version_status::QUESTION_STATUS_READY];
    $q = question_bank::get_qtype('truefalse')->save_question((object) ['category' => $cat->id, 'qtype' => 'truefalse',
        'contextid' => $cat->contextid, 'createdby' => get_admin()->id, 'modifiedby' => get_admin()->id], $form);
    quiz_add_quiz_question($q->id, $quiz);
    $cmid = $quiz->cmid;
} else {
    $cmid = $cm->id;
    // The walk sets the quiz password from Vigil's exam settings.
    $DB->set_field('quiz', 'password', '', ['id' => $cm->instance]);
    rebuild_course_cache($course->id, true);
}
// The quiz's total follows its question's mark (adding a question outside
// the quiz editor leaves it 0, and Moodle then refuses every attempt).
$quizid = $DB->get_field('course_modules', 'instance', ['id' => $cmid]);
\mod_quiz\quiz_settings::create($quizid)->get_grade_calculator()->recompute_quiz_sumgrades();
// An earlier walk's attempt would be continued without the password.
quiz_delete_all_attempts($DB->get_record('quiz', ['id' => $quizid]));
echo "MOODLE_COURSE_ID={$course->id}\nMOODLE_QUIZ_CMID={$cmid}\n";
