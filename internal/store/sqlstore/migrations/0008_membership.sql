-- Course membership carries a role (docs/LTI.md): instructors change
-- things, reviewers (teaching assistants, content developers by default)
-- only read. An LMS administrator is an administrator of that LMS's
-- courses only (platform_admins), not of Vigil.

ALTER TABLE course_members ADD COLUMN role TEXT NOT NULL DEFAULT 'instructor'
    CHECK (role IN ('instructor', 'reviewer'));

CREATE TABLE platform_admins (
    platform_id {{.Int}} NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    user_id     {{.Int}} NOT NULL REFERENCES users (id),
    PRIMARY KEY (platform_id, user_id)
){{.WithoutRowID}};

-- Accounts an LMS launch made administrators keep that LMS's courses and
-- lose the rest; a launch by a person named in --global-admins restores it.
INSERT INTO platform_admins (platform_id, user_id)
    SELECT lu.platform_id, lu.user_id FROM lti_users lu JOIN users u ON u.id = lu.user_id
    WHERE u.role = 'admin' AND u.password_hash = '';
UPDATE users SET role = 'instructor'
    WHERE role = 'admin' AND password_hash = '' AND id IN (SELECT user_id FROM lti_users);
