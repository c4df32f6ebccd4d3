-- Vigil schema, version 18: Moodle as well as Canvas (docs/MOODLE.md).
--
-- joined_to: an LMS that registers each of its tools with a client id of
-- its own (Moodle) may hold several registrations of Vigil; an
-- administrator joins them, and the courses and people of every one of
-- them are those of the first (joined_to names it; 0: itself). product is
-- what the LMS said it is at Dynamic Registration ("moodle", "canvas").
-- nrps_platform_id: the registration whose launch gave the course's
-- roster address, whose client id must read it (0: the course's own).
ALTER TABLE lti_platforms ADD COLUMN joined_to {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE lti_platforms ADD COLUMN product TEXT NOT NULL DEFAULT '';
ALTER TABLE lti_contexts ADD COLUMN nrps_platform_id {{.Int}} NOT NULL DEFAULT 0;

-- One-time addresses an LMS administrator pastes into the LMS to register
-- Vigil (LTI Dynamic Registration); only the token's hash is kept.
CREATE TABLE lti_registration_links (
    token_hash  TEXT PRIMARY KEY,
    created_at  {{.Int}} NOT NULL,
    expires_at  {{.Int}} NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    used_at     {{.Int}} NOT NULL DEFAULT 0,
    platform_id {{.Int}} NOT NULL DEFAULT 0
);

-- The password an instructor pastes once into the LMS's quiz; Vigil shows
-- it to a student only while their recording runs and is healthy.
CREATE TABLE quiz_passwords (
    exam_id    {{.Int}} PRIMARY KEY REFERENCES exams (id),
    password   TEXT NOT NULL,
    created_at {{.Int}} NOT NULL
);
